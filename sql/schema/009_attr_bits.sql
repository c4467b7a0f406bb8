-- 009_attr_bits: the framework evidence of each model's attributes, computed once.
--
-- models.attr_bits / attr_bits_rules: a cache of the framework evidence of the model's attributes (the
--   bits framework_mask gives for its hub, library_name, tags and formats, without its files; see
--   sql/views/framework_macros.sql) and the key of the rules it was computed under
--   (framework_lookup.attr_rules_key). The views use it only while that key is current and compute
--   from the attributes otherwise (framework_attr_mask), so editing a tag, library, format or hub rule
--   never gives a stale answer; the store fills it when the merge writes new or changed attributes and,
--   for every row whose key is not current, after each merge and after an upgrade (crawler/merge.py,
--   refresh_attr_bits). NULL: not computed yet (rows written before this migration, until then).
-- model_attrs_log.attr_bits / attr_bits_rules: the same cache for each logged state of the attributes,
--   so models_as_of classifies a model whose attributes changed since without computing it again.
-- The file evidence cache of 006 (file_bits / file_bits_rules) is now filled for every row, an empty or
--   never-listed file list getting 0, so that the statistics can tell from the keys alone that every
--   cache is current (view framework_cache_current) and then read no tags or file names at all.
ALTER TABLE models ADD COLUMN IF NOT EXISTS attr_bits UBIGINT;
ALTER TABLE models ADD COLUMN IF NOT EXISTS attr_bits_rules UBIGINT;
ALTER TABLE model_attrs_log ADD COLUMN IF NOT EXISTS attr_bits UBIGINT;
ALTER TABLE model_attrs_log ADD COLUMN IF NOT EXISTS attr_bits_rules UBIGINT;
