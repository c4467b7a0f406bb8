"""Benchmark of ``zoo stats``: N synthetic Hugging Face models, then each statistic timed in-process.

The models are generated in bulk by one SQL statement (not the crawler), with the framework profiles of
the fake Hub (tests/fakes/hub.py), its repo files (``make_files``: about 11 files a repo, some with
hundreds; ``--no-files`` leaves them out) and realistic tag lists (about eight tags each, one of them
unique per model), a 15 % sentinel cohort, two complete crawl runs and a failed one in between, and 2 %
of the models gone from the latest crawl. Then ``crawler.stats`` runs on a read-only connection, as the
CLI does, and a table of seconds is printed (best and median of ``--repeat`` runs). Target: < 1 s each.

    python bench/stats_bench.py                 # 1,000,000 models
    python bench/stats_bench.py --n 200000 --repeat 5 --db /tmp/bench.duckdb
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler import stats  # noqa: E402
from crawler.merge import refresh_attr_bits, refresh_file_bits  # noqa: E402
from crawler.output import render  # noqa: E402
from crawler.store import connect  # noqa: E402
from tests.fakes.hub import PROFILES as HUB_PROFILES  # noqa: E402
from tests.fakes.hub import make_files  # noqa: E402

# (weight in per mille, tags the Hub derives from files, library_name) — as tests/fakes/hub.py PROFILES
PROFILES: list[tuple[int, list[str], str | None]] = [
    (400, ["transformers", "pytorch", "safetensors"], "transformers"),
    (120, ["pytorch"], None),
    (60, ["transformers", "tf"], "transformers"),
    (50, ["transformers", "pytorch", "tf"], "transformers"),
    (30, ["transformers", "jax"], "transformers"),
    (20, ["transformers", "pytorch", "tf", "jax"], "transformers"),
    (140, ["safetensors"], "diffusers"),
    (30, ["gguf"], "gguf"),
    (20, ["tf-keras"], "tf-keras"),
    (20, ["keras"], "keras"),
    (20, ["onnx"], None),
    (90, [], None),
]


def repo_files(n: int, with_files: bool) -> pa.Table:
    """Model number, profile (index into PROFILES) and file names of ``n`` synthetic repos."""
    assert [(w / 1000, t, lib) for w, t, lib in PROFILES] == HUB_PROFILES
    rng = random.Random(42)
    frng = random.Random(43)
    profiles = rng.choices(range(len(PROFILES)), weights=[w for w, _, _ in PROFILES], k=n)
    files = [list(make_files(p, frng)) if with_files else [] for p in profiles]
    return pa.table(
        {
            "i": pa.array(range(n), pa.int64()),
            "profile": pa.array(profiles, pa.int32()),
            "files": pa.array(files, pa.list_(pa.string())),
        }
    )


def build(db: str, n: int, with_files: bool = True) -> float:
    """Create ``db`` with ``n`` synthetic HF models; returns the seconds it took."""
    started = time.perf_counter()
    repos = repo_files(n, with_files)
    con = connect(db)
    try:
        con.execute("DELETE FROM models")
        con.execute("DELETE FROM crawl_runs")
        con.execute(
            "INSERT INTO crawl_runs (run_id, source, started_at, finished_at, status, models) VALUES "
            "(1, 'huggingface', TIMESTAMPTZ '2025-01-01 00:00:00+00', TIMESTAMPTZ '2025-01-01 06:00:00+00', "
            "'complete', $n), "
            "(2, 'huggingface', TIMESTAMPTZ '2025-02-01 00:00:00+00', TIMESTAMPTZ '2025-02-01 01:00:00+00', "
            "'failed', NULL), "
            "(3, 'huggingface', TIMESTAMPTZ '2025-03-01 00:00:00+00', TIMESTAMPTZ '2025-03-01 06:00:00+00', "
            "'complete', $n)",
            {"n": n},
        )
        con.execute("CREATE TEMP TABLE profiles (profile INTEGER, tags VARCHAR[], library VARCHAR)")
        con.executemany(
            "INSERT INTO profiles VALUES (?, ?, ?)",
            [(k, tags, library) for k, (_, tags, library) in enumerate(PROFILES)],
        )
        con.register("repos", repos)
        con.execute(
            """
            INSERT INTO models BY NAME
            SELECT
                i + 1 AS mid,
                'huggingface' AS hub,
                printf('%024x', i) AS key,
                'org' || (i % 50000) || '/model-' || i AS id,
                'org' || (i % 50000) AS author,
                CASE WHEN hash(i, 1) % 100 < 15 THEN TIMESTAMPTZ '2022-03-02 23:29:04+00'
                     ELSE TIMESTAMPTZ '2022-03-03 00:00:00+00' + to_seconds(CAST(hash(i, 2) % 140000000 AS BIGINT))
                END AS created_at,
                CASE WHEN hash(i, 1) % 100 < 15 THEN 'sentinel' ELSE 'exact' END AS created_at_quality,
                p.library AS library_name,
                list_concat(p.tags, ['en', 'region:us', 'license:apache-2.0', 'endpoints_compatible',
                                     'base_model:org' || (i % 7919) || '/base']) AS tags,
                CAST(hash(i, 4) % 10000 AS BIGINT) AS downloads,
                [] AS formats,
                f.files AS files,
                1 AS first_seen_run,
                CASE WHEN hash(i, 5) % 100 < 2 THEN 1 ELSE 3 END AS last_seen_run
            FROM repos AS f
            JOIN profiles AS p USING (profile)
            """
        )
        con.unregister("repos")
        refresh_file_bits(con)  # as the store does after a merge: the file evidence, once per name
        refresh_attr_bits(con)  # and the evidence of the attributes
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, default=1_000_000, help="number of synthetic models (default 1,000,000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per statistic (default 3)")
    parser.add_argument("--db", help="database file to build (default: a temporary file, removed afterwards)")
    parser.add_argument("--no-files", action="store_true", help="models without file names")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.duckdb")
        build_s = build(db, args.n, with_files=not args.no_files)
        size = Path(db).stat().st_size
        print(f"built {args.n:,} models in {build_s:.1f} s ({db}, {size / 1e6:.0f} MB)", file=sys.stderr)

        con = connect(db, read_only=True)
        cases: list[tuple[str, Callable[[], stats.StatTable]]] = [
            ("exclusivity tags by year", lambda: stats.exclusivity(con, by="year")),
            (
                "exclusivity evidence by year",
                lambda: stats.exclusivity(con, by="year", definition="evidence"),
            ),
            ("additions by year", lambda: stats.additions(con, by="year")),
            ("hubs", lambda: stats.hubs(con)),
        ]
        rows = []
        try:
            current = con.execute("SELECT count(*) FROM current_models").fetchone()[0]  # type: ignore[index]
            for name, run in cases:
                seconds = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    table = run()
                    seconds.append(time.perf_counter() - started)
                rows.append(
                    (
                        name,
                        round(min(seconds), 3),
                        round(statistics.median(seconds), 3),
                        len(table.rows),
                        "yes" if max(seconds) < 1 else "NO",
                    )
                )
        finally:
            con.close()
    render(
        ["statistic", "best s", "median s", "rows", "< 1 s"],
        rows,
        title=f"zoo stats on {args.n:,} models ({current:,} current), {args.repeat} runs each",
    )
    return 0 if all(r[4] == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
