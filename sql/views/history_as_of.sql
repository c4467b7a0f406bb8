-- models_as_of(day): every model that existed at the end of `day` (UTC), with the values the database
-- knew then. A table macro with the columns of `models`, in the same order:
--   SELECT * FROM models_as_of(DATE '2026-11-03')
--
-- (Each value is the log's arg_max_null at or before the as-of run: one scalar aggregate per column is
-- several times faster than taking whole log rows; arg_max_null, not arg_max, so that a value that
-- became NULL, a removed pipeline_tag say, is NULL then too. The columns are not listed here: the logs
-- define them (`COLUMNS(l.* EXCLUDE …)`), and `UNION ALL BY NAME` puts them in the order of `models`.)
--
-- Definition, per hub:
-- * crawled hubs (Hugging Face, Kaggle, Papers with Code): the hub's latest complete run that finished
--   before the end of `day` is its "as-of run" R. A model existed if it was first seen by R or earlier,
--   no recorded absence covers R (absences are opened only by complete, full, non-suspect runs), and it
--   was last seen no earlier than the latest full, non-suspect complete run up to R. Its values are the latest
--   rows of the change logs (model_attrs_log, model_counters_log) at or before R (a model always has
--   both: its first rows are written with it); last_seen_run is R. Its files (with their cached
--   evidence file_bits, file_bits_rules) are those of its latest model_files_log row at or before R,
--   NULL when it has none by then (its file names were not listed yet, or it had none).
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
attrs_runs AS (  -- the latest attribute row of each model at or before its as-of run
    SELECT l.mid, max(l.run_id) AS run_id
    FROM model_attrs_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
),
attrs AS (  -- every attribute column of that row, as the log defines them
    SELECT l.* EXCLUDE (run_id)
    FROM model_attrs_log l JOIN attrs_runs r ON l.mid = r.mid AND l.run_id = r.run_id
),
counters_runs AS (  -- the latest counters row
    SELECT l.mid, max(l.run_id) AS run_id
    FROM model_counters_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
),
counters AS (  -- every counter column of that row
    SELECT l.* EXCLUDE (run_id)
    FROM model_counters_log l JOIN counters_runs r ON l.mid = r.mid AND l.run_id = r.run_id
),
files_runs AS (  -- the latest files row of each model at or before its as-of run
    SELECT l.mid, max(l.run_id) AS run_id
    FROM model_files_log l JOIN present p ON l.mid = p.mid AND l.run_id <= p.as_of_run
    GROUP BY l.mid
),
files AS (  -- its file names and their cached evidence (read from the row, not carried through an aggregate)
    SELECT l.mid, {'files': l.files, 'bits': l.file_bits, 'rules': l.file_bits_rules} AS v
    FROM model_files_log l JOIN files_runs r ON l.mid = r.mid AND l.run_id = r.run_id
)
SELECT m.*
FROM models m, cutoff
WHERE m.created_at_quality = 'git_first_commit'
  AND m.hub IN (SELECT source FROM crawl_runs WHERE status = 'complete')
  AND m.created_at < cutoff.t
  AND (m.deleted_at IS NULL OR m.deleted_at >= cutoff.t)
UNION ALL BY NAME
SELECT m.mid, m.hub, m.key, a.* EXCLUDE (mid), c.* EXCLUDE (mid),
       f.v.files AS files, f.v.bits AS file_bits, f.v.rules AS file_bits_rules,
       m.counters_hash, m.attrs_hash, m.files_hash, m.first_seen_run,
       p.as_of_run AS last_seen_run,
       NULL::BIGINT AS absent_since_run,
       NULL::TIMESTAMPTZ AS deleted_at,
       NULL::BIGINT AS deleted_run
FROM present p
JOIN models m ON m.mid = p.mid
JOIN attrs a ON a.mid = p.mid
JOIN counters c ON c.mid = p.mid
LEFT JOIN files f ON f.mid = p.mid;
