"""Benchmark of ``zoo export``: what full daily ``models`` snapshots cost, against a change-only layout.

Crawls a local fake Hub (127.0.0.1) with N synthetic models for K simulated nights (each night the fake
Hub evolves: ~0.5 % added, 0.1 % deleted, 0.05 % renamed, downloads of 30 % and likes of 5 % changed),
exports after every night, and prints:

* per night: the seconds of the export, the bytes of its ``models``, ``observations`` and ``runs``
  partitions;
* the bytes of the columns a figure reads (hub and snapshot_date are folder names; counted, tags_class,
  evidence_class, created_period, created_month) as a share of a ``models`` file: what an engine that
  reads only those columns pays per day;
* for the same nights, what a change-only ``models`` dataset would hold: the rows of export_models(day)
  that differ from the night before (the as-of run id left out) plus one row per model gone, with and
  without the counters (downloads, likes), written the same way (zstd Parquet).

Usage: python bench/export_bench.py [--n 100000] [--nights 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from crawler.crawl import crawl  # noqa: E402
from crawler.export import export  # noqa: E402
from crawler.output import render  # noqa: E402
from crawler.sources.huggingface import HuggingFaceSource  # noqa: E402
from crawler.store import connect  # noqa: E402
from tests.fakes.hub import FakeHub, evolve, make_models  # noqa: E402

FIGURE_COLUMNS = ("counted", "tags_class", "evidence_class", "created_period", "created_month")
COUNTERS = ("downloads", "downloads_all_time", "likes")


def night_day(night: int) -> datetime:
    return datetime(2026, 11, 1, 3, tzinfo=timezone.utc) + timedelta(days=night)


def date_last_run(db: str, night: int) -> None:
    con = connect(db)
    when = night_day(night)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = (SELECT max(run_id) FROM crawl_runs)",
        [when, when + timedelta(minutes=30)],
    )
    con.close()


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.parquet"))


def figure_share(path: Path) -> float:
    meta = pq.read_metadata(path)
    total = used = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            col = group.column(c)
            total += col.total_compressed_size
            if col.path_in_schema in FIGURE_COLUMNS:
                used += col.total_compressed_size
    return used / total


def change_only(con: duckdb.DuckDBPyConnection, day, previous, out: Path, counters: bool) -> int:
    """Bytes of a change-only ``models`` partition of ``day``: changed or new rows, plus tombstones."""
    drop = "last_seen_run" + ("" if counters else ", " + ", ".join(COUNTERS))
    con.execute(
        f"""COPY (
            WITH now AS (SELECT * EXCLUDE ({drop}) FROM export_models($day) WHERE hub = 'huggingface'),
            before AS (SELECT * EXCLUDE ({drop}) FROM export_models($previous) WHERE hub = 'huggingface')
            SELECT *, false AS removed FROM (SELECT * FROM now EXCEPT SELECT * FROM before)
            UNION ALL BY NAME
            SELECT key, true AS removed FROM before WHERE key NOT IN (SELECT key FROM now)
        ) TO '{out}' (FORMAT parquet, COMPRESSION zstd)""",
        {"day": day, "previous": previous},
    )
    return out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="synthetic models (default 100,000)")
    parser.add_argument("--nights", type=int, default=5, help="simulated nights (default 5)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zoo-export-bench-"))
    db = str(tmp / "zoo.duckdb")
    out = tmp / "export"
    models = make_models(args.n, seed=42)
    rows = []
    with FakeHub(models) as hub:
        for night in range(args.nights):
            if night:
                models, _ = evolve(models, night, seed=42)
                hub.set_models(models)
            print(f"crawl night {night}…", file=sys.stderr)
            crawl(HuggingFaceSource(hub.url), db)
            date_last_run(db, night)
            before = {
                d: size(out / d) if (out / d).exists() else 0 for d in ("models", "observations", "runs")
            }
            con = connect(db, read_only=True)
            t = time.perf_counter()
            export(con, out)
            seconds = time.perf_counter() - t
            day = night_day(night).date()
            part = out / "models" / "hub=huggingface" / f"snapshot_date={day}" / "data.parquet"
            full = part.stat().st_size
            n_rows = pq.read_metadata(part).num_rows
            if night:
                changes = change_only(con, day, day - timedelta(days=1), tmp / "changes.parquet", True)
                attrs = change_only(con, day, day - timedelta(days=1), tmp / "attrs.parquet", False)
            else:
                changes = attrs = full
            con.close()
            grown = {d: size(out / d) - before[d] for d in before}
            rows.append(
                (
                    night,
                    f"{seconds:.2f}",
                    f"{n_rows:,}",
                    f"{full / 1e6:.2f}",
                    f"{full / n_rows:.1f}",
                    f"{figure_share(part) * 100:.1f} %",
                    f"{grown['observations'] / 1e6:.2f}",
                    f"{grown['runs'] / 1e3:.1f}",
                    f"{changes / 1e6:.2f}",
                    f"{attrs / 1e6:.2f}",
                )
            )
    render(
        [
            "night",
            "export s",
            "models rows",
            "models MB",
            "bytes/model",
            "figure columns",
            "observations MB",
            "runs kB",
            "change-only MB",
            "change-only, no counters MB",
        ],
        rows,
        title=f"zoo export: {args.n:,} models, {args.nights} nights (in {tmp})",
    )


if __name__ == "__main__":
    main()
