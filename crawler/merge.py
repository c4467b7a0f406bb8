"""Merging one complete run into the current state and its change-only history (part of the store).

Runs inside the caller's transaction, with the run's deduplicated rows in the temp table ``incoming``.

What it writes, and why it stays compact:

* new models are appended to ``models`` with a fresh ``mid`` and a first row in each log;
* a model whose counters (downloads, downloads_all_time, likes) changed gets one ``model_counters_log``
  row and an UPDATE of those three columns only; the same for attributes and ``model_attrs_log``;
  unchanged models get no log row at all, so a night where nothing changed adds nothing but
  ``last_seen_run`` (a column DuckDB rewrites in place, constant-compressed);
* presence: a full, non-suspect run opens an absence for every model of its hub it did not see;
  a model seen again closes its absence (and is undeleted: the gap stays in ``model_absences``);
  a model absent from ``delete_after`` consecutive complete full non-suspect runs is marked deleted.

A run is **suspect** when it saw more than ``max_drop`` fewer models than the hub's previous complete,
non-suspect run. It still records what it saw, but opens no absences and deletes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

COUNTER_COLUMNS = ["downloads", "downloads_all_time", "likes"]
ATTR_COLUMNS = [
    "id",
    "author",
    "created_at",
    "created_at_quality",
    "last_modified",
    "library_name",
    "pipeline_tag",
    "tags",
    "sha",
    "private",
    "gated",
    "formats",
    "files",
    "extra",
]


def _changed(cols: list[str]) -> str:
    return "(" + " OR ".join(f"m.{c} IS DISTINCT FROM i.{c}" for c in cols) + ")"


def _set(cols: list[str]) -> str:
    return ", ".join(f"{c} = x.{c}" for c in cols)


@dataclass
class MergeResult:
    models: int
    new: int
    changed: int
    absent: int
    deleted: int
    suspect: bool


def merge_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: int,
    hub: str,
    now: datetime,
    full: bool = True,
    delete_after: int = 2,
    max_drop: float = 0.05,
) -> MergeResult:
    """Merge ``incoming`` (this run's rows of ``hub``) into ``models`` and the logs."""
    p = {"run": run_id}
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE matched AS
        SELECT coalesce(m.mid, (SELECT coalesce(max(mid), 0) FROM models)
                               + row_number() OVER (PARTITION BY m.mid IS NULL ORDER BY i.key)) AS mid,
               i.*,
               m.mid IS NULL AS is_new,
               m.mid IS NOT NULL AND {_changed(COUNTER_COLUMNS)} AS counters_changed,
               m.mid IS NOT NULL AND {_changed(ATTR_COLUMNS)} AS attrs_changed,
               m.absent_since_run AS was_absent_since,
               m.deleted_at AS was_deleted_at
        FROM incoming i LEFT JOIN models m ON m.hub = i.hub AND m.key = i.key
        """
    )
    n_models, n_new, n_changed = con.execute(
        "SELECT count(*), count(*) FILTER (is_new), count(*) FILTER (counters_changed OR attrs_changed) "
        "FROM matched"
    ).fetchone()  # type: ignore[misc]

    prev = con.execute(
        "SELECT models FROM crawl_runs WHERE source = ? AND status = 'complete' AND full_listing AND NOT suspect "
        "AND run_id <> ? ORDER BY run_id DESC LIMIT 1",
        [hub, run_id],
    ).fetchone()
    suspect = bool(prev and prev[0] and n_models < prev[0] * (1.0 - max_drop))

    cols = ", ".join(["mid", "hub", "key", *ATTR_COLUMNS, *COUNTER_COLUMNS])
    con.execute(
        f"INSERT INTO models BY NAME SELECT {cols}, $run AS first_seen_run, $run AS last_seen_run, "
        "deleted_at, CASE WHEN deleted_at IS NOT NULL THEN $run END AS deleted_run FROM matched WHERE is_new",
        p,
    )
    con.execute(
        f"INSERT INTO model_counters_log BY NAME SELECT mid, $run AS run_id, {', '.join(COUNTER_COLUMNS)} "
        "FROM matched WHERE is_new OR counters_changed",
        p,
    )
    con.execute(
        f"INSERT INTO model_attrs_log BY NAME SELECT mid, $run AS run_id, {', '.join(ATTR_COLUMNS)} "
        "FROM matched WHERE is_new OR attrs_changed",
        p,
    )
    con.execute(
        f"UPDATE models m SET {_set(COUNTER_COLUMNS)} FROM matched x WHERE m.mid = x.mid AND x.counters_changed"
    )
    con.execute(
        f"UPDATE models m SET {_set(ATTR_COLUMNS)} FROM matched x WHERE m.mid = x.mid AND x.attrs_changed"
    )
    con.execute(
        "UPDATE models m SET last_seen_run = $run FROM matched x WHERE m.mid = x.mid AND NOT x.is_new", p
    )
    # Seen again after a gap: close the absence, clear the flag.
    con.execute(
        "UPDATE model_absences a SET to_run = $run FROM matched x "
        "WHERE a.mid = x.mid AND a.to_run IS NULL AND x.was_absent_since IS NOT NULL",
        p,
    )
    con.execute(
        "UPDATE models m SET absent_since_run = NULL FROM matched x "
        "WHERE m.mid = x.mid AND x.was_absent_since IS NOT NULL"
    )
    # Deletion as the hub declares it (git catalogs), or undeletion of a model that is listed again.
    con.execute(
        "UPDATE models m SET deleted_at = x.deleted_at, "
        "deleted_run = CASE WHEN x.deleted_at IS NULL THEN NULL ELSE coalesce(m.deleted_run, $run) END "
        "FROM matched x WHERE m.mid = x.mid AND NOT x.is_new AND x.was_deleted_at IS DISTINCT FROM x.deleted_at",
        p,
    )

    n_absent = n_deleted = 0
    if full and not suspect:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT m.mid FROM models m "
            "WHERE m.hub = $hub AND m.absent_since_run IS NULL AND m.deleted_at IS NULL "
            "AND m.mid NOT IN (SELECT mid FROM matched)",
            {"hub": hub},
        )
        n_absent = con.execute("SELECT count(*) FROM gone").fetchone()[0]  # type: ignore[index]
        con.execute(
            "INSERT INTO model_absences SELECT mid, $hub, $run, NULL, NULL FROM gone", {"hub": hub, **p}
        )
        con.execute("UPDATE models SET absent_since_run = $run WHERE mid IN (SELECT mid FROM gone)", p)
        # Judging runs: complete, full, non-suspect runs of this hub, this one included.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE judging AS SELECT run_id FROM crawl_runs "
            "WHERE source = $hub AND status = 'complete' AND full_listing AND NOT suspect UNION SELECT $run",
            {"hub": hub, **p},
        )
        n_deleted = con.execute(
            "UPDATE models m SET deleted_at = $now, deleted_run = $run "
            "WHERE m.hub = $hub AND m.deleted_at IS NULL AND m.absent_since_run IS NOT NULL "
            "AND (SELECT count(*) FROM judging j WHERE j.run_id >= m.absent_since_run) >= $n",
            {"hub": hub, "now": now, "n": delete_after, **p},
        ).fetchone()[0]  # type: ignore[index]
        con.execute(
            "UPDATE model_absences a SET deleted_run = $run FROM models m "
            "WHERE a.mid = m.mid AND a.to_run IS NULL AND m.deleted_run = $run AND a.deleted_run IS NULL",
            p,
        )
        con.execute("DROP TABLE gone")
        con.execute("DROP TABLE judging")
    con.execute("DROP TABLE matched")
    return MergeResult(int(n_models), int(n_new), int(n_changed), int(n_absent), int(n_deleted or 0), suspect)
