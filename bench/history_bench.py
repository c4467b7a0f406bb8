"""``zoo stats`` on a long synthetic history: N Hugging Face models × K nights, built in SQL.

Crawling 3,000,000 models for 30 nights takes hours, so the history is written directly by SQL, in the
shape the store's merge gives it and with the fake Hub's nightly churn (``tests/fakes/hub.py``,
``evolve``): one complete full run per night; every model has its first rows in ``model_attrs_log``,
``model_counters_log`` and ``model_files_log`` on the night it appears; each later night 0.5 % of the
hub is added, ~33 % of the models get a new counters row (downloads of 30 %, likes of 5 %), 0.55 % a new
attrs row (0.5 % commits, 0.05 % renames), 0.15 % a new files row (the commits that change files), and
0.1 % disappear (an absence, then deleted two nights later). File lists are drawn from 20,000 lists made
by the fake Hub's ``make_files``. Then each statistic runs as the CLI runs it, in a fresh ``zoo stats``
process, timed and with its peak RSS (``/usr/bin/time``-style, from ``wait4``), best of ``--repeat``;
with ``--in-process`` also in this process (the same command through the CLI's app, imports and views
already loaded: what a notebook or a long-lived reader sees), wall and CPU seconds of this process.

    python bench/history_bench.py --n 3000000 --nights 30
    python bench/history_bench.py --n 200000 --nights 10      # a quick look
    python bench/history_bench.py --db /tmp/h.duckdb --reuse --in-process --repeat 2
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.merge import refresh_attr_bits, refresh_file_bits  # noqa: E402
from crawler.store import connect  # noqa: E402
from tests.fakes.hub import PROFILES, make_files  # noqa: E402

FIRST_NIGHT = date(2026, 11, 1)
FILE_LISTS = 20_000


def build(db: str, n: int, nights: int) -> float:
    """Write ``n`` models (more join later) with ``nights`` nights of history into ``db``; seconds taken."""
    started = time.perf_counter()
    rng = random.Random(42)
    frng = random.Random(43)
    profiles = rng.choices(range(len(PROFILES)), weights=[w for w, _, _ in PROFILES], k=FILE_LISTS)
    lists = pa.table(
        {
            "list_no": pa.array(range(FILE_LISTS), pa.int64()),
            "profile": pa.array(profiles, pa.int32()),
            "files": pa.array([list(make_files(p, frng)) for p in profiles], pa.list_(pa.string())),
        }
    )
    con = connect(db)
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET memory_limit = '3GB'")
        con.execute("CREATE TEMP TABLE profiles (profile INTEGER, tags VARCHAR[], library VARCHAR)")
        con.executemany(
            "INSERT INTO profiles VALUES (?, ?, ?)",
            [(k, tags, library) for k, (_, tags, library) in enumerate(PROFILES)],
        )
        con.register("lists_arrow", lists)
        con.execute("CREATE TEMP TABLE lists AS SELECT * FROM lists_arrow")
        con.unregister("lists_arrow")
        total = int(n * (1 + 0.005 * (nights - 1)))
        # run r (1..nights) finished on night r-1 at 03:30 UTC
        con.execute(
            "INSERT INTO crawl_runs (run_id, source, started_at, finished_at, status, models, full_listing) "
            "SELECT r, 'huggingface', TIMESTAMPTZ '2026-11-01 03:00:00+00' + to_days(CAST(r - 1 AS INTEGER)), "
            "TIMESTAMPTZ '2026-11-01 03:30:00+00' + to_days(CAST(r - 1 AS INTEGER)), 'complete', $n, true "
            "FROM range(1, $nights + 1) t(r)",
            {"n": n, "nights": nights},
        )
        # mid i: first seen on run 1 for the first n, then 0.5 % of n more each night;
        # gone: 0.1 % per night (absent from run g, deleted on run g + 2)
        con.execute(
            """
            CREATE TEMP TABLE base AS
            SELECT i AS mid,
                   CASE WHEN i <= $n THEN 1 ELSE 2 + CAST((i - $n - 1) // ($n * 0.005) AS BIGINT) END AS first_run,
                   CASE WHEN hash(i, 9) % 1000 < $nights - 1 THEN 2 + hash(i, 9) % 1000 END AS gone_run,
                   l.files, l.profile
            FROM range(1, $total + 1) t(i)
            JOIN lists l ON l.list_no = hash(i, 7) % $lists
            """,
            {"n": n, "total": total, "nights": nights, "lists": FILE_LISTS},
        )
        con.execute("UPDATE base SET gone_run = NULL WHERE gone_run <= first_run")
        con.execute(
            """
            INSERT INTO models BY NAME
            SELECT b.mid, 'huggingface' AS hub, printf('%024x', b.mid) AS key,
                   'org' || (b.mid % 50000) || '/model-' || b.mid AS id,
                   'org' || (b.mid % 50000) AS author,
                   CASE WHEN hash(b.mid, 1) % 100 < 15 THEN TIMESTAMPTZ '2022-03-02 23:29:04+00'
                        ELSE TIMESTAMPTZ '2022-03-03 00:00:00+00' + to_seconds(CAST(hash(b.mid, 2) % 140000000 AS BIGINT))
                   END AS created_at,
                   CASE WHEN hash(b.mid, 1) % 100 < 15 THEN 'sentinel' ELSE 'exact' END AS created_at_quality,
                   TIMESTAMPTZ '2026-10-01 00:00:00+00' AS last_modified,
                   p.library AS library_name,
                   list_concat(p.tags, ['en', 'region:us']) AS tags,
                   CAST(hash(b.mid, 4) % 10000 AS BIGINT) AS downloads,
                   CAST(hash(b.mid, 4) % 30000 AS BIGINT) AS downloads_all_time,
                   CAST(hash(b.mid, 3) % 50 AS BIGINT) AS likes,
                   printf('%040x', hash(b.mid, 5)) AS sha, false AS private, 'false' AS gated,
                   []::VARCHAR[] AS formats, b.files, hash(list_sort(b.files)) AS files_hash,
                   b.first_run AS first_seen_run,
                   CASE WHEN b.gone_run IS NULL THEN $nights ELSE b.gone_run - 1 END AS last_seen_run,
                   CASE WHEN b.gone_run IS NOT NULL THEN b.gone_run END AS absent_since_run,
                   CASE WHEN b.gone_run + 2 <= $nights
                        THEN TIMESTAMPTZ '2026-11-01 03:30:00+00' + to_days(CAST(b.gone_run + 1 AS INTEGER)) END AS deleted_at,
                   CASE WHEN b.gone_run + 2 <= $nights THEN b.gone_run + 2 END AS deleted_run
            FROM base b JOIN profiles p USING (profile)
            """,
            {"nights": nights},
        )
        con.execute(
            "INSERT INTO model_absences SELECT mid, 'huggingface', gone_run, NULL, "
            "CASE WHEN gone_run + 2 <= $nights THEN gone_run + 2 END FROM base WHERE gone_run IS NOT NULL",
            {"nights": nights},
        )
        # the runs in which each model was seen: first_run .. last_seen_run
        seen = (
            "FROM models m, range(1, $nights + 1) t(r) WHERE r BETWEEN m.first_seen_run AND m.last_seen_run"
        )
        con.execute(
            "INSERT INTO model_counters_log SELECT m.mid, r, m.downloads + r, m.downloads_all_time + r, m.likes "
            f"{seen} AND (r = m.first_seen_run OR hash(m.mid, r, 11) % 1000 < 330)",
            {"nights": nights},
        )
        con.execute(
            "INSERT INTO model_attrs_log BY NAME SELECT m.mid, r AS run_id, "
            "CASE WHEN hash(m.mid, 12) % 10000 < 5 * r THEN m.id || '-n' || r ELSE m.id END AS id, m.author, "
            "m.created_at, m.created_at_quality, m.last_modified + to_days(CAST(r AS INTEGER)) AS last_modified, "
            "m.library_name, m.pipeline_tag, m.tags, printf('%040x', hash(m.mid, r)) AS sha, m.private, m.gated, "
            f"m.formats, m.extra {seen} AND (r = m.first_seen_run OR hash(m.mid, r, 13) % 10000 < 55)",
            {"nights": nights},
        )
        con.execute(
            "INSERT INTO model_files_log BY NAME SELECT m.mid, r AS run_id, printf('%040x', hash(m.mid, r)) AS sha, "
            "CASE WHEN r = m.first_seen_run THEN m.files ELSE list_append(m.files, 'eval_results.json') END AS files "
            f"{seen} AND len(m.files) > 0 AND (r = m.first_seen_run OR hash(m.mid, r, 13) % 10000 < 15)",
            {"nights": nights},
        )
        # as the merge leaves it: models holds each log's latest values
        con.execute(
            "UPDATE models m SET downloads = l.downloads, downloads_all_time = l.downloads_all_time "
            "FROM (SELECT mid, arg_max(downloads, run_id) AS downloads, "
            "      arg_max(downloads_all_time, run_id) AS downloads_all_time FROM model_counters_log GROUP BY mid) l "
            "WHERE m.mid = l.mid"
        )
        con.execute(
            "UPDATE models m SET id = l.id, last_modified = l.last_modified, sha = l.sha "
            "FROM (SELECT mid, arg_max(id, run_id) AS id, arg_max(last_modified, run_id) AS last_modified, "
            "      arg_max(sha, run_id) AS sha FROM model_attrs_log GROUP BY mid) l WHERE m.mid = l.mid"
        )
        con.execute(
            "UPDATE models m SET files = l.files, files_hash = hash(list_sort(l.files)) "
            "FROM (SELECT mid, arg_max(files, run_id) AS files FROM model_files_log GROUP BY mid "
            "      HAVING count(*) > 1) l WHERE m.mid = l.mid"
        )
        refresh_file_bits(con)
        refresh_attr_bits(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return time.perf_counter() - started


def run_stat(db: str, args: list[str]) -> tuple[float, float, int]:
    """``zoo stats …`` in a fresh process: wall seconds, CPU seconds (user + system) and peak RSS
    (bytes, sampled every 10 ms with psutil once the child has exec'd: ``ru_maxrss`` would count the
    fork of this large process)."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "stats", *args, "--db", db],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watched = psutil.Process(proc.pid)
    time.sleep(0.05)  # past exec
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.01)
    wall = time.perf_counter() - started
    if proc.wait() != 0:
        raise SystemExit(f"zoo stats {' '.join(args)} failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak


def run_in_process(db: str, args: list[str]) -> tuple[float, float]:
    """``zoo stats …`` through the CLI's app in this process (output discarded): wall and CPU seconds
    (user + system of this process, DuckDB's threads included)."""
    import contextlib
    import io

    from crawler.cli import app

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = app(["stats", *args, "--db", db], standalone_mode=False)
    wall = time.perf_counter() - started
    if code not in (None, 0):
        raise SystemExit(f"zoo stats {' '.join(args)} exited {code}")
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=3_000_000, help="models on night 1 (default 3,000,000)")
    parser.add_argument("--nights", type=int, default=30, help="nights of history (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per statistic (default 3)")
    parser.add_argument("--db", help="database to build (default: a temporary file, removed afterwards)")
    parser.add_argument("--reuse", action="store_true", help="use --db as it is (built before)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="also time each statistic in this process (after one warm-up)",
    )
    parser.add_argument("--build-only", action="store_true", help="build --db, time nothing")
    args = parser.parse_args()
    middle = (FIRST_NIGHT + timedelta(days=args.nights // 2)).isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "history.duckdb")
        if not args.reuse:
            for p in (Path(db), Path(db + ".wal")):
                p.unlink(missing_ok=True)
            print(f"building {args.n:,} models × {args.nights} nights…", file=sys.stderr)
            seconds = build(db, args.n, args.nights)
            print(f"built in {seconds:.0f} s, {Path(db).stat().st_size / 1e6:,.0f} MB", file=sys.stderr)
        if args.build_only:
            return
        cases = [
            (["exclusivity", "--by", "year"], 1.0),
            (["exclusivity", "--by", "year", "--definition", "evidence"], 1.0),
            (["additions", "--by", "year"], 1.0),
            (["hubs"], 1.0),
            (["exclusivity", "--by", "year", "--as-of", middle], 2.0),
            (["additions", "--by", "year", "--as-of", middle], 2.0),
        ]
        print(
            f"\nzoo stats on {args.n:,} models × {args.nights} nights (fresh process each, best of {args.repeat})"
        )
        print(f"{'command':<58} {'wall s':>7} {'CPU s':>6} {'RSS MB':>7}  target")
        for argv, limit in cases:
            runs = [run_stat(db, argv) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            verdict = "PASS" if wall < limit and rss <= 400e6 else "MISS"
            print(
                f"{'zoo stats ' + ' '.join(argv):<58} {wall:7.2f} {cpu:6.2f} {rss / 1e6:7.0f}  "
                f"< {limit:g} s, ≤ 400 MB: {verdict}"
            )
        if args.in_process:
            print(f"\nin this process (after a warm-up run, best of {args.repeat})")
            print(f"{'command':<58} {'wall s':>7} {'CPU s':>6}  target")
            for argv, limit in cases:
                run_in_process(db, argv)
                runs = [run_in_process(db, argv) for _ in range(args.repeat)]
                wall = min(r[0] for r in runs)
                cpu = min(r[1] for r in runs)
                verdict = "PASS" if wall < limit else "MISS"
                print(f"{'zoo stats ' + ' '.join(argv):<58} {wall:7.2f} {cpu:6.2f}  < {limit:g} s: {verdict}")


if __name__ == "__main__":
    main()
