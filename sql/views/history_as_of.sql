-- models_as_of(day): every model that existed at the end of `day` (UTC), with the values the database
-- knew then. A table macro with the columns of `models`, in the same order:
--   SELECT * FROM models_as_of(DATE '2026-11-03')
--
-- With `counters := false` the counters (downloads, downloads_all_time, likes) are NULL and their log
-- is not read: the statistics of models need none, and that log changes for a third of the models
-- every night.
--
-- How it stays cheap on a long history: a log row is written only when a value changes, and the merge
-- writes the same values into `models`, so a model with no log row after the as-of run still has, in
-- `models`, the values of its latest row by then. Only the models that changed after the as-of run
-- (few, for a recent day) are looked up in the logs (their latest row at or before the run, the whole
-- row, so a value that became NULL, a removed pipeline_tag say, is NULL then too). Logs are appended
-- run after run, so `run_id > …` reads only the row groups written since. The attribute and counter
-- columns are listed in the final SELECT (tests/test_model_columns.py checks them against `models`).
--
-- Definition, per hub:
-- * crawled hubs (Hugging Face, Kaggle, Papers with Code): the hub's latest complete run that finished
--   before the end of `day` is its "as-of run" R. A model existed if it was first seen by R or earlier,
--   no recorded absence covers R (absences are opened only by complete, full, non-suspect runs), and it
--   was last seen no earlier than the latest full, non-suspect complete run up to R. Its values are the latest
--   rows of the change logs (model_attrs_log, model_counters_log) at or before R (a model always has
--   both: its first rows are written with it); last_seen_run is R. Its files (with their cached
--   evidence file_bits, file_bits_rules) are those of its latest model_files_log row at or before R,
--   NULL when it has none by then (its file names were not listed yet, or it had none). The cached
--   attribute evidence (attr_bits, attr_bits_rules) comes with the attributes it belongs to.
--   A hub with no complete run by then has no models: "not crawled" then, never zero.
-- * git catalogs (PyTorch Hub, TF Hub; a created_at_quality of git_catalog_date: 'git_first_commit',
--   'git_import' or 'git_prior_repo'): the catalog's own history answers, so the first crawl already
--   knows the past. An entry existed if it landed on the default branch (for 'git_prior_repo', in the
--   repository that held the catalog before) before the end of `day` and had not been removed by then;
--   a 'git_import' entry counts from the import (it may have existed before: a lower bound). Its values
--   are today's (catalog text is not versioned here).
--
-- git_catalog_date(quality): whether a created_at_quality is one of the git catalogs' (their dates
-- come from the catalog's history, which answers for the past). Scalar macro, BOOLEAN.
CREATE OR REPLACE MACRO git_catalog_date(quality) AS
    coalesce(quality IN ('git_first_commit', 'git_import', 'git_prior_repo'), false);

CREATE OR REPLACE MACRO models_as_of(day, counters := true) AS TABLE
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
earliest AS (SELECT coalesce(min(run_id), 0) AS run_id FROM as_of_runs),
absent AS (  -- the models a recorded absence covers at their hub's as-of run
    SELECT a.mid FROM model_absences a JOIN as_of_runs r ON a.hub = r.hub
    WHERE a.from_run <= r.run_id AND (a.to_run IS NULL OR a.to_run > r.run_id)
),
present AS (
    SELECT m.*, r.run_id AS as_of_run
    FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE NOT git_catalog_date(m.created_at_quality)
      AND m.first_seen_run <= r.run_id
      AND m.last_seen_run >= r.baseline_run
      AND m.mid NOT IN (SELECT mid FROM absent)
),
-- the models present then (first seen by their hub's as-of run) with a log row after the (earliest)
-- as-of run, each with that as-of run
attrs_todo AS (
    SELECT m.mid, r.run_id AS as_of_run FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE m.first_seen_run <= r.run_id
      AND m.mid IN (SELECT l.mid FROM model_attrs_log l, earliest e WHERE l.run_id > e.run_id)
),
attrs AS (  -- their latest attribute row at or before it
    SELECT l.* EXCLUDE (run_id)
    FROM model_attrs_log l JOIN attrs_todo t ON l.mid = t.mid AND l.run_id <= t.as_of_run
    QUALIFY l.run_id = max(l.run_id) OVER (PARTITION BY l.mid)
),
counters_todo AS (
    SELECT m.mid, r.run_id AS as_of_run FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE counters AND m.first_seen_run <= r.run_id
      AND m.mid IN (SELECT l.mid FROM model_counters_log l, earliest e WHERE l.run_id > e.run_id)
),
counters_ AS (
    SELECT l.* EXCLUDE (run_id)
    FROM model_counters_log l JOIN counters_todo t ON l.mid = t.mid AND l.run_id <= t.as_of_run
    QUALIFY l.run_id = max(l.run_id) OVER (PARTITION BY l.mid)
),
files_todo AS (
    SELECT m.mid, r.run_id AS as_of_run FROM models m JOIN as_of_runs r ON m.hub = r.hub
    WHERE m.first_seen_run <= r.run_id
      AND m.mid IN (SELECT l.mid FROM model_files_log l, earliest e WHERE l.run_id > e.run_id)
),
files AS (  -- the file names and their cached evidence, or NULL when it had no files row by then
    SELECT t.mid, l.files, l.file_bits, l.file_bits_rules
    FROM files_todo t LEFT JOIN model_files_log l ON l.mid = t.mid AND l.run_id <= t.as_of_run
    QUALIFY l.run_id IS NOT DISTINCT FROM max(l.run_id) OVER (PARTITION BY t.mid)
),
-- a model unchanged since has a files row by then iff its list is not empty or was emptied by a change
files_emptied AS (SELECT DISTINCT mid FROM model_files_log WHERE len(files) = 0)
SELECT m.*
FROM models m, cutoff
WHERE git_catalog_date(m.created_at_quality)
  AND m.hub IN (SELECT source FROM crawl_runs WHERE status = 'complete')
  AND m.created_at < cutoff.t
  AND (m.deleted_at IS NULL OR m.deleted_at >= cutoff.t)
UNION ALL BY NAME
SELECT m.mid, m.hub, m.key,
       CASE WHEN a.mid IS NULL THEN m.id ELSE a.id END AS id,
       CASE WHEN a.mid IS NULL THEN m.author ELSE a.author END AS author,
       CASE WHEN a.mid IS NULL THEN m.created_at ELSE a.created_at END AS created_at,
       CASE WHEN a.mid IS NULL THEN m.created_at_quality ELSE a.created_at_quality END AS created_at_quality,
       CASE WHEN a.mid IS NULL THEN m.last_modified ELSE a.last_modified END AS last_modified,
       CASE WHEN a.mid IS NULL THEN m.library_name ELSE a.library_name END AS library_name,
       CASE WHEN a.mid IS NULL THEN m.pipeline_tag ELSE a.pipeline_tag END AS pipeline_tag,
       CASE WHEN a.mid IS NULL THEN m.tags ELSE a.tags END AS tags,
       CASE WHEN a.mid IS NULL THEN m.sha ELSE a.sha END AS sha,
       CASE WHEN a.mid IS NULL THEN m.private ELSE a.private END AS private,
       CASE WHEN a.mid IS NULL THEN m.gated ELSE a.gated END AS gated,
       CASE WHEN a.mid IS NULL THEN m.formats ELSE a.formats END AS formats,
       CASE WHEN a.mid IS NULL THEN m.extra ELSE a.extra END AS extra,
       CASE WHEN NOT counters THEN NULL WHEN c.mid IS NULL THEN m.downloads ELSE c.downloads END AS downloads,
       CASE WHEN NOT counters THEN NULL WHEN c.mid IS NULL THEN m.downloads_all_time ELSE c.downloads_all_time END AS downloads_all_time,
       CASE WHEN NOT counters THEN NULL WHEN c.mid IS NULL THEN m.likes ELSE c.likes END AS likes,
       CASE WHEN f.mid IS NOT NULL THEN f.files
            WHEN len(m.files) > 0 OR m.mid IN (SELECT mid FROM files_emptied) THEN m.files END AS files,
       CASE WHEN f.mid IS NOT NULL THEN f.file_bits
            WHEN len(m.files) > 0 OR m.mid IN (SELECT mid FROM files_emptied) THEN m.file_bits END AS file_bits,
       CASE WHEN f.mid IS NOT NULL THEN f.file_bits_rules
            WHEN len(m.files) > 0 OR m.mid IN (SELECT mid FROM files_emptied) THEN m.file_bits_rules END AS file_bits_rules,
       m.counters_hash, m.attrs_hash, m.files_hash, m.first_seen_run,
       CASE WHEN a.mid IS NULL THEN m.attr_bits ELSE a.attr_bits END AS attr_bits,
       CASE WHEN a.mid IS NULL THEN m.attr_bits_rules ELSE a.attr_bits_rules END AS attr_bits_rules,
       m.as_of_run AS last_seen_run,
       NULL::BIGINT AS absent_since_run,
       NULL::TIMESTAMPTZ AS deleted_at,
       NULL::BIGINT AS deleted_run
FROM present m
LEFT JOIN attrs a ON a.mid = m.mid
LEFT JOIN counters_ c ON c.mid = m.mid
LEFT JOIN files f ON f.mid = m.mid;
