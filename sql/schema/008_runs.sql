-- 008_runs: notes on runs, and no credentials in the URLs runs keep.
--
-- crawl_runs.notes: what a run did differently from the plan, for people reading `zoo runs`: one line
--   per event, oldest first, each prefixed with the page it happened on, e.g. `page 812: page size
--   lowered from 1,000 to 500 (HTTP 504)` when the Hugging Face listing asked a deep page again with a
--   smaller `limit`, and `page 832: page size raised back to 1,000 after 20 good pages`. NULL when the
--   run went as planned. At most 50 are kept per run.
--
-- Earlier versions accepted an endpoint such as `http://user:password@host` and kept it in `params` (and
-- in error texts that quote a URL). zoo now refuses credentials in an endpoint; this replaces the user
-- name and password of every URL already stored in `params`, `error` and `warning_samples` by `***`.
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS notes VARCHAR[];

UPDATE crawl_runs SET
    params = regexp_replace(CAST(params AS VARCHAR), '([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@"\s]+@', '\1***@', 'g')::JSON,
    error = regexp_replace(error, '([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@"\s]+@', '\1***@', 'g'),
    warning_samples = list_transform(
        warning_samples, lambda w: regexp_replace(w, '([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@"\s]+@', '\1***@', 'g')
    )
WHERE regexp_matches(CAST(params AS VARCHAR) || coalesce(error, '') || coalesce(array_to_string(warning_samples, ' '), ''),
                     '[a-zA-Z][a-zA-Z0-9+.-]*://[^/@"\s]+@');
