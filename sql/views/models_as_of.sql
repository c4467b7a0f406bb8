-- models_as_of(as_of): the models that existed at the end of day `as_of` (a DATE, UTC), as far as zoo
-- can tell. Table macro: SELECT * FROM models_as_of(DATE '2024-01-01').
--
-- Definition, per row, with end = as_of + 1 day (00:00 UTC):
--   catalog rows (created_at_quality = 'git_first_commit': the catalog's git history dates them):
--       seen by the latest complete run of the hub (latest_complete_runs; deleted entries included), and
--       created_at < end, and (deleted_at IS NULL or deleted_at >= end).
--   every other row (Hugging Face, Kaggle, …; no history of these hubs is kept yet):
--       seen by the hub's latest complete run that finished before end ("run R"): first_seen_run <= R
--       and last_seen_run >= R (run ids grow with time within a hub), and not deleted before end.
--       Limitation: before the first crawl of such a hub nothing is known (the hub is absent), and a
--       model's tags are its current ones, not those it had on `as_of`.
-- With as_of = today this is current_models plus nothing else (deleted catalog entries drop out).
--
-- Columns: every column of `models`.
CREATE OR REPLACE MACRO models_as_of(as_of) AS TABLE
WITH bound AS (
    SELECT timezone('UTC', CAST(CAST(as_of AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) AS end_ts
),
runs_then AS (
    SELECT c.source AS hub, arg_max(c.run_id, (c.finished_at, c.run_id)) AS run_id
    FROM crawl_runs AS c, bound
    WHERE c.status = 'complete' AND c.finished_at < bound.end_ts
    GROUP BY c.source
)
SELECT m.*
FROM models AS m
JOIN latest_complete_runs AS r ON r.hub = m.hub AND r.run_id = m.last_seen_run
CROSS JOIN bound
WHERE m.created_at_quality = 'git_first_commit'
    AND m.created_at < bound.end_ts
    AND (m.deleted_at IS NULL OR m.deleted_at >= bound.end_ts)
UNION ALL
SELECT m.*
FROM models AS m
JOIN runs_then AS r ON r.hub = m.hub AND m.first_seen_run <= r.run_id AND m.last_seen_run >= r.run_id
CROSS JOIN bound
WHERE m.created_at_quality <> 'git_first_commit'
    AND (m.deleted_at IS NULL OR m.deleted_at >= bound.end_ts);
