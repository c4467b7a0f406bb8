-- framework_mask, framework_attr_bits, framework_attr_mask, framework_file_name_bits, framework_file_bits, framework_file_mask,
-- framework_tags_class, framework_evidence_class: the classification rules, as scalar macros, so
-- model_frameworks and the stats views apply the very same rules row by row. Call them with the columns
-- of framework_lookup (cross join it as `lk`):
--
--   framework_mask(hub, library_name, tags, formats, files,
--                  lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.file_patterns) → UBIGINT
--       bit_or of the bits of every piece of evidence of a model (see framework_lookup): the low 32 bits
--       are all frameworks found, the high 32 bits those the `tags` definition counts. A tag counts for the
--       `tags` definition only when it is one of the model's hub's own labels (hub_framework_labels, from
--       the source registry), spelled exactly so (`pytorch`, not `PyTorch`, on Hugging Face); for the
--       evidence bits every kind is compared case-insensitively. Pass files = NULL and
--       OR in framework_file_mask to use the cached file evidence (much faster on many files).
--   framework_attr_bits(hub, library_name, tags, formats,
--                       lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits) → UBIGINT
--       the part of framework_mask that reads the attributes (everything but the files).
--   framework_attr_mask(hub, library_name, tags, formats, attr_bits, attr_bits_rules,
--                       lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits, lk.attr_rules_key) → UBIGINT
--       framework_attr_bits, answered from the cache the store keeps beside the attributes
--       (models.attr_bits, model_attrs_log.attr_bits) when it was computed under the current rules
--       (attr_bits_rules = lk.attr_rules_key), else computed here. OR it with framework_file_mask for the
--       whole mask. The store computes the cache with framework_attr_bits (crawler/merge.py). When
--       framework_attr_bits' logic changes, change the version in framework_lookup's attr_rules_key too.
--   framework_file_rule(file, lk.file_patterns) → STRUCT (an element of file_patterns) or NULL
--       the file pattern that decides for ONE file name: the most specific one that matches it.
--   framework_file_name_bits(file, lk.file_patterns) → UBIGINT
--       the bits of that pattern, 0 if none matches.
--   framework_file_bits(files, lk.file_patterns) → UBIGINT
--       bit_or of framework_file_name_bits over a list of file names (0 for NULL or []).
--   framework_file_mask(files, file_bits, file_bits_rules, lk.file_patterns, lk.file_rules_key) → UBIGINT
--       framework_file_bits(files), answered from the cache the store keeps beside each file list
--       (models.file_bits, model_files_log.file_bits) when it was computed under the current file rules
--       (file_bits_rules = lk.file_rules_key), else computed here from the names. The store computes the
--       cache with framework_file_name_bits, once per distinct name (crawler/merge.py).
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
-- The name's two lower-case forms (the path with a leading '/', the base name) are made once per name, not
-- once per pattern tried (a one-element list and a lambda bind them): 2-4 × less CPU on many names.
CREATE OR REPLACE MACRO framework_file_rule(file, file_patterns) AS
    list_transform(
        [struct_pack(path := '/' || lower(file), base := lower(regexp_extract(file, '[^/]*$')))],
        lambda name: [p FOR p IN file_patterns IF (CASE WHEN p.on_path THEN name.path ELSE name.base END)
                      GLOB p.pattern][1]
    )[1];

CREATE OR REPLACE MACRO framework_file_name_bits(file, file_patterns) AS
    coalesce(framework_file_rule(file, file_patterns).bits, CAST(0 AS UBIGINT));

CREATE OR REPLACE MACRO framework_file_bits(files, file_patterns) AS
    coalesce(list_aggregate(list_transform(files, lambda f: framework_file_name_bits(f, file_patterns)), 'bit_or'),
             CAST(0 AS UBIGINT));

CREATE OR REPLACE MACRO framework_file_mask(files, file_bits, file_bits_rules, file_patterns, file_rules_key) AS
    CASE
        WHEN files IS NULL OR len(files) = 0 THEN CAST(0 AS UBIGINT)
        WHEN file_bits_rules = file_rules_key THEN file_bits
        ELSE framework_file_bits(files, file_patterns)
    END;

CREATE OR REPLACE MACRO framework_attr_bits(
    hub, library_name, tags, formats, tag_bits, library_bits, format_bits, hub_bits
) AS
    coalesce(list_aggregate(list_transform(tags, lambda t:
        (coalesce(tag_bits[lower(t)], 0) & CAST(4294967295 AS UBIGINT))
        | coalesce(tag_bits[hub || chr(31) || t],
                   CASE WHEN tag_bits[hub || chr(31)] IS NULL THEN tag_bits['*' || chr(31) || t] END, 0)),
        'bit_or'), 0)
    | coalesce(library_bits[lower(library_name)], 0)
    | coalesce(list_aggregate(list_transform(formats, lambda t: format_bits[lower(t)]), 'bit_or'), 0)
    | coalesce(hub_bits[lower(hub)], 0);

CREATE OR REPLACE MACRO framework_mask(
    hub, library_name, tags, formats, files, tag_bits, library_bits, format_bits, hub_bits, file_patterns
) AS
    framework_attr_bits(hub, library_name, tags, formats, tag_bits, library_bits, format_bits, hub_bits)
    | framework_file_bits(files, file_patterns);

CREATE OR REPLACE MACRO framework_attr_mask(
    hub, library_name, tags, formats, attr_bits, attr_bits_rules,
    tag_bits, library_bits, format_bits, hub_bits, attr_rules_key
) AS
    CASE
        WHEN attr_bits_rules = attr_rules_key THEN attr_bits
        ELSE framework_attr_bits(hub, library_name, tags, formats, tag_bits, library_bits, format_bits, hub_bits)
    END;

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
