-- 007_hf_first_commits: the true creation dates of Hugging Face's legacy cohort, found by
-- `zoo crawl hf-dates` (crawler/sources/huggingface_dates.py) from each repo's oldest commit.
--
-- Every Hugging Face repo created before 2022-03-02T23:29:04Z reports exactly that instant as createdAt
-- (models.created_at_quality = 'sentinel'). The Hub makes a commit titled `initial commit` (author
-- `system`) when it creates a repo; the oldest commit of a repo's history is that commit unless the
-- history was rewritten.
--
-- hf_first_commits: one row per legacy model asked, written only for an answer that settles it (a repo
--   that is gone, a revision that is not found, an odd answer write nothing, and are asked again another
--   night). A row is never replaced: dates are facts about the past, and the store adds a row only for a
--   key the table does not hold yet (Source.keep_child_rows). The listing keeps writing the placeholder
--   to models.created_at; the views (dated_models) read the date from here.
--   hub                the enrichment source ('huggingface-dates'); key = models.key of the
--                      Hugging Face model (hub 'huggingface'), the repo's _id, which survives renames
--   repo_id, revision  what was asked: the repo's name then, and the revision (the listing's sha, a
--                      commit id, or 'main' when the listing had none)
--   created_at         the creation date to use; NULL when the oldest commit cannot be it
--   created_at_quality 'first_commit': the oldest commit is the Hub's `initial commit`: its date is the
--                      creation date;
--                      'oldest_commit': the oldest commit has another title (history pushed from
--                      elsewhere or rewritten) but is dated before the placeholder: the best date known;
--                      'after_placeholder': the oldest commit is dated after 2022-03-02T23:29:04Z, so it
--                      is not the creation (the history was squashed or rewritten later): created_at
--                      NULL, the model stays in the period 'legacy', and it is not asked again
--                      'out_of_range': the oldest commit is dated before 2000-01-01 (year 1, 1970), or at
--                      an instant no datetime holds in UTC: not the creation either; created_at NULL
--                      (commit_date too when not representable), the model stays 'legacy', not asked again
--   commit_id, commit_title, commit_authors, commit_date    the oldest commit as the Hub listed it
--   total_commits      X-Total-Count of the revision's history (NULL if the Hub sent none)
--   requests           HTTP requests this model took (redirects and retries included)
--   dated_at           when the answer arrived (UTC); run_id: the run that stored the row
CREATE TABLE IF NOT EXISTS hf_first_commits (
    hub                VARCHAR NOT NULL,
    key                VARCHAR NOT NULL,
    repo_id            VARCHAR NOT NULL,
    revision           VARCHAR NOT NULL,
    created_at         TIMESTAMPTZ,
    created_at_quality VARCHAR NOT NULL,
    commit_id          VARCHAR,
    commit_title       VARCHAR,
    commit_authors     VARCHAR[],
    commit_date        TIMESTAMPTZ,
    total_commits      BIGINT,
    requests           INTEGER,
    dated_at           TIMESTAMPTZ,
    run_id             BIGINT
);
