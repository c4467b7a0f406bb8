-- current_models: THE base of every statistic — the models that exist now, as far as zoo knows.
--
-- Definition: a row of `models` whose last_seen_run is the latest complete run of its hub
-- (latest_complete_runs, matched on crawl_runs.source = models.hub) and whose deleted_at is NULL.
-- So a model the latest complete crawl no longer listed is gone, a model a catalog reports as removed
-- is gone, and a failed or still-running crawl changes nothing.
-- (A later history feature changes this one view; everything else builds on it.)
--
-- Columns: every column of `models`.
CREATE OR REPLACE VIEW current_models AS
SELECT m.*
FROM models AS m
JOIN latest_complete_runs AS r ON r.hub = m.hub AND r.run_id = m.last_seen_run
WHERE m.deleted_at IS NULL;
