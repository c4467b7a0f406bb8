-- models_as_of(day): every model that existed at the end of `day` (UTC), with the values the database
-- knew then. A table macro with the columns of `models`, in the same order:
--   SELECT * FROM models_as_of(DATE '2026-11-03')
--
-- (Each value is the log's arg_max at or before the as-of run: one scalar aggregate per column is
-- several times faster than taking whole log rows.)
--
-- Definition, per hub:
-- * crawled hubs (Hugging Face, Kaggle, Papers with Code): the hub's latest complete run that finished
--   before the end of `day` is its "as-of run" R. A model existed if it was first seen by R or earlier,
--   no recorded absence covers R (absences are opened only by complete, full, non-suspect runs), and it
--   was last seen no earlier than the latest full, non-suspect complete run up to R. Its values are the latest
--   rows of the change logs (model_attrs_log, model_counters_log) at or before R; last_seen_run is R.
--   A hub with no complete run by then has no models: "not crawled" then, never zero.
-- * git catalogs (PyTorch Hub, TF Hub; created_at_quality = 'git_first_commit'): the catalog's own
--   history answers, so the first crawl already knows the past. An entry existed if it landed on the
--   default branch before the end of `day` and had not been removed by then. Its values are today's
--   (catalog text is not versioned here).
CREATE OR REPLACE MACRO models_as_of(day) AS TABLE
WITH cutoff AS (
    SELECT timezone('UTC', CAST(CAST(day AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) AS t
),
as_of_runs AS (
    SELECT r.source AS hub, max(r.run_id) AS run_id,
           coalesce(max(r.run_id) FILTER (r.full_listing AND NOT r.suspect), max(r.run_id)) AS baseline_run
    FROM crawl_runs r, cutoff
    WHERE r.status = 'complete' AND r.finished_at < cutoff.t
    GROUP BY r.source
),
present AS (
    SELECT m.mid, r.run_id AS as_of_run
    FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE m.created_at_quality IS DISTINCT FROM 'git_first_commit'
      AND m.first_seen_run <= r.run_id
      AND m.last_seen_run >= r.baseline_run
      AND NOT EXISTS (
          SELECT 1 FROM model_absences a
          WHERE a.mid = m.mid AND a.from_run <= r.run_id AND (a.to_run IS NULL OR a.to_run > r.run_id)
      )
),
attrs AS (
    SELECT l.mid,
           arg_max(l.id, l.run_id) AS id,
           arg_max(l.author, l.run_id) AS author,
           arg_max(l.created_at, l.run_id) AS created_at,
           arg_max(l.created_at_quality, l.run_id) AS created_at_quality,
           arg_max(l.last_modified, l.run_id) AS last_modified,
           arg_max(l.library_name, l.run_id) AS library_name,
           arg_max(l.pipeline_tag, l.run_id) AS pipeline_tag,
           arg_max(l.tags, l.run_id) AS tags,
           arg_max(l.sha, l.run_id) AS sha,
           arg_max(l.private, l.run_id) AS private,
           arg_max(l.gated, l.run_id) AS gated,
           arg_max(l.formats, l.run_id) AS formats,
           arg_max(l.files, l.run_id) AS files,
           arg_max(l.extra, l.run_id) AS extra
    FROM model_attrs_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
),
counters AS (
    SELECT l.mid,
           arg_max(l.downloads, l.run_id) AS downloads,
           arg_max(l.downloads_all_time, l.run_id) AS downloads_all_time,
           arg_max(l.likes, l.run_id) AS likes
    FROM model_counters_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
)
SELECT m.* REPLACE (
    CASE WHEN a.mid IS NULL THEN m.id ELSE a.id END AS id,
    CASE WHEN a.mid IS NULL THEN m.author ELSE a.author END AS author,
    CASE WHEN a.mid IS NULL THEN m.created_at ELSE a.created_at END AS created_at,
    CASE WHEN a.mid IS NULL THEN m.created_at_quality ELSE a.created_at_quality END AS created_at_quality,
    CASE WHEN a.mid IS NULL THEN m.last_modified ELSE a.last_modified END AS last_modified,
    CASE WHEN a.mid IS NULL THEN m.library_name ELSE a.library_name END AS library_name,
    CASE WHEN a.mid IS NULL THEN m.pipeline_tag ELSE a.pipeline_tag END AS pipeline_tag,
    CASE WHEN a.mid IS NULL THEN m.tags ELSE a.tags END AS tags,
    CASE WHEN c.mid IS NULL THEN m.downloads ELSE c.downloads END AS downloads,
    CASE WHEN c.mid IS NULL THEN m.downloads_all_time ELSE c.downloads_all_time END AS downloads_all_time,
    CASE WHEN c.mid IS NULL THEN m.likes ELSE c.likes END AS likes,
    CASE WHEN a.mid IS NULL THEN m.sha ELSE a.sha END AS sha,
    CASE WHEN a.mid IS NULL THEN m.private ELSE a.private END AS private,
    CASE WHEN a.mid IS NULL THEN m.gated ELSE a.gated END AS gated,
    CASE WHEN a.mid IS NULL THEN m.formats ELSE a.formats END AS formats,
    CASE WHEN a.mid IS NULL THEN m.files ELSE a.files END AS files,
    CASE WHEN a.mid IS NULL THEN m.extra ELSE a.extra END AS extra,
    p.as_of_run AS last_seen_run,
    NULL::BIGINT AS absent_since_run,
    NULL::TIMESTAMPTZ AS deleted_at,
    NULL::BIGINT AS deleted_run
)
FROM present p
JOIN models m ON m.mid = p.mid
LEFT JOIN attrs a ON a.mid = p.mid
LEFT JOIN counters c ON c.mid = p.mid
UNION ALL
SELECT m.*
FROM models m, cutoff
WHERE m.created_at_quality = 'git_first_commit'
  AND m.hub IN (SELECT source FROM crawl_runs WHERE status = 'complete')
  AND m.created_at < cutoff.t
  AND (m.deleted_at IS NULL OR m.deleted_at >= cutoff.t);
