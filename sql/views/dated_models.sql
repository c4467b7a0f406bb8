-- dated_models(as_of), model_created_dates, hf_dates_todo: THE place where a model gets the best creation
-- date zoo knows, for every statistic and the export.
--
-- model_created_dates: the creation dates zoo recovered for models whose hub shows only a placeholder:
--   today the Hugging Face legacy cohort (repos created before 2022-03-02, createdAt = the placeholder
--   2022-03-02T23:29:04Z or 23:29:05Z, created_at_quality 'sentinel'), dated by `zoo crawl hf-dates` from each repo's oldest
--   commit (table hf_first_commits). One row per model (the first one stored wins: dates never change
--   once found). created_at is NULL for 'after_placeholder' (a history rewritten after the placeholder
--   says nothing about the creation) and 'out_of_range' (an oldest commit dated before 2000-01-01).
--   Columns: hub (the model's hub, 'huggingface'), key, created_at, created_at_quality ('first_commit' |
--   'oldest_commit' | 'after_placeholder' | 'out_of_range'), commit_id, run_id (the run that found it).
--
-- dated_models(as_of): the models that exist now (as_of NULL: current_models) or existed at the end of
--   that day (models_as_of(as_of)), every column of `models`, where a model whose created_at is the
--   placeholder (quality 'sentinel') and whose date was recovered gets that date and its quality
--   ('first_commit', 'oldest_commit') instead. Creation dates are facts about the past: with as_of the
--   best date known NOW is used, even for a day before the model was dated, while which models exist
--   then (seen by a complete crawl by then, …) stays models_as_of's rule. A date the hub itself gives
--   (quality other than 'sentinel') is never replaced. The listing keeps writing the placeholder to
--   models.created_at every night; this view is why it cannot overwrite a recovered date.
--   With `counters := false` (the statistics, which count models) and as_of, the counters (downloads,
--   downloads_all_time, likes) are NULL: models_as_of then leaves their log alone.
--   Denominator: none (per-model rows).
--
-- hf_dates_todo: the work list of `zoo crawl hf-dates`: the current (not deleted, not absent) public
--   Hugging Face models whose created_at is the placeholder and that hf_first_commits does not hold yet
--   (neither dated nor found undatable). Columns: key, id (the name to ask), sha (the revision to ask).
CREATE OR REPLACE VIEW model_created_dates AS
SELECT 'huggingface' AS hub, key, created_at, created_at_quality, commit_id, run_id
FROM hf_first_commits
QUALIFY row_number() OVER (PARTITION BY key ORDER BY run_id NULLS LAST, dated_at, commit_id) = 1;

CREATE OR REPLACE MACRO dated_models(as_of, counters := true) AS TABLE
SELECT m.* REPLACE (
    CASE WHEN m.created_at_quality = 'sentinel' AND d.created_at IS NOT NULL
        THEN d.created_at ELSE m.created_at END AS created_at,
    CASE WHEN m.created_at_quality = 'sentinel' AND d.created_at IS NOT NULL
        THEN d.created_at_quality ELSE m.created_at_quality END AS created_at_quality
)
FROM (
    SELECT * FROM current_models WHERE as_of IS NULL
    UNION ALL
    SELECT * FROM models_as_of(as_of, counters := counters) WHERE as_of IS NOT NULL
) AS m
LEFT JOIN model_created_dates AS d ON d.hub = m.hub AND d.key = m.key;

CREATE OR REPLACE VIEW hf_dates_todo AS
SELECT m.key, m.id, m.sha
FROM current_models AS m
WHERE m.hub = 'huggingface'
  AND m.created_at_quality = 'sentinel'
  AND m.private IS NOT TRUE
  AND NOT EXISTS (SELECT 1 FROM hf_first_commits AS d WHERE d.key = m.key);
