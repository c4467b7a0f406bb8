-- stats_legacy: how much of each hub's legacy cohort zoo has dated. The legacy cohort are the models
-- whose hub shows a placeholder instead of their creation date: the Hugging Face repos created before
-- 2022-03-02 (createdAt = the placeholder 2022-03-02T23:29:04Z or 23:29:05Z). `zoo crawl hf-dates` dates them by their first commit
-- (dated_models); the ones not dated yet form the period 'legacy' of every statistic.
-- The view is now; the table macro stats_legacy_at(as_of) counts the models of stats_models(as_of)
-- (with as_of: the models that existed then, with the dates known now).
--
-- Definition, per hub with a legacy cohort: cohort = dated + undated; dated = counted models whose date
-- was recovered (created_at_quality 'first_commit' or 'oldest_commit'); undated = counted models still
-- in the period 'legacy'; undatable = those of undated whose oldest commit is dated after the
-- placeholder (a rewritten history) or before 2000-01-01 (quality 'out_of_range'): they stay 'legacy'
-- and are not asked again.
-- Denominator of dated_share: the cohort.
--
-- Columns: hub, cohort, dated, undated, undatable, dated_share (0–1).
CREATE OR REPLACE MACRO stats_legacy_at(as_of) AS TABLE
SELECT
    s.hub,
    count(*) AS cohort,
    count(*) FILTER (s.period_year <> 'legacy') AS dated,
    count(*) FILTER (s.period_year = 'legacy') AS undated,
    count(*) FILTER (s.period_year = 'legacy' AND d.key IS NOT NULL) AS undatable,
    count(*) FILTER (s.period_year <> 'legacy') / count(*) AS dated_share
FROM stats_models(as_of) AS s
LEFT JOIN model_created_dates AS d ON d.hub = s.hub AND d.key = s.key AND d.created_at IS NULL
-- the same rows as period_year = 'legacy' OR created_at_quality IN ('first_commit', 'oldest_commit'):
-- period_year is 'legacy' exactly when the quality is 'sentinel' (creation_period); a filter on the
-- quality alone leaves the periods of every other model uncomputed
WHERE s.created_at_quality IN ('sentinel', 'first_commit', 'oldest_commit')
GROUP BY s.hub
ORDER BY s.hub;

CREATE OR REPLACE VIEW stats_legacy AS SELECT * FROM stats_legacy_at(NULL);
