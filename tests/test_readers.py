"""Readers during a crawl, against a real crawl in another process: an idle notebook connection never
blocks it, a busy reader (a process holding the file, as a long ``zoo sql`` does) delays the merge, naming
who it waits for, and a merge that gives up ends its run ``failed`` (kept in the staging file when the
database stays closed to it) and is merged by the next crawl without asking the hub again."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import crawler
from crawler.store import connect, staging_path
from tests.fakes.faults import RecordingHub, has_traceback, query, runs, spawn_zoo, zoo, zoo_env
from tests.fakes.hub import evolve, make_models


@pytest.fixture
def nights() -> tuple[list[dict], list[dict]]:
    night0 = make_models(3000, seed=61)
    night1, _ = evolve(night0, 1, seed=61)
    return night0, night1


@pytest.fixture
def hub(nights: tuple[list[dict], list[dict]]) -> Iterator[RecordingHub]:
    with RecordingHub(nights[0]) as server:
        yield server


def crawled(hub: RecordingHub, db: str) -> None:
    done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr


def wait_open(pid: int, path: str, timeout: float = 30) -> None:
    """Block until process ``pid`` has the file ``path`` open."""
    deadline = time.monotonic() + timeout
    target = str(Path(path).resolve())
    while time.monotonic() < deadline:
        if any(f.path == target for f in psutil.Process(pid).open_files()):
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not open {path} within {timeout} s")


def page_requests(hub: RecordingHub, since: int) -> int:
    return sum(1 for s in hub.seen()[since:] if s.status == 200)


# ------------------------------------------------------------------------------ the notebook's first line


def test_the_first_line_a_notebook_user_types_works(hub: RecordingHub, db: str) -> None:
    crawled(hub, db)
    assert crawler.connect(db).sql("select count(*) from models").fetchall() == [(3000,)]
    # the store's own read-only connection leaves no unfinished result behind either
    raw = connect(db, read_only=True)
    try:
        assert raw.sql("select count(*) from models").fetchall() == [(3000,)]
    finally:
        raw.close()


def test_an_api_connection_answers_like_duckdb(hub: RecordingHub, db: str) -> None:
    crawled(hub, db)
    with crawler.connect(db) as con:
        relation = con.sql("select hub, count(*) as n from models group by hub")
        assert "huggingface" in repr(relation) and "3000" in repr(relation)  # what a notebook shows
        assert relation.df().to_dict("records") == [{"hub": "huggingface", "n": 3000}]
        assert relation.filter("n > 1").fetchall() == [("huggingface", 3000)]
        assert con.execute("select count(*) from models where hub = ?", ["huggingface"]).fetchone() == (3000,)
        assert con.execute("select sum(likes) as s from models").description[0][0] == "s"
        con.execute("set memory_limit = '100MB'")  # each statement has a session of its own
        assert con.execute("select current_setting('memory_limit')").fetchone() != ("95.3 MiB",)
        with con.session() as raw:  # several statements in one session: the file is held meanwhile
            raw.execute("create temp table mine as select 1 as x")
            assert raw.execute("select x from mine").fetchall() == [(1,)]
    assert relation.fetchall() == [("huggingface", 3000)]  # answers outlive the connection
    with pytest.raises(Exception, match="closed"):
        con.sql("select 1")


# ------------------------------------------------------------------------------ an idle connection


def test_an_idle_notebook_connection_does_not_keep_the_crawl_from_merging(
    hub: RecordingHub, nights: tuple[list[dict], list[dict]], db: str
) -> None:
    crawled(hub, db)
    con = crawler.connect(db)  # a notebook, left open overnight
    assert con.sql("select count(*) from models").fetchall() == [(3000,)]
    assert crawler.hubs(con=con).set_index("hub").loc["huggingface", "models"] == 3000
    hub.set_models(nights[1])
    # with a connection that held the file, this merge would wait the whole ZOO_MERGE_WAIT and fail
    # a process of its own: a file held by this process keeps out another process (in one process
    # DuckDB shares the database instead), which is what the notebook would do to the nightly crawl
    env = zoo_env(ZOO_MERGE_WAIT="2")
    done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=env, process=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "waiting" not in done.stderr
    # the same connection sees the night just merged
    live = query(db, "select count(*) from models where deleted_at is null and absent_since_run is null")
    assert con.execute("select count(*) from current_models").fetchone() == live[0]
    assert con.sql("select max(run_id) from crawl_runs").fetchall() == [(2,)]
    con.close()


# ------------------------------------------------------------------------------ a busy reader


class HeldHub(RecordingHub):
    """A :class:`RecordingHub` that answers the requests that arrive at the indices in ``held`` only once
    :attr:`release` is set: the crawl stays between two pages until the test lets it go on."""

    def __init__(self, models: list[dict]) -> None:
        self.held: set[int] = set()
        self.release = threading.Event()
        super().__init__(models)

    def _handler_class(self) -> type:
        base = super()._handler_class()
        hub = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:  # noqa: N802
                with hub._lock:
                    held = len(hub.log) in hub.held  # the index this request is about to get
                if held:
                    hub.release.wait(60)
                super().do_GET()

        return Handler


@pytest.fixture
def held_hub(nights: tuple[list[dict], list[dict]]) -> Iterator[HeldHub]:
    with HeldHub(nights[0]) as server:
        yield server


class Reader:
    """A reader in a process of its own that holds the database open (read-only, through the store, as
    ``zoo sql`` does) until :meth:`close`, without burning CPU meanwhile (a long query would; how ``zoo
    sql`` stops one is tested in ``test_sql_limits.py``)."""

    PROGRAM = (
        "import sys\n"
        "from crawler.store import connect\n"
        "con = connect(sys.argv[1], read_only=True)\n"
        "con.execute('select count(*) from models').fetchall()\n"
        "print('open', flush=True)\n"
        "sys.stdin.readline()\n"
        "con.close()\n"
    )

    def __init__(self, db: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.PROGRAM, db],
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.proc.pid
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "open"

    def close(self) -> int:
        """Let go of the file; the reader's exit code."""
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
        self.proc.communicate(timeout=30)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def read_until(proc: subprocess.Popen, text: str) -> list[str]:
    """The lines ``proc`` writes to stderr up to the first that contains ``text`` (all, if none does)."""
    assert proc.stderr is not None
    lines: list[str] = []
    for line in proc.stderr:
        lines.append(line)
        if text in line:
            break
    return lines


def test_a_crawl_waits_for_a_busy_reader_and_names_it(
    held_hub: HeldHub, nights: tuple[list[dict], list[dict]], db: str
) -> None:
    hub = held_hub
    crawled(hub, db)
    hub.set_models(nights[1])
    start = len(hub.seen())
    hub.held = {start + 1}  # the run's second page waits: time for the reader to open the file
    crawl = spawn_zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=zoo_env(ZOO_MERGE_WAIT="120"))
    reader = None
    try:
        assert hub.wait_answered(1, timeout=60, since=start)  # the run has begun; the file is closed
        reader = Reader(db)  # a reader holds the file while the crawl fetches
        hub.release.set()
        before = read_until(crawl, "waiting")  # the merge found the file held and waits
        assert crawl.poll() is None and "waiting" in before[-1], "".join(before)
        assert reader.close() == 0  # the reader lets go: the merge goes on
        out, err = crawl.communicate(timeout=180)
    finally:
        hub.release.set()
        if reader is not None:
            reader.kill()
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    err = "".join(before) + err
    assert crawl.returncode == 0, out + err
    assert not has_traceback(out + err)
    # the merge waited for the reader, and said for whom
    waits = [line for line in err.splitlines() if "waiting" in line]
    assert len(waits) == 1, err
    assert f"(PID {reader.pid})" in waits[0] and "ZOO_MERGE_WAIT" in waits[0] and db in waits[0]
    [_, second] = runs(db)
    assert second["status"] == "complete" and second["models"] == len(nights[1])
    assert page_requests(hub, start) == second["pages"]  # nothing was fetched twice


def test_a_crawl_that_cannot_merge_ends_failed_and_the_next_one_merges_it(
    held_hub: HeldHub, nights: tuple[list[dict], list[dict]], db: str
) -> None:
    hub = held_hub
    crawled(hub, db)
    hub.set_models(nights[1])
    start = len(hub.seen())
    hub.held = {start + 1}
    env = zoo_env(ZOO_MERGE_WAIT="1", ZOO_LOCK_WAIT="1")
    crawl = spawn_zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=env)
    reader = None
    try:
        assert hub.wait_answered(1, timeout=60, since=start)
        reader = Reader(db)  # held until the test lets go
        hub.release.set()
        out, err = crawl.communicate(timeout=180)
        assert crawl.returncode == 1, out + err
        assert not has_traceback(out + err), out + err
        [summary] = out.splitlines()
        assert summary.startswith("huggingface: run 2 failed") and f"(PID {reader.pid})" in summary
        assert "ZOO_MERGE_WAIT" in summary
        # the database could not be told: its file still says running; the staging file says failed
        assert [r["status"] for r in runs(db)] == ["complete", "running"]
        listed = zoo("runs", "--db", db, "--format", "json")
        assert listed.returncode == 0, listed.stderr
        newest = json.loads(listed.stdout)[0]
        assert newest["status"] == "failed" and f"(PID {reader.pid})" in newest["error"]
        assert newest["finished"] is not None and newest["pages"] == len(nights[1]) // 1000 + 1
        assert reader.close() == 0  # the reader lets go of the file
    finally:
        hub.release.set()
        if reader is not None:
            reader.kill()
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()

    before = len(hub.seen())
    again = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "run 2 complete" in again.stdout and "resumed" in again.stdout
    assert page_requests(hub, before) == 0  # every page was staged: only the merge was left
    [_, second] = runs(db)
    assert second["status"] == "complete" and second["resumed"] and second["error"] is None
    assert second["models"] == len(nights[1])
    assert not staging_path(db, "huggingface").exists()


def test_a_crawl_that_starts_while_a_reader_has_the_file_waits_for_it(hub: RecordingHub, db: str) -> None:
    crawled(hub, db)
    reader = Reader(db)  # holds the file until the crawl says it waits for it
    crawl = spawn_zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=zoo_env(ZOO_MERGE_WAIT="60"))
    try:
        before = read_until(crawl, "waiting")
        assert crawl.poll() is None and "waiting" in before[-1], "".join(before)
        assert reader.close() == 0
        out, err = crawl.communicate(timeout=120)
    finally:
        reader.kill()
        if crawl.poll() is None:
            crawl.kill()
            crawl.communicate()
    err = "".join(before) + err
    assert crawl.returncode == 0, out + err
    assert f"(PID {reader.pid})" in err and "waiting up to 60 s (ZOO_MERGE_WAIT)" in err
    assert [r["status"] for r in runs(db)] == ["complete", "complete"]


def test_a_reader_kept_out_by_a_writer_names_it(hub: RecordingHub, db: str) -> None:
    crawled(hub, db)
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', "
         "flush=True); time.sleep(60)", db],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        done = zoo("stats", "hubs", "--db", db, env=zoo_env(ZOO_LOCK_WAIT="0.5"))
    finally:
        writer.kill()
        writer.wait()
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"zoo: the database {db} is being written by {Path(sys.executable).resolve().name} (PID {writer.pid}) "
        "and stayed busy for 0 s (ZOO_LOCK_WAIT); try again later"
    )
