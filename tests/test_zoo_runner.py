"""The tests' ``zoo()`` (``tests/fakes/faults.py``) runs a command in the test's own process as a fresh
``python -m crawler.cli`` process would (``tests/fakes/in_process.py``): the same output, exit code and
help width as the real process, the whole environment given and nothing else, an uncaught exception's
traceback on stderr, a time-out that fails the test, and nothing kept from one call to the next."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sources import registry
from crawler.sources.base import Source
from crawler.sources.records import Page
from crawler.sources.registry import Hub
from tests.fakes.faults import RecordingHub, has_traceback, zoo, zoo_env
from tests.fakes.hub import Faults, make_models


def _same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess) -> tuple:
    return a.returncode, a.stdout, a.stderr, b.returncode, b.stdout, b.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["crawl", "hf", "--help"],  # wrapped at COLUMNS=80, named ``python -m crawler.cli``
        ["stats", "no-such-command"],  # click's own error, exit 2
        ["crawl", "hf", "--max-drop", "7", "--db", "{tmp}/zoo.duckdb"],  # zoo's usage error, exit 2
        ["runs", "--db", "{tmp}/" + "x" * 90 + "/zoo.duckdb"],  # a line longer than the console, exit 1
        ["stats", "hubs", "--db", "{db}"],  # a table, drawn for a pipe
    ],
    ids=["version", "help", "click-error", "usage-error", "long-error", "table"],
)
def test_a_command_in_process_prints_and_exits_as_the_process_does(
    args: list[str], tmp_path: Path, db: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)).replace("{db}", db) for a in args]
    inside = zoo(*args)
    outside = zoo(*args, process=True)
    assert (inside.returncode, inside.stdout, inside.stderr) == (
        outside.returncode,
        outside.stdout,
        outside.stderr,
    ), _same(inside, outside)
    assert inside.stdout or inside.stderr


def test_the_environment_given_is_the_whole_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = str(tmp_path / "mine.duckdb")
    monkeypatch.setenv("ZOO_DB", mine)  # set in this process, absent from the command's environment
    env = zoo_env()
    assert "ZOO_DB" not in env  # (the test set-up's environment holds none of the user's settings)
    done = zoo("runs", env=env)
    assert done.returncode == 1
    assert "no database at zoo.duckdb" in done.stderr and mine not in done.stderr, done.stderr
    given = str(tmp_path / "given.duckdb")
    done = zoo("runs", env=zoo_env(ZOO_DB=given))
    assert f"no database at {given}" in done.stderr, done.stderr
    assert os.environ["ZOO_DB"] == mine  # and this process's environment is back as it was


class _Nothing(Source):
    name = "broken-zoo"

    def params(self) -> dict[str, str]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        yield from ()


@pytest.fixture
def broken_hub(saved_registry: None) -> Iterator[str]:
    """A hub whose availability check has a bug: an exception zoo does not expect."""

    def check() -> str | None:
        raise ZeroDivisionError("a bug in the availability check")

    registry.register(Hub(_Nothing, label="Broken", command="broken-zoo", help="A bug.", unavailable=check))
    yield _Nothing.name


def test_an_uncaught_exception_is_printed_as_a_process_prints_it(broken_hub: str, tmp_path: Path) -> None:
    done = zoo("crawl", broken_hub, "--db", str(tmp_path / "zoo.duckdb"))
    assert done.returncode == 1
    assert has_traceback(done.stderr) and "ZeroDivisionError" in done.stderr, done.stderr
    assert "in_process.py" not in done.stderr  # the traceback starts where a process's would
    after = zoo("--version")  # and the next command is as new
    assert after.returncode == 0 and not has_traceback(after.stderr)


def test_logging_of_one_command_is_its_own(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("huggingface_hub").level, sys.excepthook)
    with RecordingHub(make_models(30, seed=3), faults=Faults(limit_next=[{"Retry-After": "0"}])) as hub:
        verbose = zoo("-v", "crawl", "hf", "--hf-endpoint", hub.url, "--db", str(tmp_path / "a.duckdb"))
        hub.faults.limit_next.append({"Retry-After": "0"})
        quiet = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", str(tmp_path / "b.duckdb"))
    assert verbose.returncode == 0 and quiet.returncode == 0, verbose.stderr + quiet.stderr
    assert " WARNING crawler.http: " in verbose.stderr, verbose.stderr  # --verbose logs the 429's wait
    assert " INFO httpx2: " in verbose.stderr, verbose.stderr  # and each request
    assert " INFO " not in quiet.stderr and " WARNING " not in quiet.stderr, quiet.stderr  # as it was told
    after = (list(root.handlers), root.level, logging.getLogger("huggingface_hub").level, sys.excepthook)
    assert after == before


def test_a_command_past_its_timeout_fails_the_test(tmp_path: Path) -> None:
    here = os.getcwd()
    with RecordingHub(make_models(30, seed=3), faults=Faults(hang_next=1, hang_seconds=3.0)) as hub:
        with pytest.raises(subprocess.TimeoutExpired):
            zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", str(tmp_path / "zoo.duckdb"), timeout=0.5)
    assert os.getcwd() == here and zoo("--version").returncode == 0  # and the next command runs


def test_subprocess_arguments_need_a_process() -> None:
    with pytest.raises(TypeError, match="process=True"):
        zoo("--version", start_new_session=True)
