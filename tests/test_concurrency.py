"""Readers never block on a crawl: stats and SQL answer from the last committed data while another
process crawls the same database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources.huggingface import HuggingFaceSource
from tests.conftest import env_for_subprocess
from tests.fakes.hub import FakeHub, Faults, evolve, make_models

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_reads_succeed_while_another_process_crawls(db):
    night0 = make_models(8000, seed=31)
    night1, changes = evolve(night0, 1, seed=31)
    with FakeHub(night0, faults=Faults()) as hub:
        assert crawl(HuggingFaceSource(hub.url), db).status == "complete"
        hub.set_models(night1)
        hub.faults.latency = 0.25  # ~9 pages: the crawl takes a few seconds
        env = env_for_subprocess()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "hf", "--hf-endpoint", hub.url, "--db", db],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        answers: list[tuple[int, float]] = []
        while proc.poll() is None:
            started = time.monotonic()
            out = runner.invoke(
                app,
                [
                    "sql",
                    "select count(*) as n from models where deleted_at is null",
                    "--db",
                    db,
                    "-f",
                    "json",
                ],
            )
            took = time.monotonic() - started
            assert out.exit_code == 0, out.output
            answers.append((json.loads(out.output)[0]["n"], took))
            time.sleep(0.05)
        output = proc.stdout.read().decode()
        assert proc.returncode == 0, output
    counts = {n for n, _ in answers}
    # every answer is a committed state: before the merge, or after it; never a half-merged one
    assert counts <= {len(night0), len(night0) + len(changes.added)}
    assert len(night0) in counts  # at least one read ran during the crawl's fetch phase
    assert max(t for _, t in answers) < 5.0
    assert len(answers) >= 3
