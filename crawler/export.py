"""``zoo export DIR``: Hive-partitioned Parquet that DuckDB, pandas, polars, Spark or Trino read in place.

Layout (one partition per hub and per day that has a complete run)::

    DIR/models/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet        state at the end of that day
    DIR/observations/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet  changes logged by that day's runs
    DIR/runs/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet          that day's crawl runs

``models`` is a full snapshot (``models_as_of``); ``observations`` holds only what changed (one row per
model and run, counters and attributes side by side, NULL where that side did not change). A partition
that already exists is left alone, so a nightly export only adds the new day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

DATASETS = ("models", "observations", "runs")


@dataclass
class ExportResult:
    written: list[Path]
    skipped: int


def _partitions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, date]]:
    return [
        (r[0], r[1])
        for r in con.execute(
            "SELECT DISTINCT source, CAST(timezone('UTC', finished_at) AS DATE) FROM crawl_runs "
            "WHERE status = 'complete' ORDER BY 1, 2"
        ).fetchall()
    ]


def _copy(con: duckdb.DuckDBPyConnection, query: str, params: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    rel = con.sql(query, params=params).to_arrow_table()
    import pyarrow.parquet as pq

    pq.write_table(rel, tmp, compression="zstd")
    tmp.replace(target)  # a partition appears whole or not at all


def export(con: duckdb.DuckDBPyConnection, out_dir: str | Path) -> ExportResult:
    """Write every (hub, day) partition that ``out_dir`` does not have yet."""
    out = Path(out_dir)
    written: list[Path] = []
    skipped = 0
    day_runs = (
        "SELECT run_id FROM crawl_runs WHERE source = $hub AND status = 'complete' "
        "AND CAST(timezone('UTC', finished_at) AS DATE) = $day"
    )
    queries = {
        "models": "SELECT * EXCLUDE (hub) FROM models_as_of($day) WHERE hub = $hub ORDER BY key",
        "observations": f"""
            WITH runs AS ({day_runs}),
            c AS (SELECT * FROM model_counters_log WHERE run_id IN (SELECT run_id FROM runs)),
            a AS (SELECT * FROM model_attrs_log WHERE run_id IN (SELECT run_id FROM runs))
            SELECT m.key, coalesce(a.run_id, c.run_id) AS run_id, a.* EXCLUDE (mid, run_id),
                   c.downloads, c.downloads_all_time, c.likes
            FROM a FULL JOIN c ON a.mid = c.mid AND a.run_id = c.run_id
            JOIN models m ON m.mid = coalesce(a.mid, c.mid)
            ORDER BY run_id, m.key""",
        "runs": f"SELECT * EXCLUDE (source) FROM crawl_runs WHERE run_id IN ({day_runs}) ORDER BY run_id",
    }
    for hub, day in _partitions(con):
        for name in DATASETS:
            target = out / name / f"hub={hub}" / f"snapshot_date={day.isoformat()}" / "data.parquet"
            if target.exists():
                skipped += 1
                continue
            _copy(con, queries[name], {"hub": hub, "day": day}, target)
            written.append(target)
    return ExportResult(written, skipped)
