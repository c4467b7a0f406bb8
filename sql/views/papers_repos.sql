-- papers_repos: one row per code repository of Papers with Code, dated by its earliest paper, twice over:
-- official_only = false counts every link; official_only = true only official implementations (links
-- with is_official), so a repository appears there only if it is some paper's official code, and is
-- dated by the earliest paper it officially implements.
--
-- repo: the normalised repository URL (see papers_links); repo_url one of its spellings.
-- first_paper_date / first_paper_date_quality / first_paper_url: the earliest dated paper the repository
--   is linked to, and where its date comes from ('paper_date', 'arxiv_id'; 'unknown' with a NULL date
--   when none of its papers has a date).
-- framework: the repository's framework as the dump records it on its links (pytorch, tensorflow, jax,
--   mxnet, other, none). When its links disagree, a named framework wins over 'none', then the one on the
--   link to the earliest paper; `frameworks` lists every value its links carry.
-- papers, links: how many distinct papers and links name the repository (in this scope).
CREATE OR REPLACE VIEW papers_repos AS
WITH scoped AS (
    SELECT false AS official_only, * FROM papers_links
    UNION ALL
    SELECT true AS official_only, * FROM papers_links WHERE is_official
),
first_paper AS (
    SELECT official_only, repo, paper_date AS first_paper_date,
           paper_date_quality AS first_paper_date_quality, paper_url AS first_paper_url
    FROM scoped
    QUALIFY row_number() OVER (
        PARTITION BY official_only, repo
        ORDER BY paper_date ASC NULLS LAST, paper_date_quality <> 'paper_date', paper_url ASC NULLS LAST
    ) = 1
),
chosen_framework AS (
    SELECT official_only, repo, framework
    FROM scoped
    QUALIFY row_number() OVER (
        PARTITION BY official_only, repo
        ORDER BY framework = 'none', paper_date ASC NULLS LAST, framework
    ) = 1
),
counts AS (
    SELECT official_only, repo, min(repo_url) AS repo_url, count(DISTINCT paper_url) AS papers,
           count(*) AS links, list(DISTINCT framework ORDER BY framework) AS frameworks
    FROM scoped
    GROUP BY official_only, repo
)
SELECT c.official_only, c.repo, c.repo_url, f.framework, c.frameworks, p.first_paper_date,
       p.first_paper_date_quality, p.first_paper_url, c.papers, c.links
FROM counts c
JOIN first_paper p ON p.official_only = c.official_only AND p.repo = c.repo
JOIN chosen_framework f ON f.official_only = c.official_only AND f.repo = c.repo;
