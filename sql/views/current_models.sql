-- current_models: THE base of every statistic — the models that exist now, as far as zoo knows.
--
-- Definition: a row of `models` of a hub that has a complete run, that is not deleted (deleted_at NULL:
-- the catalog did not remove it, and it was not missing from N consecutive complete runs), that is not
-- missing from the hub's latest complete full run (absent_since_run NULL), and that was seen by the
-- hub's latest complete full non-suspect run or a later complete one. So a model the latest complete crawl no longer
-- listed is not counted, a failed or still-running crawl changes nothing, and a suspect crawl (one that
-- saw far fewer models than the night before) or a filtered one (a search, an owner) cannot make
-- models vanish from the statistics.
-- (This one view decides "now"; models_as_of decides "then"; stats_models, which every statistic reads,
-- builds on both and leaves private models out.)
--
-- Columns: every column of `models`.
CREATE OR REPLACE VIEW current_models AS
WITH baseline AS (
    SELECT source AS hub, coalesce(max(run_id) FILTER (full_listing AND NOT suspect), max(run_id)) AS run_id,
           max(run_id) AS latest_run
    FROM crawl_runs
    WHERE status = 'complete'
    GROUP BY source
)
SELECT m.*
FROM models AS m
JOIN baseline AS b ON b.hub = m.hub
WHERE m.deleted_at IS NULL
  AND m.absent_since_run IS NULL
  AND m.last_seen_run BETWEEN b.run_id AND b.latest_run;
