-- 001_core: crawl runs (provenance), the current state of every model, and its change-only history.
--
-- crawl_runs: one row per crawl of one source. `status` is running | complete | failed | aborted.
--   `params` is JSON of what was asked (never a secret). Counters: pages, items (records stored,
--   duplicates included; child rows for pages that carry only those), requests (HTTP requests including retries), warnings (items or pages stored
--   as far as they were valid), models (distinct models the run saw). `resumed` is true once a run was
--   continued after an interruption. `full_listing` is true when the run listed the whole hub (only full runs may
--   judge deletions). `suspect` is true when a complete run saw markedly fewer models than the previous
--   one (see crawler/store.py): it updates what it saw but marks nothing absent or deleted.
--
-- models: the current state per (hub, key). `key` survives renames (HF `_id`, catalog path or handle,
--   Kaggle id); `id` is the name. `mid` is a compact surrogate used by the history tables.
--   `first_seen_run` / `last_seen_run` trace every row to the runs that saw it first and last.
--   `absent_since_run` is set while a model is missing from the hub's complete runs (NULL: it was seen by
--   the latest one). `deleted_at` / `deleted_run`: the model is gone, either because the hub says so (git
--   catalogs know removal dates) or because it was absent from N consecutive complete full runs.
--   (hub, key) and mid are unique: the store's merge guarantees it. There is no PRIMARY KEY, because
--   DuckDB keeps that index in memory and an upsert through it rewrites whole rows.
--
-- model_counters_log / model_attrs_log: change-only history. A row is written when a model is first seen
--   and then only when one of its values changed, keyed by the run that observed it. A value holds from
--   that run until the model's next row (views add `valid_to_run`). Counters (downloads, likes) change
--   far more often than attributes, so they are logged apart to keep the file compact.
-- model_absences: the gaps. One row per stretch of complete runs a model was missing from
--   (`to_run` is the run that saw it again, NULL while it is still missing; `deleted_run` the run that
--   marked it deleted meanwhile).
CREATE SEQUENCE IF NOT EXISTS crawl_run_ids START 1;

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id          BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
    source          VARCHAR NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'aborted')),
    params          JSON,
    tool_version    VARCHAR,
    pages           BIGINT NOT NULL DEFAULT 0,
    items           BIGINT NOT NULL DEFAULT 0,
    requests        BIGINT NOT NULL DEFAULT 0,
    warnings        BIGINT NOT NULL DEFAULT 0,
    resumed         BOOLEAN NOT NULL DEFAULT false,
    models          BIGINT,
    full_listing    BOOLEAN NOT NULL DEFAULT true,
    suspect         BOOLEAN NOT NULL DEFAULT false,
    new_models      BIGINT,
    changed_models  BIGINT,
    absent_models   BIGINT,
    deleted_models  BIGINT,
    error           VARCHAR,
    warning_samples VARCHAR[]
);

CREATE TABLE IF NOT EXISTS models (
    mid                BIGINT NOT NULL,
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
    extra              JSON,
    counters_hash      UBIGINT,  -- hash of (downloads, downloads_all_time, likes): change detection
    attrs_hash         UBIGINT,  -- hash of the attributes logged in model_attrs_log
    first_seen_run     BIGINT NOT NULL,
    last_seen_run      BIGINT NOT NULL,
    absent_since_run   BIGINT,
    deleted_at         TIMESTAMPTZ,
    deleted_run        BIGINT
);

CREATE TABLE IF NOT EXISTS model_counters_log (
    mid                BIGINT NOT NULL,
    run_id             BIGINT NOT NULL,
    downloads          BIGINT,
    downloads_all_time BIGINT,
    likes              BIGINT
);

CREATE TABLE IF NOT EXISTS model_attrs_log (
    mid                BIGINT NOT NULL,
    run_id             BIGINT NOT NULL,
    id                 VARCHAR NOT NULL,
    author             VARCHAR,
    created_at         TIMESTAMPTZ,
    created_at_quality VARCHAR,
    last_modified      TIMESTAMPTZ,
    library_name       VARCHAR,
    pipeline_tag       VARCHAR,
    tags               VARCHAR[],
    sha                VARCHAR,
    private            BOOLEAN,
    gated              VARCHAR,
    formats            VARCHAR[],
    files              VARCHAR[],
    extra              JSON
);

CREATE TABLE IF NOT EXISTS model_absences (
    mid      BIGINT NOT NULL,
    hub      VARCHAR NOT NULL,
    from_run BIGINT NOT NULL,
    to_run   BIGINT,
    deleted_run BIGINT  -- the run that marked it deleted during this gap, if any
);
