-- papers_code_rules: THE rules that give a paper's code repository its framework, from the package names
-- its dependency files name (kind 'package', compared with the names `zoo crawl papers` stores,
-- normalised: lower case, '_' and '.' as '-') or, when those name no framework, from the modules its
-- Python files import (kind 'import'). Beside the model rules (framework_evidence_map), in the same spirit:
-- one row per name, each with its reason. `pattern` is a GLOB on the name.
--
-- Frameworks are those of the Papers with Code archive: pytorch, tensorflow, jax, mxnet, other (another
-- deep-learning framework), and 'none' when no rule matches. A repository naming several frameworks gets
-- the one with the lowest `priority` (PyTorch, then TensorFlow, JAX, MXNet, other): a PyTorch project that
-- also lists tensorflow is nearly always using it for a side task (TensorBoard logging, a data loader,
-- a converted checkpoint), and one framework per repository is what the archive records.
-- Not rules, on purpose: tensorboard (a logger that PyTorch uses too), transformers, onnx, numpy,
-- scikit-learn (not deep-learning frameworks, or several at once).
--
-- Columns: kind ('package' | 'import'), pattern, framework, priority, reason.
CREATE OR REPLACE VIEW papers_code_rules AS
SELECT kind, pattern, framework,
       CASE framework WHEN 'pytorch' THEN 1 WHEN 'tensorflow' THEN 2 WHEN 'jax' THEN 3 WHEN 'mxnet' THEN 4
                      ELSE 5 END AS priority,
       reason
FROM (VALUES
    ('package', 'torch',              'pytorch',    'the PyTorch package on PyPI'),
    ('package', 'pytorch',            'pytorch',    'the PyTorch package on conda (environment.yml)'),
    ('package', 'torchvision',        'pytorch',    'PyTorch''s vision library, needs torch'),
    ('package', 'torchaudio',         'pytorch',    'PyTorch''s audio library, needs torch'),
    ('package', 'pytorch-lightning',  'pytorch',    'training loop library on PyTorch'),
    ('package', 'lightning',          'pytorch',    'PyTorch Lightning''s new name'),
    ('package', 'torch-geometric',    'pytorch',    'graph networks on PyTorch'),
    ('package', 'timm',               'pytorch',    'PyTorch image models'),
    ('package', 'tensorflow',         'tensorflow', 'the TensorFlow package'),
    ('package', 'tensorflow-gpu',     'tensorflow', 'TensorFlow''s GPU build (TF 1.x, 2.0-2.11)'),
    ('package', 'tensorflow-cpu',     'tensorflow', 'TensorFlow''s CPU build'),
    ('package', 'tensorflow-macos',   'tensorflow', 'TensorFlow for Apple silicon'),
    ('package', 'tf-nightly',         'tensorflow', 'TensorFlow''s nightly build'),
    ('package', 'keras',              'tensorflow', 'Keras: TensorFlow''s API (Keras 2); Papers with Code counted Keras code as TensorFlow'),
    ('package', 'tf-keras',           'tensorflow', 'Keras 2 on TensorFlow'),
    ('package', 'jax',                'jax',        'the JAX package'),
    ('package', 'jaxlib',             'jax',        'JAX''s compiled backend'),
    ('package', 'flax',               'jax',        'neural networks on JAX'),
    ('package', 'dm-haiku',           'jax',        'DeepMind''s neural networks on JAX'),
    ('package', 'mxnet',              'mxnet',      'the MXNet package'),
    ('package', 'mxnet-cu*',          'mxnet',      'MXNet''s CUDA builds (mxnet-cu101, …)'),
    ('package', 'gluoncv',            'mxnet',      'computer vision on MXNet Gluon'),
    ('package', 'gluonnlp',           'mxnet',      'language models on MXNet Gluon'),
    ('package', 'paddlepaddle',       'other',      'PaddlePaddle'),
    ('package', 'paddlepaddle-gpu',   'other',      'PaddlePaddle''s GPU build'),
    ('package', 'mindspore',          'other',      'MindSpore'),
    ('package', 'chainer',            'other',      'Chainer'),
    ('package', 'theano',             'other',      'Theano'),
    ('package', 'dynet',              'other',      'DyNet'),
    ('package', 'oneflow',            'other',      'OneFlow'),
    ('package', 'jittor',             'other',      'Jittor'),
    ('package', 'megengine',          'other',      'MegEngine'),
    ('package', 'mlx',                'other',      'Apple MLX'),
    ('import',  'torch',              'pytorch',    'import torch'),
    ('import',  'torchvision',        'pytorch',    'import torchvision'),
    ('import',  'tensorflow',         'tensorflow', 'import tensorflow'),
    ('import',  'keras',              'tensorflow', 'import keras (Keras 2 = TensorFlow, as for the package)'),
    ('import',  'tf_keras',           'tensorflow', 'import tf_keras'),
    ('import',  'jax',                'jax',        'import jax'),
    ('import',  'flax',               'jax',        'import flax'),
    ('import',  'haiku',              'jax',        'import haiku'),
    ('import',  'mxnet',              'mxnet',      'import mxnet'),
    ('import',  'gluoncv',            'mxnet',      'import gluoncv'),
    ('import',  'paddle',             'other',      'import paddle (PaddlePaddle)'),
    ('import',  'mindspore',          'other',      'import mindspore'),
    ('import',  'chainer',            'other',      'import chainer'),
    ('import',  'theano',             'other',      'import theano'),
    ('import',  'dynet',              'other',      'import dynet'),
    ('import',  'oneflow',            'other',      'import oneflow'),
    ('import',  'jittor',             'other',      'import jittor'),
    ('import',  'megengine',          'other',      'import megengine'),
    ('import',  'mlx',                'other',      'import mlx')
) AS r(kind, pattern, framework, reason);
