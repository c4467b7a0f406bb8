"""Framework classification: one case per edge case and definition, checked through the statistic itself
(``stats.exclusivity`` over ``current_models``) and through the per-model view ``model_frameworks``."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.store import connect, sql_dir
from tests.test_stats_support import Zoo, class_counts, model_row


@pytest.fixture
def con(db):
    """A writable connection to this test's new database (a copy of the migrated template)."""
    c = connect(db)
    yield c
    c.close()


# (case id, model fields, tags class, evidence class, {framework: expected evidence})
CASES: list[tuple[str, dict[str, Any], str, str, dict[str, list[str]]]] = [
    (
        "both_tags",
        {"tags": ["transformers", "pytorch", "tf", "en"], "library": "transformers"},
        "both",
        "multi",
        {"pytorch": ["tag:pytorch"], "tensorflow": ["tag:tf"]},
    ),
    (
        "pytorch_tag",
        {"tags": ["pytorch", "en"]},
        "pytorch_only",
        "pytorch_only",
        {"pytorch": ["tag:pytorch"]},
    ),
    ("tf_tag", {"tags": ["tf"]}, "tensorflow_only", "tensorflow_only", {"tensorflow": ["tag:tf"]}),
    (
        "safetensors_only",
        {"tags": ["safetensors", "region:us"]},
        "neither",
        "agnostic",
        {"safetensors": ["tag:safetensors"], "pytorch": []},
    ),
    (
        "safetensors_diffusers",
        {"tags": ["safetensors"], "library": "diffusers"},
        "neither",
        "pytorch_only",
        {"pytorch": ["library:diffusers"], "safetensors": ["tag:safetensors"]},
    ),
    (
        "safetensors_transformers",
        {"tags": ["transformers", "safetensors"], "library": "transformers"},
        "neither",
        "agnostic",
        {"pytorch": [], "tensorflow": [], "safetensors": ["tag:safetensors"]},
    ),
    (
        "tf_keras_library_and_tag",
        {"tags": ["tf-keras"], "library": "tf-keras"},
        "neither",
        "tensorflow_only",
        {"tensorflow": ["tag:tf-keras", "library:tf-keras"], "keras": []},
    ),
    (
        "tf_keras_library_only",
        {"library": "tf-keras"},
        "neither",
        "tensorflow_only",
        {"tensorflow": ["library:tf-keras"]},
    ),
    (
        "keras3",
        {"tags": ["keras"], "library": "keras"},
        "neither",
        "multi",
        {"keras": ["tag:keras", "library:keras"]},
    ),
    (
        "keras3_and_pytorch_tags",
        {"tags": ["keras", "pytorch"]},
        "pytorch_only",
        "multi",
        {"keras": ["tag:keras"], "pytorch": ["tag:pytorch"]},
    ),
    ("jax_tag", {"tags": ["transformers", "jax"]}, "neither", "jax_only", {"jax": ["tag:jax"]}),
    ("no_tags", {"tags": []}, "neither", "none", {"pytorch": [], "tensorflow": []}),
    (
        "only_unrelated_tags",
        {"tags": ["en", "license:mit"], "library": "transformers"},
        "neither",
        "none",
        {},
    ),
    (
        "gguf",
        {"tags": ["gguf"], "library": "gguf"},
        "neither",
        "agnostic",
        {"gguf": ["tag:gguf", "library:gguf"]},
    ),
    ("mlx", {"tags": ["mlx", "safetensors"], "library": "mlx"}, "neither", "other", {"pytorch": []}),
    # `tags` compares tags exactly, as the Hub's filter does: a card tag `PyTorch` is not in the Hub's
    # `pytorch` filter. `evidence` compares case-insensitively: the card tag is real evidence.
    (
        "uppercase_tag",
        {"tags": ["PyTorch"]},
        "neither",
        "pytorch_only",
        {"pytorch": ["tag:PyTorch"]},
    ),
    (
        "uppercase_tf_tag_beside_pytorch",
        {"tags": ["pytorch", "TF"]},
        "pytorch_only",
        "multi",
        {"pytorch": ["tag:pytorch"], "tensorflow": ["tag:TF"]},
    ),
    (
        "pytorch_file_no_tag",
        {"files": ["README.md", "ckpt/pytorch_model-00001-of-00002.bin"]},
        "neither",
        "pytorch_only",
        {"pytorch": ["file:ckpt/pytorch_model-00001-of-00002.bin"]},
    ),
    (
        "tf_and_flax_files",
        {"files": ["tf_model.h5", "flax_model.msgpack", "model.safetensors"]},
        "neither",
        "multi",
        {"tensorflow": ["file:tf_model.h5"], "jax": ["file:flax_model.msgpack"]},
    ),
    (
        "keras3_weights_file",
        {"files": ["model.weights.h5"]},
        "neither",
        "multi",
        {"keras": ["file:model.weights.h5"]},
    ),
]

# Rows of the other hubs: (case id, hub, model fields, tags class, evidence class, evidence)
HUB_CASES: list[tuple[str, str, dict[str, Any], str, str, dict[str, list[str]]]] = [
    ("pytorch_hub", "pytorch-hub", {}, "pytorch_only", "pytorch_only", {"pytorch": ["hub:pytorch-hub"]}),
    (
        "tf_hub",
        "tf-hub",
        {"formats": ["saved_model_2", "lite"]},
        "tensorflow_only",
        "tensorflow_only",
        {"tensorflow": ["format:saved_model_2", "format:lite", "hub:tf-hub"]},
    ),
    (
        "kaggle_pytorch",
        "kaggle",
        {"formats": ["pyTorch"]},
        "pytorch_only",
        "pytorch_only",
        {"pytorch": ["format:pyTorch"]},
    ),
    (
        "kaggle_tensorflow_family",
        "kaggle",
        {"formats": ["tensorFlow1", "tensorFlow2", "tfLite", "tfJs", "coral"]},
        "tensorflow_only",
        "tensorflow_only",
        {
            "tensorflow": [
                "format:tensorFlow1",
                "format:tensorFlow2",
                "format:tfLite",
                "format:tfJs",
                "format:coral",
            ]
        },
    ),
    (
        "kaggle_both",
        "kaggle",
        {"formats": ["tensorFlow2", "pyTorch"]},
        "both",
        "multi",
        {"pytorch": ["format:pyTorch"], "tensorflow": ["format:tensorFlow2"]},
    ),
    (
        "kaggle_jax_flax",
        "kaggle",
        {"formats": ["jax", "flax"]},
        "neither",
        "jax_only",
        {"jax": ["format:jax", "format:flax"]},
    ),
    ("kaggle_keras", "kaggle", {"formats": ["keras"]}, "neither", "multi", {"keras": ["format:keras"]}),
    ("kaggle_gguf", "kaggle", {"formats": ["gguf"]}, "neither", "agnostic", {"gguf": ["format:gguf"]}),
    ("kaggle_transformers", "kaggle", {"formats": ["transformers"]}, "neither", "none", {}),
]


def _one_model_db(con, hub: str, fields: dict[str, Any]):
    zoo = Zoo(con)
    run = zoo.run(hub)
    key = zoo.model(hub, run, **fields)
    return con, key


def _check(
    con, hub: str, fields: dict[str, Any], definition: str, expected: str, evidence: dict[str, list[str]]
) -> None:
    con, key = _one_model_db(con, hub, fields)
    assert class_counts(con, definition) == {(hub, "all", expected): 1}
    row = model_row(con, key)
    assert row[f"{definition}_class"] == expected
    for framework, strings in evidence.items():
        if framework in ("pytorch", "tensorflow", "jax", "keras", "safetensors", "onnx", "gguf"):
            assert sorted(row[f"{framework}_evidence"]) == sorted(strings)
            assert row[framework] is bool(strings)
        else:  # pragma: no cover - every case names a flagged framework
            raise AssertionError(framework)


@pytest.mark.parametrize("definition", ["tags", "evidence"])
@pytest.mark.parametrize(
    ("case", "fields", "tags_class", "evidence_class", "evidence"), CASES, ids=[c[0] for c in CASES]
)
def test_huggingface_case(con, case, fields, tags_class, evidence_class, evidence, definition):
    expected = tags_class if definition == "tags" else evidence_class
    _check(con, "huggingface", fields, definition, expected, evidence)


@pytest.mark.parametrize("definition", ["tags", "evidence"])
@pytest.mark.parametrize(
    ("case", "hub", "fields", "tags_class", "evidence_class", "evidence"),
    HUB_CASES,
    ids=[c[0] for c in HUB_CASES],
)
def test_other_hub_case(con, case, hub, fields, tags_class, evidence_class, evidence, definition):
    expected = tags_class if definition == "tags" else evidence_class
    _check(con, hub, fields, definition, expected, evidence)


def test_tags_definition_on_huggingface_reads_only_the_pytorch_and_tf_tags(con):
    """A library or file that says PyTorch does not make a `tags` PyTorch model on HF; formats would,
    but only on hubs that declare them (HF has none)."""
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    zoo.model(
        "huggingface", run, tags=["tf-keras", "safetensors"], library="diffusers", files=["pytorch_model.bin"]
    )
    assert class_counts(con, "tags") == {("huggingface", "all", "neither"): 1}
    assert class_counts(con, "evidence") == {("huggingface", "all", "multi"): 1}


def test_evidence_columns_agree_with_the_classes(con):
    """model_frameworks shows evidence strings from one path and classes from the bit mask: they agree."""
    zoo = Zoo(con)
    runs = {hub: zoo.run(hub) for hub in ("huggingface", "pytorch-hub", "tf-hub", "kaggle")}
    for _, fields, *_ in CASES:
        zoo.model("huggingface", runs["huggingface"], **fields)
    for _, hub, fields, *_ in HUB_CASES:
        zoo.model(hub, runs[hub], **fields)
    rows = con.execute(
        "SELECT key, frameworks, tags_frameworks, evidence, pytorch, pytorch_evidence, tensorflow, "
        "tensorflow_evidence, jax, jax_evidence, keras, keras_evidence FROM model_frameworks"
    ).fetchall()
    assert len(rows) == len(CASES) + len(HUB_CASES)
    for key, frameworks, tags_frameworks, evidence, *flags in rows:
        from_strings = sorted({e.split("=", 1)[0] for e in evidence})
        assert sorted(frameworks) == from_strings, key
        assert set(tags_frameworks) <= set(frameworks), key
        for flag, strings in zip(flags[::2], flags[1::2], strict=True):
            assert flag is bool(strings), key


def test_mapping_is_consistent_data(con):
    """Every mapped framework has a role, no value is mapped twice, and every class is documented."""
    unknown = con.execute(
        "SELECT DISTINCT framework FROM framework_evidence_map WHERE framework NOT IN "
        "(SELECT framework FROM framework_roles)"
    ).fetchall()
    assert unknown == []
    dupes = con.execute(
        "SELECT kind, lower(value), count(*) FROM framework_evidence_map GROUP BY ALL HAVING count(*) > 1"
    ).fetchall()
    assert dupes == []
    roles = {r[0] for r in con.execute("SELECT DISTINCT role FROM framework_roles").fetchall()}
    assert roles == {"core", "multi_backend", "neutral", "other"}
    assert con.execute("SELECT count(*) FROM framework_roles").fetchone()[0] <= 32  # bits of the mask
    assert {r[0] for r in con.execute("SELECT DISTINCT kind FROM framework_evidence_map").fetchall()} == {
        "tag",
        "library",
        "file",
        "format",
        "hub",
    }
    tags_rows = con.execute(
        "SELECT kind, value FROM framework_evidence_map WHERE tags_definition AND kind = 'tag' ORDER BY value"
    ).fetchall()
    assert tags_rows == []  # the `tags` definition reads each hub's own labels instead:
    hf = con.execute(
        "SELECT label, framework FROM hub_framework_labels WHERE hub = 'huggingface' ORDER BY label"
    ).fetchall()
    assert hf == [("pytorch", "pytorch"), ("tf", "tensorflow")]
    classes = con.execute(
        "SELECT definition, list(class ORDER BY sort_order) FROM framework_classes GROUP BY 1"
    ).fetchall()
    assert dict(classes) == {
        "tags": ["pytorch_only", "tensorflow_only", "both", "neither"],
        "evidence": ["pytorch_only", "tensorflow_only", "jax_only", "multi", "other", "agnostic", "none"],
    }


def test_a_changed_mapping_row_changes_the_statistics(con):
    """The mapping is data: redefining one row (here: transformers library → PyTorch) reclassifies."""
    zoo = Zoo(con)
    zoo.model("huggingface", zoo.run("huggingface"), tags=["safetensors"], library="transformers")
    assert class_counts(con, "evidence") == {("huggingface", "all", "agnostic"): 1}
    text = (sql_dir() / "views" / "framework_evidence_map.sql").read_text(encoding="utf-8")
    anchor = "('library', 'pytorch',"
    assert anchor in text
    con.execute(text.replace(anchor, "('library', 'transformers', 'pytorch', false, 'test'),\n    " + anchor))
    assert class_counts(con, "evidence") == {("huggingface", "all", "pytorch_only"): 1}


def test_formats_tell_known_non_evidence_from_unknown_values(con):
    """stats_formats names each format's family: a framework, '(no evidence)' for a value zoo reads as none
    on purpose (framework_no_evidence), 'unmapped' for one no rule knows yet."""
    zoo = Zoo(con)
    run = zoo.run("kaggle")
    zoo.model("kaggle", run, formats=["pyTorch", "vllm"])
    zoo.model("kaggle", run, formats=["Transformers", "brandNewFramework"])
    families = con.execute(
        "SELECT framework, family, models FROM stats_formats WHERE hub = 'kaggle' ORDER BY framework"
    ).fetchall()
    assert families == [
        ("Transformers", "(no evidence)", 1),
        ("brandNewFramework", "unmapped", 1),
        ("pyTorch", "pytorch", 1),
        ("vllm", "(no evidence)", 1),
    ]
    both = con.execute(
        "SELECT n.value FROM framework_no_evidence AS n JOIN framework_evidence_map AS m "
        "ON m.kind = n.kind AND lower(m.value) = lower(n.value)"
    ).fetchall()
    assert both == []
