"""A git remote that hangs does not hang the crawl: clone and fetch are bounded, and ``zoo crawl all``
goes on to the next hub. The remote is a real TCP server on 127.0.0.1 that accepts and never answers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.sources import _git
from tests.conftest import crawl_all_failed
from tests.fakes.gitrepo import GitRepo
from tests.fakes.hub import FakeHub, make_models
from tests.fakes.hung import HungServer

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """git goes straight to 127.0.0.1, never through a proxy someone configured."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("ZOO_GIT_TIMEOUT", raising=False)


@pytest.fixture
def hung() -> HungServer:
    with HungServer() as server:
        yield server


def tf_catalog(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write(
        "assets/docs/google/models/tiny/1.md",
        "# Module google/tiny/1\nA tiny model.\n\n<!-- format: hub -->\n",
    )
    repo.commit("one model", "2021-05-01T10:00:00+00:00")
    return repo


def test_the_time_out_comes_from_the_argument_the_environment_or_the_default() -> None:
    assert _git.git_timeout(None, {}) == _git.DEFAULT_TIMEOUT == 600.0
    assert _git.git_timeout(None, {"ZOO_GIT_TIMEOUT": "45"}) == 45.0
    assert _git.git_timeout(2.5, {"ZOO_GIT_TIMEOUT": "45"}) == 2.5
    with pytest.raises(_git.GitError, match="ZOO_GIT_TIMEOUT='soon' is not a number of seconds"):
        _git.git_timeout(None, {"ZOO_GIT_TIMEOUT": "soon"})
    with pytest.raises(_git.GitError, match="positive"):
        _git.git_timeout(0)


def test_a_clone_from_a_hung_remote_is_killed_with_every_process_it_started(
    hung: HungServer, tmp_path: Path
) -> None:
    url = hung.url("/pytorch/hub.git").replace("http://", "http://someone:hunter2@")
    started = time.monotonic()
    with pytest.raises(_git.GitTimeout) as timed_out:
        _git.sync(url, "master", tmp_path / "cache", timeout=1.5)
    assert time.monotonic() - started < 60  # bounded (the remote would hang forever)
    message = str(timed_out.value)
    assert f"git clone of {hung.url('/pytorch/hub.git')} got no complete answer within 1.5 s" in message
    assert "--git-timeout or ZOO_GIT_TIMEOUT" in message and "hunter2" not in message
    # git really asked, and the process holding the connection (git-remote-http) is gone too
    assert hung.connections and b"GET /pytorch/hub.git/info/refs" in hung.connections[0]["received"]
    assert hung.wait_all_closed(10)
    # nothing half-cloned is left in the cache (only the cache's lock file)
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == []


def test_a_fetch_from_a_remote_that_now_hangs_is_bounded(hung: HungServer, tmp_path: Path) -> None:
    repo = tf_catalog(tmp_path / "catalog")
    cache = tmp_path / "cache"
    url = _git.repo_url(str(repo.path))
    first = _git.sync(url, "master", cache, timeout=30)
    assert first.cloned and first.commit == repo.head()
    # the same cache, whose remote now hangs
    _git.git(["config", "remote.origin.url", hung.url("/tensorflow/tfhub.dev.git")], git_dir=first.git_dir)
    with pytest.raises(
        _git.GitTimeout,
        match=r"git fetch of http://127\.0\.0\.1:\d+/tensorflow/tfhub\.dev\.git got no complete answer within 1\.5 s",
    ):
        _git.sync(url, "master", cache, timeout=1.5)
    assert hung.wait_all_closed(10)
    assert _git.resolve(first.git_dir, "refs/heads/master") == first.commit  # the cache is intact


def test_the_cli_option_bounds_a_catalog_crawl(hung: HungServer, tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    result = runner.invoke(
        app,
        [
            "crawl",
            "tf-hub",
            "--repo",
            hung.url("/tensorflow/tfhub.dev.git"),
            "--db",
            db,
            "--git-timeout",
            "1",
        ],
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("tf-hub: run 1 failed") and "got no complete answer within 1 s" in line
    assert hung.wait_all_closed(10)


def test_crawl_all_goes_on_to_the_next_hub_after_a_hung_remote(hung: HungServer, tmp_path: Path) -> None:
    catalog = tf_catalog(tmp_path / "tfhub.dev")
    db = str(tmp_path / "zoo.duckdb")
    with FakeHub(make_models(300, seed=3)) as hub:
        env = {
            "ZOO_PYTORCH_HUB_REPO": hung.url("/pytorch/hub.git"),
            "ZOO_TF_HUB_REPO": str(catalog.path),
            "ZOO_GIT_TIMEOUT": "1",
        }
        done = runner.invoke(app, ["crawl", "all", "--db", db, "--hf-endpoint", hub.url], env=env)
    assert done.exit_code == 1, done.output
    lines = done.stdout.strip().splitlines()
    by_hub = {line.split(":", 1)[0]: line for line in lines}
    assert by_hub["huggingface"].startswith("huggingface: run 1 complete, 300 models")
    failed = by_hub["pytorch-hub"]
    assert failed.startswith("pytorch-hub: run 2 failed") and "GitTimeout" in failed
    assert f"git clone of {hung.url('/pytorch/hub.git')} got no complete answer within 1 s" in failed
    assert by_hub["tf-hub"].startswith("tf-hub: run 3 complete, 1 models")  # the next hub ran
    assert by_hub["kaggle"].startswith("kaggle: skipped")
    set_up = ("huggingface", "pytorch-hub", "tf-hub", "kaggle")
    assert lines[-1] == crawl_all_failed("pytorch-hub", set_up=set_up)
    assert "Traceback" not in done.output
    assert hung.wait_all_closed(10)
