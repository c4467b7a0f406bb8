-- framework_lookup: framework_evidence_map and framework_roles folded into ONE row of lookup maps, so
-- model_frameworks classifies each model with a few map lookups (no unnest, join or group-by per model,
-- which keeps `zoo stats` under a second for a million models). Nothing to edit here: change
-- framework_evidence_map / framework_roles instead.
--
-- Bits: every framework of framework_roles gets a bit (0–31, by name); an evidence value maps to the bit
-- of its framework, plus the same bit shifted by 32 when the `tags` definition counts it. A model's
-- `mask` (model_frameworks) is the bit_or of all its evidence. At most 32 frameworks.
--
-- Columns (map keys are lowercased evidence values):
--   tag_map, library_map, format_map, hub_map        value → framework name (for evidence strings)
--   tag_bits, library_bits, format_bits, hub_bits    value → bits. tag_bits also holds each hub's own
--                    labels (hub_framework_labels, from the source registry), which alone give a tag the
--                    high (`tags` definition) bits: key <hub> chr(31) <label, exactly as spelled> → the
--                    high bit of its framework, and <hub> chr(31) → 0 for every hub the registry knows
--                    (a hub it does not know reads the labels of hub '*'; see framework_attr_bits)
--   file_patterns    list of {pattern, framework, bits, on_path, specificity, value}, most specific first
--                    (specificity desc, then value): `pattern` is the GLOB as matched, on a file's
--                    lowercased base name, or (on_path) on '/' || its lowercased path, as '*/' || value;
--                    `specificity` counts the characters of `value` that are not wildcards
--   file_rules_key   a hash of file_patterns: the cached file evidence (models.file_bits, see
--                    framework_file_mask) is valid only while it equals the key it was computed under
--   attr_rules_key   a hash of the tag, library, format and hub rules (value and bits) and of the version
--                    of framework_attr_bits: the cached attribute evidence (models.attr_bits, see
--                    framework_attr_mask) is valid only while it equals the key it was computed under
--   framework_bits   list of {framework, bit} for every framework
--   pytorch_bit, tensorflow_bit, jax_bit             the bits of the three core frameworks
--   core_mask, multi_backend_mask, neutral_mask, other_mask   bits of the frameworks of each role
CREATE OR REPLACE VIEW framework_lookup AS
WITH fw AS (
    SELECT framework, role, CAST(1 AS UBIGINT) << CAST(row_number() OVER (ORDER BY framework) - 1 AS INTEGER) AS bit
    FROM framework_roles
),
e AS (
    SELECT
        m.kind,
        lower(m.value) AS value,
        m.framework,
        fw.bit | CASE WHEN m.tags_definition THEN fw.bit << 32 ELSE CAST(0 AS UBIGINT) END AS bits
    FROM framework_evidence_map AS m
    JOIN fw USING (framework)
),
hub_labels AS (
    SELECT l.hub || chr(31) AS k, CAST(0 AS UBIGINT) AS bits FROM hub_framework_labels AS l GROUP BY l.hub
    UNION ALL
    SELECT l.hub || chr(31) || l.label AS k, fw.bit << 32 AS bits
    FROM hub_framework_labels AS l
    JOIN fw USING (framework)
),
maps AS (
    SELECT
        coalesce(map_from_entries(list({'k': value, 'v': framework}) FILTER (WHERE kind = 'tag')), MAP {}) AS tag_map,
        coalesce(map_from_entries(list({'k': value, 'v': framework}) FILTER (WHERE kind = 'library')), MAP {}) AS library_map,
        coalesce(map_from_entries(list({'k': value, 'v': framework}) FILTER (WHERE kind = 'format')), MAP {}) AS format_map,
        coalesce(map_from_entries(list({'k': value, 'v': framework}) FILTER (WHERE kind = 'hub')), MAP {}) AS hub_map,
        map_from_entries(list_concat(coalesce(list({'k': value, 'v': bits}) FILTER (WHERE kind = 'tag'), []),
                                     (SELECT coalesce(list({'k': k, 'v': bits}), []) FROM hub_labels))) AS tag_bits,
        coalesce(map_from_entries(list({'k': value, 'v': bits}) FILTER (WHERE kind = 'library')), MAP {}) AS library_bits,
        coalesce(map_from_entries(list({'k': value, 'v': bits}) FILTER (WHERE kind = 'format')), MAP {}) AS format_bits,
        coalesce(map_from_entries(list({'k': value, 'v': bits}) FILTER (WHERE kind = 'hub')), MAP {}) AS hub_bits,
        coalesce(list({'pattern': CASE WHEN contains(value, '/') THEN '*/' || value ELSE value END,
                       'framework': framework, 'bits': bits, 'on_path': contains(value, '/'),
                       'specificity': length(replace(replace(value, '*', ''), '?', '')),
                       'value': value}
                      ORDER BY length(replace(replace(value, '*', ''), '?', '')) DESC, value)
                 FILTER (WHERE kind = 'file'), [])
            AS file_patterns
    FROM e
),
rules AS (
    SELECT hash(coalesce(list({'v': value, 'b': bits} ORDER BY value) FILTER (WHERE kind = 'file'), []))
        AS file_rules_key,
        -- 'framework_attr_bits 2': the version of framework_attr_bits (framework_macros.sql); change it
        -- together with that macro so that every cached attr_bits is computed again
        hash('framework_attr_bits 2',
             coalesce(list({'k': kind, 'v': value, 'b': bits} ORDER BY kind, value) FILTER (WHERE kind <> 'file'), []),
             (SELECT coalesce(list({'k': k, 'b': bits} ORDER BY k), []) FROM hub_labels))
        AS attr_rules_key
    FROM e
),
masks AS (
    SELECT
        list({'framework': framework, 'bit': bit} ORDER BY framework) AS framework_bits,
        coalesce(bit_or(bit) FILTER (WHERE framework = 'pytorch'), 0) AS pytorch_bit,
        coalesce(bit_or(bit) FILTER (WHERE framework = 'tensorflow'), 0) AS tensorflow_bit,
        coalesce(bit_or(bit) FILTER (WHERE framework = 'jax'), 0) AS jax_bit,
        coalesce(bit_or(bit) FILTER (WHERE role = 'core'), 0) AS core_mask,
        coalesce(bit_or(bit) FILTER (WHERE role = 'multi_backend'), 0) AS multi_backend_mask,
        coalesce(bit_or(bit) FILTER (WHERE role = 'neutral'), 0) AS neutral_mask,
        coalesce(bit_or(bit) FILTER (WHERE role = 'other'), 0) AS other_mask
    FROM fw
)
SELECT * FROM maps CROSS JOIN rules CROSS JOIN masks;
