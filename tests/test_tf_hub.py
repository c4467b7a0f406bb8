"""``zoo crawl tf-hub`` against a real local git repository shaped like tensorflow/tfhub.dev."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from tests.fakes.gitrepo import GitRepo

runner = CliRunner()

G3 = "assets/g3doc"
DOCS = "assets/docs"
RESNET = "google/imagenet/resnet_v2_50/classification"


def module(handle: str, fmt: str = "hub", kind: str = "Module", **meta: str) -> str:
    lines = [f"# {kind} {handle}", f"Description of {handle}.", ""]
    if fmt:
        lines.append(f"<!-- format: {fmt} -->")
    lines += [f"<!-- {k.replace('_', '-')}: {v} -->" for k, v in meta.items()]
    return "\n".join([*lines, "", "## Overview", "", "Text."]) + "\n"


def variant(kind: str, handle: str, parent: str) -> str:
    return f"# {kind} {handle}\n{kind} deployment of {parent}.\n\n<!-- parent-model: {parent} -->\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def move_tree(repo: GitRepo, src: str, dst: str) -> None:
    for path in sorted(p for p in (repo.path / src).rglob("*.md")):
        rel = path.relative_to(repo.path).as_posix()
        repo.move(rel, dst + rel[len(src) :])


@pytest.fixture
def catalog(tmp_path: Path) -> GitRepo:
    """g3doc → docs move (2020), 2021 variant moves, removals, a merged PR, odd documents."""
    repo = GitRepo(tmp_path / "tfhub.dev")
    repo.write("README.md", "# tfhub.dev\n")
    repo.write(f"{G3}/google/google.md", "# Publisher google\nGoogle\n\n[![Icon URL]](https://x)\n")
    repo.write(
        f"{G3}/google/models/imagenet/resnet_v2_50/classification/1.md",
        module(f"{RESNET}/1", task="image-classification", dataset="ImageNet"),
    )
    repo.write(
        f"{G3}/google/models/imagenet/resnet_v2_50/classification/1/default/tfjs/1.md",
        variant("Tfjs", f"{RESNET}/1/default/1", f"{RESNET}/1"),
    )
    # Older flat form, and a handle with the HTML zero-width non-joiner the real catalog has.
    repo.write(f"{G3}/google/nnlm-en-dim50/1.md", module("google/&zwnj;nnlm-en-dim50/1", language="en"))
    repo.write(f"{G3}/google/collections/image/1.md", "# Collection google/image/1\nImage models.\n")
    repo.write(f"{G3}/test/publisher.md", "Publisher test.\n")
    repo.write(f"{G3}/deprecated/models/old/1.md", module("deprecated/old/1"))
    repo.commit("catalog in g3doc", "2019-11-05T10:00:00+01:00")

    repo.remove(f"{G3}/deprecated")
    repo.commit("drop deprecated/old", "2020-03-01T10:00:00+00:00")

    move_tree(repo, G3, DOCS)
    repo.commit("g3doc -> docs", "2020-10-07T12:05:31+02:00")

    # A pull request written in 2020 that lands in 2021.
    repo.checkout("pr-efficientdet", new=True)
    repo.write(
        f"{DOCS}/tensorflow/models/efficientdet/d0/1.md",
        module("tensorflow/efficientdet/d0/1", "saved_model_2"),
    )
    repo.write(
        f"{DOCS}/tensorflow/models/efficientdet/d0/1/default/lite/1.md",
        variant("Lite", "tensorflow/efficientdet/d0/1/default/1", "tensorflow/efficientdet/d0/1"),
    )
    repo.commit("add efficientdet", "2020-12-20T10:00:00+00:00")
    repo.checkout("master")
    repo.merge("pr-efficientdet", "Merge pull request #7", "2021-01-05T09:00:00+00:00")

    repo.write(
        f"{DOCS}/google/models/imagenet/resnet_v2_50/classification/2.md",
        module(f"{RESNET}/2", "saved_model_2", task="image-classification", license="apache-2.0"),
    )
    repo.write(
        f"{DOCS}/google/models/imagenet/resnet_v2_50/classification/2/default/coral/1.md",
        variant("Coral", f"{RESNET}/2/default/1", f"{RESNET}/2"),
    )
    repo.write(
        f"{DOCS}/tensorflow/models/foo/1.md", module("tensorflow/foo/1", "", kind="Placeholder", task="x")
    )
    repo.write(
        f"{DOCS}/google/models/latin/1.md", module("google/latin/1").encode().replace(b"Text.", b"Caf\xe9.")
    )
    repo.write(f"{DOCS}/nobody/tfjs/1.md", variant("Tfjs", "nobody/missing/tfjs/1", "nobody/missing/1"))
    repo.commit("more models", "2021-02-01T10:00:00+00:00")

    repo.move(
        f"{DOCS}/google/models/imagenet/resnet_v2_50/classification/1/default/tfjs/1.md",
        f"{DOCS}/google/models/imagenet/resnet_v2_50/classification/tfjs/1.md",
    )
    repo.remove(f"{DOCS}/google/collections")
    repo.remove(f"{DOCS}/google/nnlm-en-dim50")
    repo.commit("2021 layout; drop a collection and nnlm", "2021-09-01T10:00:00+00:00")
    return repo


def crawl(repo: GitRepo, db: str, cache: Path) -> str:
    result = runner.invoke(
        app, ["crawl", "tf-hub", "--repo", str(repo.path), "--cache-dir", str(cache), "--db", db]
    )
    assert result.exit_code == 0, result.output
    return result.output


def query(db: str, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def per_year(db: str) -> dict[str, dict[int, int]]:
    q = "SELECT year({0}) AS y, count(*) FROM models WHERE hub = 'tf-hub' AND {0} IS NOT NULL GROUP BY y"
    existing = {}
    for y in range(2019, 2023):
        end = datetime(y + 1, 1, 1, tzinfo=timezone.utc)
        existing[y] = query(
            db,
            "SELECT count(*) FROM models WHERE hub = 'tf-hub' AND created_at < ? "
            "AND (deleted_at IS NULL OR deleted_at >= ?)",
            [end, end],
        )[0][0]
    return {
        "added": dict(query(db, q.format("created_at"))),
        "removed": dict(query(db, q.format("deleted_at"))),
        "existing": existing,
    }


def model(db: str, key: str) -> dict:
    con = duckdb.connect(db, read_only=True)
    try:
        rel = con.execute("SELECT * FROM models WHERE hub = 'tf-hub' AND key = ?", [key])
        cols = [d[0] for d in rel.description]
        row = rel.fetchone()
    finally:
        con.close()
    assert row is not None, f"{key} not stored"
    out = dict(zip(cols, row, strict=True))
    out["extra"] = json.loads(out["extra"])
    return out


def test_models_per_year_survive_path_moves(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    output = crawl(catalog, db, tmp_path / "cache")
    assert "tf-hub: run 1 complete" in output
    assert "tf-hub: 6 models (4 live, 2 removed)" in output
    keys = {r[0] for r in query(db, "SELECT key FROM models WHERE hub = 'tf-hub'")}
    assert keys == {
        RESNET,
        "google/nnlm-en-dim50",
        "deprecated/old",
        "tensorflow/efficientdet/d0",
        "tensorflow/foo",
        "google/latin",
    }
    counts = per_year(db)
    assert counts["added"] == {2019: 3, 2021: 3}
    assert counts["removed"] == {2020: 1, 2021: 1}
    assert counts["existing"] == {2019: 3, 2020: 2, 2021: 4, 2022: 4}


def test_a_model_keeps_its_first_date_across_moves_and_gathers_formats(
    catalog: GitRepo, db: str, tmp_path: Path
) -> None:
    crawl(catalog, db, tmp_path / "cache")
    resnet = model(db, RESNET)
    assert resnet["created_at"] == utc("2019-11-05T10:00:00+01:00")  # not the 2020 move
    assert resnet["deleted_at"] is None
    assert resnet["created_at_quality"] == "git_import"  # came with the repository's first commit
    assert resnet["formats"] == ["coral", "hub", "saved_model_2", "tfjs"]
    assert resnet["author"] == "google"
    assert resnet["pipeline_tag"] == "image-classification"
    assert "license:apache-2.0" in resnet["tags"]
    assert resnet["extra"]["latest_version"] == "2"
    assert resnet["extra"]["versions"] == ["1", "2"]
    assert resnet["extra"]["initial_import"] is True
    assert resnet["last_modified"] == utc("2021-09-01T10:00:00+00:00")

    rows = query(
        db,
        "SELECT doc_type, handle, version, format, path, len(paths), added_at, removed_at "
        "FROM tf_hub_versions WHERE key = ? ORDER BY added_at, handle",
        [RESNET],
    )
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("module", "1", "hub"),
        ("tfjs", "1", "tfjs"),
        ("module", "2", "saved_model_2"),
        ("coral", "1", "coral"),
    ]
    tfjs = rows[1]
    assert tfjs[1] == f"{RESNET}/1/default/1"
    assert tfjs[4] == f"{DOCS}/google/models/imagenet/resnet_v2_50/classification/tfjs/1.md"
    assert tfjs[5] == 3  # g3doc, docs, then the 2021 layout: one document
    assert tfjs[6] == utc("2019-11-05T10:00:00+01:00") and tfjs[7] is None


def test_removed_model_merged_pr_placeholder_and_zwnj(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    crawl(catalog, db, tmp_path / "cache")
    nnlm = model(db, "google/nnlm-en-dim50")
    assert nnlm["created_at"] == utc("2019-11-05T10:00:00+01:00")
    assert nnlm["deleted_at"] == utc("2021-09-01T10:00:00+00:00")
    assert nnlm["formats"] == ["hub"]
    old = model(db, "deprecated/old")
    assert old["deleted_at"] == utc("2020-03-01T10:00:00+00:00")

    assert catalog.commit_date("pr-efficientdet").startswith("2020-12-20")
    effdet = model(db, "tensorflow/efficientdet/d0")
    assert effdet["created_at"] == utc("2021-01-05T09:00:00+00:00")  # the merge, not the PR commit
    assert effdet["formats"] == ["lite", "saved_model_2"]
    assert effdet["extra"]["initial_import"] is False

    foo = model(db, "tensorflow/foo")
    assert foo["extra"]["placeholder"] is True
    assert foo["formats"] == []
    assert foo["pipeline_tag"] == "x"


def test_collections_publishers_and_warnings(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    output = crawl(catalog, db, tmp_path / "cache")
    assert "1 collections, 1 publishers" in output
    collections = query(
        db, "SELECT key, handle, version, publisher, title, len(paths), removed_at FROM tf_hub_collections"
    )
    assert collections == [
        (
            "google/image",
            "google/image/1",
            "1",
            "google",
            "Image models.",
            2,
            utc("2021-09-01T10:00:00+00:00"),
        )
    ]
    publishers = query(db, "SELECT key, name, path, added_at, removed_at FROM tf_hub_publishers")
    assert publishers == [
        ("google", "Google", f"{DOCS}/google/google.md", utc("2019-11-05T10:00:00+01:00"), None)
    ]

    orphan = query(db, "SELECT key, doc_type FROM tf_hub_versions WHERE handle = 'nobody/missing/tfjs/1'")
    assert orphan == [("nobody/missing", "tfjs")]
    assert query(db, "SELECT count(*) FROM models WHERE key LIKE 'nobody/%'") == [(0,)]

    ((warnings, samples),) = query(
        db, "SELECT warnings, warning_samples FROM crawl_runs WHERE source = 'tf-hub'"
    )
    assert warnings == 4  # the odd page counts once per path: it moved with the rest
    text = "\n".join(samples)
    assert "assets/g3doc/test/publisher.md: line 1 is not" in text
    assert "assets/docs/test/publisher.md: line 1 is not" in text
    assert "assets/docs/google/models/latin/1.md: not valid UTF-8" in text
    assert "nobody/missing/1" in text
    latin = model(db, "google/latin")
    assert latin["deleted_at"] is None


def test_second_crawl_fetches_and_updates(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    crawl(catalog, db, cache)
    (clone,) = cache.glob("*.git")
    (clone / "zoo-test-marker").write_text("same clone")

    catalog.remove(f"{DOCS}/tensorflow/models/foo")
    catalog.write(f"{DOCS}/google/models/new/1.md", module("google/new/1", "saved_model_2"))
    catalog.commit("2022", "2022-03-01T10:00:00+00:00")
    output = crawl(catalog, db, cache)
    assert "run 2 complete" in output
    assert (clone / "zoo-test-marker").exists()

    counts = per_year(db)
    assert counts["added"] == {2019: 3, 2021: 3, 2022: 1}
    assert counts["removed"] == {2020: 1, 2021: 1, 2022: 1}
    assert counts["existing"][2022] == 4
    assert model(db, "tensorflow/foo")["deleted_at"] == utc("2022-03-01T10:00:00+00:00")
    # Child rows were replaced, not appended.
    assert query(db, "SELECT count(*) FROM tf_hub_publishers") == [(1,)]
    assert query(db, "SELECT count(*) FROM tf_hub_versions WHERE key = ?", [RESNET]) == [(4,)]


def test_interrupted_crawl_resumes_without_losing_child_rows(
    catalog: GitRepo, db: str, tmp_path: Path
) -> None:
    from crawler.crawl import crawl as run_crawl
    from crawler.sources.tensorflow_hub import TensorFlowHubSource

    source = TensorFlowHubSource(str(catalog.path), cache_dir=tmp_path / "cache", page_size=2)

    def stop_after_two_pages(progress) -> None:
        if progress.pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_crawl(source, db, progress=stop_after_two_pages, prefetch=False)
    result = run_crawl(source, db)
    assert result.status == "complete" and result.resumed
    assert result.counters.pages == 3 and result.models == 6
    assert result.counters.warnings == 4
    assert query(db, "SELECT count(*) FROM tf_hub_versions WHERE key = ?", [RESNET]) == [(4,)]
    assert query(db, "SELECT count(*) FROM tf_hub_publishers") == [(1,)]
