-- stats_headline: the share the "PyTorch vs TensorFlow" articles cite, per hub and period.
-- The view covers now, both definitions and all grains; the table macro
-- stats_headline_at(as_of, definition, grain) computes one slice (NULL = all), like stats_exclusivity_at.
--
-- Definition: headline_share = pytorch_only ÷ (pytorch_only + tensorflow_only), from stats_exclusivity
-- (same models, classes and periods). Denominator: the models exclusive to one of the two frameworks —
-- models of both, neither, JAX, multi, agnostic … are left out, which is why it reads higher than the
-- pytorch_only share of stats_exclusivity. NULL when the denominator is 0.
--
-- Columns: definition, grain, hub, period, pytorch_only, tensorflow_only, headline_share (0–1).
CREATE OR REPLACE MACRO stats_headline_at(as_of, definition_filter, grain_filter) AS TABLE
SELECT
    definition,
    grain,
    hub,
    period,
    sum(models) FILTER (WHERE class = 'pytorch_only') AS pytorch_only,
    sum(models) FILTER (WHERE class = 'tensorflow_only') AS tensorflow_only,
    sum(models) FILTER (WHERE class = 'pytorch_only')
        / nullif(sum(models) FILTER (WHERE class IN ('pytorch_only', 'tensorflow_only')), 0) AS headline_share
FROM stats_exclusivity_at(as_of, definition_filter, grain_filter)
GROUP BY definition, grain, hub, period
ORDER BY definition, grain, hub, CASE period WHEN 'legacy' THEN 0 WHEN 'imported' THEN 0 WHEN 'unknown' THEN 2 ELSE 1 END, period;

CREATE OR REPLACE VIEW stats_headline AS SELECT * FROM stats_headline_at(NULL, NULL, NULL);
