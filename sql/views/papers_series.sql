-- papers_series: the share of new code repositories per framework, per year, quarter or month, from the
-- Papers with Code archive and then, past it, from `zoo crawl papers` ("what did papers' code use?",
-- one continuous series through the present).
--
-- Definition: the same as papers_frameworks, over the union of both sources: a repository is counted once,
-- in the period of its earliest paper's date, with one framework. A repository the archive holds keeps
-- the archive's date and framework (source 'archive'); one only the live crawl found (papers_live_links)
-- is dated by its earliest paper there (arXiv's first publication day) and takes the framework of its
-- latest look (papers_live_repos; source 'live'), if that paper is from 2025-07-29 on (the day after the
-- archive's last links): an older paper found live (Hugging Face lists old papers too) is the archive's
-- era, which the live crawl does not rewrite. Live repositories not looked at yet, or gone, private
-- or not on GitHub (framework NULL), are in no period (`unclassified` counts them per period). Live links
-- are the authors' own (in the paper's abstract or comments, or set on its Hugging Face page), so they
-- count as official implementations too.
-- Denominator: all repositories dated in that period (in that scope), 'none' included; the six shares
-- of a period sum to 1. source: 'archive', 'live', or 'archive+live' for a period holding both (the
-- year and quarter, or month, in which the archive ends).
-- Columns: official_only, granularity ('year' | 'quarter' | 'month'), period ('2019' | '2019-Q3' |
--   '2019-07'), source, framework, framework_order (1-6), repos, period_repos, share, unclassified.
CREATE OR REPLACE VIEW papers_series AS
WITH live_repos AS (
    SELECT l.repo, min(l.paper_date) AS d, any_value(r.framework) AS framework
    FROM papers_live_links l
    LEFT JOIN papers_live_repos r ON r.repo = l.repo
    WHERE l.paper_date IS NOT NULL
      AND l.repo NOT IN (SELECT repo FROM papers_repos WHERE first_paper_date IS NOT NULL)
    GROUP BY l.repo
    HAVING min(l.paper_date) >= DATE '2025-07-29'
),
dated AS (
    SELECT official_only, 'archive' AS source, framework, first_paper_date AS d
    FROM papers_repos
    WHERE first_paper_date IS NOT NULL
    UNION ALL
    SELECT s.official_only, 'live', framework, d
    FROM live_repos, (VALUES (false), (true)) AS s(official_only)
),
periods AS (
    SELECT official_only, 'year' AS granularity, strftime(d, '%Y') AS period, source, framework FROM dated
    UNION ALL
    SELECT official_only, 'quarter', strftime(d, '%Y') || '-Q' || CAST(quarter(d) AS VARCHAR), source, framework
    FROM dated
    UNION ALL
    SELECT official_only, 'month', strftime(d, '%Y-%m'), source, framework FROM dated
),
counts AS (
    SELECT official_only, granularity, period, framework, count(*) AS repos
    FROM periods
    WHERE framework IS NOT NULL
    GROUP BY ALL
),
totals AS (
    SELECT official_only, granularity, period,
           count(framework) AS period_repos,
           count(*) - count(framework) AS unclassified,
           CASE WHEN count(DISTINCT source) > 1 THEN 'archive+live' ELSE min(source) END AS source
    FROM periods
    GROUP BY ALL
),
frameworks(framework, framework_order) AS (
    VALUES ('pytorch', 1), ('tensorflow', 2), ('jax', 3), ('mxnet', 4), ('other', 5), ('none', 6)
)
SELECT t.official_only, t.granularity, t.period, t.source, f.framework, f.framework_order,
       coalesce(c.repos, 0) AS repos, t.period_repos,
       CASE WHEN t.period_repos > 0 THEN coalesce(c.repos, 0) / t.period_repos END AS share,
       t.unclassified
FROM totals t
CROSS JOIN frameworks f
LEFT JOIN counts c
       ON c.official_only = t.official_only AND c.granularity = t.granularity AND c.period = t.period
      AND c.framework = f.framework;
