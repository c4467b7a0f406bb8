-- latest_complete_runs: per hub, its latest crawl run with status 'complete' (failed, aborted and running
-- runs never count). "Latest" = greatest finished_at, ties broken by the greater run_id.
-- A hub is a crawl_runs.source; the run's source equals models.hub.
--
-- Columns: hub, run_id, started_at, finished_at, models (distinct models the run saw).
CREATE OR REPLACE VIEW latest_complete_runs AS
SELECT
    source AS hub,
    arg_max(run_id, (finished_at, run_id)) AS run_id,
    arg_max(started_at, (finished_at, run_id)) AS started_at,
    max(finished_at) AS finished_at,
    arg_max(models, (finished_at, run_id)) AS models
FROM crawl_runs
WHERE status = 'complete'
GROUP BY source;
