-- papers_frameworks: the share of new code repositories per framework, per year or quarter, from the
-- frozen Papers with Code dumps ("what did papers' code use?").
--
-- Definition: a repository is counted once (papers_repos), in the period of its earliest paper's date
-- (papers_links: the papers dump's date, else the month of the arXiv id), with the framework the dump
-- records for it. official_only = true restricts everything to official implementations (the paper
-- authors' own code): unofficial links neither count a repository nor date it.
-- Denominator: all repositories dated in that period (in that scope), whatever their framework,
-- 'none' included; so per (official_only, granularity, period) the shares of the six frameworks sum to
-- 1. Repositories none of whose papers has a date (paper_date_quality 'unknown') are in no period.
-- Every period lists all six frameworks (pytorch, tensorflow, jax, mxnet, other, none), with 0 repos
-- when none; periods without any dated repository are absent.
-- Columns: official_only, granularity ('year' | 'quarter'), period ('2019' | '2019-Q3'), framework,
--   framework_order (1-6, the order above), repos, period_repos, share (repos / period_repos).
CREATE OR REPLACE VIEW papers_frameworks AS
WITH dated AS (
    SELECT official_only, framework, first_paper_date AS d
    FROM papers_repos
    WHERE first_paper_date IS NOT NULL
),
periods AS (
    SELECT official_only, 'year' AS granularity, strftime(d, '%Y') AS period, framework FROM dated
    UNION ALL
    SELECT official_only, 'quarter' AS granularity, strftime(d, '%Y') || '-Q' || CAST(quarter(d) AS VARCHAR),
           framework
    FROM dated
),
counts AS (
    SELECT official_only, granularity, period, framework, count(*) AS repos
    FROM periods
    GROUP BY official_only, granularity, period, framework
),
totals AS (
    SELECT official_only, granularity, period, CAST(sum(repos) AS BIGINT) AS period_repos
    FROM counts
    GROUP BY official_only, granularity, period
),
frameworks(framework, framework_order) AS (
    VALUES ('pytorch', 1), ('tensorflow', 2), ('jax', 3), ('mxnet', 4), ('other', 5), ('none', 6)
)
SELECT t.official_only, t.granularity, t.period, f.framework, f.framework_order,
       coalesce(c.repos, 0) AS repos, t.period_repos,
       coalesce(c.repos, 0) / t.period_repos AS share
FROM totals t
CROSS JOIN frameworks f
LEFT JOIN counts c
       ON c.official_only = t.official_only AND c.granularity = t.granularity AND c.period = t.period
      AND c.framework = f.framework;
