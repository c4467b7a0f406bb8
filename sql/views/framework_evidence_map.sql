-- framework_evidence_map + framework_roles: THE mapping from evidence to framework, as data, in one place.
--
-- framework_evidence_map(kind, value, framework, tags_definition, note)
--   One row says: a model whose <kind> equals <value> has evidence for <framework>.
--   kind   tag       an entry of models.tags (the Hub derives most framework tags from file names:
--                    pytorch_model.bin → `pytorch`, tf_model.h5 → `tf`, flax_model.msgpack → `jax`;
--                    a safetensors-only repo carries `safetensors` and no `pytorch` tag)
--          library   models.library_name
--          file      a file of models.files (the repo's file names, `path/in/repo`); `value` is a GLOB
--                    pattern. Without a '/' it is matched against the file's base name (the part after
--                    the last '/'), so `pytorch_model*.bin` matches `ckpt/pytorch_model.bin` but not
--                    `pytorch_model/x.bin`; with a '/' it is matched against the end of the path at a
--                    folder boundary, so `variables/variables.index` matches `variables/variables.index`
--                    and `saved/variables/variables.index`, and `*.mlpackage/*` every file inside a Core
--                    ML package. When several patterns match one file, the most specific one decides:
--                    the one with the most characters that are not wildcards (`*.weights.h5` → Keras 3
--                    beats `*.h5` → TensorFlow), ties broken by the pattern's text. A file matching no
--                    pattern is no evidence (README.md, config.json, tokenizer files, images, logs).
--          format    an entry of models.formats (Kaggle instance frameworks, TF Hub formats)
--          hub       models.hub itself (every PyTorch Hub entry is PyTorch, every TF Hub entry TensorFlow)
--   A value appears at most once per kind (compared in lower case).
--   Case: the `evidence` definition compares every kind case-insensitively (lower() on both sides): a
--   card tag `PyTorch` or a file `MODEL.PT` is real evidence. Formats and hubs (a hub's own declaration,
--   not a tag) are case-insensitive in both definitions.
--   tags_definition = true marks the rows the `tags` definition uses besides tags: the other hubs' own
--   declaration (hub rows, and Kaggle / TF Hub formats for PyTorch and TensorFlow). No tag row has it:
--   the tags the `tags` definition reads are each hub's own labels, declared on its entry in the source
--   registry (Hub.frameworks) and shown by the view hub_framework_labels: on Hugging Face exactly the
--   `pytorch` and `tf` tags (the articles' method), compared EXACTLY, as the Hub's own tag filter does:
--   a model tagged `PyTorch` and not `pytorch` is not in the Hub's `pytorch` filter, so it is not PyTorch
--   under `tags`. A hub that declares no labels reads those two as well.
--   File rows are never part of the `tags` definition.
--   The evidence string of a match is '<kind>:<value as found on the model>', e.g. 'tag:pytorch',
--   'library:tf-keras', 'file:pytorch_model.bin', 'format:tensorFlow2', 'hub:pytorch-hub'.
--
-- framework_roles(framework, role, description)
--   role   core          PyTorch, TensorFlow, JAX: the frameworks the exclusivity classes are about
--          multi_backend  Keras 3: runs on TensorFlow, JAX and PyTorch, so a Keras 3 model counts as `multi`
--          neutral        framework-neutral weight/runtime formats (safetensors, ONNX, GGUF, …) → `agnostic`
--          other          another framework (MLX, PaddlePaddle, MXNet, scikit-learn) → class `other`
--
-- To change a rule, edit a row here; every view and `zoo stats` command follows.
CREATE OR REPLACE VIEW framework_roles AS
SELECT * FROM (VALUES
    ('pytorch',      'core',          'PyTorch'),
    ('tensorflow',   'core',          'TensorFlow (TF1, TF2, Keras 2 / tf-keras, TFLite, TF.js, Coral)'),
    ('jax',          'core',          'JAX / Flax (and JAX-based Pax, MaxText)'),
    ('keras',        'multi_backend', 'Keras 3 (multi-backend: TensorFlow, JAX, PyTorch)'),
    ('safetensors',  'neutral',       'safetensors weights'),
    ('onnx',         'neutral',       'ONNX'),
    ('gguf',         'neutral',       'GGUF / GGML (llama.cpp)'),
    ('openvino',     'neutral',       'OpenVINO IR'),
    ('coreml',       'neutral',       'Core ML'),
    ('tensorrt',     'neutral',       'TensorRT / TensorRT-LLM engines'),
    ('mlx',          'other',         'Apple MLX'),
    ('paddlepaddle', 'other',         'PaddlePaddle'),
    ('mxnet',        'other',         'Apache MXNet'),
    ('sklearn',      'other',         'scikit-learn')
) AS t(framework, role, description);

CREATE OR REPLACE VIEW framework_evidence_map AS
SELECT * FROM (VALUES
    -- Hugging Face tags. The `tags` definition reads none of these rows: it reads each hub's own labels
    -- (hub_framework_labels; on Hugging Face exactly `pytorch` and `tf`, the articles' method).
    ('tag', 'pytorch',              'pytorch',      false, 'from pytorch_model.bin'),
    ('tag', 'tf',                   'tensorflow',   false, 'from tf_model.h5'),
    ('tag', 'tensorflow',           'tensorflow',   false, 'card tag'),
    ('tag', 'tf-keras',             'tensorflow',   false, 'Keras 2 = TensorFlow only'),
    ('tag', 'tflite',               'tensorflow',   false, 'TensorFlow Lite file'),
    ('tag', 'tfjs',                 'tensorflow',   false, 'TensorFlow.js'),
    ('tag', 'jax',                  'jax',          false, 'from flax_model.msgpack'),
    ('tag', 'flax',                 'jax',          false, 'card tag'),
    ('tag', 'keras',                'keras',        false, 'Keras 3 (multi-backend)'),
    ('tag', 'safetensors',          'safetensors',  false, 'from *.safetensors'),
    ('tag', 'onnx',                 'onnx',         false, 'from *.onnx'),
    ('tag', 'gguf',                 'gguf',         false, 'from *.gguf'),
    ('tag', 'ggml',                 'gguf',         false, 'GGML (predecessor of GGUF)'),
    ('tag', 'openvino',             'openvino',     false, 'OpenVINO IR'),
    ('tag', 'coreml',               'coreml',       false, 'Core ML'),
    ('tag', 'mlx',                  'mlx',          false, 'Apple MLX'),
    ('tag', 'paddlepaddle',         'paddlepaddle', false, 'PaddlePaddle'),
    -- Hugging Face library_name. `transformers` is deliberately absent: it supported PyTorch, TensorFlow
    -- and Flax, so the files/tags of the repo decide (a transformers + safetensors-only repo is agnostic).
    ('library', 'pytorch',               'pytorch',      false, 'declared library'),
    ('library', 'diffusers',             'pytorch',      false, 'PyTorch library (Flax support deprecated)'),
    ('library', 'timm',                  'pytorch',      false, 'PyTorch library'),
    ('library', 'sentence-transformers', 'pytorch',      false, 'PyTorch library'),
    ('library', 'peft',                  'pytorch',      false, 'PyTorch library'),
    ('library', 'adapter-transformers',  'pytorch',      false, 'PyTorch library'),
    ('library', 'setfit',                'pytorch',      false, 'PyTorch library'),
    ('library', 'span-marker',           'pytorch',      false, 'PyTorch library'),
    ('library', 'open_clip',             'pytorch',      false, 'PyTorch library'),
    ('library', 'pyannote-audio',        'pytorch',      false, 'PyTorch library'),
    ('library', 'speechbrain',           'pytorch',      false, 'PyTorch library'),
    ('library', 'nemo',                  'pytorch',      false, 'PyTorch library'),
    ('library', 'espnet',                'pytorch',      false, 'PyTorch library'),
    ('library', 'fairseq',               'pytorch',      false, 'PyTorch library'),
    ('library', 'flair',                 'pytorch',      false, 'PyTorch library'),
    ('library', 'fastai',                'pytorch',      false, 'PyTorch library'),
    ('library', 'allennlp',              'pytorch',      false, 'PyTorch library'),
    ('library', 'asteroid',              'pytorch',      false, 'PyTorch library'),
    ('library', 'stable-baselines3',     'pytorch',      false, 'PyTorch library'),
    ('library', 'sample-factory',        'pytorch',      false, 'PyTorch library'),
    ('library', 'ultralytics',           'pytorch',      false, 'PyTorch library'),
    ('library', 'lerobot',               'pytorch',      false, 'PyTorch library'),
    ('library', 'tf-keras',              'tensorflow',   false, 'Keras 2 = TensorFlow only'),
    ('library', 'tensorflowtts',         'tensorflow',   false, 'TensorFlow library'),
    ('library', 'keras',                 'keras',        false, 'Keras 3 (multi-backend)'),
    ('library', 'keras-hub',             'keras',        false, 'Keras 3 (multi-backend)'),
    ('library', 'keras-nlp',             'keras',        false, 'Keras 3 (multi-backend)'),
    ('library', 'gguf',                  'gguf',         false, 'GGUF'),
    ('library', 'onnx',                  'onnx',         false, 'ONNX'),
    ('library', 'transformers.js',       'onnx',         false, 'runs ONNX weights'),
    ('library', 'unity-sentis',          'onnx',         false, 'runs ONNX weights'),
    ('library', 'openvino',              'openvino',     false, 'OpenVINO'),
    ('library', 'coreml',                'coreml',       false, 'Core ML'),
    ('library', 'mlx',                   'mlx',          false, 'Apple MLX'),
    ('library', 'paddlenlp',             'paddlepaddle', false, 'PaddlePaddle library'),
    ('library', 'paddleocr',             'paddlepaddle', false, 'PaddlePaddle library'),
    ('library', 'sklearn',               'sklearn',      false, 'scikit-learn'),
    ('library', 'scikit-learn',          'sklearn',      false, 'scikit-learn'),
    -- File names (see the header: GLOB on the base name, or on the end of the path when the pattern has a
    -- '/'; the most specific match decides). A file counts when only one framework writes or reads it.
    -- PyTorch: files only torch can load (torch.save pickles, TorchScript).
    ('file', 'pytorch_model*.bin',       'pytorch',      false, 'transformers PyTorch weights (and their shards)'),
    ('file', 'diffusion_pytorch_model*.bin', 'pytorch',  false, 'diffusers PyTorch weights'),
    ('file', 'adapter_model.bin',        'pytorch',      false, 'PEFT adapter weights (torch.save)'),
    ('file', 'training_args.bin',        'pytorch',      false, 'torch.save of the transformers Trainer''s arguments: the Trainer is PyTorch-only, and only torch can load the file'),
    ('file', '*.pt',                     'pytorch',      false, 'torch.save / TorchScript'),
    ('file', '*.pth',                    'pytorch',      false, 'torch.save'),
    ('file', '*.ckpt',                   'pytorch',      false, 'ambiguous name, decided PyTorch: on the Hub a file ENDING in .ckpt is a PyTorch Lightning or Stable Diffusion checkpoint (torch.save); TensorFlow checkpoints never end in .ckpt but in .ckpt.index / .ckpt.data-* / .ckpt.meta (their own rows)'),
    ('file', '*.nemo',                   'pytorch',      false, 'NVIDIA NeMo archive (NeMo is PyTorch)'),
    -- Deliberately NOT mapped: `*.bin` in general (ambiguous: GGML, CTranslate2 model.bin, fastText,
    -- word2vec, OpenVINO and Core ML weight files, ONNX external data and TF.js shards are all .bin;
    -- only the names above, and the GGML / TF.js names below, say which framework wrote them).
    -- TensorFlow (TF1, TF2, Keras 2 / tf-keras, TFLite, TF.js).
    ('file', 'tf_model*.h5',             'tensorflow',   false, 'transformers TensorFlow weights'),
    ('file', '*.h5',                     'tensorflow',   false, 'ambiguous name, decided TensorFlow: a bare .h5 on the Hub is a Keras 2 (tf.keras) HDF5 model or weights file; Keras 3 weights end in .weights.h5 (own row, more specific, wins); other frameworks do not write weights to HDF5'),
    ('file', 'saved_model.pb',           'tensorflow',   false, 'TensorFlow SavedModel'),
    ('file', 'saved_model.pbtxt',        'tensorflow',   false, 'TensorFlow SavedModel (text)'),
    ('file', 'keras_metadata.pb',        'tensorflow',   false, 'tf-keras SavedModel'),
    ('file', 'variables/variables.index', 'tensorflow',  false, 'SavedModel variables (path: a bare variables.index is not enough)'),
    ('file', '*.tflite',                 'tensorflow',   false, 'TensorFlow Lite'),
    ('file', '*.ckpt.index',             'tensorflow',   false, 'TensorFlow checkpoint'),
    ('file', '*.ckpt.meta',              'tensorflow',   false, 'TensorFlow 1 checkpoint graph'),
    ('file', 'group*-shard*of*.bin',     'tensorflow',   false, 'TensorFlow.js weight shards'),
    -- JAX / Flax.
    ('file', 'flax_model*.msgpack',      'jax',          false, 'transformers Flax weights'),
    ('file', 'diffusion_flax_model*.msgpack', 'jax',     false, 'diffusers Flax weights'),
    -- Keras 3 (multi-backend).
    ('file', '*.keras',                  'keras',        false, 'Keras 3 archive'),
    ('file', '*.weights.h5',             'keras',        false, 'Keras 3 weights'),
    -- Framework-neutral formats.
    ('file', '*.safetensors',            'safetensors',  false, 'safetensors weights'),
    ('file', '*.onnx',                   'onnx',         false, 'ONNX'),
    ('file', '*.onnx_data',              'onnx',         false, 'ONNX external data'),
    ('file', '*.gguf',                   'gguf',         false, 'GGUF'),
    ('file', '*ggml*.bin',               'gguf',         false, 'GGML weights (ggml-model-q4_0.bin, *.ggmlv3.q4_0.bin), the predecessor of GGUF'),
    ('file', 'openvino_*.xml',           'openvino',     false, 'OpenVINO IR as optimum-intel names it. A generic *.xml + *.bin pair is NOT used: it needs the other file of the pair, and *.xml alone is ambiguous (OpenCV cascades, configs)'),
    ('file', '*.mlmodel',                'coreml',       false, 'Core ML model'),
    ('file', '*.mlpackage/*',            'coreml',       false, 'Core ML package (a folder: path pattern)'),
    -- Other frameworks.
    ('file', '*.pdparams',               'paddlepaddle', false, 'PaddlePaddle weights'),
    ('file', '*.pdmodel',                'paddlepaddle', false, 'PaddlePaddle program'),
    ('file', '*.skops',                  'sklearn',      false, 'skops (scikit-learn) model'),
    -- Hub-declared formats: Kaggle instance frameworks and TF Hub formats.
    ('format', 'pyTorch',                'pytorch',      true,  'Kaggle framework'),
    ('format', 'tensorFlow1',            'tensorflow',   true,  'Kaggle framework'),
    ('format', 'tensorFlow2',            'tensorflow',   true,  'Kaggle framework'),
    ('format', 'tfLite',                 'tensorflow',   true,  'Kaggle framework'),
    ('format', 'tfJs',                   'tensorflow',   true,  'Kaggle framework / TF Hub format tfjs'),
    ('format', 'coral',                  'tensorflow',   true,  'Kaggle framework / TF Hub format (Edge TPU TFLite)'),
    ('format', 'saved_model',            'tensorflow',   true,  'TF Hub format (TF1 SavedModel)'),
    ('format', 'saved_model_2',          'tensorflow',   true,  'TF Hub format (TF2 SavedModel)'),
    ('format', 'hub',                    'tensorflow',   true,  'TF Hub format (TF1 Hub module)'),
    ('format', 'lite',                   'tensorflow',   true,  'TF Hub format (TFLite)'),
    ('format', 'jax',                    'jax',          false, 'Kaggle framework'),
    ('format', 'flax',                   'jax',          false, 'Kaggle framework'),
    ('format', 'pax',                    'jax',          false, 'Kaggle framework (JAX-based)'),
    ('format', 'maxText',                'jax',          false, 'Kaggle framework (JAX-based)'),
    ('format', 'keras',                  'keras',        false, 'Kaggle framework (Keras 3)'),
    ('format', 'gguf',                   'gguf',         false, 'Kaggle framework'),
    ('format', 'ggml',                   'gguf',         false, 'Kaggle framework'),
    ('format', 'onnx',                   'onnx',         false, 'Kaggle framework'),
    ('format', 'tensorRtLlm',            'tensorrt',     false, 'Kaggle framework'),
    ('format', 'mxnet',                  'mxnet',        false, 'Kaggle framework'),
    ('format', 'scikitLearn',            'sklearn',      false, 'Kaggle framework'),
    -- Hubs whose every entry is one framework.
    ('hub', 'pytorch-hub',               'pytorch',      true,  'PyTorch Hub entries are PyTorch'),
    ('hub', 'tf-hub',                    'tensorflow',   true,  'TF Hub entries are TensorFlow')
) AS t(kind, value, framework, tags_definition, note);

-- framework_no_evidence(kind, value, note): hub-declared values zoo knows and deliberately reads as no
-- framework evidence (so a figure can tell them from values no rule knows yet). Kaggle's instance
-- frameworks that name no framework (`unspecified`, `other`), a hosted API (`api`), a library or engine
-- that runs several frameworks' weights (`transformers`, `triton`, `vllm`) and Gemma's C++ runtime
-- (`gemmaCpp`). A value is never both here and in framework_evidence_map (compared in lower case).
CREATE OR REPLACE VIEW framework_no_evidence AS
SELECT * FROM (VALUES
    ('format', 'unspecified',  'Kaggle framework: none declared'),
    ('format', 'other',        'Kaggle framework: none named'),
    ('format', 'api',          'Kaggle framework: a hosted API, no weights'),
    ('format', 'transformers', 'Kaggle framework: transformers runs PyTorch, TensorFlow or Flax weights'),
    ('format', 'triton',       'Kaggle framework: a serving engine'),
    ('format', 'vllm',         'Kaggle framework: a serving engine'),
    ('format', 'gemmaCpp',     'Kaggle framework: Gemma''s C++ runtime')
) AS t(kind, value, note);
