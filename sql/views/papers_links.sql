-- papers_links: every Papers with Code link (pwc_links) with its paper's date and where that date comes
-- from. One row per link of the dump.
--
-- paper_date / paper_date_quality:
-- * 'paper_date': the paper's `date` in the papers dump (pwc_papers, joined on paper_url; the earliest
--   if the dump lists a URL twice);
-- * 'arxiv_id': otherwise the first day of the month the link's arXiv id encodes (1706.03762 → June
--   2017), i.e. when the paper was first submitted to arXiv;
-- * 'unknown': neither (paper_date is NULL).
-- repo: the repository's identity, its URL lower-cased without scheme, `www.`, trailing slashes and
--   `.git` (github.com/Owner/Repo and https://github.com/owner/repo.git/ are one repository).
-- Columns: hub, paper_url, paper_title, arxiv_id, repo_url, repo, is_official, framework, framework_raw,
--   paper_date, paper_date_quality.
CREATE OR REPLACE VIEW papers_links AS
WITH paper_dates AS (
    SELECT paper_url, min(paper_date) AS paper_date
    FROM pwc_papers
    WHERE paper_url IS NOT NULL AND paper_date IS NOT NULL
    GROUP BY paper_url
)
SELECT l.hub, l.paper_url, l.paper_title, l.arxiv_id, l.repo_url,
       regexp_replace(
           regexp_replace(lower(trim(l.repo_url)), '^[a-z][a-z0-9+.-]*://(www\.)?', ''),
           '(\.git)?/*$', ''
       ) AS repo,
       l.is_official, l.framework, l.framework_raw,
       coalesce(p.paper_date, l.arxiv_date) AS paper_date,
       CASE
           WHEN p.paper_date IS NOT NULL THEN 'paper_date'
           WHEN l.arxiv_date IS NOT NULL THEN 'arxiv_id'
           ELSE 'unknown'
       END AS paper_date_quality
FROM pwc_links l
LEFT JOIN paper_dates p ON p.paper_url = l.paper_url;
