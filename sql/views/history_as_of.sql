-- models_as_of(day): every model that existed at the end of `day` (UTC), with the values the database
-- knew then. A table macro: SELECT * FROM models_as_of(DATE '2026-11-03').
--
-- Definition, per hub:
-- * crawled hubs (Hugging Face, Kaggle): the hub's latest complete run that finished before the end of
--   `day` is its "as-of run" R. A model existed if it was first seen by R or earlier and no recorded
--   absence covers R (absences are only opened by complete, full, non-suspect runs). Its values are the
--   latest rows of the change logs at or before R. A hub with no complete run by then has no models.
-- * git catalogs (PyTorch Hub, TF Hub; created_at_quality = 'git_first_commit'): the catalog's own
--   history answers. An entry existed if it landed on the default branch before the end of `day` and had
--   not been removed by then. Its values are today's (catalog text is not versioned here).
-- Columns: hub, key, mid, id, author, created_at, created_at_quality, last_modified, library_name,
--   pipeline_tag, tags, downloads, downloads_all_time, likes, sha, private, gated, formats, files,
--   deleted_at, as_of_run (NULL for git catalogs).
CREATE OR REPLACE MACRO models_as_of(day) AS TABLE
WITH cutoff AS (
    SELECT timezone('UTC', (CAST(day AS DATE) + INTERVAL 1 DAY)::TIMESTAMP) AS t
),
as_of_runs AS (
    SELECT r.source AS hub, max(r.run_id) AS run_id
    FROM crawl_runs r, cutoff
    WHERE r.status = 'complete' AND r.finished_at < cutoff.t
    GROUP BY r.source
),
present AS (
    SELECT m.mid, m.hub, m.key, r.run_id AS as_of_run
    FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE m.created_at_quality IS DISTINCT FROM 'git_first_commit'
      AND m.first_seen_run <= r.run_id
      AND NOT EXISTS (
          SELECT 1 FROM model_absences a
          WHERE a.mid = m.mid AND a.from_run <= r.run_id AND (a.to_run IS NULL OR a.to_run > r.run_id)
      )
),
attrs AS (
    SELECT l.mid, arg_max(l, l.run_id) AS a
    FROM model_attrs_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
),
counters AS (
    SELECT l.mid, arg_max(l, l.run_id) AS c
    FROM model_counters_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
)
SELECT p.hub, p.key, p.mid, a.a.id, a.a.author, a.a.created_at, a.a.created_at_quality, a.a.last_modified,
       a.a.library_name, a.a.pipeline_tag, a.a.tags, c.c.downloads, c.c.downloads_all_time, c.c.likes,
       a.a.sha, a.a.private, a.a.gated, a.a.formats, a.a.files, NULL::TIMESTAMPTZ AS deleted_at,
       p.as_of_run
FROM present p JOIN attrs a ON a.mid = p.mid LEFT JOIN counters c ON c.mid = p.mid
UNION ALL
SELECT m.hub, m.key, m.mid, m.id, m.author, m.created_at, m.created_at_quality, m.last_modified,
       m.library_name, m.pipeline_tag, m.tags, m.downloads, m.downloads_all_time, m.likes, m.sha, m.private,
       m.gated, m.formats, m.files, m.deleted_at, NULL::BIGINT AS as_of_run
FROM models m, cutoff
WHERE m.created_at_quality = 'git_first_commit'
  AND m.created_at < cutoff.t
  AND (m.deleted_at IS NULL OR m.deleted_at >= cutoff.t);
