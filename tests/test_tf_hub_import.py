"""tfhub.dev's import commit is not a creation date; the catalog's previous home recovers true dates.

Two real local git repositories, built here, stand for the real ones (never the network):

* ``tfhub.dev``: shaped like github.com/tensorflow/tfhub.dev: a root commit holding only the README
  (66be177, 2020-08-25), then the import of Google's catalog under ``assets/g3doc/`` (e6bdf737,
  2020-08-26, 1,494 files), the move to ``assets/docs/`` (cee8f96, 2020-10-07), then the models other
  publishers had contributed to tensorflow/hub, moved in with one commit (ef73bcb4, 2020-10-07, "Move
  tfhub.dev model documentation from https://github.com/tensorflow/hub"); later models one at a time.
* ``hub``: shaped like github.com/tensorflow/hub, which held those contributed documents in
  ``tfhub_dev/assets/`` from 2020-01-23 (c5001f0, "Add directory for external contributions to
  tfhub.dev", 30 documents at once, vtab and nvidia among them) until 2020-10-20 (4b59d43, removed after
  the move). Contributions landed through merged pull requests, dated by the merge on the first-parent
  chain. Document text as there: ``# Module vtab/&zwnj;rotation/1`` then metadata comments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.sources import tensorflow_hub
from crawler.sources.tensorflow_hub import TensorFlowHubSource
from tests.fakes.gitrepo import GitRepo

runner = CliRunner()

G3 = "assets/g3doc"
DOCS = "assets/docs"
OLD = "tfhub_dev/assets"
IMPORT_DATE = "2020-08-26T15:06:28+02:00"
MOVE_DATE = "2020-10-07T05:27:28-07:00"

GOOGLE = "google/imagenet/resnet_v2_50/feature_vector"  # Google's own: never in tensorflow/hub
VTAB = "vtab/rotation"  # came with the old folder's first commit: still censored, earlier bound
BERT = "see--/bert-uncased-tf2-qa"  # contributed through a pull request, 2020-02-11
MUSHROOM = "bohemian-visual-recognition-alliance/mushroom-identification_v1"  # 2020-05-13, lite variant later
NEW = "google/new"  # landed on tfhub.dev itself after the import


def doc(handle: str, fmt: str = "saved_model_2", kind: str = "Module") -> str:
    return (
        f"# {kind} {handle}\nDescription of {handle}.\n\n<!-- format: {fmt} -->\n"
        "<!-- module-type: image-feature-vector -->\n\n## Overview\n\nText.\n"
    )


def lite(handle: str, parent: str) -> str:
    return f"# Lite {handle}\nTFLite deployment of {parent}.\n\n<!-- parent-model: {parent} -->\n"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[GitRepo, GitRepo]:
    """The catalog and the old home, built once for the module (about 40 git commands): the tests only
    read them (a crawl clones them into its own cache)."""
    root = tmp_path_factory.mktemp("repos")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))  # git's settings: the per-test isolation starts later
        return make_catalog(root / "tfhub.dev"), make_old_home(root / "hub")


@pytest.fixture
def catalog(repos: tuple[GitRepo, GitRepo]) -> GitRepo:
    return repos[0]


@pytest.fixture
def old_home(repos: tuple[GitRepo, GitRepo]) -> GitRepo:
    return repos[1]


def make_catalog(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write("README.md", "# tfhub.dev\n")
    repo.commit("Initial commit.", "2020-08-25T23:46:35+02:00")
    repo.write(f"{G3}/google/models/imagenet/resnet_v2_50/feature_vector/1.md", doc(f"{GOOGLE}/1", "hub"))
    repo.write(f"{G3}/google/google.md", "# Publisher google\nGoogle\n")
    repo.commit("Internal change", IMPORT_DATE)

    for path in sorted((repo.path / G3).rglob("*.md")):
        rel = path.relative_to(repo.path).as_posix()
        repo.move(rel, DOCS + rel[len(G3) :])
    repo.commit(
        "Remove g3doc directory, all assets were moved to docs directory.", "2020-10-07T12:05:31+02:00"
    )

    repo.write(f"{DOCS}/vtab/models/rotation/1.md", doc("vtab/&zwnj;rotation/1", "hub"))
    repo.write(f"{DOCS}/vtab/vtab.md", "# Publisher vtab\nVisual Task Adaptation Benchmark\n")
    repo.write(f"{DOCS}/see--/models/bert-uncased-tf2-qa/1.md", doc(f"{BERT}/1"))
    repo.write(
        f"{DOCS}/bohemian-visual-recognition-alliance/models/mushroom-identification_v1/1.md",
        doc(f"{MUSHROOM}/1"),
    )
    repo.commit("Move tfhub.dev model documentation from https://github.com/tensorflow/hub", MOVE_DATE)

    repo.write(f"{DOCS}/google/models/new/1.md", doc(f"{NEW}/1"))
    repo.commit("Add google/new", "2021-03-01T10:00:00+00:00")
    return repo


def make_old_home(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write("README.md", "# TensorFlow Hub\n")
    repo.write("tensorflow_hub/__init__.py", "")
    repo.commit("Initial commit of the library", "2018-03-30T10:00:00+02:00")

    repo.write("tfhub_dev/BUILD", "# build\n")
    repo.write(f"{OLD}/vtab/vtab.md", "# Publisher vtab\nVisual Task Adaptation Benchmark\n")
    repo.write(f"{OLD}/vtab/models/rotation/1.md", doc("vtab/&zwnj;rotation/1", "hub"))
    repo.write(f"{OLD}/nvidia/models/unet/industrial/class_1/1.md", doc("nvidia/unet/industrial/class_1/1"))
    repo.write(f"{OLD}/README.md", "# How to contribute\n")
    repo.commit("Add directory for external contributions to tfhub.dev.", "2020-01-23T16:53:41+01:00")

    # A contribution written on its branch on 2020-02-05 that lands with the merge on 2020-02-11.
    repo.checkout("pr-bert", new=True)
    repo.write(f"{OLD}/see--/models/bert-uncased-tf2-qa/1.md", doc(f"{BERT}/1"))
    repo.commit("Model see--/bert-uncased-tf2-qa/1", "2020-02-05T09:00:00+01:00")
    repo.checkout("master")
    repo.merge("pr-bert", "Merge pull request #520", "2020-02-11T12:34:28+01:00")

    repo.write(
        f"{OLD}/bohemian-visual-recognition-alliance/models/mushroom-identification_v1/1.md",
        doc(f"{MUSHROOM}/1"),
    )
    repo.commit("New Publisher Added - Bohemian Visual Recognition Alliance", "2020-05-13T18:22:57+02:00")
    repo.write(
        f"{OLD}/bohemian-visual-recognition-alliance/models/mushroom-identification_v1/1/lite/1.md",
        lite(f"{MUSHROOM}/1/lite/1", f"{MUSHROOM}/1"),
    )
    repo.commit("Add tflite asset", "2020-06-19T23:05:52+02:00")

    repo.write(f"{OLD}/see--/models/bert-uncased-tf2-qa/1.md", doc(f"{BERT}/1") + "More text.\n")
    repo.commit("Improve rendering", "2020-10-07T02:56:22-07:00")
    repo.remove(OLD)
    repo.commit("tfhub.dev model documentation has been moved", "2020-10-20T00:56:13-07:00")
    return repo


def crawl(catalog: GitRepo, db: str, tmp_path: Path, *extra: str) -> str:
    result = runner.invoke(
        app,
        ["crawl", "tf-hub", "--repo", str(catalog.path), "--cache-dir", str(tmp_path / "cache"), "--db", db]
        + list(extra),
    )
    assert result.exit_code == 0, result.output
    return result.output


def models(db: str) -> dict[str, dict]:
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT key, created_at, created_at_quality, extra FROM models WHERE hub = 'tf-hub'"
        ).fetchall()
    finally:
        con.close()
    return {k: {"created_at": c, "quality": q, "extra": json.loads(e)} for k, c, q, e in rows}


def additions(db: str, by: str, *extra: str) -> dict[str, int]:
    result = runner.invoke(
        app, ["stats", "additions", "--hub", "tf-hub", "--by", by, "--format", "json", "--db", db, *extra]
    )
    assert result.exit_code == 0, result.output
    return {o["period"]: o["models"] for o in json.loads(result.stdout)}


def hubs_as_of(db: str, day: str) -> tuple[str, int | None]:
    result = runner.invoke(app, ["stats", "hubs", "--as-of", day, "--format", "json", "--db", db])
    assert result.exit_code == 0, result.output
    (row,) = [o for o in json.loads(result.stdout) if o["hub"] == "tf-hub"]
    return row["status"], row["models"]


def test_the_import_commit_is_censored_never_a_month(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    output = crawl(catalog, db, tmp_path, "--no-history")
    assert "tf-hub: run 1 complete, 5 models" in output
    got = models(db)
    assert got[GOOGLE]["quality"] == "git_import"
    assert got[GOOGLE]["created_at"] == utc(IMPORT_DATE)  # kept as the bound: on or before
    assert got[GOOGLE]["extra"]["initial_import"] is True
    # Not the catalog's first commit (the README-only root is not either): landing dates.
    for key in (VTAB, BERT, MUSHROOM):
        assert got[key]["quality"] == "git_first_commit", key
        assert got[key]["created_at"] == utc(MOVE_DATE)
        assert got[key]["extra"]["initial_import"] is False
    assert got[NEW]["quality"] == "git_first_commit"

    assert additions(db, "year") == {"imported": 1, "2020": 3, "2021": 1}
    assert additions(db, "month") == {"imported": 1, "2020-10": 3, "2021-03": 1}

    # Presence keeps the catalog's semantics: an imported model existed from the import on, and the
    # catalog's one crawl (run today) answers for any past day.
    assert hubs_as_of(db, "2020-08-25") == ("crawled", 0)
    assert hubs_as_of(db, "2020-08-31") == ("crawled", 1)
    assert hubs_as_of(db, "2021-12-31") == ("crawled", 5)

    con = duckdb.connect(db, read_only=True)
    try:
        exported = dict(
            con.execute(
                "SELECT key, (created_period, created_month) FROM export_models(current_date) "
                "WHERE hub = 'tf-hub'"
            ).fetchall()
        )
    finally:
        con.close()
    assert exported[GOOGLE] == ("imported", "imported")
    assert exported[NEW] == ("2021", "2021-03")


def test_the_old_home_recovers_true_dates(
    catalog: GitRepo, old_home: GitRepo, db: str, tmp_path: Path
) -> None:
    output = crawl(catalog, db, tmp_path, "--history-repo", str(old_home.path))
    assert "tf-hub: run 1 complete, 5 models" in output
    assert "0 warnings" in output
    got = models(db)

    assert got[GOOGLE]["quality"] == "git_import"  # never in tensorflow/hub: stays censored
    assert got[GOOGLE]["created_at"] == utc(IMPORT_DATE)
    assert "prior_repo" not in got[GOOGLE]["extra"]

    # The merge that landed it, not its branch commit.
    assert old_home.commit_date("pr-bert").startswith("2020-02-05")
    assert got[BERT]["quality"] == "git_prior_repo"
    assert got[BERT]["created_at"] == utc("2020-02-11T12:34:28+01:00")
    assert got[BERT]["extra"]["catalog_added_at"] == utc(MOVE_DATE).isoformat()
    assert got[BERT]["extra"]["prior_repo"]["path"] == f"{OLD}/see--/models/bert-uncased-tf2-qa/1.md"
    assert got[BERT]["extra"]["prior_repo"]["commit"] == old_home.git("rev-parse", "master~4")  # the merge

    # The module came first, its lite variant later: the model's date is its first document's.
    assert got[MUSHROOM]["quality"] == "git_prior_repo"
    assert got[MUSHROOM]["created_at"] == utc("2020-05-13T18:22:57+02:00")

    # Came with the old folder's own first commit (a bulk add of what was published before): censored,
    # with that earlier bound.
    assert got[VTAB]["quality"] == "git_import"
    assert got[VTAB]["created_at"] == utc("2020-01-23T16:53:41+01:00")
    assert got[VTAB]["extra"]["prior_repo"]["censored"] is True

    assert got[NEW]["quality"] == "git_first_commit"
    assert additions(db, "year") == {"imported": 2, "2020": 2, "2021": 1}
    assert additions(db, "month") == {"imported": 2, "2020-02": 1, "2020-05": 1, "2021-03": 1}
    # Recovered dates are presence dates too.
    assert hubs_as_of(db, "2020-03-31") == ("crawled", 2)  # vtab (its bound) and BERT
    assert hubs_as_of(db, "2020-08-31") == ("crawled", 4)

    con = duckdb.connect(db, read_only=True)
    try:
        (params,) = con.execute("SELECT params FROM crawl_runs WHERE source = 'tf-hub'").fetchone()
    finally:
        con.close()
    assert json.loads(params)["history_repo"] == old_home.path.resolve().as_uri()


def test_an_unreachable_old_home_is_a_warning_and_dates_stay_as_the_catalog_gives_them(
    catalog: GitRepo, db: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-repo"
    output = crawl(catalog, db, tmp_path, "--history-repo", str(missing))
    assert "tf-hub: run 1 complete, 5 models" in output
    assert "1 warnings" in output
    con = duckdb.connect(db, read_only=True)
    try:
        (status, samples) = con.execute(
            "SELECT status, warning_samples FROM crawl_runs WHERE source = 'tf-hub'"
        ).fetchone()
    finally:
        con.close()
    assert status == "complete"
    (warning,) = samples
    assert warning.startswith(f"history repository {missing} not read (")
    assert warning.endswith("dates stay as the catalog gives them (1 censored by its import: 'imported')")
    assert additions(db, "year") == {"imported": 1, "2020": 3, "2021": 1}


def test_the_environment_names_the_old_home_and_no_history_turns_it_off(
    catalog: GitRepo,
    old_home: GitRepo,
    db: str,
    more_dbs: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZOO_TF_HUB_HISTORY_REPO", str(old_home.path))
    crawl(catalog, db, tmp_path)
    assert models(db)[BERT]["quality"] == "git_prior_repo"

    other = more_dbs("other")
    crawl(catalog, other, tmp_path, "--no-history")
    assert models(other)[BERT]["quality"] == "git_first_commit"
    assert additions(other, "year") == {"imported": 1, "2020": 3, "2021": 1}


def test_a_second_crawl_with_the_old_home_redates_stored_models(
    catalog: GitRepo, old_home: GitRepo, db: str, tmp_path: Path
) -> None:
    crawl(catalog, db, tmp_path, "--no-history")
    assert additions(db, "month") == {"imported": 1, "2020-10": 3, "2021-03": 1}
    crawl(catalog, db, tmp_path, "--history-repo", str(old_home.path))
    assert additions(db, "month") == {"imported": 2, "2020-02": 1, "2020-05": 1, "2021-03": 1}


def test_the_default_old_home_and_the_tests_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test runs with the history repository turned off (tests/conftest.py), so no crawl, `zoo crawl
    # all` included, reaches GitHub.
    assert TensorFlowHubSource().history_repo is None
    monkeypatch.delenv("ZOO_TF_HUB_HISTORY_REPO")
    assert TensorFlowHubSource().history_repo == tensorflow_hub.DEFAULT_HISTORY_REPO
    assert TensorFlowHubSource(history=False).history_repo is None
    assert TensorFlowHubSource(history_repo="none").history_repo is None


def test_upgrade_moves_a_stored_import_out_of_august_2020(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    crawl(catalog, db, tmp_path, "--no-history")
    # What an older version left: the imported models dated as ordinary landings.
    con = duckdb.connect(db)
    con.execute("DELETE FROM schema_migrations WHERE version = 11")
    con.execute("UPDATE models SET created_at_quality = 'git_first_commit' WHERE hub = 'tf-hub'")
    con.close()
    assert additions_after_upgrade(db) == {"imported": 1, "2020": 3, "2021": 1}
    assert {k: m["quality"] for k, m in models(db).items()} == {
        GOOGLE: "git_import",
        VTAB: "git_first_commit",
        BERT: "git_first_commit",
        MUSHROOM: "git_first_commit",
        NEW: "git_first_commit",
    }


def additions_after_upgrade(db: str) -> dict[str, int]:
    result = runner.invoke(app, ["upgrade", "--db", db])
    assert result.exit_code == 0, result.output
    return additions(db, "year")


def test_a_password_in_the_history_url_is_never_stored(catalog: GitRepo, db: str, tmp_path: Path) -> None:
    # Port 9 on this machine: nothing listens, the clone is refused at once.
    url = "http://alice:zooHISTORYpw42@127.0.0.1:9/tensorflow/hub"
    output = crawl(catalog, db, tmp_path, "--history-repo", url)
    assert "zooHISTORYpw42" not in output
    con = duckdb.connect(db, read_only=True)
    try:
        (params, samples) = con.execute(
            "SELECT CAST(params AS VARCHAR), warning_samples FROM crawl_runs WHERE source = 'tf-hub'"
        ).fetchone()
    finally:
        con.close()
    assert "zooHISTORYpw42" not in params + "".join(samples)
    (warning,) = samples
    assert warning.startswith("history repository http://127.0.0.1:9/tensorflow/hub not read (")


def test_imported_is_a_period_of_every_per_period_statistic_listed_first(
    catalog: GitRepo, db: str, tmp_path: Path
) -> None:
    crawl(catalog, db, tmp_path, "--no-history")
    assert list(additions(db, "year")) == ["imported", "2020", "2021"]
    result = runner.invoke(
        app, ["stats", "exclusivity", "--hub", "tf-hub", "--by", "year", "--format", "json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert list(dict.fromkeys(o["period"] for o in rows)) == ["imported", "2020", "2021"]
    imported = {o["class"]: o["models"] for o in rows if o["period"] == "imported"}
    assert imported["tensorflow_only"] == 1 and sum(imported.values()) == 1
