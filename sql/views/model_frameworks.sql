-- model_frameworks: every row of `models` with a flag and its evidence for each framework, and the
-- model's class under both definitions. It is not filtered: join it to current_models (or to
-- models_as_of(date)) on (hub, key), as the stats views do.
--
-- Evidence: each tag, library_name, format, file name and the hub of the model, looked up in
-- framework_evidence_map (via framework_lookup; case-insensitive for the evidence, exact tags for the
-- `tags` definition; a file counts for the most specific file pattern it matches). Evidence strings read
-- '<kind>:<value as found>', e.g. 'tag:pytorch', 'library:tf-keras', 'file:ckpt/pytorch_model.bin',
-- 'format:tensorFlow2', 'hub:pytorch-hub'.
--
-- Definitions (framework_classes lists the classes with their meaning):
--   tags_class      the articles' method: only evidence marked tags_definition — on Hugging Face the tags
--                   `pytorch` and `tf`, spelled exactly so (the Hub's tag filter matches exact strings: a
--                   card tag `PyTorch` does not count), nothing else; on the other hubs, which have no such tags, the hub's
--                   own declaration (PyTorch Hub → PyTorch, TF Hub → TensorFlow, Kaggle instance
--                   frameworks) stands in, as the articles count PyTorch Hub models as PyTorch.
--                   pytorch_only | tensorflow_only | both | neither.
--   evidence_class  ours: all evidence (tags compared case-insensitively, library, files, formats, hub),
--                   classified by framework_roles.role of the frameworks found:
--                   multi                       two or more core frameworks (PyTorch, TensorFlow, JAX),
--                                               or Keras 3 (multi-backend) at all
--                   pytorch_only / tensorflow_only / jax_only   exactly one core framework; neutral
--                                               formats or other frameworks beside it keep it `_only`
--                   other                       no core framework, another one (MLX, PaddlePaddle, …)
--                   agnostic                    only framework-neutral weights (safetensors, ONNX, GGUF, …)
--                   none                        no evidence at all
--
-- Columns: hub, key, id, library_name, tags, formats, files,
--          pytorch, tensorflow, jax, keras, safetensors, onnx, gguf            (BOOLEAN flags)
--          pytorch_evidence … gguf_evidence                                   (VARCHAR[], [] if none)
--          frameworks (every framework found), tags_frameworks (those the tags definition sees),
--          evidence (every match as '<framework>=<evidence>'), mask (framework bits, see
--          framework_lookup), tags_class, evidence_class.
-- Classes are computed from `mask` alone by the macros of framework_macros.sql (the stats views call the
-- same macros); the evidence columns cost nothing unless selected.
CREATE OR REPLACE VIEW model_frameworks AS
WITH found AS (
    SELECT
        m.hub,
        m.key,
        m.id,
        m.library_name,
        m.tags,
        m.formats,
        m.files,
        framework_attr_mask(m.hub, m.library_name, m.tags, m.formats, m.attr_bits, m.attr_bits_rules,
            lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.attr_rules_key)
        | framework_file_mask(m.files, m.file_bits, m.file_bits_rules, lk.file_patterns, lk.file_rules_key)
            AS mask,
        flatten([
            [{'framework': lk.tag_map[lower(t)], 'evidence': 'tag:' || t}
             FOR t IN coalesce(m.tags, []) IF lk.tag_map[lower(t)] IS NOT NULL],
            [{'framework': lk.library_map[lower(m.library_name)], 'evidence': 'library:' || m.library_name}
             FOR _ IN [1] IF lk.library_map[lower(m.library_name)] IS NOT NULL],
            [{'framework': lk.format_map[lower(t)], 'evidence': 'format:' || t}
             FOR t IN coalesce(m.formats, []) IF lk.format_map[lower(t)] IS NOT NULL],
            [{'framework': framework_file_rule(f, lk.file_patterns).framework, 'evidence': 'file:' || f}
             FOR f IN coalesce(m.files, []) IF framework_file_rule(f, lk.file_patterns) IS NOT NULL],
            [{'framework': lk.hub_map[lower(m.hub)], 'evidence': 'hub:' || m.hub}
             FOR _ IN [1] IF lk.hub_map[lower(m.hub)] IS NOT NULL]
        ]) AS matches,
        lk.framework_bits,
        lk.pytorch_bit,
        lk.tensorflow_bit,
        lk.jax_bit,
        lk.core_mask,
        lk.multi_backend_mask,
        lk.neutral_mask,
        lk.other_mask
    FROM models AS m
    CROSS JOIN framework_lookup AS lk
),
named AS (
    SELECT
        *,
        [b.framework FOR b IN framework_bits IF (mask & b.bit) <> 0] AS frameworks,
        [b.framework FOR b IN framework_bits IF ((mask >> 32) & b.bit) <> 0] AS tags_frameworks
    FROM found
)
SELECT
    hub,
    key,
    id,
    library_name,
    tags,
    formats,
    files,
    list_contains(frameworks, 'pytorch') AS pytorch,
    list_contains(frameworks, 'tensorflow') AS tensorflow,
    list_contains(frameworks, 'jax') AS jax,
    list_contains(frameworks, 'keras') AS keras,
    list_contains(frameworks, 'safetensors') AS safetensors,
    list_contains(frameworks, 'onnx') AS onnx,
    list_contains(frameworks, 'gguf') AS gguf,
    [x.evidence FOR x IN matches IF x.framework = 'pytorch'] AS pytorch_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'tensorflow'] AS tensorflow_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'jax'] AS jax_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'keras'] AS keras_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'safetensors'] AS safetensors_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'onnx'] AS onnx_evidence,
    [x.evidence FOR x IN matches IF x.framework = 'gguf'] AS gguf_evidence,
    frameworks,
    tags_frameworks,
    [x.framework || '=' || x.evidence FOR x IN matches] AS evidence,
    mask,
    framework_tags_class(mask, pytorch_bit, tensorflow_bit) AS tags_class,
    framework_evidence_class(
        mask, pytorch_bit, tensorflow_bit, jax_bit, core_mask, multi_backend_mask, neutral_mask, other_mask
    ) AS evidence_class
FROM named;
