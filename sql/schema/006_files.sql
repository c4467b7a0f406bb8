-- 006_files: the file names of each repo, change-only, with their framework evidence computed once.
--
-- models.files (001) holds the file names a hub listed for the model the last time it listed them
--   (Hugging Face: `siblings`, paths in the repo). NULL when they were never listed (a crawl with
--   `--no-files`); a crawl that does not list them leaves the stored names as they were.
-- models.files_hash: hash of the sorted names, for change detection (NULL: never listed; databases
--   written before this migration have [] and NULL here, read as an empty list).
-- models.file_bits / file_bits_rules: a cache of the framework evidence of `files` (the bits of
--   framework_file_bits, see sql/views/framework_macros.sql) and the key of the file rules it was
--   computed under (framework_lookup.file_rules_key). The views use it only while that key is current
--   and compute from the names otherwise, so editing a file rule never gives a stale answer; the store
--   fills it after each merge and after an upgrade (crawler/merge.py, refresh_file_bits).
--
-- model_files_log: change-only history of files, apart from model_attrs_log so that other attribute
--   changes (a rename, a tag, a new sha that left the file names alone) do not copy the whole list. One
--   row when a model is first seen with a non-empty list, then one row per run that listed a different
--   set of names (order ignored). A repo's files change only with a commit, so `sha` (the commit they
--   were listed at) changes with them; an unchanged sha never adds a row. file_bits / file_bits_rules:
--   the same cache as in models.
-- model_attrs_log.files is dropped: no source listed file names before this migration, so it only ever
--   held empty lists.
ALTER TABLE models ADD COLUMN IF NOT EXISTS files_hash UBIGINT;
ALTER TABLE models ADD COLUMN IF NOT EXISTS file_bits UBIGINT;
ALTER TABLE models ADD COLUMN IF NOT EXISTS file_bits_rules UBIGINT;

CREATE TABLE IF NOT EXISTS model_files_log (
    mid             BIGINT NOT NULL,
    run_id          BIGINT NOT NULL,
    sha             VARCHAR,
    files           VARCHAR[] NOT NULL,
    file_bits       UBIGINT,
    file_bits_rules UBIGINT
);

ALTER TABLE model_attrs_log DROP COLUMN IF EXISTS files;
