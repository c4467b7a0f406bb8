"""``tests/fakes/zygote.py``: ``zoo`` processes forked from one that made the imports once give what a
``python -m crawler.cli`` process gives (output, exit code), are processes of their own (kill -9), and
run in the environment each command is given."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.faults import RecordingHub, runs, zoo, zoo_env
from tests.fakes.hub import Faults, make_models
from tests.fakes.zygote import Zygote

# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("zygote")


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    with Zygote() as parent:
        yield parent


@pytest.mark.parametrize(
    "args",
    [
        ["crawl", "hf", "--help"],  # exit 0, wrapped at COLUMNS=80, named ``python -m crawler.cli``
        ["runs", "--db", "{tmp}/missing/zoo.duckdb"],  # zoo's one-line error, exit 1
    ],
    ids=["help", "error"],
)
def test_a_forked_zoo_answers_as_a_zoo_process(args: list[str], zygote: Zygote, tmp_path: Path) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    real = zoo(*args, process=True)
    child = zygote.spawn(*args)
    out, err = child.communicate()
    assert (child.returncode, out, err) == (real.returncode, real.stdout, real.stderr)


def test_a_forked_zoo_runs_in_the_environment_it_is_given(zygote: Zygote, tmp_path: Path) -> None:
    env = zoo_env(ZOO_MAX_DROP="7")  # out of range: a usage error, exit 2
    child = zygote.spawn("crawl", "hf", "--db", str(tmp_path / "zoo.duckdb"), env=env)
    out, err = child.communicate()
    assert child.returncode == 2 and "7" in err, (out, err)


def test_a_forked_zoo_is_killed_as_a_process(zygote: Zygote, tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(3000, seed=3), faults=Faults(latency=0.3)) as hub:
        child = zygote.spawn("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
        assert hub.wait_answered(1, timeout=60)
        assert child.poll() is None  # two pages are left, each answered after 0.3 s
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        assert child.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and os.path.exists(f"/proc/{child.pid}"):
            time.sleep(0.01)  # reaped by the zygote: gone
        assert not os.path.exists(f"/proc/{child.pid}")
    [run] = runs(db)
    assert run["status"] == "running"  # the kill left it to the next crawl, as a killed process does
