-- model_counters_nightly: each model's counters as of every complete run of its hub that saw it
-- ("nights"): 30-day downloads, all-time downloads and likes, read from the change-only log.
-- Columns: mid, hub, key, id (the name today), run_id, observed_at, downloads, downloads_all_time, likes.
CREATE OR REPLACE VIEW model_counters_nightly AS
SELECT m.mid, m.hub, m.key, m.id, r.run_id, r.finished_at AS observed_at,
       c.downloads, c.downloads_all_time, c.likes
FROM models m
JOIN crawl_runs r ON r.source = m.hub AND r.status = 'complete'
     AND r.run_id >= m.first_seen_run AND r.run_id <= m.last_seen_run
ASOF JOIN model_counters_log c ON c.mid = m.mid AND c.run_id <= r.run_id
WHERE NOT EXISTS (
    SELECT 1 FROM model_absences a
    WHERE a.mid = m.mid AND a.from_run <= r.run_id AND (a.to_run IS NULL OR a.to_run > r.run_id)
);

-- downloads_per_day: an ESTIMATE of daily downloads, the difference of `downloads_all_time` between two
-- consecutive nights divided by the days between them. The Hub publishes no daily figure; its
-- `downloads` is a rolling 30-day count. NULL for a model's first night.
-- Columns: mid, hub, key, id, run_id, observed_at, downloads_all_time, days, downloads_per_day.
CREATE OR REPLACE VIEW downloads_per_day AS
SELECT mid, hub, key, id, run_id, observed_at, downloads_all_time,
       date_diff('second', lag(observed_at) OVER w, observed_at) / 86400.0 AS days,
       (downloads_all_time - lag(downloads_all_time) OVER w)
         / nullif(date_diff('second', lag(observed_at) OVER w, observed_at) / 86400.0, 0) AS downloads_per_day
FROM model_counters_nightly
WINDOW w AS (PARTITION BY mid ORDER BY run_id);
