-- model_history: every recorded change of every model, one row per (model, run that saw a change),
-- with the interval it held: from `valid_from_run` up to, not including, `valid_to_run` (NULL: still
-- current). Attribute changes (name, tags, library, …), counter changes (downloads, likes) and file
-- changes (the repo's file names) are logged apart (change-only); this view lines them up per run,
-- carrying each side's last value forward.
-- Columns: mid, hub, key, valid_from_run, valid_to_run, observed_at (when that run finished), id,
--   tags, library_name, pipeline_tag, last_modified, sha, downloads, downloads_all_time, likes,
--   attrs_changed, counters_changed, files (the file names as last listed by then; NULL if never
--   listed), files_changed (this run listed a different set of file names).
CREATE OR REPLACE VIEW model_history AS
WITH points AS (
    SELECT mid, run_id FROM model_attrs_log
    UNION
    SELECT mid, run_id FROM model_counters_log
    UNION
    SELECT mid, run_id FROM model_files_log
),
joined AS (
    SELECT p.mid, p.run_id,
           a.run_id = p.run_id AS attrs_changed,
           c.run_id IS NOT NULL AND c.run_id = p.run_id AS counters_changed,
           f.run_id IS NOT NULL AND f.run_id = p.run_id AS files_changed,
           a.id, a.tags, a.library_name, a.pipeline_tag, a.last_modified, a.sha,
           c.downloads, c.downloads_all_time, c.likes,
           f.files
    FROM points p
    ASOF JOIN model_attrs_log a ON a.mid = p.mid AND a.run_id <= p.run_id
    ASOF LEFT JOIN model_counters_log c ON c.mid = p.mid AND c.run_id <= p.run_id
    ASOF LEFT JOIN model_files_log f ON f.mid = p.mid AND f.run_id <= p.run_id
)
SELECT j.mid, m.hub, m.key, j.run_id AS valid_from_run,
       lead(j.run_id) OVER (PARTITION BY j.mid ORDER BY j.run_id) AS valid_to_run,
       r.finished_at AS observed_at,
       j.id, j.tags, j.library_name, j.pipeline_tag, j.last_modified, j.sha,
       j.downloads, j.downloads_all_time, j.likes, j.attrs_changed, j.counters_changed,
       j.files, j.files_changed
FROM joined j
JOIN models m ON m.mid = j.mid
LEFT JOIN crawl_runs r ON r.run_id = j.run_id;
