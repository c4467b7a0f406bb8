-- 002_catalogs: child tables of the git-catalog sources (PyTorch Hub, tfhub.dev).
--
-- Each table has a `hub` column; a complete crawl of that hub replaces all of its rows in the table.
-- Dates are committer dates of first-parent commits on the catalog's branch (when a change landed).
--
-- pytorch_hub_entrypoints: written by `zoo crawl pytorch-hub --entrypoints`. One row per (entry, public
--   callable of the hubconf.py of the entry's `github-id` repository), for live entries. `key` is the
--   entry's path (models.key); `ref` is where hubconf.py was read: the ref the page's torch.hub.load
--   calls name (`owner/repo:ref`), else HEAD (the default branch). The callables are found by PARSING hubconf.py with Python's ast (never
--   importing it), an approximation of torch.hub.list(): `kind` is function | class | import | alias.
--   `documented` is true when the entry's own page calls torch.hub.load(…, name). Entries sharing a
--   repository each get its rows: count distinct (lower(github_id), name) for entrypoints per repository.
-- tf_hub_versions: one row per versioned document of a tfhub.dev model: its `# Module` / `# Placeholder`
--   versions and its `# Lite` / `# Tfjs` / `# Coral` variants. `key` is the model (models.key: the handle
--   without the version), `handle` the document's own handle, `doc_type` module | placeholder | lite |
--   tfjs | coral, `format` the document's format (saved_model_2, hub, saved_model … for modules; lite,
--   tfjs, coral for variants). A document whose path moved is one row: `path` is its latest path and
--   `paths` every path it had; `added_at` is when any of them first appeared and `removed_at` when the
--   last one disappeared (NULL while live). `parent_handle` is a variant's `parent-model`.
-- tf_hub_collections: one row per `# Collection` document (handle with version; `key` without).
-- tf_hub_publishers: one row per `# Publisher` page; `key` is the publisher handle, `name` its title.
CREATE TABLE IF NOT EXISTS pytorch_hub_entrypoints (
    hub          VARCHAR NOT NULL,
    key          VARCHAR NOT NULL,
    github_id    VARCHAR NOT NULL,
    ref          VARCHAR,
    name         VARCHAR NOT NULL,
    kind         VARCHAR,
    lineno       INTEGER,
    documented   BOOLEAN,
    hubconf_url  VARCHAR,
    fetched_at   TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS tf_hub_versions (
    hub             VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    handle          VARCHAR NOT NULL,
    doc_type        VARCHAR NOT NULL,
    version         VARCHAR,
    format          VARCHAR,
    parent_handle   VARCHAR,
    path            VARCHAR NOT NULL,
    paths           VARCHAR[],
    added_at        TIMESTAMPTZ,
    removed_at      TIMESTAMPTZ,
    modified_at     TIMESTAMPTZ,
    added_commit    VARCHAR,
    removed_commit  VARCHAR,
    metadata        JSON
);

CREATE TABLE IF NOT EXISTS tf_hub_collections (
    hub             VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    handle          VARCHAR NOT NULL,
    version         VARCHAR,
    publisher       VARCHAR,
    title           VARCHAR,
    path            VARCHAR NOT NULL,
    paths           VARCHAR[],
    added_at        TIMESTAMPTZ,
    removed_at      TIMESTAMPTZ,
    modified_at     TIMESTAMPTZ,
    added_commit    VARCHAR,
    removed_commit  VARCHAR,
    metadata        JSON
);

CREATE TABLE IF NOT EXISTS tf_hub_publishers (
    hub             VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    name            VARCHAR,
    path            VARCHAR NOT NULL,
    paths           VARCHAR[],
    added_at        TIMESTAMPTZ,
    removed_at      TIMESTAMPTZ,
    modified_at     TIMESTAMPTZ,
    added_commit    VARCHAR,
    removed_commit  VARCHAR
);
