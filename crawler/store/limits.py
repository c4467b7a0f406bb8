"""What the store's work may take: lock waits, memory limits, what a run keeps, the limits of a user's
query.

Writer side: :func:`lock_wait_seconds` (readers wait by it too), :func:`merge_wait_seconds`,
:func:`memory_limit`, :func:`merge_memory_limit`, :data:`WARNING_SAMPLES`, :data:`NOTES_MAX`. Reader
side: :func:`sql_timeout_seconds`, :func:`sql_memory_limit`, :func:`stats_memory_limit`.
"""

from __future__ import annotations

import os

from ..settings import env_number

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
