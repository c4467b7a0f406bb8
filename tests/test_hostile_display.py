"""Data is shown as text, never obeyed: names, file names and error texts from a hub reach tables, summary
lines, plots and reports as they are, with console markup shown literally and terminal escapes shown
escaped.

The hostile values come in through real crawls against the fake hubs (ids and file names of the fake
Hub, framework names of the fake Kaggle API, an error body of a small server on 127.0.0.1); the real
``zoo`` command then reads them back.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._http import RetryPolicy
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from tests.fakes.faults import ROOT, has_traceback, zoo, zoo_argv, zoo_env
from tests.fakes.hub import FakeHub, make_models
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models

ESC = "\x1b"
CLEAR = f"{ESC}[2J"  # clears the screen
TITLE = f"{ESC}]0;owned\x07"  # retitles the window
CSI_8BIT = "\x9b2J"  # the C1 form of ESC[ (clears the screen on terminals that obey C1)

#: ids that are console markup, or terminal commands, or both
MARKUP_IDS = ["org/[/]", "org/[bold red]x[/bold red]", "org/:smile:"]
ESCAPE_IDS = [f"org/a{CLEAR}b", f"org/t{TITLE}t", f"org/c{CSI_8BIT}1"]
FILES = ("x[/].pt", f"evil{CLEAR}.bin", "pytorch_model.bin")


runner = CliRunner()


def _no_raw_controls(text: str) -> None:
    assert ESC not in text and "\x07" not in text and "\x9b" not in text, repr(text[:2000])


@pytest.fixture
def hostile_db(db: str) -> str:
    """A database whose Hugging Face models have markup and terminal escapes in their ids and files."""
    models = make_models(8, seed=3)
    for m, name in zip(models, [*MARKUP_IDS, *ESCAPE_IDS, "org/files"], strict=False):
        m["id"], m["author"] = name, "org"
    models[6]["siblings"] = FILES
    with FakeHub(models) as hub:
        result = crawl(HuggingFaceSource(hub.url, page_size=50), db)
    assert result.status == "complete", result.error
    return db


def test_history_shows_any_id_as_text(hostile_db: str) -> None:
    for name in [*MARKUP_IDS, *ESCAPE_IDS]:
        done = runner.invoke(app, ["history", name, "--db", hostile_db])
        assert done.exit_code == 0, (name, done.output[-2000:], done.exception)
        _no_raw_controls(done.output)
        shown = name.replace(ESC, "\\x1b").replace("\x07", "\\x07").replace("\x9b", "\\x9b")
        flat = "".join(done.stdout.split())  # the table folds long cells over lines
        assert "".join(shown.split()) in flat, name


def test_sql_and_runs_show_markup_literally_and_escapes_escaped(hostile_db: str) -> None:
    done = zoo("sql", "select id, files from models order by id", "--db", hostile_db)
    assert done.returncode == 0, done.stderr[-2000:]
    _no_raw_controls(done.stdout)
    flat = "".join(done.stdout.split())
    for name in MARKUP_IDS:  # not styled, not refused, not turned into an emoji
        assert "".join(name.split()) in flat
    assert "org/a\\x1b[2Jb" in flat and "org/t\\x1b]0;owned\\x07t" in flat and "org/c\\x9b2J1" in flat
    assert "x[/].pt," in flat and "evil\\x1b[2J.bin" in flat
    done = zoo("runs", "--db", hostile_db)
    assert done.returncode == 0 and "huggingface" in done.stdout, done.stderr[-2000:]


def test_json_escapes_every_control_character_and_keeps_the_value(hostile_db: str) -> None:
    done = zoo("sql", "select id from models order by id", "--format", "json", "--db", hostile_db)
    assert done.returncode == 0, done.stderr[-2000:]
    _no_raw_controls(done.stdout)
    assert {r["id"] for r in json.loads(done.stdout)} >= {*MARKUP_IDS, *ESCAPE_IDS}


def test_csv_is_exact_when_piped_and_escaped_on_a_terminal(hostile_db: str) -> None:
    args = ("sql", "select id from models order by id", "--format", "csv", "--db", hostile_db)
    piped = zoo(*args)
    assert piped.returncode == 0, piped.stderr[-2000:]
    assert set(ESCAPE_IDS) <= set(piped.stdout.splitlines())  # machine output: the value as stored

    main, other = pty.openpty()  # stdout a terminal: a person reads it
    try:
        proc = subprocess.Popen(
            zoo_argv(*args), cwd=ROOT, env=zoo_env(), stdout=other, stderr=subprocess.PIPE
        )
        os.close(other)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(main)
    on_terminal = b"".join(chunks).decode("utf-8")
    _no_raw_controls(on_terminal)
    assert "org/a\\x1b[2Jb" in on_terminal and "org/c\\x9b2J1" in on_terminal


# ---------------------------------------------------------------------- a hub's error text, as it is said


class _ErrorServer:
    """Answers every request with ``status`` and ``body``: a hostile hub whose error text is markup and
    terminal escapes (the real Hub's 401 body is ``{"error":"Invalid username or password."}``; only the
    text differs here)."""

    def __init__(self, status: int, body: str) -> None:
        payload = body.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> _ErrorServer:
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def error_server() -> Iterator[_ErrorServer]:
    body = json.dumps({"error": f"denied [/] [bold]x[/bold] {CLEAR}{TITLE}"}, ensure_ascii=False)
    body = body.replace("\\u001b", ESC).replace("\\u0007", "\x07")  # raw bytes, as a hostile server sends
    with _ErrorServer(401, body) as server:
        yield server


def test_a_hub_error_text_is_shown_as_text_in_the_summary_and_in_runs(
    error_server: _ErrorServer, db: str
) -> None:
    done = zoo("crawl", "hf", "--hf-endpoint", error_server.url, "--db", db)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-2000:]
    assert not has_traceback(output), output[-2000:]
    _no_raw_controls(output)
    assert "denied [/] [bold]x[/bold] \\x1b[2J\\x1b]0;owned\\x07" in output

    runs = zoo("runs", "--db", db)
    assert runs.returncode == 0, runs.stderr[-2000:]
    assert not has_traceback(runs.stdout + runs.stderr)
    _no_raw_controls(runs.stdout)
    assert "[/]" in "".join(runs.stdout.split())


# ----------------------------------------------------------------------------------------- the report

FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, timeout=5.0)
FRAMEWORKS = ["$x^{$", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "a|b*c_[d](e)`x`"]


@pytest.fixture
def kaggle_db(db: str) -> str:
    """A database whose Kaggle instances carry framework names that are math text, HTML and Markdown."""
    models = make_kaggle_models(12, seed=13, hidden_share=0.0, strip_share=0.0, unknown_every=10**9)
    with_instances = [m for m in models if m["instances"]]
    for model, name in zip(with_instances, FRAMEWORKS, strict=False):
        model["instances"][0]["framework"] = name
    with FakeKaggle(models) as fake:
        credentials = KaggleCredentials("bearer", fake.token or "", origin="test")
        result = crawl(KaggleSource(fake.url, credentials, policy=FAST), db)
    assert result.status == "complete", result.error
    return db


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_is_written_whatever_the_framework_names(kaggle_db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    done = zoo("report", "--format", fmt, "--out", str(out), "--db", kaggle_db)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert not has_traceback(done.stdout + done.stderr)
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text and "<img src=x" not in text
    if fmt == "md":
        assert (tmp_path / "report-figures" / "kaggle.png").read_bytes().startswith(b"\x89PNG")
        assert "| \\$x^{\\$ |" in text
        assert "| &lt;script&gt;alert(1)&lt;/script&gt; |" in text
        assert "| &lt;img src=x onerror=alert(1)&gt; |" in text
        assert "| a\\|b\\*c\\_\\[d\\](e)\\`x\\` |" in text


def test_the_plots_show_a_dollar_name_as_written(kaggle_db: str) -> None:
    from matplotlib import cbook

    from crawler import report, stats
    from crawler.store import connect

    con = connect(kaggle_db, read_only=True)
    try:
        fig = report.figure_kaggle(stats.kaggle_frameworks(con))
    finally:
        con.close()
    assert report.figure_png(fig).startswith(b"\x89PNG")
    labels = [t for t in fig.axes[0].get_yticklabels() if "x^{" in t.get_text()]
    assert len(labels) == 1 and not cbook.is_math_text(labels[0].get_text())  # shown as written
