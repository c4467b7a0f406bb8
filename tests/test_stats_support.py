"""Shared helpers for the statistics tests (no tests here): tiny inline fixtures written straight into
``crawl_runs`` and ``models`` of a migrated database, the way the store leaves them after crawls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import duckdb

from crawler import stats
from crawler.sources.records import ATTR_COLUMNS, COUNTER_COLUMNS

UTC = timezone.utc
CATALOG_HUBS = ("pytorch-hub", "tf-hub")


def ts(text: str) -> datetime:
    """``'2023-06-01'`` or ``'2023-06-01T12:00:00'`` → an aware UTC datetime."""
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Zoo:
    """Writes runs and models into a database, with defaults that keep each test's rows short."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._n = 0

    def run(
        self,
        hub: str,
        status: str = "complete",
        finished: str | None = "2025-01-10T12:00:00",
        started: str | None = None,
    ) -> int:
        """Add a crawl run of ``hub``; returns its run_id."""
        fin = ts(finished) if finished and status != "running" else None
        start = ts(started) if started else (fin or ts("2025-01-10T10:00:00"))
        row = self.con.execute(
            "INSERT INTO crawl_runs (source, started_at, finished_at, status, models) VALUES (?, ?, ?, ?, ?) "
            "RETURNING run_id",
            [hub, start, fin, status, None],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def model(
        self,
        hub: str,
        run: int,
        *,
        key: str | None = None,
        tags: Sequence[str] = (),
        library: str | None = None,
        formats: Sequence[str] = (),
        files: Sequence[str] = (),
        created: str | None = "2023-06-01T12:00:00",
        quality: str | None = None,
        first_run: int | None = None,
        deleted: str | None = None,
    ) -> str:
        """Add a model last seen by ``run`` (first seen by ``first_run``, default the same); returns its key."""
        self._n += 1
        key = key or f"{hub}-m{self._n}"
        if quality is None:
            quality = "git_first_commit" if hub in CATALOG_HUBS else "exact"
        self.con.execute(
            "INSERT INTO models (mid, hub, key, id, created_at, created_at_quality, library_name, tags, formats, "
            "files, deleted_at, first_seen_run, last_seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self._n,
                hub,
                key,
                f"org/{key}",
                ts(created) if created else None,
                quality,
                library,
                list(tags),
                list(formats),
                list(files),
                ts(deleted) if deleted else None,
                first_run if first_run is not None else run,
                run,
            ],
        )
        # The store writes a model's first log rows together with it (models_as_of reads them).
        for log, names in (("model_attrs_log", ATTR_COLUMNS), ("model_counters_log", COUNTER_COLUMNS)):
            cols = ", ".join(names)
            self.con.execute(
                f"INSERT INTO {log} (mid, run_id, {cols}) SELECT mid, first_seen_run, {cols} FROM models "
                "WHERE mid = ?",
                [self._n],
            )
        return key


def class_counts(
    con: duckdb.DuckDBPyConnection,
    definition: str,
    hub: str | None = None,
    by: str = "none",
    as_of: str | None = None,
) -> dict[tuple[str, str, str], int]:
    """``{(hub, period, class): models}`` of ``stats.exclusivity``, zero rows left out."""
    table = stats.exclusivity(con, hub=hub, definition=definition, by=by, as_of=as_of)
    return {(r["hub"], r["period"], r["class"]): r["models"] for r in table.records() if r["models"]}


def model_row(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """The model_frameworks row of one model, as a dict."""
    rel = con.execute("SELECT * FROM model_frameworks WHERE key = ?", [key])
    columns = [d[0] for d in rel.description]
    row = rel.fetchone()
    assert row is not None, f"no model_frameworks row for {key}"
    return dict(zip(columns, row, strict=True))
