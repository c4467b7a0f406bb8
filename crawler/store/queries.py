"""Queries on a read-only connection (reader side): a user's own query (``zoo sql``), sandboxed, with its
time-out and memory limit, and an enrichment source's work query."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb

from .errors import StoreError
from .limits import sql_memory_limit, sql_timeout_seconds
from .opening import connect


def read_work(db: str, query: str) -> list[tuple[Any, ...]]:
    """The rows of an enrichment source's work query (:attr:`crawler.sources.base.Source.work_query`),
    read from the main database on a read-only connection."""
    con = connect(db, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


Answer = tuple[list[str], list[tuple[Any, ...]]] | None


class QueryTimeout(StoreError):
    """A user's query ran longer than its time-out and was stopped."""


def user_query(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    timeout: float | None = None,
    memory_limit: str | None = None,
) -> Answer:
    """Run a user's own query (``zoo sql``) on a read-only connection, sandboxed, and return (columns,
    rows), or None for a statement that returns no rows.

    The sandbox: no access to other files (no COPY TO, no read_csv) and the configuration locked. What
    does not fit in ``memory_limit`` (default :func:`sql_memory_limit`) spills into a temporary folder
    made for this query alone and deleted after it (never ``<db>.tmp/``, DuckDB's default, which a
    query could otherwise write into). The query is stopped (DuckDB's ``interrupt()``) after
    ``timeout`` seconds (default :func:`sql_timeout_seconds`; 0 = none), raising
    :class:`QueryTimeout`, and at Ctrl-C, re-raising ``KeyboardInterrupt``. Raises ``ValueError`` for a
    memory limit DuckDB does not understand, ``duckdb.Error`` for a query it refuses.
    """
    timeout = sql_timeout_seconds() if timeout is None else timeout
    limit = memory_limit or sql_memory_limit()
    with tempfile.TemporaryDirectory(prefix="zoo-sql-") as spill:
        try:
            con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as exc:
            raise ValueError(f"{limit!r} is not a size DuckDB reads (e.g. 512MB, 2GB)") from exc
        con.execute("SET temp_directory = ?", [spill])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return _interruptible(con, lambda: _rows(con.execute(query)), timeout)


def _rows(rel: duckdb.DuckDBPyConnection) -> Answer:
    if rel.description is None:
        return None
    return [d[0] for d in rel.description], rel.fetchall()


def _stop(con: duckdb.DuckDBPyConnection, done: threading.Event) -> None:
    """Interrupt the query running on ``con`` until its thread says it is ``done`` (an interrupt that
    comes before the query has started is lost, so it is repeated)."""
    while not done.is_set():
        con.interrupt()
        done.wait(0.1)


def _interruptible(con: duckdb.DuckDBPyConnection, work: Callable[[], Answer], timeout: float) -> Answer:
    """``work()`` in a thread, stopped with ``con.interrupt()`` after ``timeout`` s (0: never) or when
    this (the main) thread gets Ctrl-C.

    The thread's end is watched through an Event, not ``Thread.join``: a Ctrl-C that interrupts a
    join can leave Python 3.11 believing the thread has ended while it still runs."""
    out: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            out["answer"] = work()
        except BaseException as exc:  # handed to the caller
            out["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, name="zoo-sql", daemon=True)
    started = time.monotonic()
    timed_out = False
    try:
        thread.start()
        while not done.is_set():
            left = timeout - (time.monotonic() - started) if timeout > 0 else 0.2
            if left <= 0:
                timed_out = True
                _stop(con, done)
                break
            done.wait(min(left, 0.2))
    except KeyboardInterrupt:
        _stop(con, done)
        raise
    if "error" in out:
        if timed_out and isinstance(out["error"], duckdb.InterruptException):
            raise QueryTimeout(
                f"the query ran longer than {timeout:g} s and was stopped; allow more time with --timeout "
                "or ZOO_SQL_TIMEOUT (0 = no limit)"
            )
        raise out["error"]
    return out.get("answer")
