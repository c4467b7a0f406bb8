-- stats_exclusivity: how many models of each hub fall in each framework class, and their share.
-- The view covers now, both definitions and all grains; the table macro
-- stats_exclusivity_at(as_of, definition, grain) computes one slice (any argument NULL = all of them;
-- as_of NULL = now, else the models that existed at the end of that day: models_as_of).
--
-- Definition: framework classes per model_frameworks / framework_classes, under
--   definition 'tags'      the articles' method (the pytorch / tf tags only, matched exactly as the Hub's
--                          tag filter matches them): pytorch_only, tensorflow_only, both, neither
--   definition 'evidence'  tags (case-insensitive), library, the repo's file names, formats, hub:
--                          pytorch_only, tensorflow_only, jax_only, multi, other, agnostic, none
-- Models counted: stats_models (current_models: seen by the latest complete crawl of their hub, not
-- deleted; public only, private models are left out), grouped by the period of created_at (stats_models:
-- 'legacy' = HF sentinel date; 'imported' = a catalog import's date, quality 'git_import': on or before
-- it; 'unknown' = no created_at, or one outside reality, quality 'out_of_range').
-- The counts are sums over stats_model_cells(as_of), which are stats_models(as_of)'s counts per class and
-- period.
-- Denominator of `share`: all counted models of that hub in that period (all classes of the definition
-- together), so the shares of one (definition, grain, hub, period) add up to 1. Every class of the
-- definition is listed for every (hub, period), with 0 models if none.
-- The articles' headline, pytorch_only ÷ (pytorch_only + tensorflow_only), is the view stats_headline.
--
-- Columns: definition, grain ('none' | 'year' | 'month'), hub, period ('all' for grain 'none', 'YYYY',
--          'YYYY-MM', 'legacy', 'imported', 'unknown'), class, models, denominator, share (0–1),
--          sort_order.
CREATE OR REPLACE MACRO stats_exclusivity_at(as_of, definition_filter, grain_filter) AS TABLE
WITH models_ AS MATERIALIZED (
    SELECT * FROM stats_model_cells(as_of)
),
counted AS (
    SELECT 'tags' AS definition, 'none' AS grain, hub, 'all' AS period, tags_class AS class, CAST(sum(models) AS BIGINT) AS models
    FROM models_ WHERE coalesce(definition_filter, 'tags') = 'tags' AND coalesce(grain_filter, 'none') = 'none'
    GROUP BY ALL
    UNION ALL
    SELECT 'tags', 'year', hub, period_year, tags_class, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(definition_filter, 'tags') = 'tags' AND coalesce(grain_filter, 'year') = 'year'
    GROUP BY ALL
    UNION ALL
    SELECT 'tags', 'month', hub, period_month, tags_class, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(definition_filter, 'tags') = 'tags' AND coalesce(grain_filter, 'month') = 'month'
    GROUP BY ALL
    UNION ALL
    SELECT 'evidence', 'none', hub, 'all', evidence_class, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(definition_filter, 'evidence') = 'evidence' AND coalesce(grain_filter, 'none') = 'none'
    GROUP BY ALL
    UNION ALL
    SELECT 'evidence', 'year', hub, period_year, evidence_class, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(definition_filter, 'evidence') = 'evidence' AND coalesce(grain_filter, 'year') = 'year'
    GROUP BY ALL
    UNION ALL
    SELECT 'evidence', 'month', hub, period_month, evidence_class, CAST(sum(models) AS BIGINT)
    FROM models_ WHERE coalesce(definition_filter, 'evidence') = 'evidence' AND coalesce(grain_filter, 'month') = 'month'
    GROUP BY ALL
),
cells AS (
    SELECT DISTINCT c.definition, c.grain, c.hub, c.period, k.class, k.sort_order
    FROM counted AS c
    JOIN framework_classes AS k ON k.definition = c.definition
)
SELECT
    cells.definition,
    cells.grain,
    cells.hub,
    cells.period,
    cells.class,
    coalesce(counted.models, 0) AS models,
    sum(coalesce(counted.models, 0)) OVER w AS denominator,
    coalesce(counted.models, 0) / sum(coalesce(counted.models, 0)) OVER w AS share,
    cells.sort_order
FROM cells
LEFT JOIN counted USING (definition, grain, hub, period, class)
WINDOW w AS (PARTITION BY cells.definition, cells.grain, cells.hub, cells.period)
ORDER BY cells.definition, cells.grain, cells.hub,
    CASE cells.period WHEN 'legacy' THEN 0 WHEN 'imported' THEN 0 WHEN 'unknown' THEN 2 ELSE 1 END, cells.period,
    cells.sort_order;

CREATE OR REPLACE VIEW stats_exclusivity AS SELECT * FROM stats_exclusivity_at(NULL, NULL, NULL);
