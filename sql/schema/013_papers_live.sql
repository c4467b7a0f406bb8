-- 013_papers_live: papers with code found live after Papers with Code shut down (`zoo crawl papers`),
-- child rows of the hub `papers-live`. Every table is append-only (the source keeps child rows): a row,
-- once stored for its `key`, is never replaced, and `run_id` names the run (params, tool version) that
-- found it.
--
-- papers_live_links: one row per (paper, repository, where the link was found). `source` is 'arxiv'
--   (the link is in the arXiv abstract or comments: `link_source` 'abstract' | 'comment') or
--   'hf_papers' (the Hugging Face Papers `githubRepo` field: `link_source` 'githubRepo'). `paper_date`
--   is the day arXiv first published the paper (Atom `published`; Hugging Face's `paper.publishedAt`).
--   `repo` is the normalised repository (github.com/owner/repo, lower-cased); `repo_url` the link as
--   written. key = source|arxiv_id|repo.
-- papers_live_days: one row per (source, day) whose listing was read to the end; a later run skips
--   those days. key = source|day.
-- papers_repo_checks: one row per look at a repository's default branch. `status`: 'ok' (files read),
--   'empty' (no commit), 'gone' (404: deleted, or private, which GitHub answers the same way),
--   'blocked' (403/451 for the repository itself), 'not_github' (not a GitHub repository). `head_sha` is
--   the default branch's head commit when looked at; `packages` the package names its dependency files
--   name (normalised: lower case, '_' and '.' as '-'); `imports` the top-level modules its Python files
--   import (read only when the dependency files name no framework); `files` the files read.
--   key = repo|head_sha (repo|status without a head): a new head is a new row, the old one stays as
--   history; the view papers_live_repos takes the latest.
-- papers_repo_looks: one row per look at a repository (per day), whatever it found, even when nothing
--   new was stored (the head unchanged, still gone): when it was last looked at, so it is not looked at
--   again before --recheck-days. key = repo|day.
CREATE TABLE IF NOT EXISTS papers_live_links (
    hub          VARCHAR NOT NULL,
    key          VARCHAR NOT NULL,
    run_id       BIGINT,
    source       VARCHAR NOT NULL,
    link_source  VARCHAR NOT NULL,
    arxiv_id     VARCHAR NOT NULL,
    paper_title  VARCHAR,
    paper_date   DATE,
    repo_url     VARCHAR NOT NULL,
    repo         VARCHAR NOT NULL,
    found_at     TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS papers_live_days (
    hub      VARCHAR NOT NULL,
    key      VARCHAR NOT NULL,
    run_id   BIGINT,
    source   VARCHAR NOT NULL,
    day      DATE NOT NULL,
    papers   INTEGER,
    links    INTEGER,
    requests INTEGER,
    done_at  TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS papers_repo_checks (
    hub            VARCHAR NOT NULL,
    key            VARCHAR NOT NULL,
    run_id         BIGINT,
    repo           VARCHAR NOT NULL,
    full_name      VARCHAR,
    status         VARCHAR NOT NULL,
    default_branch VARCHAR,
    head_sha       VARCHAR,
    packages       VARCHAR[],
    imports        VARCHAR[],
    files          VARCHAR[],
    note           VARCHAR,
    requests       INTEGER,
    checked_at     TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS papers_repo_looks (
    hub       VARCHAR NOT NULL,
    key       VARCHAR NOT NULL,
    run_id    BIGINT,
    repo      VARCHAR NOT NULL,
    head_sha  VARCHAR,
    looked_at TIMESTAMPTZ
);
