-- papers_compare_repos: the repositories both the Papers with Code archive and `zoo crawl papers` hold a
-- framework for (the overlap, before the archive ends), one row each: the archive's framework (as
-- papers_repos chose it over all its links) beside zoo's (papers_live_repos, from dependency files and
-- imports), dated by the archive's earliest paper.
-- Columns: repo, year, archive_framework, zoo_framework, agree, evidence.
CREATE OR REPLACE VIEW papers_compare_repos AS
SELECT a.repo, strftime(a.first_paper_date, '%Y') AS year, a.framework AS archive_framework,
       z.framework AS zoo_framework, a.framework = z.framework AS agree, z.evidence
FROM papers_repos a
JOIN papers_live_repos z ON z.repo = a.repo
WHERE NOT a.official_only AND a.first_paper_date IS NOT NULL AND z.framework IS NOT NULL;

-- papers_compare: on that overlap, per year (and 'all' years), each framework's share computed both
-- ways: archive_share = overlap repositories the archive gives the framework ÷ overlap repositories of
-- the year; zoo_share the same with zoo's framework. agreement = overlap repositories whose two
-- frameworks are equal ÷ overlap repositories of the year (the same on every row of a year).
-- Columns: year, framework, framework_order, repos (overlap repositories of the year), archive_repos,
--   zoo_repos, archive_share, zoo_share, agreement.
CREATE OR REPLACE VIEW papers_compare AS
WITH scoped AS (
    SELECT year, archive_framework, zoo_framework, agree FROM papers_compare_repos
    UNION ALL
    SELECT 'all', archive_framework, zoo_framework, agree FROM papers_compare_repos
),
years AS (
    SELECT year, count(*) AS repos, count(*) FILTER (WHERE agree) / count(*) AS agreement
    FROM scoped GROUP BY year
),
frameworks(framework, framework_order) AS (
    VALUES ('pytorch', 1), ('tensorflow', 2), ('jax', 3), ('mxnet', 4), ('other', 5), ('none', 6)
),
counted AS (
    SELECT y.year, f.framework, f.framework_order, y.repos, y.agreement,
           count(*) FILTER (WHERE s.archive_framework = f.framework) AS archive_repos,
           count(*) FILTER (WHERE s.zoo_framework = f.framework) AS zoo_repos
    FROM years y
    CROSS JOIN frameworks f
    JOIN scoped s ON s.year = y.year
    GROUP BY ALL
)
SELECT year, framework, framework_order, repos, archive_repos, zoo_repos,
       archive_repos / repos AS archive_share, zoo_repos / repos AS zoo_share, agreement
FROM counted;
