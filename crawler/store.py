"""The store owns DuckDB: opening, migrations, views, crawl runs, checkpoints and merging pages.

Layout on disk, for a database ``zoo.duckdb``:

``zoo.duckdb``
    The main database: ``crawl_runs``, ``models``, child tables and the views from ``sql/views``.
``zoo.duckdb.lock``
    An OS file lock held by the one crawl that may run on this database. The kernel releases it when
    the process dies, so a kill -9 never leaves a stale lock behind.
``zoo.duckdb.staging/<source>.duckdb``
    The running crawl's pages and checkpoint. Each page is written there in one transaction together
    with the checkpoint that resumes after it, so an interrupted crawl continues where it stopped. When
    the source is exhausted, the staged rows are merged into the main database in **one** transaction,
    which also marks the run complete; then the staging file is removed.

Staging keeps the main database closed during the long fetch, so readers (``zoo stats``, ``zoo sql``,
notebooks) can open it read-only while a crawl runs. A DuckDB file allows one writing process at a time,
and a writer excludes readers, so writes to the main database are short and retried on lock conflicts.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from filelock import FileLock, Timeout

from . import __version__
from .merge import MergeResult, merge_run, one_row
from .sources.records import MODEL_COLUMNS, ModelRecord, Page

DEFAULT_DB = "zoo.duckdb"
#: How many warning messages a run keeps verbatim (the counter counts them all).
WARNING_SAMPLES = 20


# Settings are read from the environment when they are used, never at import, so a process (or a test)
# that sets them after importing zoo is obeyed.


def lock_wait_seconds() -> float:
    """How long a writer or reader waits for another process's lock on the main database
    (``$ZOO_LOCK_WAIT``, default 60 s)."""
    return float(os.environ.get("ZOO_LOCK_WAIT", "60"))


def memory_limit() -> str:
    """DuckDB memory limit for the crawl's connections (``$ZOO_MEMORY_LIMIT``, default 128MB); larger
    work spills to disk instead of growing RSS."""
    return os.environ.get("ZOO_MEMORY_LIMIT", "128MB")


def merge_memory_limit() -> str:
    """DuckDB memory limit of the end-of-run merge (``$ZOO_MERGE_MEMORY_LIMIT``, default 160MB): it joins
    the run's rows with the stored ones, so it gets more room than page writes."""
    return os.environ.get("ZOO_MERGE_MEMORY_LIMIT", "160MB")


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


def _sql_fingerprint() -> str:
    h = hashlib.sha256()
    for _, name, text in _schema_files():
        h.update(name.encode() + b"\0" + text.encode())
    for name, text in _view_files():
        h.update(name.encode() + b"\0" + text.encode())
    return h.hexdigest()[:16]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply pending schema migrations in order, then (re)create every view.

    Migrations are recorded in ``schema_migrations``; each runs in its own transaction. Views are always
    recreated, so a database written by an older version gets the current definitions (they self-heal).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    con.execute("CREATE TABLE IF NOT EXISTS zoo_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
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
    create_views(con)
    seed_hubs(con)
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('sql_fingerprint', ?)", [_sql_fingerprint()])
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('tool_version', ?)", [__version__])


def seed_hubs(con: duckdb.DuckDBPyConnection) -> None:
    """Make the ``hubs`` table say what the source registry says (only on a writable connection; a
    table that already agrees is not written)."""
    from .sources import registry

    wanted = registry.rows()
    have = con.execute(
        "SELECT hub, label, sort_order, kind, unit, aliases FROM hubs ORDER BY sort_order, hub"
    ).fetchall()
    if have == wanted:
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


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every view from ``sql/views``; a view that depends on another is retried after it."""
    pending = _view_files()
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


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflict" in text or "could not set" in text)


def _open(path: str, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config={} if read_only else _writer_config())
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise StoreError(
                        f"the database {path} is busy (another process is writing it) and stayed busy for "
                        f"{wait:.0f} s; try again later"
                    ) from exc
                raise StoreError(f"cannot open the database {path}: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def connect(
    db: str | os.PathLike[str] | None = None, *, read_only: bool = False, wait: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the database (creating and migrating it when writable).

    Read-only opens wait up to ``wait`` seconds for a writer to finish; they never create a database. If
    the file was written by an older version of the schema or views, it is upgraded first (a short write).
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
        con = _open(path, read_only=False, wait=wait)
        try:
            migrate(con)
        except Exception:
            con.close()
            raise
        return con
    if not Path(path).exists():
        raise StoreError(f"no database at {path}: run `zoo crawl` first, or point --db / ZOO_DB at one")
    con = _open(path, read_only=True, wait=wait)
    if _needs_upgrade(con):
        con.close()
        try:
            _open_upgrade(path, wait)
        except StoreError:
            pass  # a crawl is merging right now: read with the views the file has
        con = _open(path, read_only=True, wait=wait)
    return con


def _needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        row = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchone()
    except duckdb.CatalogException:
        return True
    return row is None or row[0] != _sql_fingerprint()


def _open_upgrade(path: str, wait: float) -> None:
    con = _open(path, read_only=False, wait=min(wait, 5.0))
    try:
        migrate(con)
    finally:
        con.close()


# -------------------------------------------------------------------------------------------- the lock


class CrawlLock:
    """The one-crawl-per-database lock (``<db>.lock``); acquiring it never waits."""

    def __init__(self, db: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_db(db)
        self._lock = FileLock(self.path + ".lock", timeout=0) if self.path != ":memory:" else None

    def __enter__(self) -> CrawlLock:
        if self._lock is not None:
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
_STAGE_COLUMNS = ", ".join(f"{c.name} {'VARCHAR' if c.sql == 'JSON' else c.sql}" for c in MODEL_COLUMNS)
_STAGE_DDL = f"""
CREATE TABLE IF NOT EXISTS stage_run (
    run_id BIGINT, source VARCHAR, params JSON, checkpoint VARCHAR, done BOOLEAN,
    pages BIGINT, items BIGINT, requests BIGINT, warnings BIGINT, warning_samples VARCHAR[]
);
CREATE TABLE IF NOT EXISTS stage_models (
    page BIGINT, seq BIGINT, {_STAGE_COLUMNS}
);
CREATE TABLE IF NOT EXISTS stage_children (page BIGINT, tbl VARCHAR, row_json VARCHAR);
"""


def staging_path(db: str, source: str) -> Path:
    return Path(db + ".staging") / f"{source}.duckdb"


@dataclass
class RunPolicy:
    """How a complete run judges absences: see :mod:`crawler.merge`."""

    full: bool = True
    #: ``$ZOO_DELETE_AFTER`` (read when a policy is made), default 2
    delete_after: int = field(default_factory=lambda: int(os.environ.get("ZOO_DELETE_AFTER", "2")))
    #: ``$ZOO_MAX_DROP`` (read when a policy is made), default 0.05
    max_drop: float = field(default_factory=lambda: float(os.environ.get("ZOO_MAX_DROP", "0.05")))


@dataclass
class RunCounters:
    pages: int = 0
    items: int = 0
    requests: int = 0
    warnings: int = 0
    warning_samples: list[str] = field(default_factory=list)


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
    #: add child rows only for keys not held yet, never replace one (Source.keep_child_rows)
    keep_child_rows: bool = False
    checkpoint: str | None = field(init=False)
    done: bool = field(init=False)
    counters: RunCounters = field(init=False)

    def __post_init__(self) -> None:
        row = self._stage.execute(
            "SELECT checkpoint, done, pages, items, requests, warnings, warning_samples FROM stage_run"
        ).fetchone()
        assert row is not None
        self.checkpoint = row[0]
        self.done = bool(row[1])
        self.counters = RunCounters(row[2], row[3], row[4], row[5], list(row[6] or []))

    # -- pages

    def save_page(self, page: Page) -> None:
        """Store a page's rows and the checkpoint after it, in one transaction of the staging DB."""
        c = self.counters
        samples = c.warning_samples + page.warnings[: max(0, WARNING_SAMPLES - len(c.warning_samples))]
        page_no = c.pages + 1
        # items are records; a page of child rows only (Papers with Code links) counts those rows
        n_items = len(page.records) or sum(len(rows) for rows in page.children.values())
        table = records_to_arrow(page.records)
        n = table.num_rows
        table = table.add_column(0, "seq", pa.array(range(n), pa.int64()))
        table = table.add_column(
            0, "page", pa.repeat(pa.scalar(page_no, pa.int64()), n) if n else pa.array([], pa.int64())
        )
        con = self._stage
        con.execute("BEGIN")
        try:
            if table.num_rows:
                con.register("_page", table)
                con.execute("INSERT INTO stage_models SELECT * FROM _page")
                con.unregister("_page")
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

    def add_requests(self, n: int) -> None:
        """Count requests that produced no page (a failing attempt), so the run's total stays honest."""
        if n:
            self._stage.execute("UPDATE stage_run SET requests = requests + ?", [n])
            self.counters.requests += n

    # -- ending

    def _record_end(self, con: duckdb.DuckDBPyConnection, status: str, error: str | None) -> None:
        """Store how the run ended, when, and its counters."""
        c = self.counters
        con.execute(
            "UPDATE crawl_runs SET status = ?, finished_at = ?, pages = ?, items = ?, requests = ?, "
            "warnings = ?, warning_samples = ?, error = ? WHERE run_id = ?",
            [status, _now(), c.pages, c.items, c.requests, c.warnings, c.warning_samples, error, self.run_id],
        )

    def fail(self, error: str) -> None:
        """Mark the run failed; its staged pages and checkpoint stay, so the next crawl resumes it."""
        self._stage.close()
        con = connect(self.db)
        try:
            self._record_end(con, "failed", error[:2000])
        finally:
            con.close()

    def finish(self) -> MergeResult:
        """Merge the staged rows into ``models`` and the history, and mark the run complete, in one
        transaction (see :mod:`crawler.merge`).

        A model listed twice (it moved between pages) is stored once, with the values of the later page.
        """
        stage_file = str(staging_path(self.db, self.source))
        self._stage.execute("CHECKPOINT")
        self._stage.close()
        pa.default_memory_pool().release_unused()  # give the page buffers back before the merge
        con = connect(self.db)
        try:
            con.execute("SET memory_limit = ?", [merge_memory_limit()])
            con.execute(f"ATTACH '{_sql_quote(stage_file)}' AS stage (READ_ONLY)")
            con.execute("BEGIN")
            try:
                # A model listed twice (it moved between pages) keeps the later page's values. That is
                # rare, so the run's rows are read in place unless there is a duplicate to drop.
                (dups,) = one_row(
                    con.execute("SELECT count(*) - count(DISTINCT key) FROM stage.stage_models")
                )
                if dups:
                    con.execute(
                        "CREATE OR REPLACE TEMP TABLE incoming AS SELECT * EXCLUDE (page, seq, extra), "
                        "extra::JSON AS extra FROM stage.stage_models QUALIFY row_number() OVER "
                        "(PARTITION BY key ORDER BY page DESC, seq DESC) = 1"
                    )
                else:
                    con.execute(
                        "CREATE OR REPLACE TEMP VIEW incoming AS SELECT * EXCLUDE (page, seq, extra), "
                        "extra::JSON AS extra FROM stage.stage_models"
                    )
                merged = merge_run(
                    con,
                    run_id=self.run_id,
                    hub=self.source,
                    now=_now(),
                    full=self.policy.full,
                    delete_after=self.policy.delete_after,
                    max_drop=self.policy.max_drop,
                )
                self._merge_children(con)
                self._record_end(con, "complete", None)
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
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)  # a failed COMMIT already ended the transaction: keep its error
                raise
            con.execute("DETACH stage")
        finally:
            con.close()
        _remove_staging(self.db, self.source)
        return merged

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
                    f"DELETE FROM {ident} WHERE hub = ? AND key IN (SELECT key FROM stage.stage_models)",
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


def begin_run(
    db: str | None,
    source: str,
    params: dict[str, Any],
    *,
    restart: bool = False,
    policy: RunPolicy | None = None,
    child_tables: tuple[str, ...] = (),
    keep_child_rows: bool = False,
) -> Run:
    """Resume the source's unfinished run, or start a new one.

    An unfinished run is one whose status is ``running`` (its process died) or ``failed`` and whose
    staging file still holds its checkpoint. ``restart=True`` marks such a run ``aborted`` and starts
    afresh. Params of a resumed run are those it started with.
    """
    db = resolve_db(db)
    policy = policy or RunPolicy()
    spath = staging_path(db, source)
    con = connect(db)
    try:
        prior = con.execute(
            "SELECT run_id, status FROM crawl_runs WHERE source = ? AND status IN ('running', 'failed') "
            "ORDER BY run_id DESC LIMIT 1",
            [source],
        ).fetchone()
        staged_id = _staged_run_id(spath)
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

    if resume_id is None:
        _remove_staging(db, source)
        spath.parent.mkdir(parents=True, exist_ok=True)
        stage = duckdb.connect(str(spath), config=_writer_config())
        stage.execute(_STAGE_DDL)
        stage.execute(
            "INSERT INTO stage_run VALUES (?, ?, ?, NULL, false, 0, 0, 0, 0, [])",
            [new_id, source, json.dumps(params, sort_keys=True)],
        )
        return Run(db, source, new_id, False, stage, policy, child_tables, keep_child_rows)
    stage = duckdb.connect(str(spath), config=_writer_config())
    return Run(db, source, resume_id, True, stage, policy, child_tables, keep_child_rows)


def read_work(db: str, query: str) -> list[tuple[Any, ...]]:
    """The rows of an enrichment source's work query (:attr:`crawler.sources.base.Source.work_query`),
    read from the main database on a read-only connection."""
    con = connect(db, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def user_query(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """Run a user's own query (``zoo sql``) on a read-only connection, sandboxed: no access to other
    files (no COPY TO, no read_csv) and the configuration locked. Returns (columns, rows), or None for a
    statement that returns no rows. Raises ``duckdb.Error`` for a query DuckDB refuses."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    rel = con.execute(query)
    if rel.description is None:
        return None
    return [d[0] for d in rel.description], rel.fetchall()


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
