"""Helpers for the fault-injection and security suites (``tests/test_faults*.py``, ``tests/test_security*.py``).

* :class:`RecordingHub` — the fake Hub (:class:`tests.fakes.hub.FakeHub`, unchanged) plus a log of every
  request: when it arrived, when (and with what status, ``RateLimit`` header and body) it was answered.
  Tests wait on it ("the k-th answer has been sent") to kill a crawler at a seeded moment, and read
  rate-limit episodes and refetched pages from it. It can also hang chosen requests and echo the
  ``Authorization`` header back in error answers.
* :class:`RawHub` — serves hand-written listing pages exactly as given (odd items the fake's model
  builder cannot express: no ``_id``, non-objects, unknown fields, numbers for dates).
* :func:`zoo` — the real ``zoo`` CLI, run in this process as a process would run it (or, with
  ``process=True``, in a subprocess, ``python -m crawler.cli``); :func:`spawn_zoo` — one started in a
  subprocess.
* :func:`model_rows`, :func:`staged_state`, :func:`all_text` — read what a database holds, without
  touching a file a killed crawler left behind.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import duckdb

from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import committed_parts, parts_folder
from tests.fakes.hub import FakeHub, Faults

ROOT = Path(__file__).resolve().parent.parent.parent

#: The columns that describe a model (everything but the surrogate ``mid`` and run bookkeeping).
MODEL_COLUMNS = (
    "hub, key, id, author, created_at, created_at_quality, last_modified, library_name, pipeline_tag, "
    "tags, downloads, downloads_all_time, likes, sha, private, gated, formats, files, extra::VARCHAR, "
    "deleted_at, absent_since_run"
)


# ------------------------------------------------------------------------------------------ the hubs


@dataclass
class Seen:
    """One request the fake Hub received."""

    index: int  # arrival order, from 0
    path: str
    arrived: float  # the hub's clock (``FakeHub.clock``: time.monotonic() unless the test shares its own)
    authorization: str | None
    status: int | None = None  # None while unanswered (or never answered: the client went away)
    answered: float | None = None
    ratelimit: str | None = None
    body_ok: bool | None = None  # for a 200: whether the body sent was valid JSON

    @property
    def page(self) -> str:
        """The listing page asked for: its cursor, or ``first``."""
        cursor = parse_qs(urlsplit(self.path).query).get("cursor")
        return cursor[0] if cursor else "first"

    def ratelimit_values(self) -> tuple[int, int] | None:
        """``(remaining, reset seconds)`` from the ``RateLimit`` header sent, if any."""
        if not self.ratelimit:
            return None
        parts = dict(p.split("=", 1) for p in self.ratelimit.split(";")[1:])
        return int(parts["r"]), int(parts["t"])


class RecordingHub(FakeHub):
    """A :class:`FakeHub` that logs every request and can hang or echo chosen ones.

    ``hang_at``: arrival indices to delay by ``faults.hang_seconds`` (past the client's timeout).
    ``truncate_at``: arrival indices whose page (or, if that request fails, the next page) is sent cut
    short: invalid JSON with a correct ``Content-Length``.
    ``echo_status``: answer every request with this status and a body (and header) that repeat the
    request's ``Authorization`` header, as a careless proxy or server would.
    ``announce``: with a quota, say the remaining requests (``RateLimit``) on successful answers too,
    as the Hub does; ``False`` keeps the quota silent until its 429.
    """

    def __init__(
        self,
        models: list[dict],
        *,
        faults: Faults | None = None,
        hang_at: set[int] | None = None,
        truncate_at: set[int] | None = None,
        echo_status: int | None = None,
        announce: bool = True,
    ) -> None:
        self.log: list[Seen] = []
        self.announce = announce
        self.hang_at = set(hang_at or ())
        self.truncate_at = set(truncate_at or ())
        self.echo_status = echo_status
        self._answered = threading.Condition()
        self._n_answered = 0
        super().__init__(models, faults=faults)
        self._server.handle_error = self._handle_error  # type: ignore[method-assign]

    @staticmethod
    def _handle_error(request: Any, client_address: Any) -> None:
        """A client killed with -9 or timed out resets its connection: that is the test, not an error."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            import traceback

            traceback.print_exc()

    # -- reading the log

    def answered(self) -> int:
        with self._answered:
            return self._n_answered

    def wait_answered(self, n: int, timeout: float, since: int = 0) -> bool:
        """Block until ``n`` of the requests that arrived ``since`` (an arrival index) have been answered.

        Counting by arrival keeps a late answer to an earlier, killed client out of the count.
        """

        def done() -> bool:
            with self._lock:
                return sum(1 for s in self.log[since:] if s.status is not None) >= n

        with self._answered:
            return self._answered.wait_for(done, timeout)

    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self.log)

    # -- serving

    def _handler_class(self) -> type:
        base = super()._handler_class()
        hub = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:  # noqa: N802
                auth = self.headers.get("Authorization")
                with hub._lock:
                    seen = Seen(len(hub.log), self.path, hub.clock(), auth)
                    hub.log.append(seen)
                    if seen.index in hub.hang_at:
                        hub.faults.hang_next += 1
                    if seen.index in hub.truncate_at:
                        hub.faults.truncate_next += 1
                self._zoo_seen = seen
                if hub.echo_status is not None:
                    body = json.dumps({"error": f"invalid credentials: {auth}"}).encode()
                    self._send(hub.echo_status, body, {"X-Error-Message": f"rejected {auth}"})
                    return
                try:
                    super().do_GET()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout) while this request hung

            def _send(self, status: int, body: bytes, headers: dict[str, str], declared: int | None = None):
                if status == 200 and not hub.announce:
                    headers = {k: v for k, v in headers.items() if not k.startswith("RateLimit")}
                # Stamped before the answer goes out: the client cannot have it earlier, while a stamp
                # taken after the write can land late on a busy machine and make a paced client look early.
                sent = hub.clock()
                super()._send(status, body, headers, declared)
                seen = getattr(self, "_zoo_seen", None)
                if seen is None:
                    return
                seen.status = status
                seen.answered = sent
                seen.ratelimit = headers.get("RateLimit")
                if status == 200:
                    try:
                        json.loads(body)
                        seen.body_ok = declared is None
                    except ValueError:
                        seen.body_ok = False
                with hub._answered:
                    hub._n_answered += 1
                    hub._answered.notify_all()

        return Handler


class RawHub(RecordingHub):
    """Serves ``pages`` (lists of arbitrary JSON values) one after the other, with a cursor link."""

    def __init__(self, pages: list[list[Any]], **kw: Any) -> None:
        self.raw_pages = pages
        super().__init__([], **kw)

    def page(self, query: dict[str, list[str]], user: str | None = None) -> tuple[int, Any, str | None]:
        index = int(query.get("cursor", ["0"])[0])
        next_link = None
        if index + 1 < len(self.raw_pages):
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            next_link = f"{self.url}/api/models?{urlencode([*params, ('cursor', str(index + 1))])}"
        return 200, self.raw_pages[index], next_link


def refetched_pages(seen: list[Seen]) -> dict[str, int]:
    """Listing pages answered 200 more than once, with how many extra times."""
    counts: dict[str, int] = {}
    for s in seen:
        if s.status == 200 and s.body_ok:
            counts[s.page] = counts.get(s.page, 0) + 1
    return {p: n - 1 for p, n in counts.items() if n > 1}


# ------------------------------------------------------------------------------------------- the CLI


def zoo_env(**extra: str) -> dict[str, str]:
    """The environment for a ``zoo`` subprocess: no token or endpoint from the caller (every hub's endpoint
    variable points at the set-up's 404-only server), plus ``extra``."""
    from tests.conftest import env_for_subprocess  # (the test set-up's isolation, from the hub registry)

    env = env_for_subprocess(**extra)
    env["COLUMNS"] = "80"  # error lines must stay one line even where a console would wrap them
    return env


def zoo_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def zoo(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    process: bool = False,
    input: str | None = None,
    **kw: Any,
) -> subprocess.CompletedProcess[str]:
    """Run ``zoo ARGS`` to the end; returns a ``CompletedProcess`` (text stdout and stderr, the exit code).

    By default the command runs in this process, as a fresh ``python -m crawler.cli`` process would run it
    (:mod:`tests.fakes.in_process`: the whole environment ``env``, the streams, the exit code, an uncaught
    exception's traceback; no state kept from one call to the next), which saves the 0.65 CPU s a
    process start costs. ``process=True`` starts the real process: for a test of what only a process
    has (signals, kill -9, two processes and the database lock, the imports, resource use) or one
    that runs commands side by side. ``timeout``: ``subprocess.TimeoutExpired`` either way (in-process
    it is raised in the command's Python code: see :mod:`tests.fakes.in_process`).
    """
    if kw and not process:
        raise TypeError(f"zoo(): {', '.join(kw)} only with process=True (a subprocess.run argument)")
    if process:
        return subprocess.run(
            zoo_argv(*args),
            cwd=kw.pop("cwd", ROOT),
            env=env or zoo_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=input,
            **kw,
        )
    from tests.fakes import in_process

    return in_process.run(zoo_argv(*args), args, env=env or zoo_env(), cwd=ROOT, input=input, timeout=timeout)


def spawn_zoo(*args: str, env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen:
    return subprocess.Popen(
        zoo_argv(*args),
        cwd=ROOT,
        env=env or zoo_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def has_traceback(text: str) -> bool:
    return "Traceback" in text or "╭─" in text or 'File "' in text


# --------------------------------------------------------------------------------------- the database


def query(db: str | Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def model_rows(db: str | Path, hub: str = "huggingface") -> set[tuple]:
    """Every model of ``hub`` as a hashable tuple of its describing columns."""
    rows = query(db, f"SELECT {MODEL_COLUMNS} FROM models WHERE hub = ?", [hub])
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in rows}


def runs(db: str | Path) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rel = con.execute("SELECT * FROM crawl_runs ORDER BY run_id")
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def staged_state(stage_file: str | Path) -> dict | None:
    """``stage_run`` and the staged row counts of a staging file, read from a copy of it.

    A crawler killed with -9 leaves the file and its WAL as they were; copying both first guarantees
    that reading them here replays or changes nothing the next crawl will see. The rows counted are
    those of the committed pages: the Parquet parts of pages 1…``pages`` (a part above that was
    written by a crawl that died before committing it) and any rows in ``stage_models`` (where a
    staging file of an older zoo keeps them).
    """
    stage_file = Path(stage_file)
    if not stage_file.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "stage.duckdb"
        shutil.copyfile(stage_file, copy)
        wal = Path(str(stage_file) + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(copy) + ".wal"))
        con = duckdb.connect(str(copy))
        try:
            row = con.execute(
                "SELECT run_id, checkpoint, done, pages, items, requests FROM stage_run"
            ).fetchone()
            assert row is not None
            parts = [str(p) for p in committed_parts(parts_folder(stage_file), int(row[3]))]
            rows = "SELECT page FROM stage_models"
            if parts:
                rows += " UNION ALL SELECT page FROM read_parquet(?)"
            staged = con.execute(
                f"SELECT count(*), count(DISTINCT page) FROM ({rows})", [parts] if parts else []
            ).fetchone()
        finally:
            con.close()
    assert staged is not None
    return {
        "run_id": row[0],
        "checkpoint": row[1],
        "done": row[2],
        "pages": row[3],
        "items": row[4],
        "requests": row[5],
        "rows": staged[0],
        "row_pages": staged[1],
    }


def all_text(db: str | Path) -> list[tuple[str, str, str]]:
    """``(table, column, value)`` for every non-NULL value of every column of every table, as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND NOT internal ORDER BY table_name, column_index"
        ).fetchall()
        tables = {
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()
        }
        out: list[tuple[str, str, str]] = []
        for table, column in cols:
            if table not in tables:
                continue  # a view: it only shows what the tables hold
            ident = '"' + table.replace('"', '""') + '"'
            col = '"' + column.replace('"', '""') + '"'
            for (value,) in con.execute(
                f"SELECT DISTINCT {col}::VARCHAR FROM {ident} WHERE {col} IS NOT NULL"
            ).fetchall():
                out.append((table, column, value))
        return out
    finally:
        con.close()


def fast_hf_source(url: str) -> HuggingFaceSource:
    """A Hugging Face listing that gives up on a bad page at once (one JSON attempt, short waits)."""
    return HuggingFaceSource(
        url, policy=replace(HF_POLICY, json_attempts=1, json_retry_wait=0.05, backoff_base=0.05)
    )


def fail_after(hub: FakeHub, faults: Faults, db: str, pages: int) -> None:
    """A crawl whose listing turns into broken JSON after ``pages`` pages: it ends failed, resumable."""

    def progress(p: Any) -> None:
        if p.pages >= pages:
            faults.bad_json_always = True

    result = crawl(fast_hf_source(hub.url), db, progress=progress, prefetch=False)
    assert result.status == "failed" and result.counters.pages == pages, result.error
    faults.bad_json_always = False
