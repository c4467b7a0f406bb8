-- export_partitions, export_models(day), export_observations(day), export_runs(day): the shape of
-- `zoo export`, the Hive-partitioned Parquet folder (DIR/<dataset>/hub=<hub>/snapshot_date=<day>/) that
-- Spark, Trino, DuckDB or pandas read in place. crawler/export.py writes each (hub, day) of these as it
-- is; nothing about the data is decided in Python.
--
-- export_partitions: one row per (hub, UTC day) with a complete crawl run: the partitions to write.
--   Columns: hub, snapshot_date (DATE), runs (the complete run_ids of that hub finished that day, in
--   order: a partition written before a later run of its day finished is rewritten).
--
-- export_models(day): the state of every model at the end of `day` (UTC), one row per model that existed
--   then (models_as_of(day), through dated_models(day): created_at and created_at_quality are the best
--   creation date known when the file is written, a Hugging Face legacy model's first commit once
--   `zoo crawl hf-dates` found it), with the derived columns an engine without zoo's macros needs to compute
--   every figure of `zoo stats` with a plain GROUP BY over one snapshot:
--     counted         the model is in that day's statistics (a row of stats_models(day): seen by the
--                     hub's complete runs, not deleted, and whatever else stats_models requires). Every
--                     figure counts only `counted` rows.
--     tags_class, evidence_class    the classes of `zoo stats exclusivity` (framework_classes)
--     created_period  the period of `zoo stats --by year`: 'YYYY', 'legacy', 'imported' (a catalog
--                     import date, created_at_quality 'git_import': on or before created_at) or
--                     'unknown' (also for a created_at outside reality, created_at_quality
--                     'out_of_range': exported as stored)
--     created_month   the period of `--by month`: 'YYYY-MM', 'legacy', 'imported' or 'unknown'
--     pytorch, tensorflow, jax, keras, safetensors, onnx, gguf    framework flags (some evidence of the
--                     model maps to that framework, as in model_frameworks)
--   For counted rows the classes and periods ARE stats_models(day)'s values, so a GROUP BY over the
--   export gives exactly zoo's figures; rows that are not counted get the same macros' values
--   (framework_mask, framework_file_mask and framework_*_class of framework_macros.sql, creation_period
--   of period_macros.sql). Internal bookkeeping (mid, the UBIGINT change hashes, the cached file
--   evidence, absence and deletion markers, which are always empty in a snapshot) stays out; `extra` is
--   JSON text.
--   Denominator: none here; an exclusivity share divides by the counted models of that hub and period.
--   Columns: hub, key, id, author, created_at, created_at_quality, last_modified, library_name,
--            pipeline_tag, tags, downloads, downloads_all_time, likes, sha, private, gated, formats, files,
--            extra, first_seen_run, last_seen_run (the run the snapshot comes from), counted, tags_class,
--            evidence_class, created_period, created_month, pytorch, tensorflow, jax, keras,
--            safetensors, onnx, gguf.
--
-- export_observations(day): what the complete runs of that day changed: one row per model and run where
--   its attributes, counters or file names changed (the change-only logs model_attrs_log,
--   model_counters_log and model_files_log side by side; NULL on a side that did not change: `files` is
--   the repo's file names when that run listed a different set). Columns: hub, key, run_id, id, author,
--   created_at, created_at_quality, last_modified, library_name, pipeline_tag, tags, sha, private, gated,
--   formats, files, extra (JSON text), downloads, downloads_all_time, likes.
--
-- export_runs(day): the complete crawl runs finished that day (crawl_runs; params as JSON text).
--   Columns: hub, then every column of crawl_runs but `source`.
CREATE OR REPLACE VIEW export_partitions AS
SELECT
    source AS hub,
    CAST(timezone('UTC', finished_at) AS DATE) AS snapshot_date,
    list(run_id ORDER BY run_id) AS runs
FROM crawl_runs
WHERE status = 'complete'
GROUP BY ALL
ORDER BY hub, snapshot_date;

CREATE OR REPLACE MACRO export_models(day) AS TABLE
WITH snapshot AS (
    SELECT
        m.*,
        framework_attr_mask(m.hub, m.library_name, m.tags, m.formats, m.attr_bits, m.attr_bits_rules,
            lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.attr_rules_key)
        | framework_file_mask(m.files, m.file_bits, m.file_bits_rules, lk.file_patterns, lk.file_rules_key)
            AS mask,
        lk.framework_bits, lk.pytorch_bit, lk.tensorflow_bit, lk.jax_bit,
        lk.core_mask, lk.multi_backend_mask, lk.neutral_mask, lk.other_mask
    FROM dated_models(day) AS m
    CROSS JOIN framework_lookup AS lk
),
counted AS (
    SELECT hub, key, tags_class, evidence_class, period_year, period_month FROM stats_models(day)
)
SELECT
    s.hub,
    s.key,
    s.id,
    s.author,
    s.created_at,
    s.created_at_quality,
    s.last_modified,
    s.library_name,
    s.pipeline_tag,
    s.tags,
    s.downloads,
    s.downloads_all_time,
    s.likes,
    s.sha,
    s.private,
    s.gated,
    s.formats,
    s.files,
    CAST(s.extra AS VARCHAR) AS extra,
    s.first_seen_run,
    s.last_seen_run,
    c.key IS NOT NULL AS counted,
    coalesce(c.tags_class, framework_tags_class(s.mask, s.pytorch_bit, s.tensorflow_bit)) AS tags_class,
    coalesce(c.evidence_class, framework_evidence_class(s.mask, s.pytorch_bit, s.tensorflow_bit, s.jax_bit,
        s.core_mask, s.multi_backend_mask, s.neutral_mask, s.other_mask)) AS evidence_class,
    coalesce(c.period_year, creation_period(s.created_at, s.created_at_quality, 'year')) AS created_period,
    coalesce(c.period_month, creation_period(s.created_at, s.created_at_quality, 'month')) AS created_month,
    framework_flag(s.mask, s.framework_bits, 'pytorch') AS pytorch,
    framework_flag(s.mask, s.framework_bits, 'tensorflow') AS tensorflow,
    framework_flag(s.mask, s.framework_bits, 'jax') AS jax,
    framework_flag(s.mask, s.framework_bits, 'keras') AS keras,
    framework_flag(s.mask, s.framework_bits, 'safetensors') AS safetensors,
    framework_flag(s.mask, s.framework_bits, 'onnx') AS onnx,
    framework_flag(s.mask, s.framework_bits, 'gguf') AS gguf
FROM snapshot AS s
LEFT JOIN counted AS c ON c.hub = s.hub AND c.key = s.key;

CREATE OR REPLACE MACRO export_observations(day) AS TABLE
WITH runs AS (
    SELECT run_id FROM crawl_runs
    WHERE status = 'complete' AND CAST(timezone('UTC', finished_at) AS DATE) = CAST(day AS DATE)
),
c AS (SELECT * FROM model_counters_log WHERE run_id IN (SELECT run_id FROM runs)),
a AS (SELECT * FROM model_attrs_log WHERE run_id IN (SELECT run_id FROM runs)),
f AS (SELECT mid, run_id, files FROM model_files_log WHERE run_id IN (SELECT run_id FROM runs))
SELECT
    m.hub,
    m.key,
    coalesce(a.run_id, c.run_id, f.run_id) AS run_id,
    a.* EXCLUDE (mid, run_id, extra, attr_bits, attr_bits_rules),
    f.files,
    CAST(a.extra AS VARCHAR) AS extra,
    c.downloads,
    c.downloads_all_time,
    c.likes
FROM a
FULL JOIN c ON a.mid = c.mid AND a.run_id = c.run_id
FULL JOIN f ON f.mid = coalesce(a.mid, c.mid) AND f.run_id = coalesce(a.run_id, c.run_id)
JOIN models AS m ON m.mid = coalesce(a.mid, c.mid, f.mid);

CREATE OR REPLACE MACRO export_runs(day) AS TABLE
SELECT source AS hub, * EXCLUDE (source) REPLACE (CAST(params AS VARCHAR) AS params)
FROM crawl_runs
WHERE status = 'complete' AND CAST(timezone('UTC', finished_at) AS DATE) = CAST(day AS DATE);
