-- stats_additions: models added per period, by creation date (created_at), per hub — in total
-- (class 'all') and per framework class of each definition.
-- The view covers now and every slice; the table macro
-- stats_additions_at(as_of, definition, grain, by_class) computes one (any argument NULL = all of them;
-- as_of NULL = now, else the models that existed at the end of that day: models_as_of; by_class false =
-- only the 'all' rows, true = only the per-class rows).
--
-- Definition: a model counts in the period of its created_at (UTC) if it is counted by stats_models,
-- i.e. it still exists (current_models: seen by the latest complete crawl of its hub, not deleted) and
-- is public (private models are left out).
-- Models deleted before the crawl are not counted (the hubs do not list them), so older periods are
-- lower bounds. Period 'legacy' holds the Hugging Face repos whose createdAt is the placeholder
-- 2022-03-02T23:29:04Z or 23:29:05Z (quality 'sentinel'): created on or before it, exact date unknown (a
-- censored date) — never counted in 2022.
-- Period 'imported' holds the catalog entries whose date is an import (created_at_quality 'git_import':
-- TF Hub models that came with the first commit of tfhub.dev's catalog, 2020-08-26, or of the
-- tensorflow/hub folder that held contributed models before, 2020-01-23): published on or before that
-- date, exact date unknown — never counted in that month or year. Entries dated from tensorflow/hub
-- ('git_prior_repo') count in their month.
-- Period 'unknown' holds models without any created_at, and those whose hub gave a date outside reality
-- (created_at_quality 'out_of_range': before 2000-01-01 or after the crawl; year 1, 9999): never in a year.
-- Class rows list every class of the definition for every (hub, period), with 0 models if none; the
-- 'all' rows (the same for both definitions) are repeated under each definition.
--
-- The counts are sums over stats_model_cells(as_of), which are stats_models(as_of)'s counts per class and
-- period.
-- Columns: definition, grain ('year' | 'month'), hub, period ('YYYY', 'YYYY-MM', 'legacy', 'imported',
--          'unknown'),
--          class ('all' or a class of framework_classes), models, sort_order.
CREATE OR REPLACE MACRO stats_additions_at(as_of, definition_filter, grain_filter, by_class) AS TABLE
WITH models_ AS MATERIALIZED (
    SELECT * FROM stats_model_cells(as_of)
),
defs AS (
    SELECT d AS definition FROM (VALUES ('tags'), ('evidence')) AS t(d)
    WHERE coalesce(definition_filter, d) = d
),
totals AS (
    SELECT 'year' AS grain, hub, period_year AS period, CAST(sum(models) AS BIGINT) AS models
    FROM models_ WHERE coalesce(grain_filter, 'year') = 'year' AND NOT coalesce(by_class, false)
    GROUP BY ALL
    UNION ALL
    SELECT 'month', hub, period_month, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(grain_filter, 'month') = 'month' AND NOT coalesce(by_class, false)
    GROUP BY ALL
),
counted AS (
    SELECT 'tags' AS definition, 'year' AS grain, hub, period_year AS period, tags_class AS class,
        CAST(sum(models) AS BIGINT) AS models
    FROM models_
    WHERE coalesce(definition_filter, 'tags') = 'tags' AND coalesce(grain_filter, 'year') = 'year'
        AND coalesce(by_class, true)
    GROUP BY ALL
    UNION ALL
    SELECT 'tags', 'month', hub, period_month, tags_class, CAST(sum(models) AS BIGINT)
    FROM models_
    WHERE coalesce(definition_filter, 'tags') = 'tags' AND coalesce(grain_filter, 'month') = 'month'
        AND coalesce(by_class, true)
    GROUP BY ALL
    UNION ALL
    SELECT 'evidence', 'year', hub, period_year, evidence_class, CAST(sum(models) AS BIGINT)
    FROM models_
    WHERE coalesce(definition_filter, 'evidence') = 'evidence' AND coalesce(grain_filter, 'year') = 'year'
        AND coalesce(by_class, true)
    GROUP BY ALL
    UNION ALL
    SELECT 'evidence', 'month', hub, period_month, evidence_class, CAST(sum(models) AS BIGINT)
    FROM models_
    WHERE coalesce(definition_filter, 'evidence') = 'evidence' AND coalesce(grain_filter, 'month') = 'month'
        AND coalesce(by_class, true)
    GROUP BY ALL
),
cells AS (
    SELECT DISTINCT c.definition, c.grain, c.hub, c.period, k.class, k.sort_order
    FROM counted AS c
    JOIN framework_classes AS k ON k.definition = c.definition
),
result AS (
    SELECT d.definition, t.grain, t.hub, t.period, 'all' AS class, t.models, 0 AS sort_order
    FROM totals AS t CROSS JOIN defs AS d
    UNION ALL
    SELECT cells.definition, cells.grain, cells.hub, cells.period, cells.class,
        coalesce(counted.models, 0), cells.sort_order
    FROM cells LEFT JOIN counted USING (definition, grain, hub, period, class)
)
SELECT * FROM result
ORDER BY definition, grain, hub, CASE period WHEN 'legacy' THEN 0 WHEN 'imported' THEN 0 WHEN 'unknown' THEN 2 ELSE 1 END, period,
    sort_order;

CREATE OR REPLACE VIEW stats_additions AS SELECT * FROM stats_additions_at(NULL, NULL, NULL, NULL);
