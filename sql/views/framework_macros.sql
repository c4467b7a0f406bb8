-- framework_mask, framework_tags_class, framework_evidence_class: the classification rules, as scalar
-- macros, so model_frameworks and the stats views apply the very same rules row by row. Call them with
-- the columns of framework_lookup (cross join it as `lk`):
--
--   framework_mask(hub, library_name, tags, formats, files,
--                  lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.file_patterns) → UBIGINT
--       bit_or of the bits of every piece of evidence of a model (see framework_lookup): the low 32 bits
--       are all frameworks found, the high 32 bits those the `tags` definition counts.
--   framework_tags_class(mask, lk.pytorch_bit, lk.tensorflow_bit) → VARCHAR
--       `tags` definition: pytorch_only | tensorflow_only | both | neither.
--   framework_evidence_class(mask, lk.pytorch_bit, lk.tensorflow_bit, lk.jax_bit, lk.core_mask,
--                            lk.multi_backend_mask, lk.neutral_mask, lk.other_mask) → VARCHAR
--       `evidence` definition, in this order of precedence:
--         multi            two or more core frameworks (PyTorch, TensorFlow, JAX), or any Keras 3
--         pytorch_only, tensorflow_only, jax_only   exactly one core framework (neutral formats or other
--                          frameworks beside it do not change that)
--         other            no core framework but another framework (MLX, PaddlePaddle, MXNet, sklearn)
--         agnostic         only framework-neutral formats (safetensors, ONNX, GGUF, OpenVINO, Core ML, …)
--         none             no evidence at all
--   framework_flag(mask, lk.framework_bits, framework) → BOOLEAN
--       true when `mask` holds the bit of that framework (a name of framework_roles), i.e. some evidence of
--       the model maps to it: the flags pytorch, tensorflow, … of model_frameworks and export_models.
CREATE OR REPLACE MACRO framework_mask(
    hub, library_name, tags, formats, files, tag_bits, library_bits, format_bits, hub_bits, file_patterns
) AS
    coalesce(list_aggregate(list_transform(tags, lambda t: tag_bits[lower(t)]), 'bit_or'), 0)
    | coalesce(library_bits[lower(library_name)], 0)
    | coalesce(list_aggregate(list_transform(formats, lambda t: format_bits[lower(t)]), 'bit_or'), 0)
    | coalesce(list_aggregate(flatten(list_transform(files, lambda f:
        [p.bits FOR p IN file_patterns IF lower(regexp_extract(f, '[^/]*$')) GLOB p.pattern])), 'bit_or'), 0)
    | coalesce(hub_bits[lower(hub)], 0);

CREATE OR REPLACE MACRO framework_tags_class(mask, pytorch_bit, tensorflow_bit) AS
    CASE
        WHEN ((mask >> 32) & pytorch_bit) <> 0 AND ((mask >> 32) & tensorflow_bit) <> 0 THEN 'both'
        WHEN ((mask >> 32) & pytorch_bit) <> 0 THEN 'pytorch_only'
        WHEN ((mask >> 32) & tensorflow_bit) <> 0 THEN 'tensorflow_only'
        ELSE 'neither'
    END;

CREATE OR REPLACE MACRO framework_evidence_class(
    mask, pytorch_bit, tensorflow_bit, jax_bit, core_mask, multi_backend_mask, neutral_mask, other_mask
) AS
    CASE
        WHEN bit_count(mask & core_mask) >= 2 OR (mask & multi_backend_mask) <> 0 THEN 'multi'
        WHEN (mask & pytorch_bit) <> 0 THEN 'pytorch_only'
        WHEN (mask & tensorflow_bit) <> 0 THEN 'tensorflow_only'
        WHEN (mask & jax_bit) <> 0 THEN 'jax_only'
        WHEN (mask & other_mask) <> 0 THEN 'other'
        WHEN (mask & neutral_mask) <> 0 THEN 'agnostic'
        ELSE 'none'
    END;

CREATE OR REPLACE MACRO framework_flag(mask, framework_bits, framework) AS
    (mask & coalesce(list_filter(framework_bits, lambda b: b.framework = framework)[1].bit, 0)) <> 0;
