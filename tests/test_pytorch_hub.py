"""``zoo crawl pytorch-hub`` against a real local git repository with dated commits."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from tests.fakes.gitrepo import GitRepo

runner = CliRunner()


def page(title: str, github_id: str | None = "pytorch/vision", extra: str = "", body: str = "") -> str:
    lines = [
        "---",
        "layout: hub_detail",
        f"title: {title}",
        f"summary: {title} model",
        "category: researchers",
        "author: Pytorch Team",
        "tags: [vision, scriptable]",
        "github-link: https://github.com/pytorch/vision/blob/main/torchvision/models/x.py",
    ]
    if github_id is not None:
        lines.append(f"github-id: {github_id}")
    lines += ["accelerator: cuda-optional", *([extra] if extra else []), "---", "", body]
    return "\n".join(lines) + "\n"


RESNET_BODY = (
    "```python\nimport torch\nmodel = torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n"
    "# model = torch.hub.load('pytorch/vision:v0.10.0', 'resnet50', pretrained=True)\n```\n"
)
BROKEN = "---\ntitle: Broken Entry\nsummary: [unclosed\nauthor: Someone\n---\nbody\n"
LATIN1 = page("Caf\u00e9Net", "someone/cafenet").encode("utf-8").replace(b"Caf\xc3\xa9", b"Caf\xe9")
NVIDIA_DIRTY = page(
    "ResNeXt101", "NVIDIA/DeepLearningExamples", extra="demo-model-link: https://example.invalid/demo"
).replace("accelerator: cuda-optional", "accelerator: \u201ccuda\u201d")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture
def catalog(tmp_path: Path) -> GitRepo:
    """A small pytorch/hub: adds, removals, a merged PR older than its landing, a case-only rename.

    Shaped like the real history: the root commit holds only the README (pytorch/hub ff280a8,
    2019-04-23 "Create README.md"); the test entry example.md landed a month later (7b5cde3,
    2019-05-24), so no entry is dated by the repository's first commit.
    """
    repo = GitRepo(tmp_path / "hub")
    repo.write("README.md", "# PyTorch Hub\n")
    repo.commit("Create README.md", "2019-04-23T15:12:21-07:00")
    repo.write("CONTRIBUTING.md", "contribute\n")
    repo.write("CODE_OF_CONDUCT.md", "be nice\n")
    repo.write("docs/template.md", page("Template"))
    repo.write("example.md", page("ELFtest", None))
    repo.commit("initial", "2019-05-24T16:27:54-04:00")

    repo.write("pytorch_vision_resnet.md", page("ResNet", body=RESNET_BODY))
    repo.write("pytorch_vision_vgg.md", page("vgg-nets"))
    repo.remove("example.md")
    repo.commit("first models; drop the example", "2019-05-29T13:42:32-07:00")

    # A pull request written in 2019 that lands in 2020: created_at is the landing (merge) date.
    repo.checkout("pr-bert", new=True)
    repo.write(
        "huggingface_bert.md", page("BERT", None).replace("author: Pytorch Team", "author: HuggingFace")
    )
    repo.commit("add BERT", "2019-12-20T10:00:00+00:00")
    repo.checkout("master")
    repo.write("pytorch_vision_resnet.md", page("ResNet", body=RESNET_BODY + "\nmore\n"))
    repo.commit("touch resnet on master", "2019-12-28T10:00:00+00:00")
    repo.merge("pr-bert", "Merge pull request #1 from pr-bert", "2020-01-10T09:00:00+00:00")

    repo.write("nvidia_deeplearningexamples_resneXt.md", NVIDIA_DIRTY)
    repo.write("broken_entry.md", BROKEN)
    repo.write("latin1_entry.md", LATIN1)
    repo.commit("three entries, two of them odd", "2020-06-01T12:00:00+00:00")

    repo.move("nvidia_deeplearningexamples_resneXt.md", "nvidia_deeplearningexamples_resnext.md")
    repo.remove("huggingface_bert.md")
    repo.commit("case-only rename; BERT moved to transformers", "2021-03-01T12:00:00+00:00")

    repo.write("pytorch_vision_resnet.md", page("ResNet", body=RESNET_BODY + "\nedited in 2021\n"))
    repo.commit("edit resnet", "2021-07-01T12:00:00+00:00")
    return repo


def crawl(repo: GitRepo, db: str, cache: Path, *extra: str):
    result = runner.invoke(
        app,
        ["crawl", "pytorch-hub", "--repo", str(repo.path), "--cache-dir", str(cache), "--db", db, *extra],
    )
    assert result.exit_code == 0, result.output
    return result


def per_year(db: str) -> dict[str, dict[int, int]]:
    con = duckdb.connect(db, read_only=True)
    try:
        q = "SELECT year({0}) AS y, count(*) FROM models WHERE hub = 'pytorch-hub' AND {0} IS NOT NULL GROUP BY y"
        added = dict(con.execute(q.format("created_at")).fetchall())
        removed = dict(con.execute(q.format("deleted_at")).fetchall())
        existing = {
            y: con.execute(
                "SELECT count(*) FROM models WHERE hub = 'pytorch-hub' AND created_at < $end "
                "AND (deleted_at IS NULL OR deleted_at >= $end)",
                {"end": datetime(y + 1, 1, 1, tzinfo=timezone.utc)},
            ).fetchone()[0]
            for y in range(2019, 2023)
        }
    finally:
        con.close()
    return {"added": added, "removed": removed, "existing": existing}


def model(db: str, key: str) -> dict:
    con = duckdb.connect(db, read_only=True)
    try:
        rel = con.execute("SELECT * FROM models WHERE hub = 'pytorch-hub' AND key = ?", [key])
        cols = [d[0] for d in rel.description]
        row = rel.fetchone()
    finally:
        con.close()
    assert row is not None, f"{key} not stored"
    out = dict(zip(cols, row, strict=True))
    out["extra"] = json.loads(out["extra"]) if out["extra"] else None
    return out


def test_first_crawl_knows_every_past_year(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    result = crawl(catalog, db, tmp_path / "cache")
    assert "pytorch-hub: run 1 complete" in result.output
    assert "8 entries (5 live, 3 removed)" in result.output

    counts = per_year(db)
    assert counts["added"] == {2019: 3, 2020: 4, 2021: 1}
    assert counts["removed"] == {2019: 1, 2021: 2}
    assert counts["existing"] == {2019: 2, 2020: 6, 2021: 5, 2022: 5}

    con = duckdb.connect(db, read_only=True)
    keys = {r[0] for r in con.execute("SELECT key FROM models WHERE hub = 'pytorch-hub'").fetchall()}
    qualities = con.execute("SELECT DISTINCT created_at_quality FROM models").fetchall()
    con.close()
    assert "README.md" not in keys and "CONTRIBUTING.md" not in keys and "CODE_OF_CONDUCT.md" not in keys
    assert "docs/template.md" not in keys
    assert qualities == [("git_first_commit",)]


def test_entries_of_the_root_commit_are_an_import_and_censored(db: str, tmp_path: Path) -> None:
    """Not the real pytorch/hub (its root commit holds only the README), but the rule it is checked by:
    entries already in a repository's first commit were imported, published on or before that date."""
    repo = GitRepo(tmp_path / "imported-hub")
    repo.write("README.md", "# PyTorch Hub\n")
    repo.write("pytorch_vision_resnet.md", page("ResNet"))
    repo.write("pytorch_vision_vgg.md", page("vgg-nets"))
    repo.commit("import the catalog", "2019-06-10T12:00:00+00:00")
    repo.write("huggingface_bert.md", page("BERT", None))
    repo.commit("add BERT", "2019-07-01T12:00:00+00:00")
    crawl(repo, db, tmp_path / "cache")

    resnet = model(db, "pytorch_vision_resnet.md")
    assert resnet["created_at_quality"] == "git_import"
    assert resnet["extra"]["initial_import"] is True
    assert resnet["created_at"] == utc("2019-06-10T12:00:00+00:00")  # kept: "on or before"
    assert model(db, "huggingface_bert.md")["created_at_quality"] == "git_first_commit"
    result = runner.invoke(
        app, ["stats", "additions", "--hub", "pytorch-hub", "--by", "month", "--format", "json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    assert {o["period"]: o["models"] for o in json.loads(result.stdout)} == {"imported": 2, "2019-07": 1}


def test_merged_pr_counts_at_its_landing_date(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    branch_date = utc(catalog.commit_date("pr-bert"))
    crawl(catalog, db, tmp_path / "cache")
    bert = model(db, "huggingface_bert.md")
    assert branch_date.year == 2019
    assert bert["created_at"] == utc("2020-01-10T09:00:00+00:00")
    assert bert["deleted_at"] == utc("2021-03-01T12:00:00+00:00")
    assert bert["author"] == "HuggingFace"
    assert bert["extra"]["added_commit"] == catalog.git("rev-parse", "master~3")


def test_case_only_rename_is_a_removal_and_an_addition(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    crawl(catalog, db, tmp_path / "cache")
    old = model(db, "nvidia_deeplearningexamples_resneXt.md")
    new = model(db, "nvidia_deeplearningexamples_resnext.md")
    assert old["created_at"] == utc("2020-06-01T12:00:00+00:00")
    assert old["deleted_at"] == utc("2021-03-01T12:00:00+00:00")
    assert new["created_at"] == utc("2021-03-01T12:00:00+00:00")
    assert new["deleted_at"] is None
    # Dirty values: curly quotes removed, github-id kept with its case plus a lower-case key.
    assert new["extra"]["accelerator"] == "cuda"
    assert new["extra"]["front_matter"]["accelerator"] == "\u201ccuda\u201d"
    assert new["extra"]["github_id"] == "NVIDIA/DeepLearningExamples"
    assert new["extra"]["github_id_key"] == "nvidia/deeplearningexamples"
    assert new["extra"]["demo_model_link"] == "https://example.invalid/demo"


def test_fields_dates_and_formats(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    crawl(catalog, db, tmp_path / "cache")
    resnet = model(db, "pytorch_vision_resnet.md")
    assert resnet["id"] == "pytorch_vision_resnet"
    assert resnet["created_at"] == utc("2019-05-29T13:42:32-07:00")
    assert resnet["last_modified"] == utc("2021-07-01T12:00:00+00:00")
    assert resnet["sha"] == catalog.head()
    assert resnet["formats"] == ["pytorch"]
    assert resnet["tags"] == ["vision", "scriptable"]
    assert resnet["author"] == "Pytorch Team"
    assert resnet["extra"]["title"] == "ResNet"
    assert [c["entrypoint"] for c in resnet["extra"]["hub_load_calls"]] == ["resnet18", "resnet50"]
    assert resnet["extra"]["initial_import"] is False
    example = model(db, "example.md")
    # The catalog's first entry, but not the repository's first commit: a real landing date.
    assert example["extra"]["initial_import"] is False
    assert example["created_at_quality"] == "git_first_commit"
    assert example["deleted_at"] == utc("2019-05-29T13:42:32-07:00")
    assert example["extra"]["github_id"] == "pytorch/vision"  # read from github-link
    assert example["extra"]["github_id_from"] == "github-link"


def test_broken_front_matter_and_non_utf8_are_stored_with_warnings(
    catalog: GitRepo, db: str, tmp_path: Path
) -> None:
    crawl(catalog, db, tmp_path / "cache")
    broken = model(db, "broken_entry.md")
    assert broken["extra"]["title"] == "Broken Entry"
    assert broken["author"] == "Someone"
    assert "not valid YAML" in broken["extra"]["front_matter_error"]
    latin = model(db, "latin1_entry.md")
    assert latin["extra"]["title"] == "Caf\ufffdNet"
    con = duckdb.connect(db, read_only=True)
    warnings, samples = con.execute(
        "SELECT warnings, warning_samples FROM crawl_runs WHERE source = 'pytorch-hub'"
    ).fetchone()
    con.close()
    assert warnings == 2
    assert any(s.startswith("broken_entry.md:") for s in samples)
    assert any(s.startswith("latin1_entry.md:") and "UTF-8" in s for s in samples)


def test_second_crawl_fetches_into_the_cache(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    crawl(catalog, db, cache)
    clones = list(cache.glob("*.git"))
    assert len(clones) == 1
    clone = clones[0]
    promisor = subprocess.run(
        ["git", "--git-dir", str(clone), "config", "remote.origin.promisor"], capture_output=True, text=True
    )
    assert promisor.stdout.strip() == "true"  # a partial clone
    (clone / "zoo-test-marker").write_text("still the same clone")

    catalog.write("simplenet.md", page("SimpleNet", "coderx7/simplenet_pytorch"))
    catalog.remove("pytorch_vision_vgg.md")
    catalog.commit("2022 changes", "2022-02-02T12:00:00+00:00")
    result = crawl(catalog, db, cache)
    assert "run 2 complete" in result.output
    assert (clone / "zoo-test-marker").exists()  # fetched, not cloned again

    counts = per_year(db)
    assert counts["added"] == {2019: 3, 2020: 4, 2021: 1, 2022: 1}
    assert counts["removed"] == {2019: 1, 2021: 2, 2022: 1}
    assert counts["existing"][2022] == 5
    vgg = model(db, "pytorch_vision_vgg.md")
    assert vgg["deleted_at"] == utc("2022-02-02T12:00:00+00:00")
    assert (vgg["first_seen_run"], vgg["last_seen_run"]) == (1, 2)
    assert model(db, "simplenet.md")["first_seen_run"] == 2


def test_repo_from_environment_and_params_recorded(
    catalog: GitRepo, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZOO_PYTORCH_HUB_REPO", str(catalog.path))
    result = runner.invoke(app, ["crawl", "pytorch-hub", "--db", db, "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(db, read_only=True)
    params = json.loads(con.execute("SELECT params FROM crawl_runs").fetchone()[0])
    con.close()
    assert params["repo"] == catalog.path.resolve().as_uri()
    assert params["branch"] == "master"
    assert params["cache_dir"] == str(tmp_path / "c")


def test_default_cache_is_the_user_cache(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    # conftest points XDG_CACHE_HOME at tmp_path/cache, so platformdirs' user cache lands there.
    result = runner.invoke(app, ["crawl", "pytorch-hub", "--db", db, "--repo", str(catalog.path)])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "cache" / "zoo" / "git").glob("*hub-*.git"))


def test_unreachable_repo_fails_the_run(db: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-repo"
    missing.mkdir()
    result = runner.invoke(
        app, ["crawl", "pytorch-hub", "--db", db, "--repo", str(missing), "--cache-dir", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert "failed" in result.output and "git clone" in result.output


def test_interrupted_crawl_resumes_at_its_commit(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    from crawler.crawl import crawl as run_crawl
    from crawler.sources.pytorch_hub import PyTorchHubSource

    source = PyTorchHubSource(str(catalog.path), cache_dir=tmp_path / "cache", page_size=3)
    crawled_commit = catalog.head()

    def stop_after_first_page(progress) -> None:
        if progress.pages == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_crawl(source, db, progress=stop_after_first_page, prefetch=False)
    # The catalog moves on while the crawl is interrupted; the resumed run finishes the commit it began.
    catalog.write("late_entry.md", page("Late"))
    catalog.commit("late", "2022-05-05T00:00:00+00:00")

    resumed = run_crawl(source, db)
    assert resumed.status == "complete" and resumed.resumed
    assert resumed.counters.pages == 3  # 8 entries, 3 a page
    assert resumed.counters.warnings == 2  # each warning counted once across the interruption
    con = duckdb.connect(db, read_only=True)
    keys = {r[0] for r in con.execute("SELECT key FROM models").fetchall()}
    con.close()
    assert len(keys) == 8 and "late_entry.md" not in keys
    assert model(db, "pytorch_vision_resnet.md")["sha"] == crawled_commit

    fresh = run_crawl(source, db)
    assert fresh.status == "complete" and not fresh.resumed
    assert model(db, "late_entry.md")["created_at"] == utc("2022-05-05T00:00:00+00:00")
