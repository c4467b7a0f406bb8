-- 008_run_notes: what a run did differently from the plan, for people reading `zoo runs`.
--
-- crawl_runs.notes: one line per event, oldest first, each prefixed with the page it happened on, e.g.
--   `page 812: page size lowered from 1,000 to 500 (HTTP 504)` when the Hugging Face listing asked a
--   deep page again with a smaller `limit`, and `page 832: page size raised back to 1,000 after 20 good
--   pages`. NULL when the run went as planned. At most 50 are kept per run.
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS notes VARCHAR[];
