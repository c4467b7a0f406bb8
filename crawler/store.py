"""The store owns DuckDB: opening, migrations, views, crawl runs, checkpoints and merging pages.

Layout on disk, for a database ``zoo.duckdb``:

``zoo.duckdb``
    The main database: ``crawl_runs``, ``models``, child tables and the views from ``sql/views``.
``zoo.duckdb.lock``
    An OS file lock held by the one crawl that may run on this database. The kernel releases it when
    the process dies, so a kill -9 never leaves a stale lock behind.
``zoo.duckdb.staging/<source>.duckdb``
    The running crawl's checkpoint, counters, notes and child rows. Each page is committed there in one
    transaction together with the checkpoint that resumes after it, so an interrupted crawl continues
    where it stopped. When the source is exhausted, the staged rows are merged into the main database
    in **one** transaction, which also marks the run complete; then the staging files are removed.
``zoo.duckdb.staging/<source>.parts/<page>.parquet``
    Each page's model rows, one Parquet file per page, written (and fsync'd) just before the page's
    transaction commits. A page is saved when its checkpoint is committed: a part numbered above the
    committed page count (the crawl died between the two) is deleted when the run resumes. The commit
    records the part's rows, size and SHA-256 (``stage_parts``); on resume and before the merge every
    committed part is checked against that record, and a damaged one is dropped with the pages after it
    and asked again (:func:`check_parts`, :func:`rewind_to_damage`). Links are refused there
    (:func:`refuse_links`).

Staging keeps the main database closed during the long fetch, so readers (``zoo stats``, ``zoo sql``,
notebooks) can open it read-only while a crawl runs. A DuckDB file allows one writing process at a time,
and a writer excludes readers, so writes to the main database are short and retried on lock conflicts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from . import __version__
from .merge import MergeResult, merge_run, one_row, refresh_attr_bits, refresh_file_bits
from .settings import env_number
from .sources.records import MODEL_COLUMNS, ModelRecord, Page

DEFAULT_DB = "zoo.duckdb"
#: How many warning messages a run keeps verbatim (the counter counts them all).
WARNING_SAMPLES = 20
#: Notes kept per run (``crawl_runs.notes``); later ones are counted in the last.
NOTES_MAX = 50


# Settings are read from the environment when they are used, never at import, so a process (or a test)
# that sets them after importing zoo is obeyed.


def lock_wait_seconds() -> float:
    """How long a writer or reader waits for another process's lock on the main database
    (``$ZOO_LOCK_WAIT``, default 60 s; checked by :mod:`crawler.settings`)."""
    return env_number("ZOO_LOCK_WAIT")


def merge_wait_seconds() -> float:
    """How long a crawl waits for readers (a long ``zoo sql``, a notebook's query) to close the main
    database before it begins a run or merges one (``$ZOO_MERGE_WAIT``, default 900 s: longer than
    ``zoo sql``'s default time-out, so a query started just before the merge always ends first)."""
    return env_number("ZOO_MERGE_WAIT")


def memory_limit() -> str:
    """DuckDB memory limit for the crawl's connections (``$ZOO_MEMORY_LIMIT``, default 128MB); larger
    work spills to disk instead of growing RSS."""
    return os.environ.get("ZOO_MEMORY_LIMIT", "128MB")


def merge_memory_limit() -> str:
    """DuckDB memory limit of the end-of-run merge (``$ZOO_MERGE_MEMORY_LIMIT``, default 120MB): it joins
    the run's rows with the stored ones under a limit of its own; larger work spills to disk. 120MB: with
    file names, million-model nights peak at 374–393 MB of RSS (160MB gave 406–428 MB)."""
    return os.environ.get("ZOO_MERGE_MEMORY_LIMIT", "120MB")


def _writer_config() -> dict[str, str | bool | int | float | list[str]]:
    return {"memory_limit": memory_limit(), "preserve_insertion_order": False}


class StoreError(RuntimeError):
    """A problem with the database that the user can act on; the message says how."""


class CrawlLocked(StoreError):
    """Another crawl holds this database."""


def resolve_db(db: str | os.PathLike[str] | None = None) -> str:
    """The database path: ``--db``, else ``$ZOO_DB``, else ``./zoo.duckdb``."""
    if db is not None and str(db) != "":
        return str(db)
    return os.environ.get("ZOO_DB") or DEFAULT_DB


# --------------------------------------------------------------------------------------------- SQL files


def sql_dir() -> Path:
    """The folder holding ``schema/`` and ``views/`` (the repo's ``sql/``, installed as ``crawler.sql``)."""
    here = Path(__file__).resolve().parent.parent / "sql"
    if (here / "schema").is_dir():
        return here
    return Path(str(resources.files("crawler.sql")))


def _schema_files() -> list[tuple[int, str, str]]:
    out = []
    for path in sorted((sql_dir() / "schema").glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        out.append((number, path.stem, path.read_text(encoding="utf-8")))
    return out


def _view_files() -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((sql_dir() / "views").glob("*.sql"))]


#: The statements of the view files, each a CREATE OR REPLACE VIEW or MACRO.
_CREATE = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+(VIEW|MACRO)\b", re.IGNORECASE)


def _sql_fingerprint() -> str:
    h = hashlib.sha256()
    for _, name, text in _schema_files():
        h.update(name.encode() + b"\0" + text.encode())
    for name, text in _view_files():
        h.update(name.encode() + b"\0" + text.encode())
    return h.hexdigest()[:16]


#: What zoo knows about the database itself: which SQL definitions (``sql_fingerprint``) and which
#: version of zoo (``tool_version``) last wrote it.
_ZOO_META_DDL = "CREATE TABLE IF NOT EXISTS zoo_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply pending schema migrations in order, then (re)create every view.

    Migrations are recorded in ``schema_migrations``; each runs in its own transaction. Views are
    recreated whenever the SQL definitions differ from those the database last got (``zoo_meta``'s
    ``sql_fingerprint``) or one of them is missing, so a database written by an older version gets the
    current definitions (they self-heal).
    When the SQL changed, the cached file and attribute evidence is brought up to date too (a rule may
    have changed).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    con.execute(_ZOO_META_DDL)
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for number, name, text in _schema_files():
        if number in applied:
            continue
        con.execute("BEGIN")
        try:
            con.execute(text)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise
    stored = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchone()
    current = stored is not None and stored[0] == _sql_fingerprint()
    if not current or _view_count(con) < _expected_view_count():
        create_views(con)  # (re)creating every view costs half a second: only when they changed
    seed_hubs(con)
    if not current:
        con.execute("BEGIN")
        try:
            refresh_file_bits(con)
            refresh_attr_bits(con)
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('sql_fingerprint', ?)", [_sql_fingerprint()])
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('tool_version', ?)", [__version__])


def _expected_view_count() -> int:
    """How many views and macros ``sql/views`` creates."""
    return sum(len(_CREATE.findall(text)) for _, text in _view_files())


def _view_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many views and macros the database holds (a dropped one makes :func:`migrate` recreate them)."""
    (n,) = one_row(
        con.execute(
            "SELECT (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "        AND NOT internal AND NOT temporary)"
            " + (SELECT count(DISTINCT function_name) FROM duckdb_functions() "
            "    WHERE database_name = current_database() AND NOT internal AND function_type LIKE '%macro%')"
        )
    )
    return int(n)


def seed_hubs(con: duckdb.DuckDBPyConnection) -> None:
    """Make the ``hubs`` table say what the source registry says (only on a writable connection; a
    table that already agrees is not written)."""
    from .sources import registry

    wanted = registry.rows()
    if _hub_rows(con) == wanted:
        return
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM hubs")
        if wanted:
            con.executemany("INSERT INTO hubs VALUES (?, ?, ?, ?, ?, ?)", wanted)
        con.execute("COMMIT")
    except Exception:
        _rollback(con)
        raise


def create_views(con: duckdb.DuckDBPyConnection, *, temporary: bool = False) -> None:
    """(Re)create every view and macro from ``sql/views``; one that depends on another is retried after
    it. ``temporary``: as TEMP objects of this session only (a read-only session's current definitions)."""
    pending = _view_files()
    if temporary:
        pending = [(name, _CREATE.sub(r"CREATE OR REPLACE TEMP \1", text)) for name, text in pending]
    while pending:
        failed: list[tuple[str, str]] = []
        errors: list[str] = []
        for name, text in pending:
            try:
                con.execute(text)
            except duckdb.CatalogException as exc:  # depends on a view not created yet
                failed.append((name, text))
                errors.append(f"{name}: {exc}")
        if len(failed) == len(pending):
            raise StoreError("cannot create views: " + "; ".join(errors))
        pending = failed


# ---------------------------------------------------------------------------------------------- opening

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


def _objects(con: duckdb.DuckDBPyConnection) -> tuple[set[str], int]:
    """The database's own tables, and how many tables, views, sequences and macros it holds."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
        ).fetchall()
    }
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
    return tables, len(tables) + int(others)


def _check_zoo(con: duckdb.DuckDBPyConnection, path: str, *, reading: bool) -> None:
    """Refuse a DuckDB file zoo did not make: zoo never adds its tables to someone else's database, and
    a reading command never changes a file. A writing command may start a new zoo database in an empty
    one."""
    tables, objects = _objects(con)
    if "schema_migrations" in tables:
        return
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


def _stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchall()
    except duckdb.CatalogException:
        return None
    return str(rows[0][0]) if rows else None


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The schema migrations of this version that the database has not had yet (their file names)."""
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    return [name for number, name, _ in _schema_files() if number not in applied]


def _use_current_definitions(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Give a read-only session this version's views and macros without writing the file.

    When the stored definitions differ (an older zoo wrote them), every view and macro is created again
    as a TEMP object, which DuckDB looks up before the file's own, and so is ``zoo_meta`` (saying which
    definitions the session uses). The data stays the file's, ``hubs`` included (a writer rewrites it
    from the source registry). A missing migration (a table or column an older zoo did not have) cannot
    be made up in memory: that raises.
    """
    pending = pending_migrations(con)
    if pending:
        raise StoreError(
            f"the database {path} was written by an older version of zoo (it lacks the schema steps "
            f"{', '.join(pending)}); reading commands never change the file: run `zoo upgrade --db {path}` "
            "once (the next `zoo crawl` does it too), then read it"
        )
    fingerprint = _sql_fingerprint()
    if _stored_fingerprint(con) != fingerprint:
        try:
            meta = con.execute("SELECT key, value FROM zoo_meta").fetchall()
        except duckdb.CatalogException:
            meta = []
        create_views(con, temporary=True)
        con.execute(_ZOO_META_DDL.replace("TABLE IF NOT EXISTS", "TEMP TABLE"))
        if meta:
            con.executemany("INSERT INTO temp.zoo_meta VALUES (?, ?)", meta)
        con.execute("INSERT OR REPLACE INTO temp.zoo_meta VALUES ('sql_fingerprint', ?)", [fingerprint])


def _hub_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT hub, label, sort_order, kind, unit, aliases FROM hubs ORDER BY sort_order, hub"
    ).fetchall()


# -------------------------------------------------------------------------------------------- the lock


class CrawlLock:
    """The one-crawl-per-database lock (``<db>.lock``); acquiring it never waits."""

    def __init__(self, db: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_db(db)
        self._lock = FileLock(self.path + ".lock", timeout=0) if self.path != ":memory:" else None

    def __enter__(self) -> CrawlLock:
        if self._lock is not None:
            try:  # a lock file that cannot be made is no sign of another crawl (filelock says Timeout)
                os.close(os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644))
            except OSError as exc:
                raise StoreError(
                    f"cannot create the lock file {self.path}.lock: {exc.strerror or exc} "
                    "(the database's folder must be writable)"
                ) from None
            try:
                self._lock.acquire()
            except Timeout:
                raise CrawlLocked(
                    f"another crawl is running on {self.path} (lock file {self.path}.lock); "
                    "wait for it to finish — this one changed nothing"
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.release()


# -------------------------------------------------------------------------------------- records → arrow

#: DuckDB type of a record column → its Arrow type for staging (JSON is staged as text).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "VARCHAR[]": pa.list_(pa.string()),
    "JSON": pa.string(),
}
_MODEL_SCHEMA = pa.schema([(c.name, _ARROW_TYPES[c.sql]) for c in MODEL_COLUMNS])
#: A staged part's columns: the page number, the row's place on the page, the model's columns.
_PART_SCHEMA = pa.schema([("page", pa.int64()), ("seq", pa.int64()), *_MODEL_SCHEMA])


def _int64s(values: array[int]) -> pa.Array:
    """An Arrow int64 array over the memory of an ``array("q")``. (``pa.array`` and ``pa.scalar`` import
    pandas, ~0.25 s of CPU and tens of MB of memory, in a crawl of clean pages that never needs it.)"""
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def records_to_arrow(records: Sequence[ModelRecord]) -> pa.Table:
    """Column-wise conversion of records to an Arrow table (bulk inserts are ~100× faster than rows)."""
    arrays = []
    for name, typ in zip(_MODEL_SCHEMA.names, _MODEL_SCHEMA.types, strict=True):
        if name == "extra":
            values = [
                json.dumps(r.extra, ensure_ascii=False, sort_keys=True) if r.extra else None for r in records
            ]
        else:
            get = attrgetter(name)
            values = [get(r) for r in records]
        arrays.append(pa.array(values, type=typ))
    return pa.Table.from_arrays(arrays, schema=_MODEL_SCHEMA)


# ---------------------------------------------------------------------------------------------- staging

#: The staged record columns: the model's columns with their types (extra as text, cast when merged).
#: ``stage_models`` stays empty: model rows are staged as Parquet parts. Staging files of an older zoo hold
#: their pages' rows there, and the merge reads them together with the parts of the pages staged since.
_STAGE_COLUMNS = ", ".join(f"{c.name} {'VARCHAR' if c.sql == 'JSON' else c.sql}" for c in MODEL_COLUMNS)
_STAGE_DDL = f"""
CREATE TABLE IF NOT EXISTS stage_run (
    run_id BIGINT, source VARCHAR, params JSON, checkpoint VARCHAR, done BOOLEAN,
    pages BIGINT, items BIGINT, requests BIGINT, warnings BIGINT, warning_samples VARCHAR[],
    end_status VARCHAR, end_error VARCHAR, ended_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS stage_models (
    page BIGINT, seq BIGINT, {_STAGE_COLUMNS}
);
CREATE TABLE IF NOT EXISTS stage_children (page BIGINT, tbl VARCHAR, row_json VARCHAR);
CREATE TABLE IF NOT EXISTS stage_checkpoints (page BIGINT, checkpoint VARCHAR);
CREATE TABLE IF NOT EXISTS stage_notes (page BIGINT, note VARCHAR);
CREATE TABLE IF NOT EXISTS stage_parts (
    page BIGINT, rows BIGINT, items BIGINT, warnings BIGINT, bytes BIGINT, sha256 VARCHAR
);
"""
#: The columns that say how a run ended when the main database could not be told (it was kept open by
#: a reader, or could not be written); a staging file of an older zoo gets them when it is resumed.
_STAGE_END_COLUMNS = """
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS end_status VARCHAR;
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS end_error VARCHAR;
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS ended_at TIMESTAMPTZ;
"""
#: How long a failing run waits for the main database to record its end (it is in the staging file
#: already; a run that failed because a reader kept the file open must not wait that long again).
FAIL_RECORD_WAIT = 5.0


def staging_path(db: str, source: str) -> Path:
    return Path(db + ".staging") / f"{source}.duckdb"


def parts_folder(stage_file: str | os.PathLike[str]) -> Path:
    """The folder of a staging file's Parquet parts (``<source>.parts`` beside ``<source>.duckdb``)."""
    return Path(stage_file).with_suffix(".parts")


#: A staged part's name: the page number, 8 digits. Anything else in the folder is not a part (a
#: ``.tmp`` file is a part being written, or left behind by a crawl that died while writing it).
_PART_NAME = re.compile(r"(\d{8})\.parquet")
#: Parquet options of a part, the cheapest in CPU measured on pages of 1,000 models with file names
#: (a part is written once and read once, by the merge): LZ4, no dictionary, no statistics, the page as
#: one row group. 2.4–2.5 ms per page with the fsyncs (uncompressed 2.8–3.2, snappy 2.9–3.4, with
#: dictionaries 3.4–4.9, with statistics +1 ms), 133 kB per page (uncompressed 542 kB).
_PART_OPTIONS: dict[str, Any] = {"compression": "lz4", "use_dictionary": False, "write_statistics": False}


def committed_parts(folder: Path, pages: int) -> list[Path]:
    """The parts of pages 1…``pages`` (the committed ones) in ``folder``, by page number."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if match is not None and int(match[1]) <= pages:
            found.append((int(match[1]), path))
    return [path for _, path in sorted(found)]


def _prune_parts(folder: Path, pages: int) -> None:
    """Delete the parts of pages that were never committed (above ``pages``) and unfinished parts."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if (match is not None and int(match[1]) > pages) or (
            path.name.endswith(".parquet.tmp") and _PART_NAME.fullmatch(path.name[: -len(".tmp")])
        ):
            if path.is_dir() and not path.is_symlink():  # a folder put where a part belongs
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_part(folder: Path, page_no: int, table: pa.Table) -> tuple[int, str]:
    """Write a page's rows as its part, durably: a temporary name, fsync, rename, fsync of the folder.
    Returns the part's size and the SHA-256 of its bytes, which the page's commit records."""
    path = folder / f"{page_no:08d}.parquet"
    tmp = folder / f"{page_no:08d}.parquet.tmp"
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=max(1, table.num_rows), **_PART_OPTIONS)
    data = sink.getvalue()
    digest = hashlib.sha256(data).hexdigest()  # 0.08 ms for a part of 133 kB
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        reason = exc.strerror or str(exc)
        raise StoreError(f'could not write the staged page "{path}": {reason}') from exc
    return data.size, digest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class DamagedPart:
    """A committed page whose part is not the one the page wrote."""

    page: int
    path: Path
    reason: str


def _part_damage(path: Path | None, record: tuple[int, int | None, str | None] | None) -> str | None:
    """Why the part at ``path`` (None: there is none) is not what its page recorded (``rows``, ``bytes``,
    ``sha256``; None for a page staged by an older zoo, which recorded nothing), or None when it is."""
    if record is None:  # an older zoo's part: it must at least be a readable part with zoo's columns
        if path is None:
            return None
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as exc:
            first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            return f"not a readable Parquet file: {first}"
        if schema.names != _PART_SCHEMA.names:
            return "its columns are not those of a staged page"
        return None
    _, size, digest = record
    if size is None:  # the page staged no model rows, so it wrote no part
        return None if path is None else "its page staged no models, so no part belongs there"
    if path is None:
        return "missing"
    if not path.is_file():
        return "not a file"
    try:
        actual = path.stat().st_size
        if actual == size and _sha256(path) == digest:
            return None
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:  # what it is instead
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        if actual < size:
            return f"truncated: {actual:,} bytes of the {size:,} written"
        return "not a readable Parquet file"
    if schema.names != _PART_SCHEMA.names:
        return "replaced by a file with other columns"
    return "replaced: its bytes are not those its page wrote (checksum)"


def check_parts(stage: duckdb.DuckDBPyConnection, folder: Path, pages: int) -> DamagedPart | None:
    """The first of the committed pages 1…``pages`` whose part is missing, truncated, replaced or foreign
    (checked against the size and SHA-256 its commit recorded), or None when every part is its page's."""
    recorded = {
        int(page): (int(rows), size, digest)
        for page, rows, size, digest in stage.execute(
            "SELECT page, rows, bytes, sha256 FROM stage_parts WHERE page <= ?", [pages]
        ).fetchall()
    }
    files = {int(p.name[:8]): p for p in committed_parts(folder, pages)}
    for page in sorted(recorded.keys() | files.keys()):
        path = files.get(page)
        reason = _part_damage(path, recorded.get(page))
        if reason is not None:
            return DamagedPart(page, path or folder / f"{page:08d}.parquet", reason)
    return None


def rewind_to_damage(stage: duckdb.DuckDBPyConnection, folder: Path, damaged: DamagedPart) -> str:
    """Forget the damaged page and every page after it: the run goes back to the last checkpoint saved
    before it (a listing can only be resumed forward from a checkpoint), so those pages are asked again.
    Counters lose what those pages added (requests stay: they were spent), and the run gets a warning,
    which is returned."""
    keep = damaged.page - 1
    checkpoint: str | None = None
    while keep > 0:  # a staging file of an older zoo may lack some pages' checkpoints
        row = stage.execute(
            "SELECT checkpoint FROM stage_checkpoints WHERE page = ? AND checkpoint IS NOT NULL", [keep]
        ).fetchone()
        if row is not None:
            checkpoint = str(row[0])
            break
        keep -= 1
    message = (
        f"staged page {damaged.page:,} was damaged ({damaged.path.name}: {damaged.reason}); it was dropped "
        f"and the run went on from page {keep + 1:,}, asking the hub for it again"
    )
    stage.execute("BEGIN")
    try:
        items, warnings = one_row(
            stage.execute(
                "SELECT coalesce(sum(items), 0), coalesce(sum(warnings), 0) FROM stage_parts WHERE page > ?",
                [keep],
            )
        )
        stage.execute("DELETE FROM stage_parts WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_models WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_children WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_checkpoints WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_notes WHERE page > ?", [keep])
        stage.execute(
            "UPDATE stage_run SET checkpoint = $checkpoint, done = false, pages = $keep, "
            "items = items - $items, warnings = warnings - $warnings + 1, "
            "warning_samples = CASE WHEN len(coalesce(warning_samples, [])) < $max "
            "THEN list_append(coalesce(warning_samples, []), $message) ELSE warning_samples END",
            {
                "checkpoint": checkpoint,
                "keep": keep,
                "items": int(items),
                "warnings": int(warnings),
                "max": WARNING_SAMPLES,
                "message": message,
            },
        )
        stage.execute("COMMIT")
    except BaseException:
        _rollback(stage)
        raise
    _prune_parts(folder, keep)  # after the commit: a crash in between leaves parts the resume prunes
    return message


def refuse_links(db: str, source: str) -> None:
    """Refuse a staging folder, parts folder or staging file that is a symbolic link: zoo would write
    through it into another place, and could not remove what it wrote there (``rmtree`` does not
    follow a link)."""
    spath = staging_path(db, source)
    for path in (spath.parent, parts_folder(spath), spath):
        if path.is_symlink():
            raise StoreError(
                f"{path} is a symbolic link; zoo stages a crawl only in real files and folders beside the "
                "database: remove the link and crawl again"
            )


@dataclass
class RunPolicy:
    """How a complete run judges absences: see :mod:`crawler.merge`."""

    full: bool = True
    #: ``$ZOO_DELETE_AFTER`` (read when a policy is made), default 2
    delete_after: int = field(default_factory=lambda: int(env_number("ZOO_DELETE_AFTER")))
    #: ``$ZOO_MAX_DROP`` (read when a policy is made), default 0.05
    max_drop: float = field(default_factory=lambda: env_number("ZOO_MAX_DROP"))


@dataclass
class RunCounters:
    pages: int = 0
    items: int = 0
    requests: int = 0
    warnings: int = 0
    warning_samples: list[str] = field(default_factory=list)
    #: what the run did differently (``page 812: page size lowered from 1,000 to 500 (HTTP 504)``), oldest first
    notes: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """How a run ended, as :func:`crawler.crawl.crawl` reports it: ``status`` ``complete`` or ``failed``;
    ``models`` the distinct models a complete run saw; ``error`` why a failed run failed (one line,
    scrubbed of secrets); ``merge`` what a complete run changed in the database."""

    run_id: int
    source: str
    status: str
    resumed: bool
    counters: RunCounters
    models: int | None = None
    error: str | None = None
    seconds: float = 0.0
    merge: MergeResult | None = None

    @property
    def suspect(self) -> bool:
        return bool(self.merge and self.merge.suspect)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Run:
    """One crawl run of one source: begin or resume, save pages, then finish or fail.

    Use :func:`begin_run` to get one. Only the holder of :class:`CrawlLock` may create a Run. Its
    checkpoint, whether it is done, and its counters are read from the staging file it is given.
    """

    db: str
    source: str
    run_id: int
    resumed: bool
    _stage: duckdb.DuckDBPyConnection
    policy: RunPolicy
    child_tables: tuple[str, ...] = ()
    #: told, in one line, what the run waits for (a reader that keeps the main database open)
    notice: Notify | None = None
    #: add child rows only for keys not held yet, never replace one (Source.keep_child_rows)
    keep_child_rows: bool = False
    checkpoint: str | None = field(init=False)
    done: bool = field(init=False)
    counters: RunCounters = field(init=False)
    #: where :meth:`fail` recorded the end: "database", "staging file", or "" (nowhere, see ``unrecorded``)
    recorded: str = field(init=False, default="")
    unrecorded: str | None = field(init=False, default=None)
    #: models the hub's latest complete, full, non-suspect run saw (``None``: there is none); the runner
    #: hands it to the source (``Source.previous_models``) to bound a listing that announces no total
    previous_models: int | None = field(init=False, default=None)
    _stage_open: bool = field(init=False, default=True)

    @property
    def parts(self) -> Path:
        """The folder of this run's staged parts."""
        return parts_folder(staging_path(self.db, self.source))

    def __post_init__(self) -> None:
        self._load()

    def _load(self) -> None:
        row = self._stage.execute(
            "SELECT checkpoint, done, pages, items, requests, warnings, warning_samples FROM stage_run"
        ).fetchone()
        assert row is not None
        self.checkpoint = row[0]
        self.done = bool(row[1])
        self.counters = RunCounters(row[2], row[3], row[4], row[5], list(row[6] or []))
        self.counters.notes = [
            n for (n,) in self._stage.execute("SELECT note FROM stage_notes ORDER BY page, rowid").fetchall()
        ]

    def check_parts(self) -> bool:
        """True when every committed page's part is the one it wrote (see :func:`check_parts`); else the
        run is set back to the last checkpoint before the first damaged part (:func:`rewind_to_damage`,
        ``notice`` is told) and False: the pages from there on are to be asked again."""
        damaged = check_parts(self._stage, self.parts, self.counters.pages)
        if damaged is None:
            return True
        message = rewind_to_damage(self._stage, self.parts, damaged)
        self._load()
        if self.notice is not None:
            self.notice(f"{self.source}: {message}")
        return False

    def checkpoints(self) -> set[str]:
        """Every checkpoint this run's saved pages ended on, across resumes (a repeat means a loop)."""
        return {c for (c,) in self._stage.execute("SELECT checkpoint FROM stage_checkpoints").fetchall()}

    # -- pages

    def save_page(self, page: Page) -> None:
        """Store a page's model rows as its part, then its child rows, notes and the checkpoint after it
        in one transaction of the staging DB: the page is saved when that transaction commits.

        The part is durable (fsync'd, renamed, its folder fsync'd) before the commit, so a committed page
        always has its rows; a part whose page never committed is deleted when the run resumes."""
        c = self.counters
        samples = c.warning_samples + page.warnings[: max(0, WARNING_SAMPLES - len(c.warning_samples))]
        page_no = c.pages + 1
        notes = [f"page {page_no:,}: {n}" for n in page.notes]
        if len(c.notes) + len(notes) > NOTES_MAX:
            notes = notes[: max(0, NOTES_MAX - len(c.notes))]
        # items are records; a page of child rows only (Papers with Code links) counts those rows
        table = records_to_arrow(page.records) if page.table is None else page.table
        n_items = len(page.records) or table.num_rows or sum(len(rows) for rows in page.children.values())
        n = table.num_rows
        table = table.add_column(0, "seq", _int64s(array("q", range(n))))
        table = table.add_column(0, "page", _int64s(array("q", [page_no]) * n))
        size: int | None = None
        digest: str | None = None
        if n:
            if not table.schema.equals(_PART_SCHEMA):
                table = table.cast(_PART_SCHEMA)
            size, digest = _write_part(self.parts, page_no, table)
        con = self._stage
        con.execute("BEGIN")
        try:
            con.execute(
                "INSERT INTO stage_parts VALUES (?, ?, ?, ?, ?, ?)",
                [page_no, n, n_items, len(page.warnings), size, digest],
            )
            for tbl, rows in page.children.items():
                if rows:
                    children = pa.table(
                        {
                            "page": pa.repeat(pa.scalar(page_no, pa.int64()), len(rows)),
                            "tbl": pa.repeat(pa.scalar(tbl, pa.string()), len(rows)),
                            "row_json": pa.array(
                                [json.dumps(r, default=str, ensure_ascii=False) for r in rows], pa.string()
                            ),
                        }
                    )
                    con.register("_children", children)
                    con.execute("INSERT INTO stage_children SELECT * FROM _children")
                    con.unregister("_children")
            if page.checkpoint is not None:
                con.execute("INSERT INTO stage_checkpoints VALUES (?, ?)", [page_no, page.checkpoint])
            for note in notes:
                con.execute("INSERT INTO stage_notes VALUES (?, ?)", [page_no, note])
            con.execute(
                "UPDATE stage_run SET checkpoint = ?, done = ?, pages = pages + 1, items = items + ?, "
                "requests = requests + ?, warnings = warnings + ?, warning_samples = ?",
                [
                    page.checkpoint,
                    page.checkpoint is None,
                    n_items,
                    page.requests,
                    len(page.warnings),
                    samples,
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)  # a failed COMMIT already ended the transaction: keep its error
            raise
        self.checkpoint = page.checkpoint
        self.done = page.checkpoint is None
        c.pages += 1
        c.items += n_items
        c.requests += page.requests
        c.warnings += len(page.warnings)
        c.warning_samples = samples
        c.notes += notes

    def add_requests(self, n: int) -> None:
        """Count requests that produced no page (a failing attempt), so the run's total stays honest.

        Never raises: when the staging file cannot take the count (it is full, or already closed),
        :meth:`fail` records it with the run's end."""
        if not n:
            return
        self.counters.requests += n
        if self._stage_open:
            try:
                self._stage.execute("UPDATE stage_run SET requests = requests + ?", [n])
            except duckdb.Error:
                pass

    # -- ending

    def _record_end(
        self, con: duckdb.DuckDBPyConnection, status: str, error: str | None, ended: datetime
    ) -> None:
        """Store how the run ended, when, and its counters."""
        c = self.counters
        con.execute(
            "UPDATE crawl_runs SET status = ?, finished_at = ?, pages = ?, items = ?, requests = ?, "
            "warnings = ?, warning_samples = ?, notes = ?, error = ? WHERE run_id = ?",
            [
                status,
                ended,
                c.pages,
                c.items,
                c.requests,
                c.warnings,
                c.warning_samples,
                c.notes or None,
                error,
                self.run_id,
            ],
        )

    def _close_stage(self) -> None:
        if self._stage_open:
            self._stage_open = False
            try:
                self._stage.close()
            except duckdb.Error:
                pass  # a staging file that cannot be written cannot be checkpointed either

    def _stage_end(self, status: str, error: str, ended: datetime) -> str | None:
        """Write how the run ended into its staging file; None if done, else why it could not be."""
        try:
            stage_file = str(staging_path(self.db, self.source))
            con = self._stage if self._stage_open else _open(stage_file, False, lock_wait_seconds())
            try:
                con.execute(_STAGE_END_COLUMNS)
                con.execute(
                    "UPDATE stage_run SET requests = ?, end_status = ?, end_error = ?, ended_at = ?",
                    [self.counters.requests, status, error, ended],
                )
            finally:
                if con is not self._stage:
                    con.close()
        except (StoreError, duckdb.Error, OSError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def fail(self, error: str) -> None:
        """Mark the run failed; its staged pages and checkpoint stay, so the next crawl resumes it.

        Never raises for a file it cannot write, so the error that made the run fail is the one
        reported. The end goes into the staging file first, then into ``crawl_runs`` (waiting at most
        :data:`FAIL_RECORD_WAIT` seconds for the main database). When only the staging file has it, the
        next crawl (or ``zoo upgrade``) copies it into ``crawl_runs`` and ``zoo runs`` shows it already;
        when neither file can be written (a full disk), the run stays ``running`` and the next crawl
        resumes it all the same. :attr:`recorded` and :attr:`unrecorded` say which happened.
        """
        error = error[:2000]
        ended = _now()
        staged = self._stage_end("failed", error, ended)
        self._close_stage()
        try:
            con = _open(self.db, read_only=False, wait=min(lock_wait_seconds(), FAIL_RECORD_WAIT))
            try:
                self._record_end(con, "failed", error, ended)
            finally:
                con.close()
        except (StoreError, duckdb.Error, OSError) as exc:
            self.recorded = "staging file" if staged is None else ""
            self.unrecorded = f"{type(exc).__name__}: {exc}" if staged is None else f"{staged}; {exc}"
            return
        self.recorded = "database"

    def finish(self) -> MergeResult:
        """Merge the staged rows into ``models`` and the history, and mark the run complete, in one
        transaction (see :mod:`crawler.merge`).

        A model listed twice (it moved between pages) is stored once, with the values of the later page.
        """
        stage_file = str(staging_path(self.db, self.source))
        self._stage.execute("CHECKPOINT")
        self._close_stage()
        pa.default_memory_pool().release_unused()  # give the page buffers back before the merge
        # A reader (a long `zoo sql`, a notebook's query) delays the merge, up to $ZOO_MERGE_WAIT.
        try:
            con = connect(
                self.db, wait=merge_wait_seconds(), notify=self.notice, wait_setting="ZOO_MERGE_WAIT"
            )
        except DatabaseBusy as exc:
            raise DatabaseBusy(
                f"{exc}; every page is staged, so the next crawl merges them without fetching them again"
            ) from exc
        now = _now()
        try:
            con.execute("SET memory_limit = ?", [merge_memory_limit()])
            # One thread: each thread's join and insert buffers come out of the same limit; with two, a
            # first night of 3 million models with file names ran out of memory at 120MB.
            con.execute("SET threads = 1")
            con.execute(f"ATTACH '{_sql_quote(stage_file)}' AS stage (READ_ONLY)")
            con.execute("BEGIN")
            try:
                expected = self._stage_rows_view(con)
                # A model listed twice (it moved between pages) keeps the later page's values. That is
                # rare, so the run's rows are read in place unless there is a duplicate to drop.
                total, distinct = one_row(
                    con.execute("SELECT count(*), count(DISTINCT key) FROM staged_rows")
                )
                if total != expected:
                    raise StoreError(
                        f"the staged rows do not add up: the parts hold {total:,} rows, the run's pages "
                        f"recorded {expected:,}; nothing was merged (the next crawl checks every part and "
                        "asks again for a damaged one's page; --restart starts the run afresh)"
                    )
                dups = total - distinct
                if dups:
                    con.execute(
                        "CREATE OR REPLACE TEMP TABLE incoming AS SELECT * EXCLUDE (page, seq, extra), "
                        "extra::JSON AS extra FROM staged_rows QUALIFY row_number() OVER "
                        "(PARTITION BY key ORDER BY page DESC, seq DESC) = 1"
                    )
                else:
                    con.execute(
                        "CREATE OR REPLACE TEMP VIEW incoming AS SELECT * EXCLUDE (page, seq, extra), "
                        "extra::JSON AS extra FROM staged_rows"
                    )
                merged = merge_run(
                    con,
                    run_id=self.run_id,
                    hub=self.source,
                    now=now,
                    full=self.policy.full,
                    delete_after=self.policy.delete_after,
                    max_drop=self.policy.max_drop,
                )
                self._merge_children(con)
                self._record_end(con, "complete", None, now)
                con.execute(
                    "UPDATE crawl_runs SET models = ?, full_listing = ?, suspect = ?, new_models = ?, "
                    "changed_models = ?, absent_models = ?, deleted_models = ? WHERE run_id = ?",
                    [
                        merged.models,
                        self.policy.full,
                        merged.suspect,
                        merged.new,
                        merged.changed,
                        merged.absent,
                        merged.deleted,
                        self.run_id,
                    ],
                )
                con.execute(f"DROP {'TABLE' if dups else 'VIEW'} incoming")
                con.execute("DROP VIEW staged_rows")
                con.execute("RESET VARIABLE zoo_parts")
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)  # a failed COMMIT already ended the transaction: keep its error
                raise
            con.execute("DETACH stage")
        finally:
            con.close()
        _remove_staging(self.db, self.source)
        return merged

    def _stage_rows_view(self, con: duckdb.DuckDBPyConnection) -> int:
        """Create the TEMP view ``staged_rows``: every staged model row (``page``, ``seq`` and the model's
        columns), read from the committed parts (their paths in the session variable ``zoo_parts``) and
        from ``stage_models`` of the attached staging file (``stage``), where a staging file of an older
        zoo holds the rows of the pages it staged. Returns how many rows it must hold: the rows each
        page's commit recorded (a part staged by an older zoo, which recorded none, counts the rows its
        footer says; rows in ``stage_models`` count as they are)."""
        paths = committed_parts(self.parts, self.counters.pages)
        parts = [str(p) for p in paths]
        con.execute("SET VARIABLE zoo_parts = ?", [parts])
        (old_rows,) = one_row(con.execute("SELECT count(*) FROM stage.stage_models"))
        recorded = dict(
            con.execute(
                "SELECT page, rows FROM stage.stage_parts WHERE page <= ?", [self.counters.pages]
            ).fetchall()
        )
        expected = int(old_rows) + sum(int(n) for n in recorded.values())
        for path in paths:
            if int(path.name[:8]) not in recorded:
                try:
                    expected += pq.read_metadata(path).num_rows
                except (OSError, pa.ArrowException) as exc:
                    raise StoreError(f'the staged part "{path}" cannot be read: {exc}') from exc
        if not parts:
            con.execute("CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT * FROM stage.stage_models")
        elif not old_rows:
            con.execute(
                "CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT * FROM read_parquet(getvariable('zoo_parts'))"
            )
        else:
            con.execute(
                "CREATE OR REPLACE TEMP VIEW staged_rows AS SELECT * FROM stage.stage_models "
                "UNION ALL BY NAME SELECT * FROM read_parquet(getvariable('zoo_parts'))"
            )
        return expected

    def _merge_children(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replace this hub's rows in every child table the run sent rows for or declares it owns.

        Done in SQL (the staged JSON is cast to the table's column types by ``json_transform``), so a
        large import never passes through Python. Rows for one ``key`` come from the last page that sent
        any, so a model staged on both sides of an interruption is not doubled. A table the source owns
        but sent nothing for is emptied for the hub. A partial listing (``policy.full`` false) replaces
        only the rows of the models it listed.

        With ``keep_child_rows`` (an enrichment source whose facts never change once found) nothing is
        deleted or replaced: a row is added only for a ``key`` the table does not hold yet for the hub,
        and of a key staged twice the first page's rows are kept. A table with a ``run_id`` column gets
        this run's id on the rows it adds (the source does not know its run), so each row names the run,
        and through it the params and tool version, it came from.
        """
        sent = [r[0] for r in con.execute("SELECT DISTINCT tbl FROM stage.stage_children").fetchall()]
        for tbl in dict.fromkeys([*self.child_tables, *sent]):
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE table_name = ? AND schema_name = 'main' AND database_name = current_database() "
                "ORDER BY column_index",
                [tbl],
            ).fetchall()
            if not columns:
                raise StoreError(f"source {self.source} sent rows for unknown table {tbl!r}")
            structure = json.dumps({name: dtype for name, dtype in columns})
            names = ", ".join('"' + name.replace('"', '""') + '"' for name, _ in columns)
            ident = '"' + tbl.replace('"', '""') + '"'
            keyed = "key" in dict(columns)
            if self.keep_child_rows:
                pass  # facts found once are kept: nothing is deleted or replaced
            elif self.policy.full or not keyed:
                con.execute(f"DELETE FROM {ident} WHERE hub = ?", [self.source])
            else:  # a partial listing replaces the rows of the models it listed, and only those
                con.execute(
                    f"DELETE FROM {ident} WHERE hub = ? AND key IN (SELECT key FROM incoming)",
                    [self.source],
                )
            keep = self.keep_child_rows and keyed
            con.execute(
                f"INSERT INTO {ident} ({names}) "
                f"SELECT unnest(json_transform(row_json, $structure)) FROM ("
                "  SELECT row_json, page, json_extract_string(row_json, '$.key') AS k "
                "  FROM stage.stage_children WHERE tbl = $tbl"
                f") WHERE {f'k IS NULL OR k NOT IN (SELECT key FROM {ident} WHERE hub = $hub AND key IS NOT NULL)' if keep else 'true'} "
                f"QUALIFY k IS NULL OR page = {'min' if keep else 'max'}(page) OVER (PARTITION BY k)",
                {"structure": structure, "tbl": tbl, **({"hub": self.source} if keep else {})},
            )
            if "run_id" in dict(columns):
                con.execute(
                    f"UPDATE {ident} SET run_id = $run WHERE hub = $hub AND run_id IS NULL",
                    {"run": self.run_id, "hub": self.source},
                )


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open, without masking the error that got us here."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _sql_quote(text: str) -> str:
    return text.replace("'", "''")


def _remove_staging(db: str, source: str) -> None:
    path = staging_path(db, source)
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    parts = parts_folder(path)
    if parts.is_symlink():  # rmtree refuses a link (silently, here): remove the link, never its target
        parts.unlink()
    shutil.rmtree(parts, ignore_errors=True)


#: WAL size after which the staging file is checkpointed (DuckDB's default is 16MB): each checkpoint of
#: the staging file costs a fixed share of work, and pages are committed one by one.
STAGE_CHECKPOINT_THRESHOLD = "64MB"


def _open_stage(spath: Path) -> duckdb.DuckDBPyConnection:
    """Open a staging file for writing (waiting like for the main file while `zoo runs` reads it)."""
    stage = _open(str(spath), False, lock_wait_seconds())
    stage.execute(f"SET checkpoint_threshold = '{STAGE_CHECKPOINT_THRESHOLD}'")
    return stage


def begin_run(
    db: str | None,
    source: str,
    params: dict[str, Any],
    *,
    restart: bool = False,
    policy: RunPolicy | None = None,
    child_tables: tuple[str, ...] = (),
    notice: Notify | None = None,
    keep_child_rows: bool = False,
) -> Run:
    """Resume the source's unfinished run, or start a new one.

    An unfinished run is one whose status is ``running`` (its process died) or ``failed`` and whose
    staging file still holds its checkpoint. ``restart=True`` marks such a run ``aborted`` and starts
    afresh. Params of a resumed run are those it started with. Ends of runs that only their staging
    files know (see :meth:`Run.fail`) are copied into ``crawl_runs`` first. A reader that has the main
    database open delays the start up to ``$ZOO_MERGE_WAIT`` seconds (``notice`` is told).
    """
    db = resolve_db(db)
    policy = policy or RunPolicy()
    spath = staging_path(db, source)
    refuse_links(db, source)
    con = connect(db, wait=merge_wait_seconds(), notify=notice, wait_setting="ZOO_MERGE_WAIT")
    try:
        record_staged_ends(con, db)
        prior = con.execute(
            "SELECT run_id, status FROM crawl_runs WHERE source = ? AND status IN ('running', 'failed') "
            "ORDER BY run_id DESC LIMIT 1",
            [source],
        ).fetchone()
        staged_id = _staged_run_id(spath)
        last_full = con.execute(
            "SELECT models FROM crawl_runs WHERE source = ? AND status = 'complete' AND full_listing "
            "AND NOT suspect AND models IS NOT NULL ORDER BY run_id DESC LIMIT 1",
            [source],
        ).fetchone()
        previous_models = int(last_full[0]) if last_full is not None else None
        resume_id: int | None = None
        if prior is not None and not restart and staged_id == prior[0]:
            resume_id = int(prior[0])
        # Runs left running or failed that will not be resumed are closed as aborted.
        con.execute(
            "UPDATE crawl_runs SET status = 'aborted', finished_at = coalesce(finished_at, ?), "
            "error = coalesce(error || '; ', '') || ? "
            "WHERE source = ? AND status IN ('running', 'failed') AND run_id IS DISTINCT FROM ?",
            [
                _now(),
                "abandoned: --restart" if restart else "abandoned: no checkpoint to resume",
                source,
                resume_id,
            ],
        )
        if resume_id is not None:
            con.execute(
                "UPDATE crawl_runs SET status = 'running', resumed = true, finished_at = NULL, error = NULL "
                "WHERE run_id = ?",
                [resume_id],
            )
        else:
            row = con.execute(
                "INSERT INTO crawl_runs (source, started_at, status, params, tool_version) "
                "VALUES (?, ?, 'running', ?, ?) RETURNING run_id",
                [source, _now(), json.dumps(params, sort_keys=True), __version__],
            ).fetchone()
            assert row is not None
            new_id = int(row[0])
    finally:
        con.close()

    # `zoo runs` may be reading the staging file for a moment: wait for it like for the main file
    if resume_id is None:
        _remove_staging(db, source)
        parts_folder(spath).mkdir(parents=True, exist_ok=True)
        stage = _open_stage(spath)
        stage.execute(_STAGE_DDL)
        stage.execute(
            "INSERT INTO stage_run (run_id, source, params, checkpoint, done, pages, items, requests, "
            "warnings, warning_samples) VALUES (?, ?, ?, NULL, false, 0, 0, 0, 0, [])",
            [new_id, source, json.dumps(params, sort_keys=True)],
        )
        run = Run(db, source, new_id, False, stage, policy, child_tables, notice, keep_child_rows)
        run.previous_models = previous_models
        return run
    stage = _open_stage(spath)
    stage.execute(_STAGE_DDL)  # a staging file written by an older version lacks the newer tables
    stage.execute(_STAGE_END_COLUMNS)
    stage.execute(
        "UPDATE stage_run SET end_status = NULL, end_error = NULL, ended_at = NULL"
    )  # running again
    (pages,) = one_row(stage.execute("SELECT pages FROM stage_run"))
    parts = parts_folder(spath)
    parts.mkdir(exist_ok=True)  # a staging file of an older zoo has none yet
    _prune_parts(parts, int(pages))  # the crawl died after writing a page's part, before committing it
    damaged = check_parts(stage, parts, int(pages))
    if damaged is not None:  # a part is not what its page wrote: ask that page, and those after it, again
        message = rewind_to_damage(stage, parts, damaged)
        if notice is not None:
            notice(f"{source}: {message}")
    run = Run(db, source, resume_id, True, stage, policy, child_tables, notice, keep_child_rows)
    run.previous_models = previous_models
    return run


@dataclass
class StagedEnd:
    """How a run ended, as only its staging file knows it (the main database could not be told)."""

    run_id: int
    status: str
    error: str | None
    ended_at: datetime | None
    pages: int
    items: int
    requests: int
    warnings: int
    warning_samples: list[str]


def staged_ends(db: str) -> dict[int, StagedEnd]:
    """The ends recorded in the staging files next to ``db`` (read-only: no file changes). A staging
    file a running crawl has open cannot be read, and has no end to tell anyway."""
    folder = Path(db + ".staging")
    if not folder.is_dir():
        return {}
    out: dict[int, StagedEnd] = {}
    for path in sorted(folder.glob("*.duckdb")):
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue
        try:
            rel = con.execute("SELECT * FROM stage_run")
            names = [d[0] for d in rel.description]
            rows = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
        except duckdb.Error:
            continue
        finally:
            con.close()
        for r in rows:
            if r.get("end_status"):
                out[int(r["run_id"])] = StagedEnd(
                    int(r["run_id"]),
                    str(r["end_status"]),
                    r.get("end_error"),
                    r.get("ended_at"),
                    int(r["pages"]),
                    int(r["items"]),
                    int(r["requests"]),
                    int(r["warnings"]),
                    list(r["warning_samples"] or []),
                )
    return out


def record_staged_ends(con: duckdb.DuckDBPyConnection, db: str) -> int:
    """Copy into ``crawl_runs`` the ends that only staging files know (runs still marked ``running``);
    returns how many. Needs a writable connection."""
    n = 0
    for end in staged_ends(db).values():
        (changed,) = one_row(
            con.execute(
                "UPDATE crawl_runs SET status = ?, error = ?, finished_at = ?, pages = ?, items = ?, "
                "requests = ?, warnings = ?, warning_samples = ? WHERE run_id = ? AND status = 'running'",
                [
                    end.status,
                    end.error,
                    end.ended_at,
                    end.pages,
                    end.items,
                    end.requests,
                    end.warnings,
                    end.warning_samples,
                    end.run_id,
                ],
            )
        )
        n += int(changed)
    return n


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


def sql_timeout_seconds() -> float:
    """How long a ``zoo sql`` query may run (``$ZOO_SQL_TIMEOUT``, default 300 s; 0 = no limit)."""
    return env_number("ZOO_SQL_TIMEOUT")


def sql_memory_limit() -> str:
    """DuckDB memory limit of a ``zoo sql`` query (``$ZOO_SQL_MEMORY_LIMIT``, default 1GB); larger work
    spills to a private temporary folder."""
    return os.environ.get("ZOO_SQL_MEMORY_LIMIT", "1GB")


def stats_memory_limit() -> str:
    """DuckDB memory of a ``zoo stats`` command (``$ZOO_STATS_MEMORY_LIMIT``, default 200MB); larger work
    spills to a temporary folder. 200MB keeps a statistic of 3 million models with 30 nights of history
    (``--as-of``) within 400 MB of peak RSS."""
    return os.environ.get("ZOO_STATS_MEMORY_LIMIT", "200MB")


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


def _staged_run_id(spath: Path) -> int | None:
    if not spath.exists():
        return None
    try:
        con = duckdb.connect(str(spath))
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT run_id FROM stage_run").fetchone()
        return int(row[0]) if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()
