-- stats_models(as_of): the models every statistic counts, classified, with their creation periods.
-- Table macro; as_of NULL means now (current_models), a DATE means models_as_of(as_of).
-- The view stats_current_models is stats_models(NULL).
-- stats_model_masks(as_of): the same models with their framework bits (`mask`, see framework_lookup)
--   instead of their classes and periods. Columns: hub, key, id, created_at, created_at_quality, formats, mask.
-- stats_model_cells(as_of): stats_models(as_of) (read from it, so it counts exactly the models
--   stats_models counts) per (hub, class under both definitions, creation
--   year and month): the statistics that count models (exclusivity, additions) sum these few thousand
--   rows instead of classifying millions of models one by one. Models are grouped by hub, mask,
--   created_at_quality and UTC month of created_at first, and each group is then classified and put in
--   its periods by the very macros stats_models applies per model (all models of a group get the same
--   classes and periods: creation_period depends only on the quality and the UTC month), so the sums
--   are exactly stats_models' counts. Columns: hub, tags_class, evidence_class, period_year,
--   period_month, models (BIGINT).
--
-- Public models only: a model whose `private` is true (with HF_TOKEN set, the Hugging Face listing also
-- holds the token owner's private repos; Kaggle credentials show their owner's private models) is kept in
-- `models` but left out here, so of every statistic (hubs, exclusivity, additions, headline, Kaggle
-- frameworks, the report, the Python API). `private` NULL (the catalogs, which have no private entries)
-- counts as public. With as_of, a model counts if it was public in the state known then.
--
-- Creation date: the best one zoo knows now, from dated_models (dated_models.sql): a Hugging Face legacy
-- model (createdAt = the placeholder 2022-03-02T23:29:04Z or :05Z) that `zoo crawl hf-dates` dated by its first
-- commit has that date, created_at_quality 'first_commit' (or 'oldest_commit'), and counts in its true
-- year. With as_of too: creation dates are facts about the past, so a day before the model was dated
-- still gets the date known now; which models count then is models_as_of's rule, unchanged.
--
-- Periods (UTC), by the macro creation_period (period_macros.sql):
--   period_year   'YYYY' of created_at; 'legacy' when created_at_quality is still 'sentinel' (Hugging
--                 Face repos created before 2022-03-02 that are not dated yet: never counted in 2022);
--                 'unknown' when there is no created_at or its quality is 'out_of_range' (a hub's date
--                 before 2000-01-01 or after the crawl: never counted in a year); 'imported' when
--                 it is 'git_import' (a catalog entry that came with an import, the first commit of its
--                 catalog's history: published on or before created_at, never counted in a year)
--   period_month  'YYYY-MM', with the same 'legacy', 'imported' and 'unknown'
--
-- Classes: framework_tags_class / framework_evidence_class of the model's mask; the attribute evidence
-- and the file evidence come from the caches beside them when they are current (framework_attr_mask,
-- framework_file_mask), which keeps a million models' tags and files from being looked up one by one
-- on every query. When every row of models, model_attrs_log and model_files_log has both caches computed
-- under the current rules (view framework_cache_current, one row, column `current`: true after every merge
-- and upgrade), a model is classified from its cached bits alone, without even reading its tags and files;
-- otherwise (a database not upgraded since a rule changed) every model goes through framework_attr_mask
-- and framework_file_mask, which use each cache where it is current and compute the rest.
--
-- Columns: hub, key, id, created_at, created_at_quality, tags_class, evidence_class, period_year,
--          period_month, formats, mask (the framework bits the classes come from, see framework_lookup).
CREATE OR REPLACE VIEW framework_cache_current AS
WITH m AS (
    SELECT min(attr_bits_rules) AS a_lo, max(attr_bits_rules) AS a_hi, count(*) - count(attr_bits_rules) AS a_null,
           min(file_bits_rules) AS f_lo, max(file_bits_rules) AS f_hi, count(*) - count(file_bits_rules) AS f_null
    FROM models
),
a AS (
    SELECT min(attr_bits_rules) AS lo, max(attr_bits_rules) AS hi, count(*) - count(attr_bits_rules) AS nulls
    FROM model_attrs_log
),
f AS (
    SELECT min(file_bits_rules) AS lo, max(file_bits_rules) AS hi, count(*) - count(file_bits_rules) AS nulls
    FROM model_files_log
)
SELECT m.a_null = 0 AND m.f_null = 0 AND a.nulls = 0 AND f.nulls = 0
       AND coalesce(m.a_lo = lk.attr_rules_key AND m.a_hi = lk.attr_rules_key, true)
       AND coalesce(m.f_lo = lk.file_rules_key AND m.f_hi = lk.file_rules_key, true)
       AND coalesce(a.lo = lk.attr_rules_key AND a.hi = lk.attr_rules_key, true)
       AND coalesce(f.lo = lk.file_rules_key AND f.hi = lk.file_rules_key, true) AS current
FROM m, a, f, framework_lookup AS lk;

CREATE OR REPLACE MACRO stats_model_masks(as_of) AS TABLE
WITH base AS NOT MATERIALIZED (
    SELECT * FROM dated_models(as_of, counters := false) WHERE private IS NOT TRUE
),
cache AS MATERIALIZED (SELECT current FROM framework_cache_current)
-- every cache is current: two numbers per model, its tags and files are not even read
SELECT
    b.hub,
    b.key,
    b.id,
    b.created_at,
    b.created_at_quality,
    b.formats,
    b.attr_bits | coalesce(b.file_bits, CAST(0 AS UBIGINT)) AS mask
FROM base AS b, cache AS c
WHERE as_of IS NULL AND c.current
UNION ALL
-- some cache is missing or was computed under other rules: each model computed here (its caches still
-- used where they are current)
SELECT
    b.hub,
    b.key,
    b.id,
    b.created_at,
    b.created_at_quality,
    b.formats,
    framework_attr_mask(b.hub, b.library_name, b.tags, b.formats, b.attr_bits, b.attr_bits_rules,
        lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.attr_rules_key)
    | framework_file_mask(b.files, b.file_bits, b.file_bits_rules, lk.file_patterns, lk.file_rules_key)
        AS mask
FROM base AS b, cache AS c, framework_lookup AS lk
WHERE as_of IS NULL AND NOT c.current
UNION ALL
SELECT
    b.hub,
    b.key,
    b.id,
    b.created_at,
    b.created_at_quality,
    b.formats,
    framework_attr_mask(b.hub, b.library_name, b.tags, b.formats, b.attr_bits, b.attr_bits_rules,
        lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.attr_rules_key)
    | framework_file_mask(b.files, b.file_bits, b.file_bits_rules, lk.file_patterns, lk.file_rules_key)
        AS mask
FROM base AS b, framework_lookup AS lk
WHERE as_of IS NOT NULL;

CREATE OR REPLACE MACRO stats_models(as_of) AS TABLE
SELECT
    m.hub,
    m.key,
    m.id,
    m.created_at,
    m.created_at_quality,
    framework_tags_class(m.mask, lk.pytorch_bit, lk.tensorflow_bit) AS tags_class,
    framework_evidence_class(
        m.mask, lk.pytorch_bit, lk.tensorflow_bit, lk.jax_bit, lk.core_mask, lk.multi_backend_mask,
        lk.neutral_mask, lk.other_mask
    ) AS evidence_class,
    creation_period(m.created_at, m.created_at_quality, 'year') AS period_year,
    creation_period(m.created_at, m.created_at_quality, 'month') AS period_month,
    m.formats,
    m.mask
FROM stats_model_masks(as_of) AS m
CROSS JOIN framework_lookup AS lk;

CREATE OR REPLACE MACRO stats_model_cells(as_of) AS TABLE
WITH groups AS (
    SELECT
        hub,
        mask,
        created_at_quality,
        -- the UTC month, where creation_period reads one
        CASE WHEN created_at_quality IS DISTINCT FROM 'sentinel' AND created_at_quality IS DISTINCT FROM 'out_of_range'
            THEN date_trunc('month', make_timestamp(epoch_us(created_at))) END AS month,
        min(created_at) AS created_at,
        count(*) AS models
    FROM stats_models(as_of)
    GROUP BY ALL
)
SELECT
    g.hub,
    framework_tags_class(g.mask, lk.pytorch_bit, lk.tensorflow_bit) AS tags_class,
    framework_evidence_class(
        g.mask, lk.pytorch_bit, lk.tensorflow_bit, lk.jax_bit, lk.core_mask, lk.multi_backend_mask,
        lk.neutral_mask, lk.other_mask
    ) AS evidence_class,
    creation_period(g.created_at, g.created_at_quality, 'year') AS period_year,
    creation_period(g.created_at, g.created_at_quality, 'month') AS period_month,
    g.models
FROM groups AS g
CROSS JOIN framework_lookup AS lk;

CREATE OR REPLACE VIEW stats_current_models AS SELECT * FROM stats_models(NULL);
