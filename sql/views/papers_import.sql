-- papers_import: whether the Papers with Code dumps were imported (`zoo import pwc`), and when.
--
-- Definition: status 'crawled' when pwc_links holds rows, else 'not crawled' (never zeros). last_import
-- = when the latest complete run of the source that stored those rows finished (crawl_runs.source = the
-- rows' hub), NULL when not imported.
--
-- Columns: status, last_import.
CREATE OR REPLACE VIEW papers_import AS
WITH imported AS (SELECT DISTINCT hub FROM pwc_links)
SELECT
    CASE WHEN EXISTS (SELECT 1 FROM imported) THEN 'crawled' ELSE 'not crawled' END AS status,
    (SELECT max(r.finished_at) FROM latest_complete_runs AS r WHERE r.hub IN (SELECT hub FROM imported))
        AS last_import;
