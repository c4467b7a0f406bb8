-- 010_hf_placeholder_two_seconds: Hugging Face's legacy placeholder is two instants, not one.
--
-- Every repo created before the Hub stored creation dates shows createdAt 2022-03-02T23:29:04.000Z or
-- 2022-03-02T23:29:05.000Z (recorded real answers: of 27 legacy repos, 6 at :04 and 21 at :05; the
-- first 4 bytes of their _id are the same instant, 621ffdc0… or 621ffdc1…). Earlier versions knew only
-- :04, so every :05 model was stored with created_at_quality 'exact': counted as created on 2022-03-02
-- (in 2022's additions) and never asked by `zoo crawl hf-dates`. The listing now marks both instants
-- 'sentinel' (crawler/sources/huggingface.py, PLACEHOLDER_CREATED_AT: the one definition; a test checks
-- that the instants below are the same). This re-marks what is already stored, so an existing database
-- gets the right legacy cohort and hf_dates_todo lists the newly found legacy models:
--
-- models: created_at_quality 'exact' -> 'sentinel' for Hugging Face rows at either instant, and their
--   attrs_hash recomputed with the new quality (the merge's hash of the attribute columns, as
--   crawler/merge.py computed it when this step was written), so the next crawl, which brings
--   'sentinel' for them, sees no change and logs none.
-- model_attrs_log: the same for every logged state of a Hugging Face model at either instant, so the
--   statistics as of an earlier day (models_as_of) put those models in 'legacy' too.
-- hf_first_commits: a legacy repo whose oldest commit is dated at the later instant (:05) itself was
--   stored as 'after_placeholder' (after :04) without a date; the rule is now "after :05", so such a
--   row gets its commit's date and the quality the rule gives ('first_commit' for the Hub's
--   `initial commit`, else 'oldest_commit').
-- The caches keyed on attributes are unaffected: attr_bits and file_bits do not depend on the
-- creation date, and the statistics are computed from these columns each time.
UPDATE model_attrs_log AS l SET created_at_quality = 'sentinel'
FROM models AS m
WHERE m.mid = l.mid
  AND m.hub = 'huggingface'
  AND l.created_at IN (TIMESTAMPTZ '2022-03-02 23:29:04+00', TIMESTAMPTZ '2022-03-02 23:29:05+00')
  AND l.created_at_quality = 'exact';

UPDATE models SET
    created_at_quality = 'sentinel',
    attrs_hash = hash(id, author, created_at, 'sentinel', last_modified, library_name, pipeline_tag, tags,
                      sha, private, gated, formats, []::VARCHAR[], extra::VARCHAR)
WHERE hub = 'huggingface'
  AND created_at IN (TIMESTAMPTZ '2022-03-02 23:29:04+00', TIMESTAMPTZ '2022-03-02 23:29:05+00')
  AND created_at_quality = 'exact';

UPDATE hf_first_commits SET
    created_at = commit_date,
    created_at_quality = CASE WHEN lower(trim(commit_title)) = 'initial commit'
                              THEN 'first_commit' ELSE 'oldest_commit' END
WHERE created_at_quality = 'after_placeholder'
  AND commit_date IS NOT NULL
  AND commit_date <= TIMESTAMPTZ '2022-03-02 23:29:05+00';
