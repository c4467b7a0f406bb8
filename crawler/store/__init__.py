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

The modules, writer side and reader side apart (every public name is importable from ``crawler.store``):

``paths``
    Where the database and a crawl's staging are on disk: ``resolve_db``, ``staging_path``,
    ``parts_folder``.
``limits``
    What the work may take, read from the environment when used (numbers checked by
    :mod:`crawler.settings`): lock and merge waits, memory limits, what a run keeps, and the time-out and
    memory of a user's query.
``errors``
    ``StoreError``, the base of every error the store raises for a user.
``schema``
    The SQL files, migrations, views and the ``hubs`` table (``migrate``, ``create_views``,
    ``seed_hubs``); a read-only session's current definitions (``pending_migrations``).
``opening``
    ``connect``: read-only for readers, for writing (creating and migrating) for writers, waiting for
    another process's lock (``DatabaseBusy``, ``lock_holder``).
``lock``
    Writer side: ``CrawlLock``, the one-crawl-per-database lock (``CrawlLocked``).
``arrow``
    Writer side: records → Arrow (``records_to_arrow``) and a staged part's columns.
``staging``
    Writer side: the staging file's tables, the Parquet parts (``committed_parts``, ``check_parts``,
    ``rewind_to_damage``), ``refuse_links``.
``run``
    Writer side: ``Run`` (saving pages, failing, the merge at the end), ``begin_run`` (begin or resume),
    ``RunPolicy``, ``RunCounters``, ``RunResult``.
``endings``
    Run endings only a staging file knows: read by readers (``staged_ends``), copied into ``crawl_runs``
    by writers (``record_staged_ends``).
``queries``
    Reader side: a user's own query, sandboxed, with its time-out (``user_query``, ``QueryTimeout``), and
    an enrichment source's work query (``read_work``).
"""

from __future__ import annotations

from .arrow import records_to_arrow
from .endings import StagedEnd, record_staged_ends, staged_ends
from .errors import StoreError
from .limits import (
    NOTES_MAX,
    WARNING_SAMPLES,
    lock_wait_seconds,
    memory_limit,
    merge_memory_limit,
    merge_wait_seconds,
    sql_memory_limit,
    sql_timeout_seconds,
    stats_memory_limit,
)
from .lock import CrawlLock, CrawlLocked
from .opening import DatabaseBusy, Notify, connect, lock_holder
from .paths import DEFAULT_DB, parts_folder, resolve_db, staging_path
from .queries import Answer, QueryTimeout, read_work, user_query
from .run import FAIL_RECORD_WAIT, Run, RunCounters, RunPolicy, RunResult, begin_run
from .schema import create_views, migrate, pending_migrations, seed_hubs, sql_dir
from .staging import (
    STAGE_CHECKPOINT_THRESHOLD,
    DamagedPart,
    check_parts,
    committed_parts,
    refuse_links,
    rewind_to_damage,
)

__all__ = [
    "Answer",
    "CrawlLock",
    "CrawlLocked",
    "DEFAULT_DB",
    "DamagedPart",
    "DatabaseBusy",
    "FAIL_RECORD_WAIT",
    "NOTES_MAX",
    "Notify",
    "QueryTimeout",
    "Run",
    "RunCounters",
    "RunPolicy",
    "RunResult",
    "STAGE_CHECKPOINT_THRESHOLD",
    "StagedEnd",
    "StoreError",
    "WARNING_SAMPLES",
    "begin_run",
    "check_parts",
    "committed_parts",
    "connect",
    "create_views",
    "lock_holder",
    "lock_wait_seconds",
    "memory_limit",
    "merge_memory_limit",
    "merge_wait_seconds",
    "migrate",
    "parts_folder",
    "pending_migrations",
    "read_work",
    "record_staged_ends",
    "records_to_arrow",
    "refuse_links",
    "resolve_db",
    "rewind_to_damage",
    "seed_hubs",
    "sql_dir",
    "sql_memory_limit",
    "sql_timeout_seconds",
    "staged_ends",
    "staging_path",
    "stats_memory_limit",
    "user_query",
]
