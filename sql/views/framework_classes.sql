-- framework_classes: the classes of each definition, in display order, with their meaning.
--
-- Columns: definition ('tags' | 'evidence'), class, sort_order, description.
-- model_frameworks computes tags_class and evidence_class; the stats views list every class of a
-- definition for every (hub, period), with 0 models where none fall in it.
CREATE OR REPLACE VIEW framework_classes AS
SELECT * FROM (VALUES
    ('tags', 'pytorch_only', 1, 'pytorch tag and no tf tag'),
    ('tags', 'tensorflow_only', 2, 'tf tag and no pytorch tag'),
    ('tags', 'both', 3, 'pytorch and tf tags'),
    ('tags', 'neither', 4, 'neither pytorch nor tf tag'),
    ('evidence', 'pytorch_only', 1, 'PyTorch is the only one of PyTorch, TensorFlow, JAX, Keras 3'),
    ('evidence', 'tensorflow_only', 2, 'TensorFlow is the only one of PyTorch, TensorFlow, JAX, Keras 3'),
    ('evidence', 'jax_only', 3, 'JAX is the only one of PyTorch, TensorFlow, JAX, Keras 3'),
    ('evidence', 'multi', 4, 'two or more of PyTorch, TensorFlow, JAX, or Keras 3 (multi-backend)'),
    ('evidence', 'other', 5, 'only another framework (MLX, PaddlePaddle, MXNet, scikit-learn)'),
    ('evidence', 'agnostic', 6, 'only framework-neutral weights (safetensors, ONNX, GGUF, …)'),
    ('evidence', 'none', 7, 'no framework evidence at all')
) AS t(definition, class, sort_order, description);
