-- 003_kaggle: the instances (variations) of Kaggle models, one row per instance.
--
-- kaggle_instances: written by `zoo crawl kaggle` through Page.children; when a Kaggle run completes, all
--   rows of hub 'kaggle' are replaced by the rows that run saw. (hub, key) joins models (key = Kaggle's
--   model id as text). A model's `models.formats` is the sorted set of its instances' `framework`.
--   framework      normalised camelCase framework (tensorFlow1, tensorFlow2, tfLite, tfJs, coral, pyTorch,
--                  jax, flax, keras, transformers, scikitLearn, gguf, ggml, onnx, other, …); an unknown
--                  value is kept as sent (and the run counts a warning). NULL when the API sent none.
--   framework_raw  the value exactly as the API sent it (camelCase or MODEL_FRAMEWORK_* enum name).
--   is_tfhub_model always NULL: neither a listed instance (ApiModelInstance) nor ListModelInstances's
--                  ModelInstance has a TF-Hub flag (only instance versions do; zoo does not fetch them).
--   instances_from where the instance came from: 'listing' (ListModels), 'ListModelInstances' or
--                  'GetModel' (legacy API) when the listing left the model's instances out.
--   license_name   the licence's name: `licenseName` of a listed instance, `license.name` of a
--                  ListModelInstances one.
--   url            the instance's Kaggle page; NULL for ListModelInstances instances (they carry none).
--   extra          other instance fields as a JSON object (long texts such as overview, usage,
--                  renderedUsage, versionNotes and licensePost are not kept); `total_downloads` is the
--                  instance's downloadSummary.totalDownloads, which only ListModelInstances sends.
--   There is no primary key: Kaggle may list a model twice while its listing shifts; the crawler keeps
--   the first listing's rows within a process, so duplicates can only arise across a resumed run.
CREATE TABLE IF NOT EXISTS kaggle_instances (
    hub                      VARCHAR NOT NULL,
    key                      VARCHAR NOT NULL,
    model_ref                VARCHAR,
    instance_id              BIGINT,
    instance_slug            VARCHAR,
    framework                VARCHAR,
    framework_raw            VARCHAR,
    is_tfhub_model           BOOLEAN,
    version_id               BIGINT,
    version_number           BIGINT,
    license_name             VARCHAR,
    fine_tunable             BOOLEAN,
    model_instance_type      VARCHAR,
    total_uncompressed_bytes BIGINT,
    url                      VARCHAR,
    instances_from           VARCHAR,
    extra                    JSON
);
