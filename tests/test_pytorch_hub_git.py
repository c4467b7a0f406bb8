"""The shared git helpers (``crawler.sources._git``) on real local repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import _git
from tests.fakes.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "src")
    r.write("a.md", "a1\n")
    r.write("b.md", "b1\n")
    r.commit("one", "2019-01-01T00:00:00+00:00")
    r.remove("a.md")
    r.write("b.md", "b2\n")
    r.commit("two", "2019-06-01T00:00:00+00:00")
    r.write("a.md", "a2\n")
    r.commit("a is back", "2020-01-01T00:00:00+00:00")
    return r


def test_histories_with_modification_and_readdition(repo: GitRepo, tmp_path: Path) -> None:
    synced = _git.sync(_git.repo_url(str(repo.path)), "master", tmp_path / "cache")
    assert synced.cloned and synced.commit == repo.head()
    hist = _git.path_histories(synced.git_dir, synced.commit, ["*.md"])
    assert list(hist) == ["a.md", "b.md"]
    a, b = hist["a.md"], hist["b.md"]
    assert a.added_at.year == 2019 and a.live  # first appearance kept, live again after re-adding
    assert a.modified_at.year == 2020
    assert b.modified_at.year == 2019 and b.modified_at.month == 6 and b.added_at.month == 1
    blobs, fetches = _git.read_blobs(synced.git_dir, [a.blob, b.blob])
    assert blobs == {a.blob: b"a2\n", b.blob: b"b2\n"}
    assert fetches == 1  # the partial clone had no blobs: one batched fetch for both
    _, again = _git.read_blobs(synced.git_dir, [a.blob, b.blob])
    assert again == 0


def test_removed_path_keeps_its_last_blob(repo: GitRepo, tmp_path: Path) -> None:
    repo.remove("b.md")
    repo.commit("drop b", "2021-01-01T00:00:00+00:00")
    synced = _git.sync(_git.repo_url(str(repo.path)), "master", tmp_path / "cache")
    hist = _git.path_histories(synced.git_dir, synced.commit, ["*.md"])
    b = hist["b.md"]
    assert b.removed_at is not None and b.removed_at.year == 2021 and b.removed_commit == repo.head()
    blobs, _ = _git.read_blobs(synced.git_dir, [b.blob])
    assert blobs[b.blob] == b"b2\n"


def test_sync_fetches_an_existing_clone(repo: GitRepo, tmp_path: Path) -> None:
    url = _git.repo_url(str(repo.path))
    first = _git.sync(url, "master", tmp_path / "cache")
    repo.write("c.md", "c\n")
    head = repo.commit("three", "2021-01-01T00:00:00+00:00")
    second = _git.sync(url, "master", tmp_path / "cache")
    assert not second.cloned and second.git_dir == first.git_dir and second.commit == head
    assert _git.has_commit(second.git_dir, first.commit)
    assert _git.is_partial(second.git_dir)


def test_missing_branch_is_a_clear_error(repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(_git.GitError, match="main"):
        _git.sync(_git.repo_url(str(repo.path)), "main", tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*.git"))  # no half clone left behind


def test_urls() -> None:
    assert _git.redact("https://user:secret@github.com/pytorch/hub") == "https://github.com/pytorch/hub"
    assert _git.redact("https://github.com/pytorch/hub") == "https://github.com/pytorch/hub"
    assert _git.repo_url("https://github.com/pytorch/hub") == "https://github.com/pytorch/hub"
    assert _git.repo_url("git@github.com:pytorch/hub.git") == "git@github.com:pytorch/hub.git"
    a = _git.cache_path("/c", "https://github.com/pytorch/hub")
    b = _git.cache_path("/c", "https://github.com/tensorflow/tfhub.dev")
    assert a.name.startswith("pytorch-hub-") and b.name.startswith("tensorflow-tfhub.dev-") and a != b
