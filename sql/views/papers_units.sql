-- papers_paper_repos: every (paper, code repository) pair the papers series counts by PAPER, with the
-- paper's date and the repository's framework, twice over (official_only = false: every link; true:
-- official implementations only; live links are the authors' own, so they are in both scopes).
--
-- Definition: a paper is, in the Papers with Code archive, its paper_url (else 'arxiv:' and its arXiv
-- id), dated by papers_links (the papers dump's date, else the month of its arXiv id; the earliest if
-- its links disagree); papers with no date are left out. The repository's framework is the one
-- papers_repos chose for it (the archive's, one per repository). Live (`zoo crawl papers`): a paper is
-- 'arxiv:' and its arXiv id, dated by its earliest live link (arXiv's first publication day), kept only
-- from 2025-07-29 on (the day after the archive's last links) and only if the archive does not hold it
-- (the archive's era is not rewritten). Its repository's framework is the archive's when the archive
-- holds the repository (as in papers_series), else zoo's own (papers_live_repos; NULL when not looked
-- at yet, gone, private or not on GitHub: not classified).
-- Denominator: none (one row per pair; papers_series_papers and papers_compare_papers count them).
-- Columns: official_only, source ('archive' | 'live'), paper, arxiv_id, paper_date, repo, framework.
CREATE OR REPLACE VIEW papers_paper_repos AS
WITH archive_links AS (
    SELECT coalesce(paper_url, 'arxiv:' || arxiv_id) AS paper, arxiv_id, paper_date, repo, is_official
    FROM papers_links
    WHERE coalesce(paper_url, arxiv_id) IS NOT NULL
),
archive_papers AS (
    SELECT paper, min(paper_date) AS paper_date
    FROM archive_links
    GROUP BY paper
    HAVING min(paper_date) IS NOT NULL
),
archive_rows AS (
    SELECT DISTINCT s.official_only, 'archive' AS source, l.paper, l.arxiv_id, p.paper_date, l.repo,
           r.framework
    FROM archive_links l
    JOIN archive_papers p ON p.paper = l.paper
    CROSS JOIN (VALUES (false), (true)) AS s(official_only)
    JOIN papers_repos r ON r.official_only = s.official_only AND r.repo = l.repo
    WHERE NOT s.official_only OR l.is_official
),
live_papers AS (
    SELECT arxiv_id, min(paper_date) AS paper_date
    FROM papers_live_links
    WHERE paper_date IS NOT NULL
      AND arxiv_id NOT IN (SELECT arxiv_id FROM archive_links WHERE arxiv_id IS NOT NULL)
    GROUP BY arxiv_id
    HAVING min(paper_date) >= DATE '2025-07-29'
),
live_rows AS (
    SELECT DISTINCT 'arxiv:' || l.arxiv_id AS paper, l.arxiv_id, p.paper_date, l.repo,
           coalesce(a.framework, z.framework) AS framework
    FROM papers_live_links l
    JOIN live_papers p ON p.arxiv_id = l.arxiv_id
    LEFT JOIN papers_repos a ON a.repo = l.repo AND NOT a.official_only AND a.first_paper_date IS NOT NULL
    LEFT JOIN papers_live_repos z ON z.repo = l.repo
)
SELECT official_only, source, paper, arxiv_id, paper_date, repo, framework FROM archive_rows
UNION ALL
SELECT s.official_only, 'live', paper, arxiv_id, paper_date, repo, framework
FROM live_rows, (VALUES (false), (true)) AS s(official_only);

-- papers_series_papers (= papers_paper_shares(true)): the share of papers with code per framework, per
-- year, quarter or month, from the Papers with Code archive and then from `zoo crawl papers`: the
-- articles' unit ("68 % of papers with code use PyTorch"). papers_series counts repositories instead.
--
-- Definition: each paper (papers_paper_repos) is counted once per framework among its repositories',
-- in the period of the paper's date: a paper with two PyTorch repositories counts once for PyTorch; one
-- with a PyTorch and a TensorFlow repository once for each. A repository linked to two papers counts
-- for both. Frameworks: pytorch, tensorflow, jax, mxnet, other. A paper whose classified repositories
-- all have no framework ('none') is counted apart, in no_framework; a paper none of whose repositories
-- is classified yet (live: not looked at, gone, private, not on GitHub) in unclassified.
-- Denominator (period_papers): the papers of the period with at least one repository of a framework
-- (no_framework and unclassified papers are not in it). A paper may count for several frameworks, so a
-- period's five shares may sum above 1. source: 'archive', 'live', or 'archive+live' for the period in
-- which the archive ends. Periods holding only no_framework or unclassified papers have share NULL.
-- Columns: official_only, granularity ('year' | 'quarter' | 'month'), period, source, framework,
--   framework_order (1-5), papers, period_papers, share, no_framework, unclassified.
-- papers_paper_shares(false) is the same over the archive alone (view papers_frameworks_papers).
CREATE OR REPLACE MACRO papers_paper_shares(with_live) AS TABLE
WITH paper_frameworks AS MATERIALIZED (
    SELECT DISTINCT official_only, source, paper, paper_date AS d, framework
    FROM papers_paper_repos
    WHERE with_live OR source = 'archive'
),
per_paper AS (
    SELECT official_only, source, paper, min(d) AS d,
           count(*) FILTER (WHERE framework IS NOT NULL AND framework <> 'none') AS named,
           count(framework) AS classified
    FROM paper_frameworks
    GROUP BY official_only, source, paper
),
grains(granularity) AS (VALUES ('year'), ('quarter'), ('month')),
paper_periods AS (
    SELECT p.*, g.granularity,
           CASE g.granularity
               WHEN 'year' THEN strftime(d, '%Y')
               WHEN 'quarter' THEN strftime(d, '%Y') || '-Q' || CAST(quarter(d) AS VARCHAR)
               ELSE strftime(d, '%Y-%m')
           END AS period
    FROM per_paper p, grains g
),
totals AS (
    SELECT official_only, granularity, period,
           count(*) FILTER (WHERE named > 0) AS period_papers,
           count(*) FILTER (WHERE named = 0 AND classified > 0) AS no_framework,
           count(*) FILTER (WHERE classified = 0) AS unclassified,
           CASE WHEN count(DISTINCT source) > 1 THEN 'archive+live' ELSE min(source) END AS source
    FROM paper_periods
    GROUP BY ALL
),
counts AS (
    SELECT n.official_only, g.granularity,
           CASE g.granularity
               WHEN 'year' THEN strftime(n.d, '%Y')
               WHEN 'quarter' THEN strftime(n.d, '%Y') || '-Q' || CAST(quarter(n.d) AS VARCHAR)
               ELSE strftime(n.d, '%Y-%m')
           END AS period,
           n.framework, count(*) AS papers
    FROM paper_frameworks n, grains g
    WHERE n.framework IS NOT NULL AND n.framework <> 'none'
    GROUP BY ALL
),
frameworks(framework, framework_order) AS (
    VALUES ('pytorch', 1), ('tensorflow', 2), ('jax', 3), ('mxnet', 4), ('other', 5)
)
SELECT t.official_only, t.granularity, t.period, t.source, f.framework, f.framework_order,
       coalesce(c.papers, 0) AS papers, t.period_papers,
       CASE WHEN t.period_papers > 0 THEN coalesce(c.papers, 0) / t.period_papers END AS share,
       t.no_framework, t.unclassified
FROM totals t
CROSS JOIN frameworks f
LEFT JOIN counts c
       ON c.official_only = t.official_only AND c.granularity = t.granularity AND c.period = t.period
      AND c.framework = f.framework;

CREATE OR REPLACE VIEW papers_series_papers AS SELECT * FROM papers_paper_shares(true);

-- papers_frameworks_papers: papers_frameworks counted by paper (the definition of papers_series_papers)
-- over the Papers with Code archive alone, per year or quarter.
-- Denominator: period_papers, the period's archive papers with code of a framework (shares may sum
-- above 1; no_framework apart, outside it).
-- Columns: official_only, granularity ('year' | 'quarter'), period, framework, framework_order (1-5),
--   papers, period_papers, share, no_framework.
CREATE OR REPLACE VIEW papers_frameworks_papers AS
SELECT official_only, granularity, period, framework, framework_order, papers, period_papers, share,
       no_framework
FROM papers_paper_shares(false)
WHERE granularity IN ('year', 'quarter');

-- papers_compare_papers: papers_compare counted by paper. The overlap: the archive's dated papers
-- (every link) with at least one repository both the archive and `zoo crawl papers` classified
-- (papers_compare_repos); each paper's frameworks, by each method, are those of those repositories.
--
-- Definition, per year of the paper's date (and 'all'): papers = overlap papers of the year;
-- archive_papers = those with a repository the archive gives the framework; archive_share =
-- archive_papers ÷ the overlap papers with at least one repository of a framework by the archive
-- (archive_no_framework = the others, apart, as in papers_series_papers); zoo_papers, zoo_share,
-- zoo_no_framework the same with zoo's frameworks. Shares may sum above 1 (a paper with a PyTorch and
-- a TensorFlow repository counts for both). agreement = overlap papers whose two sets of frameworks
-- ('none' left out) are equal ÷ overlap papers of the year.
-- Denominators: archive_share ÷ (papers - archive_no_framework), zoo_share ÷ (papers - zoo_no_framework),
-- agreement ÷ papers.
-- Columns: year, framework, framework_order (1-5), papers, archive_papers, zoo_papers, archive_share,
--   zoo_share, agreement, archive_no_framework, zoo_no_framework.
CREATE OR REPLACE VIEW papers_compare_papers AS
WITH overlap AS (
    SELECT coalesce(l.paper_url, 'arxiv:' || l.arxiv_id) AS paper, l.paper_date, c.archive_framework,
           c.zoo_framework
    FROM papers_links l
    JOIN papers_compare_repos c ON c.repo = l.repo
    WHERE coalesce(l.paper_url, l.arxiv_id) IS NOT NULL
),
per_paper AS (
    SELECT paper, strftime(min(paper_date), '%Y') AS year,
           coalesce(list(DISTINCT archive_framework ORDER BY archive_framework)
                    FILTER (WHERE archive_framework <> 'none'), []) AS a,
           coalesce(list(DISTINCT zoo_framework ORDER BY zoo_framework)
                    FILTER (WHERE zoo_framework <> 'none'), []) AS z
    FROM overlap
    GROUP BY paper
    HAVING min(paper_date) IS NOT NULL
),
scoped AS (
    SELECT year, a, z FROM per_paper
    UNION ALL
    SELECT 'all', a, z FROM per_paper
),
years AS (
    SELECT year, count(*) AS papers, count(*) FILTER (WHERE a = z) / count(*) AS agreement,
           count(*) FILTER (WHERE len(a) > 0) AS archive_named,
           count(*) FILTER (WHERE len(z) > 0) AS zoo_named
    FROM scoped
    GROUP BY year
),
frameworks(framework, framework_order) AS (
    VALUES ('pytorch', 1), ('tensorflow', 2), ('jax', 3), ('mxnet', 4), ('other', 5)
),
counted AS (
    SELECT y.year, f.framework, f.framework_order, y.papers, y.agreement, y.archive_named, y.zoo_named,
           count(*) FILTER (WHERE list_contains(s.a, f.framework)) AS archive_papers,
           count(*) FILTER (WHERE list_contains(s.z, f.framework)) AS zoo_papers
    FROM years y
    CROSS JOIN frameworks f
    JOIN scoped s ON s.year = y.year
    GROUP BY ALL
)
SELECT year, framework, framework_order, papers, archive_papers, zoo_papers,
       CASE WHEN archive_named > 0 THEN archive_papers / archive_named END AS archive_share,
       CASE WHEN zoo_named > 0 THEN zoo_papers / zoo_named END AS zoo_share,
       agreement, papers - archive_named AS archive_no_framework, papers - zoo_named AS zoo_no_framework
FROM counted;
