-- stats_models(as_of): the models every statistic counts, classified, with their creation periods.
-- Table macro; as_of NULL means now (current_models), a DATE means models_as_of(as_of).
-- The view stats_current_models is stats_models(NULL).
--
-- Public models only: a model whose `private` is true (with HF_TOKEN set, the Hugging Face listing also
-- holds the token owner's private repos; Kaggle credentials show their owner's private models) is kept in
-- `models` but left out here, so of every statistic (hubs, exclusivity, additions, headline, Kaggle
-- frameworks, the report, the Python API). `private` NULL (the catalogs, which have no private entries)
-- counts as public. With as_of, a model counts if it was public in the state known then.
--
-- Creation date: the best one zoo knows now, from dated_models (dated_models.sql): a Hugging Face legacy
-- model (createdAt = the placeholder 2022-03-02T23:29:04Z) that `zoo crawl hf-dates` dated by its first
-- commit has that date, created_at_quality 'first_commit' (or 'oldest_commit'), and counts in its true
-- year. With as_of too: creation dates are facts about the past, so a day before the model was dated
-- still gets the date known now; which models count then is models_as_of's rule, unchanged.
--
-- Periods (UTC), by the macro creation_period (period_macros.sql):
--   period_year   'YYYY' of created_at; 'legacy' when created_at_quality is still 'sentinel' (Hugging
--                 Face repos created before 2022-03-02 that are not dated yet: never counted in 2022);
--                 'unknown' when there is no created_at or its quality is 'out_of_range' (a hub's date
--                 before 2000-01-01 or after the crawl: never counted in a year)
--   period_month  'YYYY-MM', with the same 'legacy' and 'unknown'
--
-- Classes: framework_tags_class / framework_evidence_class of the model's mask; the attribute evidence
-- and the file evidence come from the caches beside them when they are current (framework_attr_mask,
-- framework_file_mask), which keeps a million models' tags and files from being looked up one by one
-- on every query.
--
-- Columns: hub, key, id, created_at, created_at_quality, tags_class, evidence_class, period_year,
--          period_month, formats.
CREATE OR REPLACE MACRO stats_models(as_of) AS TABLE
WITH base AS (
    SELECT * FROM dated_models(as_of, counters := false) WHERE private IS NOT TRUE
),
masked AS (
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
            AS mask,
        lk.pytorch_bit, lk.tensorflow_bit, lk.jax_bit,
        lk.core_mask, lk.multi_backend_mask, lk.neutral_mask, lk.other_mask
    FROM base AS b
    CROSS JOIN framework_lookup AS lk
)
SELECT
    hub,
    key,
    id,
    created_at,
    created_at_quality,
    framework_tags_class(mask, pytorch_bit, tensorflow_bit) AS tags_class,
    framework_evidence_class(
        mask, pytorch_bit, tensorflow_bit, jax_bit, core_mask, multi_backend_mask, neutral_mask, other_mask
    ) AS evidence_class,
    creation_period(created_at, created_at_quality, 'year') AS period_year,
    creation_period(created_at, created_at_quality, 'month') AS period_month,
    formats
FROM masked;

CREATE OR REPLACE VIEW stats_current_models AS SELECT * FROM stats_models(NULL);
