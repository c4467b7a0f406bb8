"""Run endings only a staging file knows (the main database could not be told): read by readers
(:func:`staged_ends`, for ``zoo runs``), copied into ``crawl_runs`` by writers (:func:`record_staged_ends`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ..merge import one_row


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
