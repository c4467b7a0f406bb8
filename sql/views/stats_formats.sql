-- stats_formats_at(as_of): models per declared format of each hub — Kaggle Models' instance frameworks
-- (tensorFlow2, pyTorch, …), tfhub.dev's formats, … (models.formats). The view stats_formats is now;
-- the table macro counts the models that existed at the end of as_of.
--
-- Definition: a model counts once under each of its formats ('(none)' when it declares none), so the
-- shares of a hub add up to more than 1. Models: stats_models(as_of), the public models every statistic
-- counts (current_models now, models_as_of(as_of) then; private models left out).
-- Denominator: all counted models of the hub. family = the framework the format is evidence for in
-- framework_evidence_map (kind 'format', compared case-insensitively; e.g. tensorFlow2 → tensorflow),
-- '(no evidence)' for a format zoo deliberately reads as none (framework_no_evidence: e.g. Kaggle's
-- transformers, vllm, other), 'unmapped' when neither knows it, NULL for '(none)'.
--
-- Columns: hub, framework (the format as the hub names it), family, models, share, denominator.
CREATE OR REPLACE MACRO stats_formats_at(as_of) AS TABLE
WITH counted AS (
    SELECT hub, key, formats FROM stats_models(as_of)
),
totals AS (SELECT hub, count(*) AS total FROM counted GROUP BY hub),
declared AS (
    SELECT hub, key, unnest(CASE WHEN coalesce(len(formats), 0) = 0 THEN ['(none)'] ELSE formats END)
           AS framework
    FROM counted
)
SELECT d.hub,
       d.framework,
       CASE
           WHEN d.framework = '(none)' THEN NULL
           WHEN any_value(m.framework) IS NOT NULL THEN any_value(m.framework)
           WHEN bool_or(n.value IS NOT NULL) THEN '(no evidence)'
           ELSE 'unmapped'
       END AS family,
       count(DISTINCT d.key) AS models,
       count(DISTINCT d.key) / any_value(t.total) AS share,
       any_value(t.total) AS denominator
FROM declared AS d
JOIN totals AS t USING (hub)
LEFT JOIN framework_evidence_map AS m ON m.kind = 'format' AND lower(m.value) = lower(d.framework)
LEFT JOIN framework_no_evidence AS n ON n.kind = 'format' AND lower(n.value) = lower(d.framework)
GROUP BY d.hub, d.framework;

CREATE OR REPLACE VIEW stats_formats AS SELECT * FROM stats_formats_at(NULL);
