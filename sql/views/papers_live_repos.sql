-- papers_live_repos: every repository `zoo crawl papers` looked at, as its latest look found it, with the
-- framework the rules (papers_code_rules) give it.
--
-- Definition: the latest row of papers_repo_checks per repo (checked_at). framework:
-- * status 'ok': the best-priority rule matching a package of its dependency files; else the
--   best-priority rule matching a module its Python files import; else 'none';
-- * status 'empty' (no commit, or no file): 'none';
-- * 'gone' (deleted or private), 'blocked', 'not_github': NULL: not classifiable, counted nowhere.
-- evidence: 'dependencies', 'imports', 'nothing' (ok but no rule matched), or the status.
-- in_archive: the repository is also one of the Papers with Code archive's (papers_links).
-- Columns: repo, full_name, status, default_branch, head_sha, packages, imports, framework, evidence,
--   in_archive, checked_at, run_id.
CREATE OR REPLACE VIEW papers_live_repos AS
WITH latest AS (
    SELECT *
    FROM papers_repo_checks
    QUALIFY row_number() OVER (PARTITION BY repo ORDER BY checked_at DESC, key DESC) = 1
),
by_package AS (
    SELECT l.repo, arg_min(r.framework, r.priority) AS framework
    FROM latest l, unnest(l.packages) AS p(name)
    JOIN papers_code_rules r ON r.kind = 'package' AND p.name GLOB r.pattern
    GROUP BY l.repo
),
by_import AS (
    SELECT l.repo, arg_min(r.framework, r.priority) AS framework
    FROM latest l, unnest(l.imports) AS i(name)
    JOIN papers_code_rules r ON r.kind = 'import' AND i.name GLOB r.pattern
    GROUP BY l.repo
)
SELECT l.repo, l.full_name, l.status, l.default_branch, l.head_sha, l.packages, l.imports,
       CASE
           WHEN l.status = 'ok' THEN coalesce(p.framework, i.framework, 'none')
           WHEN l.status = 'empty' THEN 'none'
       END AS framework,
       CASE
           WHEN l.status <> 'ok' THEN l.status
           WHEN p.framework IS NOT NULL THEN 'dependencies'
           WHEN i.framework IS NOT NULL THEN 'imports'
           ELSE 'nothing'
       END AS evidence,
       l.repo IN (SELECT repo FROM papers_links) AS in_archive,
       l.checked_at, l.run_id
FROM latest l
LEFT JOIN by_package p ON p.repo = l.repo
LEFT JOIN by_import i ON i.repo = l.repo;

-- papers_live_pending: repositories linked by papers_live_links that no look has covered yet (the
-- next `zoo crawl papers` looks at them first). Columns: repo, first_paper_date.
CREATE OR REPLACE VIEW papers_live_pending AS
SELECT repo, min(paper_date) AS first_paper_date
FROM papers_live_links
WHERE repo NOT IN (SELECT repo FROM papers_repo_checks)
GROUP BY repo;

-- papers_archive_unchecked: GitHub repositories of the Papers with Code archive (dated, any framework)
-- that `zoo crawl papers` has not looked at yet, in a fixed pseudo-random order (hash of the name), so
-- each run's --archive-sample spreads over the years. Columns: repo, sample_order.
CREATE OR REPLACE VIEW papers_archive_unchecked AS
SELECT repo, hash(repo) AS sample_order
FROM papers_repos
WHERE NOT official_only AND first_paper_date IS NOT NULL AND repo LIKE 'github.com/%/%'
  AND repo NOT IN (SELECT repo FROM papers_repo_checks);
