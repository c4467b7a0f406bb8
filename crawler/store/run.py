"""A crawl run (writer side): its policy, counters and result; :class:`Run` (saving pages, failing,
merging at the end) and :func:`begin_run` (beginning or resuming one)."""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..merge import MergeResult, merge_run, one_row
from ..settings import env_number
from ..sources.records import Page
from .arrow import _PART_SCHEMA, _int64s, records_to_arrow
from .endings import record_staged_ends
from .errors import StoreError, _rollback
from .limits import NOTES_MAX, WARNING_SAMPLES, lock_wait_seconds, merge_memory_limit, merge_wait_seconds
from .opening import DatabaseBusy, Notify, _open, connect
from .paths import parts_folder, resolve_db, staging_path
from .staging import (
    _STAGE_DDL,
    _STAGE_END_COLUMNS,
    _open_stage,
    _prune_parts,
    _remove_staging,
    _staged_run_id,
    _write_part,
    check_parts,
    committed_parts,
    refuse_links,
    rewind_to_damage,
)

#: How long a failing run waits for the main database to record its end (it is in the staging file
#: already; a run that failed because a reader kept the file open must not wait that long again).
FAIL_RECORD_WAIT = 5.0


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


def _sql_quote(text: str) -> str:
    return text.replace("'", "''")


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
