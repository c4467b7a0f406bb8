"""``tests/fakes/zygote.py``: ``zoo`` processes forked from one that made the imports once give what a
``python -m crawler.cli`` process gives (output, exit code), are processes of their own (kill -9), and
run in the environment each command is given."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.fakes.faults import RecordingHub, runs, zoo, zoo_env
from tests.fakes.hub import Faults, make_models
from tests.fakes.zygote import Zygote


def test_a_forked_zoo_answers_as_a_zoo_process(tmp_path: Path) -> None:
    cases = [
        ["crawl", "hf", "--help"],  # exit 0, wrapped at COLUMNS=80, named ``python -m crawler.cli``
        ["stats", "no-such-command"],  # click's error, exit 2
        ["runs", "--db", str(tmp_path / "missing" / "zoo.duckdb")],  # zoo's one-line error, exit 1
    ]
    with Zygote() as zygote:
        for args in cases:
            real = zoo(*args, process=True)
            child = zygote.spawn(*args)
            out, err = child.communicate()
            assert (child.returncode, out, err) == (real.returncode, real.stdout, real.stderr), args
        # the environment each command is given is the whole environment of its process
        env = zoo_env(ZOO_MAX_DROP="7")
        child = zygote.spawn("crawl", "hf", "--db", str(tmp_path / "zoo.duckdb"), env=env)
        out, err = child.communicate()
        assert child.returncode == 2 and "7" in err, (out, err)


def test_a_forked_zoo_is_killed_as_a_process(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(3000, seed=3), faults=Faults(latency=0.3)) as hub, Zygote() as zygote:
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
