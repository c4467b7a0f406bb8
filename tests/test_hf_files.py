"""File-level framework evidence: the repo's file names (``expand=siblings``) crawled from a fake Hub,
kept change-only, mapped by framework_evidence_map's file rules, shown by ``zoo history``, and switched
off with ``--no-files`` / ``ZOO_HF_FILES``."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import httpx2
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import connect
from tests import framework_oracle as oracle
from tests.conftest import copy_template
from tests.fakes.hub import FakeHub, evolve, make_models, push
from tests.test_stats_support import Zoo

# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("hf_files")

runner = CliRunner()
NIGHT0 = date(2026, 11, 1)
FLAGGED = ("pytorch", "tensorflow", "jax", "keras", "safetensors", "onnx", "gguf")

# (file name, the framework it is evidence for or None, the file rule that decides or None)
RULE_EXAMPLES: list[tuple[str, str | None, str | None]] = [
    ("pytorch_model.bin", "pytorch", "pytorch_model*.bin"),
    ("ckpt/pytorch_model-00001-of-00002.bin", "pytorch", "pytorch_model*.bin"),
    ("PYTORCH_MODEL.BIN", "pytorch", "pytorch_model*.bin"),  # evidence is case-insensitive
    ("unet/diffusion_pytorch_model.bin", "pytorch", "diffusion_pytorch_model*.bin"),
    ("adapter_model.bin", "pytorch", "adapter_model.bin"),
    ("training_args.bin", "pytorch", "training_args.bin"),
    ("weights/best.pt", "pytorch", "*.pt"),
    ("model.pth", "pytorch", "*.pth"),
    ("last.ckpt", "pytorch", "*.ckpt"),  # ambiguous name, decided: Lightning / Stable Diffusion
    ("model.nemo", "pytorch", "*.nemo"),
    ("tf_model.h5", "tensorflow", "tf_model*.h5"),
    ("model.h5", "tensorflow", "*.h5"),  # ambiguous name, decided: Keras 2 HDF5
    ("saved_model.pb", "tensorflow", "saved_model.pb"),
    ("export/saved_model.pbtxt", "tensorflow", "saved_model.pbtxt"),
    ("keras_metadata.pb", "tensorflow", "keras_metadata.pb"),
    ("variables/variables.index", "tensorflow", "variables/variables.index"),
    ("1/variables/variables.index", "tensorflow", "variables/variables.index"),
    ("model.tflite", "tensorflow", "*.tflite"),
    ("model.ckpt.index", "tensorflow", "*.ckpt.index"),
    ("model.ckpt.meta", "tensorflow", "*.ckpt.meta"),
    ("web_model/group1-shard1of4.bin", "tensorflow", "group*-shard*of*.bin"),
    ("flax_model.msgpack", "jax", "flax_model*.msgpack"),
    ("unet/diffusion_flax_model.msgpack", "jax", "diffusion_flax_model*.msgpack"),
    ("model.keras", "keras", "*.keras"),
    ("model.weights.h5", "keras", "*.weights.h5"),  # more specific than *.h5: Keras 3, not TensorFlow
    ("model.safetensors", "safetensors", "*.safetensors"),
    ("pytorch_lora_weights.safetensors", "safetensors", "*.safetensors"),
    ("onnx/model.onnx", "onnx", "*.onnx"),
    ("model.onnx_data", "onnx", "*.onnx_data"),
    ("mistral-7b.Q4_K_M.gguf", "gguf", "*.gguf"),
    ("ggml-model-q4_0.bin", "gguf", "*ggml*.bin"),
    ("llama-2-7b.ggmlv3.q4_0.bin", "gguf", "*ggml*.bin"),
    ("openvino_model.xml", "openvino", "openvino_*.xml"),
    ("model.mlmodel", "coreml", "*.mlmodel"),
    ("Model.mlpackage/Manifest.json", "coreml", "*.mlpackage/*"),
    ("Model.mlpackage/Data/com.apple.CoreML/weights/weight.bin", "coreml", "*.mlpackage/*"),
    ("model.pdparams", "paddlepaddle", "*.pdparams"),
    ("inference.pdmodel", "paddlepaddle", "*.pdmodel"),
    ("model.skops", "sklearn", "*.skops"),
    # no evidence
    ("model.bin", None, None),  # *.bin in general is ambiguous (CTranslate2, fastText, …)
    ("openvino_model.bin", None, None),
    ("model.xml", None, None),  # an *.xml + *.bin pair is not used
    ("variables.index", None, None),  # a SavedModel's index only inside its variables/ folder
    ("pytorch_model/weights.bin", None, None),  # base-name patterns do not match folder names
    ("runs/Oct01_10-00-00_host/events.out.tfevents.1700000000.host.0", None, None),  # TensorBoard logs
    ("data.msgpack", None, None),
    ("README.md", None, None),
    ("config.json", None, None),
    ("tokenizer.model", None, None),
    (".gitattributes", None, None),
]


def night_date(n: int) -> date:
    return NIGHT0 + timedelta(days=n)


def crawl_night(hub: FakeHub, db: str, night: int, **source: Any):
    """Crawl as the nightly job would on ``night``; the run's dates are set to that night."""
    source.setdefault("policy", replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05))
    result = crawl(HuggingFaceSource(hub.url, **source), db)
    assert result.status == "complete", result.error
    when = datetime.combine(night_date(night), datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=3)
    con = connect(db)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
        [when, when + timedelta(minutes=30), result.run_id],
    )
    con.close()
    return result


def files_only_models(n: int, seed: int = 5) -> list[dict]:
    """Repos whose framework shows only in their files: no framework tag, no library_name."""
    models = make_models(n, seed=seed)
    with_evidence = [name for name, fw, _ in RULE_EXAMPLES if fw is not None]
    for i, m in enumerate(models):
        m["tags"] = ["en", "region:us", *(["license:mit"] if i % 3 == 0 else [])]
        m.pop("library_name", None)
        picks = [with_evidence[(i * 7 + k * 11) % len(with_evidence)] for k in range(i % 4)]
        m["siblings"] = (".gitattributes", "README.md", *dict.fromkeys(picks))
    return models


def table(db: str, sql: str, params: Any = None) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def log_counts(db: str) -> dict[str, int]:
    tables = ("model_counters_log", "model_attrs_log", "model_files_log", "model_absences")
    return {t: table(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


# ------------------------------------------------------------------------------------------- the fake


def test_fake_hub_serves_siblings_only_when_asked():
    models = make_models(30, seed=1)
    models[0]["siblings"] = ({"rfilename": "model.safetensors", "size": 12, "blobId": "ab"}, "README.md")
    with FakeHub(models) as hub:
        plain = httpx2.get(f"{hub.url}/api/models", params=[("expand", "sha")]).json()
        full = httpx2.get(f"{hub.url}/api/models", params=[("expand", "sha"), ("expand", "siblings")]).json()
        default = httpx2.get(f"{hub.url}/api/models").json()
    assert all("siblings" not in item for item in plain + default)
    by_id = {item["id"]: item for item in full}
    for m in models:
        got = by_id[m["id"]]["siblings"]
        assert all(isinstance(s, dict) and isinstance(s["rfilename"], str) for s in got)
        assert [s["rfilename"] for s in got] == [
            s if isinstance(s, str) else s["rfilename"] for s in m["siblings"]
        ]
    assert by_id[models[0]["id"]]["siblings"][0] == {
        "rfilename": "model.safetensors",
        "size": 12,
        "blobId": "ab",
    }


def test_synthetic_repos_have_realistic_files():
    models = make_models(5000, seed=3)
    counts = sorted(len(m["siblings"]) for m in models)
    assert 5 <= counts[len(counts) // 2] <= 30  # the median repo
    assert counts[-1] >= 100  # a few have hundreds (checkpoint folders)
    assert sum(c <= 30 for c in counts) / len(counts) > 0.9
    # the tags the Hub derives from files agree with the files
    for m in models:
        names = set(m["siblings"])
        if "pytorch" in m["tags"] and m.get("library_name") == "transformers":
            assert any(n.startswith("pytorch_model") and n.endswith(".bin") for n in names), m
        if "safetensors" in m["tags"]:
            assert any(n.endswith(".safetensors") for n in names), m
        if "tf" in m["tags"]:
            assert "tf_model.h5" in names
    # and some repos tell their framework only by their files
    only_files = [m for m in models if not m["tags"][:-2] and "library_name" not in m]
    assert only_files
    by_files = Counter(oracle.evidence_class(oracle.files_frameworks(m["siblings"])) for m in only_files)
    assert {"pytorch_only", "tensorflow_only", "multi", "none"} <= set(by_files)


# ------------------------------------------------------------------------------------------ the rules


@pytest.fixture(scope="module")
def rules_db(tmp_path_factory: pytest.TempPathFactory, template_db: Path):
    path = tmp_path_factory.mktemp("rules") / "zoo.duckdb"
    copy_template(template_db, path)  # migrated already: ":memory:" would bind every view again
    con = connect(str(path))
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    keys = {name: zoo.model("huggingface", run, files=[name]) for name, _, _ in RULE_EXAMPLES}
    yield con, keys
    con.close()


@pytest.mark.parametrize(("name", "framework", "rule"), RULE_EXAMPLES, ids=[e[0] for e in RULE_EXAMPLES])
def test_each_file_rule(rules_db, name, framework, rule):
    con, keys = rules_db
    frameworks, evidence, *flags = con.execute(
        "SELECT frameworks, evidence, "
        + ", ".join(f"{f}_evidence" for f in FLAGGED)
        + " FROM model_frameworks "
        "WHERE key = ?",
        [keys[name]],
    ).fetchone()
    assert frameworks == ([framework] if framework else [])
    assert evidence == ([f"{framework}=file:{name}"] if framework else [])
    for fw, strings in zip(FLAGGED, flags, strict=True):
        assert strings == ([f"file:{name}"] if fw == framework else []), fw
    decided = con.execute(
        "SELECT framework_file_rule(?, file_patterns).value FROM framework_lookup", [name]
    ).fetchone()[0]
    assert decided == (rule.lower() if rule else None)
    assert oracle.file_framework(name) == framework  # the restatement agrees, rule by rule


def test_every_file_rule_has_an_example(db: str):
    con = connect(db, read_only=True)
    rules = {
        r[0]
        for r in con.execute("SELECT lower(value) FROM framework_evidence_map WHERE kind = 'file'").fetchall()
    }
    assert rules == {rule.lower() for _, _, rule in RULE_EXAMPLES if rule}
    # no file row is part of the `tags` definition: that is the articles' method, tags only
    assert con.execute(
        "SELECT count(*) FROM framework_evidence_map WHERE kind = 'file' AND tags_definition"
    ).fetchone() == (0,)
    con.close()


# --------------------------------------------------------------------------------------- end to end


def test_only_file_names_say_the_framework(db):
    """Done when: on a listing where only file names say the framework, `zoo stats exclusivity
    --definition evidence` equals the classes computed here from the served file names alone."""
    models = files_only_models(1200)
    with FakeHub(models) as hub:
        out = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db])
        assert out.exit_code == 0, out.output
        assert all("expand=siblings" in path for path, _ in hub.requests)
    expected = Counter(oracle.evidence_class(oracle.files_frameworks(m["siblings"])) for m in models)
    assert len(expected) >= 5  # the listing spans the classes
    result = runner.invoke(
        app, ["stats", "exclusivity", "--definition", "evidence", "-f", "json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    got = {o["class"]: o["models"] for o in json.loads(result.stdout) if o["models"]}
    assert got == dict(expected)
    tags = runner.invoke(app, ["stats", "exclusivity", "--definition", "tags", "-f", "json", "--db", db])
    assert {o["class"]: o["models"] for o in json.loads(tags.stdout) if o["models"]} == {
        "neither": len(models)
    }
    # the stored names are the served ones, in the served order, and each list's cached evidence is
    # what the per-name rules give (the store computes it set-wise, the views name by name)
    con = connect(db, read_only=True)
    stored = dict(con.execute("SELECT key, files FROM models").fetchall())
    assert stored == {m["_id"]: list(m["siblings"]) for m in models}
    assert (
        con.execute(
            "SELECT count(*), count(*) FILTER (m.file_bits = framework_file_bits(m.files, lk.file_patterns) "
            "AND m.file_bits_rules = lk.file_rules_key) FROM models m, framework_lookup lk WHERE len(m.files) > 0"
        ).fetchone()
        == (len(models),) * 2
    )
    con.close()


def test_siblings_with_extra_keys_and_odd_entries(db):
    models = make_models(40, seed=2)
    models[0]["siblings"] = (
        {"rfilename": "model.safetensors", "size": 5, "blobId": "x", "lfs": {"size": 5, "sha256": "y"}},
        {"rfilename": "README.md"},
    )
    models[1]["siblings"] = ({"rfilename": "tf_model.h5"}, {"size": 3}, 7)  # two entries without a name
    models[2]["siblings"] = "not a list"
    models[3]["siblings"] = ()  # an empty repo
    with FakeHub(models) as hub:
        result = crawl_night(hub, db, 0)
    files = dict(table(db, "SELECT key, files FROM models"))
    assert files[models[0]["_id"]] == ["model.safetensors", "README.md"]
    assert files[models[1]["_id"]] == ["tf_model.h5"]
    assert files[models[2]["_id"]] is None  # not usable: nothing stored, a warning says why
    assert files[models[3]["_id"]] == []
    assert result.counters.warnings == 2
    samples = table(db, "SELECT warning_samples FROM crawl_runs")[0][0]
    assert any("2 siblings without a file name dropped" in s for s in samples)
    assert any("siblings='not a list' is not a list" in s for s in samples)


# ------------------------------------------------------------------------------------------- history


def test_a_repo_that_gains_safetensors_later(db):
    models = files_only_models(60)
    target = dict(
        models[7], siblings=(".gitattributes", "README.md", "config.json"), tags=["en", "region:us"]
    )
    models[7] = target
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        before = log_counts(db)
        # night 1: the same listing (same sha everywhere): not one history row
        crawl_night(hub, db, 1)
        assert log_counts(db) == before
        # night 2: a commit adds model.safetensors (and the Hub adds the tag)
        gained = dict(
            target,
            siblings=(*target["siblings"], "model.safetensors"),
            tags=["safetensors", "en", "region:us"],
        )
        gained["sha"] = "f" * 40
        hub.set_models([gained if m is target else m for m in models])
        crawl_night(hub, db, 2)
    after = log_counts(db)
    assert after["model_files_log"] == before["model_files_log"] + 1
    assert after["model_attrs_log"] == before["model_attrs_log"] + 1  # the new sha
    assert table(
        db,
        "SELECT sha, files FROM model_files_log WHERE mid = (SELECT mid FROM models WHERE key = ?) ORDER BY run_id",
        [target["_id"]],
    ) == [
        (target["sha"], [".gitattributes", "README.md", "config.json"]),
        ("f" * 40, [".gitattributes", "README.md", "config.json", "model.safetensors"]),
    ]
    events = json.loads(runner.invoke(app, ["history", target["id"], "--db", db, "-f", "json"]).output)
    assert [e["event"] for e in events] == ["first seen", "files"]
    assert events[1]["files_added"] == ["model.safetensors"] and events[1]["files_removed"] == []
    assert events[0]["files_added"] is None
    # as of each night, the files and the class of that night
    con = connect(db, read_only=True)
    for night, files, cls in [(1, 3, "none"), (2, 4, "agnostic")]:
        row = con.execute(
            "SELECT len(files), evidence_class FROM models_as_of(?) a JOIN stats_models(?) s USING (hub, key) "
            "WHERE key = ?",
            [night_date(night), night_date(night), target["_id"]],
        ).fetchone()
        assert row == (files, cls), night
    con.close()


def test_weight_files_removed_and_a_push_without_file_changes(db):
    models = make_models(300, seed=12)
    key = next(
        m for m in models if "pytorch_model.bin" in m["siblings"] and "model.safetensors" not in m["siblings"]
    )["_id"]
    other = next(m for m in models if m["_id"] != key)["_id"]
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        rows0 = log_counts(db)
        nightly = [dict(m) for m in models]
        by_key = {m["_id"]: m for m in nightly}
        import random

        rng = random.Random(1)
        day = datetime(2026, 11, 2, tzinfo=timezone.utc)
        assert push(by_key[key], rng, day, change_files=True) == (["model.safetensors"], [])
        assert push(by_key[other], rng, day, change_files=False) == ([], [])  # a README edit: new sha only
        hub.set_models(nightly)
        crawl_night(hub, db, 1)
        rows1 = log_counts(db)
        assert rows1["model_files_log"] == rows0["model_files_log"] + 1
        assert rows1["model_attrs_log"] == rows0["model_attrs_log"] + 2
        assert push(by_key[key], rng, day, change_files=True) == ([], ["pytorch_model.bin"])
        hub.set_models(nightly)
        crawl_night(hub, db, 2)
    name = by_key[key]["id"]
    events = json.loads(runner.invoke(app, ["history", name, "--db", db, "-f", "json"]).output)
    assert [(e["event"], e["files_added"], e["files_removed"]) for e in events] == [
        ("first seen", None, None),
        ("files", ["model.safetensors"], []),
        ("files", [], ["pytorch_model.bin"]),
    ]
    assert "pytorch" not in events[2]["tags"]  # the Hub dropped the tag with the file


# -------------------------------------------------------------------------------------- the switch


def test_no_files_keeps_the_stored_names_and_files_on_again_catches_up(db, monkeypatch):
    night0 = make_models(800, seed=21)
    night1, changes1 = evolve(night0, 1, seed=21, push_share=0.05)
    night2, changes2 = evolve(night1, 2, seed=21, push_share=0.05)
    assert changes1.files_changed and changes2.files_changed
    with FakeHub(night0) as hub:
        crawl_night(hub, db, 0)
        stored0 = dict(table(db, "SELECT key, files FROM models"))
        evidence0 = table(
            db, "SELECT class, models FROM stats_exclusivity WHERE definition = 'evidence' AND grain = 'none'"
        )
        before = log_counts(db)

        # night 1 without files (the CLI switch): nothing asked, nothing wiped, no files row
        hub.set_models(night1)
        hub.requests.clear()
        out = runner.invoke(app, ["crawl", "hf", "--no-files", "--hf-endpoint", hub.url, "--db", db])
        assert out.exit_code == 0, out.output
        assert hub.requests and not any("siblings" in path for path, _ in hub.requests)
        params = json.loads(table(db, "SELECT params FROM crawl_runs ORDER BY run_id DESC LIMIT 1")[0][0])
        assert params["files"] is False and "siblings" not in params["expand"]
        after = log_counts(db)
        assert after["model_files_log"] == before["model_files_log"]
        stored1 = dict(table(db, "SELECT key, files FROM models"))
        for key, files in stored0.items():
            if key in stored1:
                assert stored1[key] == files  # even where the repo's files changed meanwhile
        for key in changes1.added:  # first seen without files: never listed
            assert stored1[key] is None
        evidence1 = table(
            db, "SELECT class, models FROM stats_exclusivity WHERE definition = 'evidence' AND grain = 'none'"
        )
        assert evidence1 != [] and sum(n for _, n in evidence1) == len(night1)
        assert sum(n for _, n in evidence0) == len(night0)

        # night 2 with files again (the environment switch reads on): every change since is caught up
        monkeypatch.setenv("ZOO_HF_FILES", "1")
        hub.set_models(night2)
        crawl_night(hub, db, 2)
    stored2 = dict(
        table(db, "SELECT key, files FROM models WHERE deleted_at IS NULL AND absent_since_run IS NULL")
    )
    assert stored2 == {m["_id"]: list(m["siblings"]) for m in night2}
    expected = Counter(oracle.evidence_class(oracle.model_frameworks(m)) for m in night2)
    got = dict(
        table(
            db,
            "SELECT class, models FROM stats_exclusivity WHERE definition = 'evidence' AND grain = 'none' AND models > 0",
        )
    )
    assert got == dict(expected)


def test_the_environment_switch(db, monkeypatch):
    models = make_models(50, seed=4)
    monkeypatch.setenv("ZOO_HF_FILES", "off")
    assert HuggingFaceSource("http://127.0.0.1:9").files is False
    assert HuggingFaceSource("http://127.0.0.1:9", files=True).files is True
    with FakeHub(models) as hub:
        out = runner.invoke(
            app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db], env={"ZOO_HF_FILES": "0"}
        )
        assert out.exit_code == 0, out.output
        assert not any("siblings" in path for path, _ in hub.requests)
    assert table(db, "SELECT count(*) FROM models WHERE files IS NOT NULL") == [(0,)]
    monkeypatch.setenv("ZOO_HF_FILES", "1")
    assert HuggingFaceSource("http://127.0.0.1:9").files is True


# ------------------------------------------------------------------------------------------ the cache


def test_stale_file_evidence_is_recomputed_never_used(db):
    models = files_only_models(300)
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
    expected = Counter(oracle.evidence_class(oracle.files_frameworks(m["siblings"])) for m in models)

    def classes() -> dict[str, int]:
        return dict(
            table(
                db,
                "SELECT class, models FROM stats_exclusivity WHERE definition = 'evidence' AND grain = 'none' AND models > 0",
            )
        )

    assert classes() == dict(expected)
    # a cache computed under other rules (or a wrong one) is not used: the views compute from the names
    con = duckdb.connect(db)
    con.execute("UPDATE models SET file_bits = 0, file_bits_rules = 42")
    con.execute("UPDATE model_files_log SET file_bits = 0, file_bits_rules = 42")
    con.close()
    assert classes() == dict(expected)
    # and an upgrade (new SQL) brings the cache up to date
    con = duckdb.connect(db)
    con.execute("UPDATE zoo_meta SET value = 'older' WHERE key = 'sql_fingerprint'")
    con.close()
    con = connect(db)
    stale = con.execute(
        "SELECT count(*) FROM models, framework_lookup lk WHERE len(files) > 0 AND file_bits_rules IS DISTINCT FROM lk.file_rules_key"
    ).fetchone()
    logs = con.execute(
        "SELECT count(*) FROM model_files_log l, framework_lookup lk WHERE l.file_bits_rules IS DISTINCT FROM lk.file_rules_key"
    ).fetchone()
    con.close()
    assert stale == (0,) and logs == (0,)
    assert classes() == dict(expected)
