-- stats_hubs: models per hub, with the last complete crawl each count comes from.
-- The view is now; the table macro stats_hubs_at(as_of) counts the models that existed at the end of
-- that day (models_as_of).
--
-- Definition: `models` = the hub's models in stats_models (current_models: seen by the hub's latest
-- complete crawl, not deleted; public only, private models are left out). Hubs are the model hubs of
-- the table `hubs` (seeded from the source registry), in its sort_order, plus any other
-- crawl_runs.source that is not an enrichment source (unknown ones last, by name). A hub without a
-- complete crawl has status 'not crawled' (no run at all, or none finished by as_of) or 'no complete
-- crawl' (runs, all failed, aborted or running) and models NULL — never 0.
-- For as_of, the crawl shown is the one the count comes from: for a catalog hub (rows dated by git:
-- git_catalog_date(created_at_quality), i.e. 'git_first_commit', 'git_import' or 'git_prior_repo') its
-- latest complete crawl, which knows the whole history;
-- for other hubs the latest complete crawl finished by the end of as_of.
--
-- Columns: hub, status ('crawled' | 'not crawled' | 'no complete crawl'), models, last_complete_crawl
--          (finished_at of that run), run_id, sort_order.
--
-- stats_hub_status_at(as_of): the same rows without `models` (which crawl stands for each hub then, and
-- its status), for what needs no count: it reads crawl_runs alone, never the models.
-- Columns: hub, status, last_complete_crawl, run_id, sort_order.
CREATE OR REPLACE MACRO stats_hub_status_at(as_of) AS TABLE
WITH listed AS (
    SELECT hub, sort_order FROM hubs WHERE kind = 'models'
    UNION
    SELECT DISTINCT c.source, coalesce(h.sort_order, 99)
    FROM crawl_runs AS c LEFT JOIN hubs AS h ON h.hub = c.source
    WHERE h.kind IS DISTINCT FROM 'enrichment'
),
bound AS (
    SELECT timezone('UTC', CAST(CAST(as_of AS DATE) + INTERVAL 1 DAY AS TIMESTAMP)) AS end_ts
),
catalogs AS (
    SELECT DISTINCT m.hub
    FROM models AS m JOIN latest_complete_runs AS r ON r.hub = m.hub AND r.run_id = m.last_seen_run
    WHERE git_catalog_date(m.created_at_quality)
),
runs_then AS (
    SELECT c.source AS hub, arg_max(c.run_id, (c.finished_at, c.run_id)) AS run_id, max(c.finished_at) AS finished_at
    FROM crawl_runs AS c, bound
    WHERE c.status = 'complete' AND (as_of IS NULL OR c.finished_at < bound.end_ts)
    GROUP BY c.source
),
used AS (
    SELECT r.hub, r.run_id, r.finished_at
    FROM latest_complete_runs AS r
    WHERE as_of IS NULL OR r.hub IN (SELECT hub FROM catalogs)
    UNION ALL
    SELECT t.hub, t.run_id, t.finished_at
    FROM runs_then AS t
    WHERE as_of IS NOT NULL AND t.hub NOT IN (SELECT hub FROM catalogs)
),
attempts AS (
    SELECT c.source AS hub, count(*) AS runs
    FROM crawl_runs AS c, bound
    WHERE as_of IS NULL OR c.started_at < bound.end_ts
    GROUP BY c.source
)
SELECT
    h.hub,
    CASE
        WHEN u.run_id IS NOT NULL THEN 'crawled'
        WHEN a.runs > 0 THEN 'no complete crawl'
        ELSE 'not crawled'
    END AS status,
    u.finished_at AS last_complete_crawl,
    u.run_id,
    h.sort_order
FROM listed AS h
LEFT JOIN used AS u USING (hub)
LEFT JOIN attempts AS a USING (hub)
ORDER BY h.sort_order, h.hub;

CREATE OR REPLACE MACRO stats_hubs_at(as_of) AS TABLE
WITH counts AS (
    SELECT hub, count(*) AS models FROM stats_models(as_of) GROUP BY hub
)
SELECT
    s.hub,
    s.status,
    CASE WHEN s.run_id IS NOT NULL THEN coalesce(c.models, 0) END AS models,
    s.last_complete_crawl,
    s.run_id,
    s.sort_order
FROM stats_hub_status_at(as_of) AS s
LEFT JOIN counts AS c USING (hub)
ORDER BY s.sort_order, s.hub;

CREATE OR REPLACE VIEW stats_hubs AS SELECT * FROM stats_hubs_at(NULL);
