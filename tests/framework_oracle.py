"""The framework rules restated in plain Python, independently of the SQL (no test here).

The tests compare what ``zoo stats`` computes in SQL (``sql/views/framework_*.sql``) with what these
functions compute from the very models the fake Hub served. They are written from the rules as the README
and the evidence map state them, not derived from the map's rows, so a mistake in the SQL shows up as a
difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CORE = ("pytorch", "tensorflow", "jax")
NEUTRAL = {"safetensors", "onnx", "gguf", "openvino", "coreml", "tensorrt"}
OTHER = {"mlx", "paddlepaddle", "mxnet", "sklearn"}

_TAGS = {
    "pytorch": "pytorch",
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "tf-keras": "tensorflow",
    "tflite": "tensorflow",
    "tfjs": "tensorflow",
    "jax": "jax",
    "flax": "jax",
    "keras": "keras",
    "safetensors": "safetensors",
    "onnx": "onnx",
    "gguf": "gguf",
    "ggml": "gguf",
    "openvino": "openvino",
    "coreml": "coreml",
    "mlx": "mlx",
    "paddlepaddle": "paddlepaddle",
}
_LIBRARIES = {
    "diffusers": "pytorch",
    "tf-keras": "tensorflow",
    "keras": "keras",
    "gguf": "gguf",
}


def file_framework(path: str) -> str | None:
    """The framework one repo file is evidence for, or None."""
    p = path.lower()
    folders, name = p.split("/")[:-1], p.split("/")[-1]
    if any(f.endswith(".mlpackage") for f in folders):
        return "coreml"
    if folders[-1:] == ["variables"] and name == "variables.index":
        return "tensorflow"
    if name.endswith(".weights.h5") or name.endswith(".keras"):
        return "keras"
    if name.endswith(".h5"):
        return "tensorflow"
    if name.endswith(".bin"):
        if name.startswith(("pytorch_model", "diffusion_pytorch_model")):
            return "pytorch"
        if name in ("adapter_model.bin", "training_args.bin"):
            return "pytorch"
        if "ggml" in name:
            return "gguf"
        if re.fullmatch(r"group.*-shard.*of.*\.bin", name):
            return "tensorflow"
        return None
    if name.endswith((".pt", ".pth", ".ckpt", ".nemo")):
        return "pytorch"
    if name.endswith((".ckpt.index", ".ckpt.meta", ".tflite")):
        return "tensorflow"
    if name in ("saved_model.pb", "saved_model.pbtxt", "keras_metadata.pb"):
        return "tensorflow"
    if name.endswith(".msgpack") and name.startswith(("flax_model", "diffusion_flax_model")):
        return "jax"
    if name.endswith(".safetensors"):
        return "safetensors"
    if name.endswith((".onnx", ".onnx_data")):
        return "onnx"
    if name.endswith(".gguf"):
        return "gguf"
    if name.startswith("openvino_") and name.endswith(".xml"):
        return "openvino"
    if name.endswith(".mlmodel"):
        return "coreml"
    if name.endswith((".pdparams", ".pdmodel")):
        return "paddlepaddle"
    if name.endswith(".skops"):
        return "sklearn"
    return None


def files_frameworks(files: Iterable[str | dict]) -> set[str]:
    """Frameworks the files say; ``files`` as the fake Hub keeps them (names, or sibling objects)."""
    names = (f if isinstance(f, str) else f["rfilename"] for f in files)
    return {fw for fw in map(file_framework, names) if fw is not None}


def evidence_class(frameworks: set[str]) -> str:
    """The `evidence` class of a set of frameworks."""
    core = [f for f in CORE if f in frameworks]
    if len(core) >= 2 or "keras" in frameworks:
        return "multi"
    if core:
        return f"{core[0]}_only"
    if frameworks & OTHER:
        return "other"
    if frameworks & NEUTRAL:
        return "agnostic"
    return "none"


def model_frameworks(model: dict, *, files: bool = True) -> set[str]:
    """Every framework a served model's tags (case-insensitively), library and (``files``) files say."""
    found = {_TAGS[t.lower()] for t in model.get("tags", []) if t.lower() in _TAGS}
    library = model.get("library_name")
    if library in _LIBRARIES:
        found.add(_LIBRARIES[library])
    if files:
        found |= files_frameworks(model.get("siblings") or ())
    return found


def tags_class(model: dict) -> str:
    """The articles' rule: the tags `pytorch` and `tf`, spelled exactly so."""
    pt, tf = "pytorch" in model["tags"], "tf" in model["tags"]
    return "both" if pt and tf else "pytorch_only" if pt else "tensorflow_only" if tf else "neither"
