"""Bad input from every source: each oddity is one warning on the run, the rest is stored, nothing crashes.

* Hugging Face: listing items with missing or odd fields, null tags, dates that are not ISO 8601, ids
  with quotes, SQL, unicode or ``%``, items that are not objects (served verbatim by :class:`RawHub`).
* PyTorch Hub and tfhub.dev: catalog files in a local git repository with broken front matter, bytes
  that are not UTF-8, empty files, duplicated keys, unknown document types.
* Kaggle: listing pages with enum values no client knows, odd times, tags and flags.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._http import RetryPolicy
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from tests.fakes.faults import RawHub, query, runs
from tests.fakes.gitrepo import GitRepo
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models

runner = CliRunner()

# ------------------------------------------------------------------------------------------ Hugging Face

QUOTED = 'o\'brien/"quoted" 100% %s %2F ünïcode 模型 🤗'
INJECTION = "x'); DROP TABLE models; --"


def hf_item(i: int, **fields: Any) -> dict[str, Any]:
    """A complete, valid listing item; ``fields`` override (``None`` deletes the key)."""
    item: dict[str, Any] = {
        "_id": f"{0x65000000 + i:08x}{i:016x}",
        "id": f"org/model-{i}",
        "author": "org",
        "createdAt": "2024-05-06T07:08:09.000Z",
        "lastModified": "2024-06-07T08:09:10.000Z",
        "library_name": "transformers",
        "tags": ["transformers", "pytorch"],
        "pipeline_tag": "fill-mask",
        "downloads": 10,
        "downloadsAllTime": 30,
        "likes": 2,
        "private": False,
        "gated": False,
        "sha": f"{i:040x}",
    }
    for k, v in fields.items():
        if v is _DELETE:
            item.pop(k, None)
        else:
            item[k] = v
    return item


_DELETE = object()

#: (item, warnings it must cause, what must be stored for it: column → value, or None if skipped)
HF_CASES: list[tuple[Any, int, dict[str, Any] | None]] = [
    (hf_item(1, createdAt="yesterday"), 1, {"created_at": None, "created_at_quality": "unknown"}),
    (hf_item(2, createdAt="2024-01-01 10:00:00"), 1, {"created_at": None}),  # no time zone
    (hf_item(3, createdAt=1700000000), 1, {"created_at": None}),
    (hf_item(4, lastModified="31/12/2023"), 1, {"last_modified": None, "created_at_quality": "exact"}),
    (
        hf_item(5, createdAt="2024-05-06T09:08:09+02:00"),
        0,
        {"created_at": datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)},
    ),
    (hf_item(6, tags=None), 1, {"tags": []}),
    (hf_item(7, tags=["ok", 1, None, {"x": 1}]), 1, {"tags": ["ok"]}),
    (hf_item(8, tags="pytorch"), 1, {"tags": []}),
    (hf_item(9, downloads="many"), 1, {"downloads": None, "likes": 2}),
    (hf_item(10, likes=3.0), 0, {"likes": 3}),
    (hf_item(11, likes=True), 1, {"likes": None}),
    (hf_item(12, private="yes"), 1, {"private": None}),
    (hf_item(13, gated=5), 1, {"gated": None}),
    (hf_item(14, gated=True), 0, {"gated": "true"}),
    (hf_item(15, author=42), 1, {"author": None}),
    (hf_item(16, library_name=["a"]), 1, {"library_name": None}),
    (hf_item(17, id=QUOTED), 0, {"id": QUOTED}),
    (hf_item(18, id=INJECTION, author=INJECTION), 0, {"id": INJECTION, "author": INJECTION}),
    (hf_item(19, id=_DELETE), 1, {"id": hf_item(19)["_id"]}),
    (hf_item(20, id=""), 1, {"id": hf_item(20)["_id"]}),
    (hf_item(21, _id=_DELETE), 1, None),
    (hf_item(22, _id=""), 1, None),
    (hf_item(23, _id=12345), 1, None),
    ("oops", 1, None),
    (None, 1, None),
    ([1, 2], 1, None),
    ({}, 1, None),
    (hf_item(24, newField={"a": [1, "ü"]}), 1, {"extra": {"newField": {"a": [1, "ü"]}}}),
    (
        hf_item(25, createdAt="soon", tags=None, downloads="x", likes=-1, sha=None, author=_DELETE),
        3,
        {"created_at": None, "tags": [], "downloads": None, "likes": -1, "sha": None, "author": None},
    ),
    (hf_item(26, pipeline_tag=None, library_name=None, gated=None), 0, {"pipeline_tag": None}),
]


def test_hf_odd_items_are_warnings_and_the_rest_is_stored(db: str) -> None:
    items = [case[0] for case in HF_CASES]
    good = [hf_item(100 + i) for i in range(30)]
    pages = [good[:10] + items[:12], items[12:] + good[10:20], good[20:]]
    with RawHub(pages) as hub:
        result = crawl(HuggingFaceSource(hub.url, page_size=50), db)
    assert result.status == "complete", result.error
    expected_warnings = sum(case[1] for case in HF_CASES)
    [run] = runs(db)
    assert result.counters.warnings == run["warnings"] == expected_warnings
    assert len(run["warning_samples"]) == min(20, expected_warnings)

    stored_items = [c for c in HF_CASES if c[2] is not None]
    assert run["models"] == len(stored_items) + len(good) and run["pages"] == 3
    con_rows = query(
        db,
        "SELECT key, id, author, created_at, created_at_quality, last_modified, library_name, pipeline_tag, "
        "tags, downloads, likes, private, gated, sha, extra FROM models",
    )
    cols = [
        "key",
        "id",
        "author",
        "created_at",
        "created_at_quality",
        "last_modified",
        "library_name",
        "pipeline_tag",
        "tags",
        "downloads",
        "likes",
        "private",
        "gated",
        "sha",
        "extra",
    ]
    by_key = {r[0]: dict(zip(cols, r, strict=True)) for r in con_rows}
    for item, _, expect in stored_items:
        row = by_key[item["_id"]]
        for column, value in (expect or {}).items():
            got = json.loads(row[column]) if column == "extra" and row[column] else row[column]
            assert got == value, (item, column)
    for item in good:  # the valid neighbours of odd items are complete
        row = by_key[item["_id"]]
        assert row["id"] == item["id"] and row["tags"] == item["tags"] and row["downloads"] == 10
    # odd names are data, never SQL: the tables are intact and the CLI finds them
    assert query(db, "SELECT count(*) FROM models") == [(len(by_key),)]
    for name in (QUOTED, INJECTION):
        out = runner.invoke(app, ["history", name, "--db", db, "--format", "json"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)[0]["id"] == name


# ------------------------------------------------------------------------------------------ PyTorch Hub


def hub_page(title: str, *extra_lines: str) -> str:
    lines = ["---", "layout: hub_detail", f"title: {title}", "author: Someone", "tags: [vision]"]
    lines += [*extra_lines, "github-id: pytorch/vision", "---", "", f"# {title}", ""]
    return "\n".join(lines)


#: file → (content, warnings it must cause)
PT_FILES: dict[str, tuple[str | bytes, int]] = {
    "good.md": (hub_page("Good"), 0),
    "crlf.md": (hub_page("Windows").replace("\n", "\r\n"), 0),
    "null_tags.md": (hub_page("Null tags").replace("tags: [vision]", "tags:"), 0),
    "broken.md": ("---\ntitle: Broken\nsummary: [unclosed\nauthor: Someone\n---\nbody\n", 1),
    "latin1.md": (hub_page("Caf\u00e9").encode("utf-8").replace(b"Caf\xc3\xa9", b"Caf\xe9"), 1),
    "empty.md": ("", 1),
    "unclosed.md": ("---\ntitle: Unclosed\nauthor: Someone\n", 1),
    "a_list.md": ("---\n- one\n- two\n---\nbody\n", 1),
    "binary.md": (b"\x00\x01\xff\xfe\x80 not text", 2),  # not UTF-8, and no front matter
    "tab_yaml.md": ("---\ntitle: Tabs\n\tauthor: Someone\n---\n", 1),
}
DUPLICATED = hub_page("First title", "title: Second title", "author: Someone Else")


def test_pytorch_hub_odd_files_are_warnings_and_every_entry_is_stored(db: str, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "hub")
    repo.write("README.md", "# PyTorch Hub\n")
    for name, (content, _) in PT_FILES.items():
        repo.write(name, content)
    repo.commit("entries, some of them odd", "2021-01-01T00:00:00+00:00")
    out = runner.invoke(
        app,
        ["crawl", "pytorch-hub", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "c"), "--db", db],
    )
    assert out.exit_code == 0, out.output
    [run] = runs(db)
    assert run["status"] == "complete"
    assert run["warnings"] == sum(w for _, w in PT_FILES.values())
    samples = run["warning_samples"]
    for name, (_, warnings) in PT_FILES.items():
        assert sum(s.startswith(f"{name}:") for s in samples) == warnings, (name, samples)
    rows = dict(query(db, "SELECT key, extra->>'title' FROM models WHERE hub = 'pytorch-hub'"))
    assert set(rows) == set(PT_FILES)  # every entry stored, the odd ones too
    assert rows["good.md"] == "Good" and rows["crlf.md"] == "Windows" and rows["broken.md"] == "Broken"
    assert rows["latin1.md"] == "Caf\ufffd" and rows["unclosed.md"] == "Unclosed"
    assert rows["empty.md"] is None and rows["binary.md"] is None
    assert query(db, "SELECT tags FROM models WHERE key = 'null_tags.md'") == [([],)]


def test_pytorch_hub_duplicated_front_matter_keys_are_a_warning(db: str, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "hub")
    repo.write("dup.md", DUPLICATED)
    repo.commit("a page with duplicated keys", "2021-01-01T00:00:00+00:00")
    out = runner.invoke(
        app,
        ["crawl", "pytorch-hub", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "c"), "--db", db],
    )
    assert out.exit_code == 0, out.output
    assert query(db, "SELECT count(*) FROM models WHERE key = 'dup.md'") == [(1,)]
    [run] = runs(db)
    assert run["warnings"] == 1


# ------------------------------------------------------------------------------------------- tfhub.dev

DOCS = "assets/docs"


def tf_module(handle: str, *meta: str, body: str = "Text.") -> str:
    return "\n".join([f"# Module {handle}", f"Description of {handle}.", "", *meta, "", body]) + "\n"


#: path → (content, warnings it must cause)
TF_FILES: dict[str, tuple[str | bytes, int]] = {
    f"{DOCS}/google/models/good/1.md": (tf_module("google/good/1", "<!-- format: saved_model_2 -->"), 0),
    f"{DOCS}/google/models/dup/1.md": (
        tf_module("google/dup/1", "<!-- task: text-embedding -->", "<!-- task: image-classification -->"),
        0,  # a repeated metadata key is documented to become a list
    ),
    f"{DOCS}/google/models/latin/1.md": (
        tf_module("google/latin/1").encode().replace(b"Text.", b"Caf\xe9."),
        1,
    ),
    f"{DOCS}/google/models/empty/1.md": ("", 1),
    f"{DOCS}/google/models/nohash/1.md": ("Module google/nohash/1\nText.\n", 1),
    f"{DOCS}/google/models/widget/1.md": ("# Widget google/widget/1\nText.\n", 1),
    f"{DOCS}/google/models/nohandle/1.md": ("# Module\nText.\n", 1),
    f"{DOCS}/google/models/binary/1.md": (b"\xff\xfe\x00\x01", 2),  # not UTF-8, no line 1
    f"{DOCS}/google/models/noversion.md": (tf_module("google/noversion"), 1),
    f"{DOCS}/nobody/lite/1.md": (
        "# Lite nobody/missing/1/lite/1\n<!-- parent-model: nobody/missing/1 -->\n",
        1,
    ),
}


def test_tf_hub_odd_documents_are_warnings_and_the_rest_is_stored(db: str, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "tfhub.dev")
    repo.write("README.md", "# tfhub.dev\n")
    for path, (content, _) in TF_FILES.items():
        repo.write(path, content)
    repo.commit("documents, some of them odd", "2021-01-01T00:00:00+00:00")
    out = runner.invoke(
        app, ["crawl", "tf-hub", "--repo", str(repo.path), "--cache-dir", str(tmp_path / "c"), "--db", db]
    )
    assert out.exit_code == 0, out.output
    [run] = runs(db)
    assert run["status"] == "complete"
    assert run["warnings"] == sum(w for _, w in TF_FILES.values()), run["warning_samples"]
    keys = {k for (k,) in query(db, "SELECT key FROM models WHERE hub = 'tf-hub'")}
    assert keys == {"google/good", "google/dup", "google/latin", "google/noversion"}
    [(meta,)] = query(db, "SELECT extra->'metadata' FROM models WHERE key = 'google/dup'")
    assert json.loads(meta)["task"] == ["text-embedding", "image-classification"]
    [(title,)] = query(db, "SELECT extra->>'title' FROM models WHERE key = 'google/latin'")
    assert title == "Description of google/latin/1."
    # the variant whose parent is missing is kept as a version row
    assert query(db, "SELECT count(*) FROM tf_hub_versions WHERE handle = 'nobody/missing/1/lite/1'") == [
        (1,)
    ]


# ---------------------------------------------------------------------------------------------- Kaggle

FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, timeout=5.0)


def _kaggle_models() -> tuple[list[dict], int]:
    """40 visible models, every instance with a known framework; then oddities, with their warnings."""
    models = make_kaggle_models(40, seed=13, hidden_share=0.0, strip_share=0.0, unknown_every=10**9)
    with_instances = [m for m in models if m["instances"]]
    warnings = 0

    def instance(k: int) -> dict:
        return with_instances[k]["instances"][0]

    instance(0)["framework"] = "MODEL_FRAMEWORK_QUANTUM_FLOW"  # an enum name no client knows
    instance(1)["framework"] = 99  # an enum number no client knows
    instance(2)["framework"] = "holographicTorch"  # a camelCase value no client knows
    del instance(3)["framework"]
    instance(4)["modelInstanceType"] = "MODEL_INSTANCE_TYPE_TELEPORTED"  # an instance type no client knows
    warnings += 5
    with_instances[5]["instances"].append("not an instance")
    with_instances[6]["publishTime"] = "yesterday"
    with_instances[7]["updateTime"] = 1700000000
    with_instances[8]["tags"] = "image, text"
    with_instances[9]["tags"].append({"fullPath": "a tag without a name"})
    with_instances[10]["author"] = 42
    warnings += 6
    with_instances[11]["brandNewField"] = {"x": 1}  # kept in extra, no warning
    with_instances[12]["title"] = INJECTION
    return models, warnings


def test_kaggle_unknown_enum_values_and_odd_fields_are_warnings(db: str) -> None:
    models, expected = _kaggle_models()
    with FakeKaggle(models) as fake:
        credentials = KaggleCredentials("bearer", fake.token or "", origin="test")
        result = crawl(KaggleSource(fake.url, credentials, policy=FAST), db)
    assert result.status == "complete", result.error
    [run] = runs(db)
    assert run["warnings"] == result.counters.warnings == expected, run["warning_samples"]
    assert run["models"] == len(models)
    rows = {
        r[0]: r[1:] for r in query(db, "SELECT key, formats, created_at, tags, author, extra FROM models")
    }
    with_instances = [m for m in models if m["instances"]]
    unknown = {
        str(with_instances[k]["id"]): raw
        for k, raw in ((0, "MODEL_FRAMEWORK_QUANTUM_FLOW"), (2, "holographicTorch"))
    }
    for key, raw in unknown.items():
        assert raw in rows[key][0]  # an unknown value is kept as sent
    assert "99" in rows[str(with_instances[1]["id"])][0]
    assert rows[str(with_instances[6]["id"])][1] is None
    assert rows[str(with_instances[8]["id"])][2] == []
    assert rows[str(with_instances[10]["id"])][3] == with_instances[10]["ref"].split("/")[0]
    assert json.loads(rows[str(with_instances[11]["id"])][4])["unknown_fields"] == {"brandNewField": {"x": 1}}
    assert json.loads(rows[str(with_instances[12]["id"])][4])["title"] == INJECTION
    n_instances = sum(len(m["instances"]) for m in models) - 1  # the one that is not an object is dropped
    assert query(db, "SELECT count(*) FROM kaggle_instances") == [(n_instances,)]
    assert query(db, "SELECT framework_raw FROM kaggle_instances WHERE framework IS NULL") == [(None,)]


def test_kaggle_unknown_instance_type_is_a_warning(db: str) -> None:
    models = make_kaggle_models(5, seed=14, hidden_share=0.0, strip_share=0.0, unknown_every=10**9)
    target = next(m for m in models if m["instances"])
    target["instances"][0]["modelInstanceType"] = "MODEL_INSTANCE_TYPE_HOLOGRAM"
    with FakeKaggle(models) as fake:
        credentials = KaggleCredentials("bearer", fake.token or "", origin="test")
        result = crawl(KaggleSource(fake.url, credentials, policy=FAST), db)
    assert result.status == "complete", result.error
    assert query(db, "SELECT count(*) FROM kaggle_instances WHERE model_instance_type LIKE '%HOLOGRAM'") == [
        (1,)
    ]
    assert result.counters.warnings == 1
