-- 005_hubs: the hubs zoo knows, one row per entry of the source registry (crawler/sources/registry.py).
-- The store rewrites the rows from the registry whenever it opens the database for writing (a crawl, an
-- import, an upgrade); a reading command never writes them. Views read this table instead of naming hubs.
--
-- hub: the source's name (= crawl_runs.source = models.hub); label: its name for people; sort_order: the
--   display order; kind: 'models' (a model hub, listed by stats_hubs even before its first crawl),
--   'papers' (the Papers with Code import) or 'enrichment' (facts about models another hub listed);
--   unit: what one of its models is, in words; aliases: other names the commands accept (hf).
CREATE TABLE IF NOT EXISTS hubs (
    hub        VARCHAR PRIMARY KEY,
    label      VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    unit       VARCHAR,
    aliases    VARCHAR[]
);
