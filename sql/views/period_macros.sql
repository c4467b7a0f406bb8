-- creation_period(created_at, created_at_quality, grain): THE rule that puts a model in a creation
-- period, as one scalar macro, so stats_models (every statistic) and export_models (the Parquet export)
-- apply the very same rule.
--
-- Definition (UTC):
--   'legacy'   created_at_quality = 'sentinel': Hugging Face repos created before 2022-03-02, whose real
--              date the Hub no longer shows (it shows 2022-03-02T23:29:04Z or 23:29:05Z) and zoo has not recovered
--              yet (dated_models gives a dated one its first commit's date and quality): never
--              counted in 2022
--   'imported' created_at_quality = 'git_import': a catalog entry that came with the commit its catalog's
--              history starts with (tfhub.dev's import of 2020-08-26; tensorflow/hub's folder of
--              contributed models, 2020-01-23), so created on or before created_at, date unknown:
--              never counted in that month or year
--   'unknown'  no created_at, or created_at_quality = 'out_of_range': a date the hub gave that lies before
--              2000-01-01 or more than a day after the crawl that stored it (year 1, 9999, …; kept in
--              created_at as given, warned about by the crawl): never counted in its year or month
--   'YYYY'     the year of created_at, for grain 'year'
--   'YYYY-MM'  the month of created_at, for grain 'month'
-- Denominator: none (a per-model value).
-- Returns VARCHAR.
CREATE OR REPLACE MACRO creation_period(created_at, created_at_quality, grain) AS
    CASE
        WHEN created_at_quality = 'sentinel' THEN 'legacy'
        WHEN created_at_quality = 'git_import' THEN 'imported'
        WHEN created_at IS NULL OR created_at_quality = 'out_of_range' THEN 'unknown'
        WHEN grain = 'month' THEN strftime(make_timestamp(epoch_us(created_at)), '%Y-%m')
        ELSE CAST(year(make_timestamp(epoch_us(created_at))) AS VARCHAR)
    END;
