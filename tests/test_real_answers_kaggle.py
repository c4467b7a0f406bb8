"""Kaggle's recorded real answer, replayed through zoo's Kaggle normaliser, a crawl and the views.

Every ``RECORDED_*`` value below is copied from one real answer: Kaggle's reply to
``GET https://www.kaggle.com/api/v1/models/tensorflow/ssd-mobilenet-v1/get`` as quoted in kaggle-cli issue
586 (https://github.com/Kaggle/kaggle-cli/issues/586, 2024-06-02). The quote is partial: it stops inside
the first instance's ``overview`` and resumes inside a later instance (the TF Lite "metadata" variation,
from its ``usage`` on). What lies between is unknown and is left out here, never guessed; texts the quote
cuts are cut where it cuts them.

The framework spellings come from kagglesdk's ``ModelFramework`` enum (kagglesdk 0.1.38, kagglesdk/
models/types/model_enums.py) and from how the official clients write it: proto enum names
(``MODEL_FRAMEWORK_TENSOR_FLOW_2``), the REST answer's camelCase (``tensorFlow2``, ``tfJs``, recorded),
the PascalCase of its URLs (``/TfLite/``, recorded), kaggle-cli's short name (``short_enum_name``:
``tensor_flow_2``) and the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.crawl import crawl
from crawler.sources._http import RetryPolicy
from crawler.sources.kaggle import (
    FRAMEWORKS,
    INSTANCE_TYPES,
    NO_FRAMEWORK_EVIDENCE,
    KaggleCredentials,
    KaggleSource,
    instance_row,
    normalise_framework,
    normalise_model,
)
from crawler.store import connect
from tests.fakes.kaggle import LEGACY_INSTANCE_FIELDS, FakeKaggle, legacy_instance, make_kaggle_models

FAST = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.05, timeout=5.0)

#: The model, as recorded (its fields before ``instances``; the quote does not reach the ones after).
RECORDED_MODEL = {
    "id": 299,
    "ref": "tensorflow/ssd-mobilenet-v1",
    "title": "ssd_mobilenet_v1",
    "subtitle": "Object detection model trained on the COCO dataset.",
    "author": "TensorFlow",
    "slug": "ssd-mobilenet-v1",
    "isPrivate": False,
    "description": "## Overview\n\nAn object detection model that has been released in the\n[Tensorflow "
    "detection model zoo](https://github.com/tensorflow/models/blob/master/research/object_detection/g3doc/"
    "tf1_detection_zoo.md)\nand trained on the [COCO dataset](http://cocodataset.org).\n\nThis model is "
    "available at http://download.tensorflow.org/models/object_detection/ssd_mobilenet_v1_coco_2018_01_28"
    ".tar.gz.\n\nThe model is useful for out-of-the-box inference, but also useful for\ninitializing the "
    "models when training on novel datasets.",
}
#: The first instance, up to where the quote stops (inside ``overview``).
RECORDED_TF2_HEAD = {
    "hasBaseModelInstanceInformation": False,
    "id": 2478,
    "slug": "fpn-640x640",
    "framework": "tensorFlow2",
    "fineTunable": False,
    "overview": "SSD Mobilenet V1 Object detection",
}
#: The TF Lite "metadata" instance, from where the quote resumes (its id, slug and framework are unknown).
RECORDED_TFLITE_TAIL = {
    "usage": "## Description\n\nPre-trained model optimized to work with TensorFlow Lite for Object "
    "detection.\nThis model contains both TFLite model metadata and the label file.\n[TFLite metadata]"
    "(https://www.tensorflow.org/lite/convert/metadata) is a rich\nmodel description including both human "
    "and machine readable information.\n\nSee\n[Object detection overview](https://www.tensorflow.org/lite/"
    "examples/object_detection/overview)\npage for documentation and examples.\n\n### Release Notes\n\nv2 - "
    "updated the models with better metadata information",
    "downloadUrl": "/models/tensorflow/ssd-mobilenet-v1/TfLite/metadata/2/download",
    "versionId": 3323,
    "versionNumber": 2,
    "trainingData": [],
    "url": "https://www.kaggle.com/models/tensorflow/ssd-mobilenet-v1/TfLite/metadata",
    "licenseName": "Apache 2.0",
    "modelInstanceType": "unspecified",
    "baseModelInstanceInformation": None,
    "externalBaseModelUrl": "",
}
#: The next instance, up to where the quote stops (inside ``usage``).
RECORDED_TFJS_HEAD = {
    "hasBaseModelInstanceInformation": False,
    "id": 2476,
    "slug": "default",
    "framework": "tfJs",
    "fineTunable": False,
    "overview": "TF.js deployment of tensorflow/ssd_mobilenet_v1/1.",
    "usage": "## Origin\n\nThis model is published on NPM as `@tensorflow-models/coco-ssd`.\n\nSee the [NPM "
    "documentation](https://www",
}
#: The keys of one REST instance, in the recorded order (the heads and the tail together).
RECORDED_INSTANCE_KEYS = list(dict.fromkeys([*RECORDED_TFJS_HEAD, *RECORDED_TFLITE_TAIL]))

#: kagglesdk's ModelFramework enum, copied from kagglesdk 0.1.38 (PyPI; kagglesdk/models/types/
#: model_enums.py): 0 to 23, MODEL_FRAMEWORK_VLLM the newest.
MODEL_FRAMEWORK = {
    "MODEL_FRAMEWORK_UNSPECIFIED": 0,
    "MODEL_FRAMEWORK_TENSOR_FLOW_1": 1,
    "MODEL_FRAMEWORK_TENSOR_FLOW_2": 2,
    "MODEL_FRAMEWORK_TF_LITE": 3,
    "MODEL_FRAMEWORK_TF_JS": 4,
    "MODEL_FRAMEWORK_PY_TORCH": 5,
    "MODEL_FRAMEWORK_JAX": 6,
    "MODEL_FRAMEWORK_FLAX": 14,
    "MODEL_FRAMEWORK_PAX": 15,
    "MODEL_FRAMEWORK_MAX_TEXT": 17,
    "MODEL_FRAMEWORK_GEMMA_CPP": 18,
    "MODEL_FRAMEWORK_GGML": 19,
    "MODEL_FRAMEWORK_GGUF": 21,
    "MODEL_FRAMEWORK_CORAL": 7,
    "MODEL_FRAMEWORK_SCIKIT_LEARN": 8,
    "MODEL_FRAMEWORK_MXNET": 9,
    "MODEL_FRAMEWORK_ONNX": 10,
    "MODEL_FRAMEWORK_KERAS": 11,
    "MODEL_FRAMEWORK_TRANSFORMERS": 16,
    "MODEL_FRAMEWORK_API": 12,
    "MODEL_FRAMEWORK_OTHER": 13,
    "MODEL_FRAMEWORK_TENSOR_RT_LLM": 20,
    "MODEL_FRAMEWORK_TRITON": 22,
    "MODEL_FRAMEWORK_VLLM": 23,
}


def camel(enum_name: str) -> str:
    """The JSON (camelCase) name of an enum value: TENSOR_FLOW_2 → tensorFlow2, TF_JS → tfJs."""
    first, *rest = enum_name.removeprefix("MODEL_FRAMEWORK_").lower().split("_")
    return first + "".join(word.capitalize() for word in rest)


def spellings(enum_name: str) -> list[object]:
    name = camel(enum_name)
    return [
        enum_name,
        f"ModelFramework.{enum_name}",  # str() of the kagglesdk enum value
        name,  # REST JSON, as recorded: "tensorFlow2", "tfJs"
        name[0].upper() + name[1:],  # URL segment, as recorded: "TfLite"
        enum_name.removeprefix("MODEL_FRAMEWORK_").lower(),  # kaggle-cli's short_enum_name: "tensor_flow_2"
        MODEL_FRAMEWORK[enum_name],  # the number
        str(MODEL_FRAMEWORK[enum_name]),
    ]


@pytest.mark.parametrize("enum_name", sorted(MODEL_FRAMEWORK))
def test_every_spelling_of_every_framework_is_known(enum_name: str) -> None:
    for raw in spellings(enum_name):
        assert normalise_framework(raw) == (camel(enum_name), True), raw


def test_the_crawler_knows_exactly_the_enum() -> None:
    assert {camel(n): v for n, v in MODEL_FRAMEWORK.items()} == FRAMEWORKS
    assert (
        camel("MODEL_FRAMEWORK_TENSOR_FLOW_2") == "tensorFlow2" and camel("MODEL_FRAMEWORK_TF_JS") == "tfJs"
    )


def test_every_framework_is_evidence_in_the_views_or_declared_to_be_none(db: str) -> None:
    """The views read models.formats through framework_evidence_map (kind 'format', case-insensitive):
    each framework zoo stores has a row there, or is one of the few that are no framework evidence."""
    con = connect(db, read_only=True)
    mapped = {
        value.lower(): framework
        for value, framework in con.execute(
            "SELECT value, framework FROM framework_evidence_map WHERE kind = 'format'"
        ).fetchall()
    }
    # the views know these as deliberately no evidence (stats_formats: family '(no evidence)')
    declared = con.execute("SELECT value FROM framework_no_evidence WHERE kind = 'format'").fetchall()
    con.close()
    missing = [f for f in FRAMEWORKS if f.lower() not in mapped and f not in NO_FRAMEWORK_EVIDENCE]
    assert missing == []
    assert not [f for f in NO_FRAMEWORK_EVIDENCE if f.lower() in mapped]
    assert set(NO_FRAMEWORK_EVIDENCE) <= set(FRAMEWORKS)
    assert sorted(v for (v,) in declared) == sorted(NO_FRAMEWORK_EVIDENCE)
    for tf in ("tensorFlow1", "tensorFlow2", "tfLite", "tfJs", "coral"):
        assert mapped[tf.lower()] == "tensorflow"
    assert mapped["pytorch"] == "pytorch"


def test_recorded_instances_through_the_normaliser() -> None:
    warnings: list[str] = []
    result = normalise_model(RECORDED_MODEL, [RECORDED_TF2_HEAD, RECORDED_TFJS_HEAD], "GetModel", warnings)
    assert result is not None
    record, rows = result
    assert warnings == []
    assert (record.hub, record.key, record.id, record.author, record.private) == (
        "kaggle",
        "299",
        "tensorflow/ssd-mobilenet-v1",
        "TensorFlow",
        False,
    )
    assert record.formats == ["tensorFlow2", "tfJs"]
    assert record.extra["title"] == "ssd_mobilenet_v1" and record.extra["slug"] == "ssd-mobilenet-v1"
    assert "unknown_fields" not in record.extra  # every recorded model field is one zoo knows
    by_id = {r["instance_id"]: r for r in rows}
    assert by_id[2478]["framework"] == by_id[2478]["framework_raw"] == "tensorFlow2"
    assert by_id[2476]["framework"] == by_id[2476]["framework_raw"] == "tfJs"
    assert by_id[2476]["instance_slug"] == "default" and by_id[2476]["fine_tunable"] is False
    # the REST-only field is kept, in extra; the long texts are not
    assert by_id[2476]["extra"] == {"hasBaseModelInstanceInformation": False}

    tail: list[str] = []
    row = instance_row("299", RECORDED_MODEL["ref"], RECORDED_TFLITE_TAIL, "GetModel", tail.append)
    assert row is not None
    assert (row["version_id"], row["version_number"], row["license_name"]) == (3323, 2, "Apache 2.0")
    assert row["model_instance_type"] == "unspecified" and "unspecified" in INSTANCE_TYPES
    assert row["url"] == RECORDED_TFLITE_TAIL["url"]
    assert row["extra"] == {
        "baseModelInstanceInformation": None,
        "externalBaseModelUrl": "",
        "trainingData": [],
    }
    assert tail == ["instance has no framework"]  # the quote lacks it: said, not guessed


@pytest.fixture
def recorded_fake() -> Iterator[FakeKaggle]:
    """The fake serving the recorded model (through the REST form), its instances as recorded."""
    model = {
        **RECORDED_MODEL,
        "instances": [RECORDED_TF2_HEAD, RECORDED_TFJS_HEAD],
        "_strip_instances": True,  # listed without instances, so zoo asks GET …/get for them
    }
    with FakeKaggle([model]) as fake:
        yield fake


def test_the_fakes_rest_instances_have_the_recorded_shape() -> None:
    model = make_kaggle_models(30, seed=1)
    inst = next(i for m in model for i in m["instances"] if i["_expected"] == "tfLite")
    owner = next(m for m in model if inst in m["instances"])
    sent = legacy_instance(owner, inst)
    # the recorded keys, in the recorded order; then the field kagglesdk has added since (said in the fake)
    assert list(sent) == [*RECORDED_INSTANCE_KEYS, "totalUncompressedBytes"]
    assert set(sent) <= LEGACY_INSTANCE_FIELDS
    assert sent["framework"] == "tfLite" and f"/{owner['slug']}/TfLite/" in sent["downloadUrl"]
    assert sent["downloadUrl"].startswith("/models/") and sent["url"].startswith("https://www.kaggle.com/")
    assert sent["modelInstanceType"] in INSTANCE_TYPES and sent["modelInstanceType"][0].islower()
    for key in ("id", "versionId", "versionNumber"):
        assert isinstance(sent[key], int)  # as recorded, not int64-as-string


def test_the_recorded_frameworks_reach_every_view(recorded_fake: FakeKaggle, db: str, tmp_path: Path) -> None:
    token = KaggleCredentials("bearer", str(recorded_fake.token), origin="test")
    src = KaggleSource(recorded_fake.legacy_url, token, api="legacy", policy=FAST)
    result = crawl(src, db)
    assert result.status == "complete", result.error
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT id, author, formats FROM models").fetchall() == [
            ("tensorflow/ssd-mobilenet-v1", "TensorFlow", ["tensorFlow2", "tfJs"])
        ]
        assert con.execute(
            "SELECT instance_id, framework, instances_from FROM kaggle_instances ORDER BY instance_id"
        ).fetchall() == [(2476, "tfJs", "GetModel"), (2478, "tensorFlow2", "GetModel")]
        families = con.execute(
            "SELECT framework, family, models FROM stats_formats WHERE hub = 'kaggle' ORDER BY framework"
        ).fetchall()
        assert families == [("tensorFlow2", "tensorflow", 1), ("tfJs", "tensorflow", 1)]
        classes = con.execute(
            "SELECT tags_class, evidence_class, tensorflow_evidence FROM model_frameworks"
        ).fetchall()
        assert [(c[0], c[1], sorted(c[2])) for c in classes] == [
            ("tensorflow_only", "tensorflow_only", ["format:tensorFlow2", "format:tfJs"])
        ]
    finally:
        con.close()


def test_camel_gives_the_json_names() -> None:
    """A guard for the helper above: camel() must give the JSON names the recording shows."""
    assert re.fullmatch(r"[a-z][A-Za-z0-9]*", camel("MODEL_FRAMEWORK_TENSOR_RT_LLM"))
    assert camel("MODEL_FRAMEWORK_TENSOR_RT_LLM") == "tensorRtLlm"
    assert camel("MODEL_FRAMEWORK_GEMMA_CPP") == "gemmaCpp"
