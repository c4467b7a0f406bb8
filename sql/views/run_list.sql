-- run_list: the crawl runs as `zoo runs` lists them, newest first.
--
-- Columns: run_id, source, status, started, finished, pages, models (distinct models a complete run saw;
-- items staged so far for others), items, requests, warnings, resumed, suspect, new, changed, absent,
-- deleted (what the run changed in the database), error, notes (what the run did differently from the plan,
-- such as a smaller page size for deep Hugging Face pages; an empty list when nothing).
CREATE OR REPLACE VIEW run_list AS
SELECT run_id, source, status, started_at AS started, finished_at AS finished, pages,
       models, items, requests, warnings, resumed, suspect,
       new_models AS new, changed_models AS changed, absent_models AS absent,
       deleted_models AS deleted, error, coalesce(notes, []::VARCHAR[]) AS notes
FROM crawl_runs
ORDER BY run_id DESC;
