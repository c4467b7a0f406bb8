"""Opening the main database: read-only for readers, for writing (creating and migrating it) for
writers, waiting while another process holds the file, and refusing a DuckDB file zoo did not make."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from ..merge import one_row
from .errors import StoreError
from .limits import _writer_config, lock_wait_seconds
from .paths import resolve_db
from .schema import _use_current_definitions, migrate

#: DuckDB's lock error names the process that holds the file: "Conflicting lock is held in <program>
#: (PID <n>)".
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")

#: Told what a writer waits for (one line, e.g. printed by the crawl command).
Notify = Callable[[str], None]


class DatabaseBusy(StoreError):
    """Another process kept the database open (or locked) for longer than the wait allowed."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflict" in text or "could not set" in text)


def lock_holder(exc: Exception) -> str:
    """Who holds the database, as DuckDB's lock error names it: ``python3.11 (PID 4242)``."""
    match = _HOLDER.search(str(exc))
    if match is None:
        return "another process"
    program = match["program"].strip()
    return f"{Path(program).name or program} (PID {match['pid']})"


def _open(
    path: str,
    read_only: bool,
    wait: float,
    *,
    notify: Notify | None = None,
    wait_setting: str = "ZOO_LOCK_WAIT",
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying while another process holds it, for up to ``wait`` seconds.

    A reader is only ever kept out by a writer (readers share the file); a writer is kept out by any
    other process that has the file open, readers included. ``notify`` is told, once per holder, who
    the open waits for.
    """
    deadline = time.monotonic() + wait
    delay = 0.05
    told: set[str] = set()
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only, config={} if read_only else _writer_config())
            # DuckDB draws a progress bar on standard output for a query that runs a few seconds,
            # terminal or not: it would land in the middle of `zoo sql -f csv > out.csv`. In Jupyter
            # DuckDB refuses any change to it without ipywidgets; a notebook keeps its own default.
            try:
                con.execute("SET enable_progress_bar = false")
            except duckdb.InvalidInputException:
                pass
            return con
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open the database {path}: {exc}") from exc
            holder = lock_holder(exc)
            if time.monotonic() >= deadline:
                if read_only:
                    raise DatabaseBusy(
                        f"the database {path} is being written by {holder} and stayed busy for "
                        f"{wait:.0f} s ({wait_setting}); try again later"
                    ) from exc
                raise DatabaseBusy(
                    f"the database {path} is open in {holder}, which kept it open longer than the "
                    f"{wait:.0f} s this command waits ({wait_setting}); stop that process (a long `zoo sql`, "
                    "a notebook's own duckdb.connect()) or allow more time"
                ) from exc
            if notify is not None and holder not in told:
                told.add(holder)
                notify(
                    f"the database {path} is open in {holder}; waiting up to {wait:.0f} s "
                    f"({wait_setting}) for it to close"
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The database's own tables."""
    return {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
        ).fetchall()
    }


def _other_objects(con: duckdb.DuckDBPyConnection) -> int:
    """How many views, sequences and macros the database holds (``duckdb_functions()`` lists every
    built-in function too, thousands of rows: asked only of a database that is not zoo's)."""
    (others,) = one_row(
        con.execute(
            "SELECT (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "        AND NOT internal AND NOT temporary)"
            " + (SELECT count(*) FROM duckdb_sequences() WHERE database_name = current_database() "
            "    AND NOT temporary)"
            " + (SELECT count(*) FROM duckdb_functions() WHERE database_name = current_database() "
            "    AND NOT internal)"
        )
    )
    return int(others)


def _check_zoo(con: duckdb.DuckDBPyConnection, path: str, *, reading: bool) -> None:
    """Refuse a DuckDB file zoo did not make: zoo never adds its tables to someone else's database, and
    a reading command never changes a file. A writing command may start a new zoo database in an empty
    one."""
    tables = _tables(con)
    if "schema_migrations" in tables:
        return
    objects = len(tables) + _other_objects(con)
    if reading and objects == 0:
        raise StoreError(
            f"{path} is an empty DuckDB database, not a zoo database: crawl into it first "
            f"(`zoo crawl all --db {path}`), or point --db / ZOO_DB at a zoo database"
        )
    if reading or objects:
        raise StoreError(
            f"{path} is not a zoo database (a DuckDB file without zoo's tables; zoo leaves it unchanged): "
            "point --db / ZOO_DB at a database `zoo crawl` made"
        )


def connect(
    db: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
    notify: Notify | None = None,
    wait_setting: str = "ZOO_LOCK_WAIT",
) -> duckdb.DuckDBPyConnection:
    """Open the database: read-only, or for writing (creating and migrating it).

    Both wait up to ``wait`` seconds (default ``$ZOO_LOCK_WAIT``) for another process that holds the
    file; ``notify`` is told who they wait for. Neither accepts a DuckDB file zoo did not make.

    A read-only open never writes and never creates a database. If the file was written by an older
    version whose schema is complete but whose views differ, the session gets this version's views and
    macros as TEMP objects (in memory, shadowing the stored ones), so it answers as an upgraded
    database would; if a schema migration is missing, it raises :class:`StoreError` saying to run
    ``zoo upgrade``. Opening for writing applies migrations and recreates the views.
    """
    path = resolve_db(db)
    wait = lock_wait_seconds() if wait is None else wait
    if path == ":memory:":
        con = duckdb.connect(":memory:")
        migrate(con)
        return con
    if not read_only:
        parent = Path(path).resolve().parent
        if not parent.is_dir():
            raise StoreError(f"the folder of the database {path} does not exist")
        con = _open(path, read_only=False, wait=wait, notify=notify, wait_setting=wait_setting)
        try:
            _check_zoo(con, path, reading=False)
            migrate(con)
        except Exception:
            con.close()
            raise
        return con
    if not Path(path).exists():
        raise StoreError(f"no database at {path}: run `zoo crawl` first, or point --db / ZOO_DB at one")
    con = _open(path, read_only=True, wait=wait, notify=notify, wait_setting=wait_setting)
    try:
        _check_zoo(con, path, reading=True)
        _use_current_definitions(con, path)
    except Exception:
        con.close()
        raise
    return con
