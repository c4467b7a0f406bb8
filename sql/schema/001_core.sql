-- 001_core: crawl runs (provenance) and the current state of every model.
--
-- crawl_runs: one row per crawl of one source. `status` is running | complete | failed | aborted.
--   `params` is JSON of what was asked (never a secret). Counters are pages, items (records stored,
--   duplicates included), requests (HTTP requests including retries) and warnings (items or pages
--   stored as far as they were valid). `resumed` is true once a run was continued after an interruption.
-- models: the current state per (hub, key). `key` survives renames (HF `_id`, catalog path/handle,
--   Kaggle id); `id` is the name. `first_seen_run` / `last_seen_run` trace every row to the runs that
--   saw it first and last.
CREATE SEQUENCE IF NOT EXISTS crawl_run_ids START 1;

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id        BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
    source        VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        VARCHAR NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'aborted')),
    params        JSON,
    tool_version  VARCHAR,
    pages         BIGINT NOT NULL DEFAULT 0,
    items         BIGINT NOT NULL DEFAULT 0,
    requests      BIGINT NOT NULL DEFAULT 0,
    warnings      BIGINT NOT NULL DEFAULT 0,
    resumed       BOOLEAN NOT NULL DEFAULT false,
    models        BIGINT,
    error         VARCHAR,
    warning_samples VARCHAR[]
);

CREATE TABLE IF NOT EXISTS models (
    hub                VARCHAR NOT NULL,
    key                VARCHAR NOT NULL,
    id                 VARCHAR NOT NULL,
    author             VARCHAR,
    created_at         TIMESTAMPTZ,
    created_at_quality VARCHAR NOT NULL,
    last_modified      TIMESTAMPTZ,
    library_name       VARCHAR,
    pipeline_tag       VARCHAR,
    tags               VARCHAR[],
    downloads          BIGINT,
    downloads_all_time BIGINT,
    likes              BIGINT,
    sha                VARCHAR,
    private            BOOLEAN,
    gated              VARCHAR,
    formats            VARCHAR[],
    files              VARCHAR[],
    deleted_at         TIMESTAMPTZ,
    extra              JSON,
    first_seen_run     BIGINT NOT NULL,
    last_seen_run      BIGINT NOT NULL
    -- (hub, key) is unique: the store's merge guarantees it. No PRIMARY KEY, because DuckDB keeps that
    -- index in memory and an upsert through it rewrites whole rows; the merge updates changed rows only.
);
