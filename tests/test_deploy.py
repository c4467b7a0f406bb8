"""The scheduling templates in deploy/: they parse, and they call commands that exist."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from crawler.cli import app

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
runner = CliRunner()


def zoo_commands(text: str) -> list[list[str]]:
    """Every `…/zoo <args>` invocation in a text, as argument lists."""
    out = []
    for line in text.splitlines():
        for part in line.split("&&"):
            words = shlex.split(part.split(">>")[0], comments=True) if "zoo" in part else []
            for i, w in enumerate(words):
                if w == "zoo" or w.endswith("/zoo"):
                    out.append(words[i + 1 :])
    return out


def assert_runs(args: list[str]) -> None:
    """The command exists and takes these options (checked through --help, nothing is crawled)."""
    positional = [a for a in args if not a.startswith("-")]
    # drop a trailing path argument (export DIR)
    if positional and positional[0] == "export":
        args = ["export"]
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)


def test_crontab_line_is_valid_and_calls_real_commands():
    text = (DEPLOY / "zoo.crontab").read_text()
    jobs = [
        ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]
    ]
    assert len(jobs) == 1
    fields = jobs[0].split()
    assert all(
        f.replace("*", "").replace("/", "").replace(",", "").replace("-", "").isdigit() or f == "*"
        for f in fields[:5]
    )
    commands = zoo_commands(jobs[0])
    assert ["crawl", "all"] in commands and any(c[0] == "export" for c in commands)
    for c in commands:
        assert_runs(c)


def test_systemd_units_parse_and_call_real_commands():
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read_string((DEPLOY / "zoo-crawl.service").read_text())
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read_string((DEPLOY / "zoo-crawl.timer").read_text())
    assert service["Service"]["Type"] == "oneshot"
    assert "crawl all" in service["Service"]["ExecStart"]
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    for key in ("ExecStart", "ExecStartPost"):
        for c in zoo_commands(service["Service"][key]):
            assert_runs(c)
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here; the INI structure was checked")
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(DEPLOY / "zoo-crawl.timer")], capture_output=True, text=True
    )
    assert "zoo-crawl.timer" not in proc.stderr or "error" not in proc.stderr.lower()


def test_github_workflow_restores_the_db_before_crawling_and_saves_it_after():
    wf = yaml.safe_load((DEPLOY / "github-actions-nightly.yml").read_text())
    assert wf["concurrency"]["cancel-in-progress"] is False
    steps = wf["jobs"]["crawl"]["steps"]
    names = [s.get("uses", s.get("run", "")) for s in steps]
    restore = next(i for i, n in enumerate(names) if n.startswith("actions/cache/restore"))
    crawl = next(i for i, n in enumerate(names) if "zoo crawl all" in n)
    save = next(i for i, n in enumerate(names) if n.startswith("actions/cache/save"))
    assert restore < crawl < save
    assert steps[save]["if"] == "always()"
    assert steps[restore]["with"]["path"] == steps[save]["with"]["path"]
    assert steps[restore]["with"]["restore-keys"].rstrip("-") in steps[save]["with"]["key"]
    db_dir = wf["jobs"]["crawl"]["env"]["ZOO_DB"].split("/")[0]
    assert steps[save]["with"]["path"] == db_dir
    for step in steps:
        for c in zoo_commands(step.get("run", "")):
            assert_runs(c)
