"""All of zoo's benchmarks in one run; prints one table of figures with their targets.

Against a local fake Hub (127.0.0.1) with N synthetic models (default 1,000,000; ``--quick`` = 50,000):

1. overhead   wall time of ``zoo crawl hf`` ÷ a bare loop that only downloads and parses the same pages
              (same page size, zero latency); models/s; CPU seconds (user + system of the crawl
              process, merge included) per 1M models, night 1 and the mean of the later nights;
              pipelining: with 100 ms of server latency per page, the crawl's wall time ÷ the bare
              download of the same pages
2. quota      with a fixed-window quota on the fake, the crawl's wall time ÷ what quota arithmetic allows;
              requests over quota after the first 429
3. storage    DB size after 1 night and after ``--nights`` simulated nights (the fake Hub evolves each
              night: additions, deletions, renames, counter changes, commits that change files), the
              largest growth of one night after the first; Parquet export size per night
4. queries    ``stats exclusivity --by year`` and ``stats additions --by year`` on the many-night DB,
              in-process; and exclusivity ``--as-of`` a middle night
5. memory     peak RSS of the N-model crawl, and of each ``zoo stats`` command of 4 (a fresh process)

Every target is printed beside its figure with PASS or MISS. Every timing is a ratio or a figure
measured in this same run; this machine is noisy, so run it twice (CPU seconds and sizes are steadier
than wall times).

``--no-files`` crawls without the repos' file names (``zoo crawl hf --no-files``), for comparison.

Usage: python bench/run_all.py [--quick] [--n N] [--nights K] [--no-files]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

sys.path.insert(0, str(ROOT / "bench"))
from crawl_bench import bare_loop, crawl_subprocess  # noqa: E402

from crawler import stats  # noqa: E402
from crawler.store import connect  # noqa: E402
from tests.fakes.hub import FakeHub, Faults, evolve, make_models  # noqa: E402


def du(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def date_runs(db: str, night: int) -> None:
    """Give the latest run the dates of simulated night ``night``."""
    when = datetime(2026, 11, 1, 3, tzinfo=timezone.utc) + timedelta(days=night)
    con = connect(db)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = (SELECT max(run_id) FROM crawl_runs)",
        [when, when + timedelta(minutes=30)],
    )
    con.close()


def timed(fn, repeat: int = 3) -> float:
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def stat_rss(db: str, argv: list[str]) -> tuple[float, int]:
    """``zoo stats …`` in a fresh process: wall seconds and peak RSS (bytes, sampled with psutil)."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "stats", *argv, "--db", db],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watched = psutil.Process(proc.pid)
    time.sleep(0.05)  # past exec: the fork's copy of this process is gone
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.01)
    if proc.wait() != 0:
        raise SystemExit(f"zoo stats {' '.join(argv)} exited {proc.returncode}")
    return time.perf_counter() - started, peak


def pipelining(models: list[dict], pages: int, files: bool, tmp: Path) -> tuple[float, float, int]:
    """With 100 ms of latency on every request: the bare download's and the crawl's wall seconds."""
    subset = models[: pages * 1000]
    with FakeHub(subset, faults=Faults(latency=0.1)) as hub:
        bare_s, got, _ = bare_loop(hub.url, files)
        assert got == len(subset)
        wall, _, _ = crawl_subprocess(hub.url, str(tmp / "latency.duckdb"), files)
    return bare_s, wall, pages


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 models, 10 nights (for CI)")
    parser.add_argument("--n", type=int, default=None, help="synthetic models (default 1,000,000)")
    parser.add_argument("--nights", type=int, default=None, help="simulated nights (default 30)")
    parser.add_argument("--no-files", action="store_true", help="crawl without the repos' file names")
    args = parser.parse_args()
    files = not args.no_files
    n = args.n or (50_000 if args.quick else 1_000_000)
    nights = args.nights or (10 if args.quick else 30)
    rows: list[tuple[str, str, str]] = []

    print(f"generating {n:,} synthetic models…", file=sys.stderr)
    models = make_models(n, seed=42)
    tmp = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    try:
        # 1 + 5: overhead and memory
        with FakeHub(models) as hub:
            bare_s, got, page_bytes = bare_loop(hub.url, files)
            assert got == n
            db = str(tmp / "night.duckdb")
            print("crawl night 0…", file=sys.stderr)
            wall, cpu, rss = crawl_subprocess(hub.url, db, files)
            date_runs(db, 0)
            cpu1 = cpu / n * 1e6
            rows += [
                ("0 file names (expand=siblings)", "yes" if files else "no", ""),
                ("0 bytes per page of 1,000 models (kB)", f"{page_bytes / (n / 1000) / 1e3:,.0f}", ""),
                ("1 overhead: crawl ÷ bare download loop, 0 ms latency", f"{wall / bare_s:.2f}", ""),
                ("1 models/s", f"{n / wall:,.0f}", ""),
                (
                    "1 CPU s per 1M models, night 1 (incl. merge)",
                    f"{cpu1:.1f}",
                    f"≤ 15: {verdict(cpu1 <= 15)}",
                ),
                (
                    "5 peak RSS of the crawl, night 1, sampled every 20 ms (MB)",
                    f"{rss / 1e6:.0f}",
                    f"≤ 400: {verdict(rss <= 400e6)}",
                ),
            ]
            size1 = du(Path(db))
            export_dir = tmp / "export"
            subprocess.run(
                [sys.executable, "-m", "crawler.cli", "export", str(export_dir), "--db", db],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            export1 = du(export_dir)

            # 3: storage over nights
            current = models
            growth = 0.0
            previous = size1
            later_cpu: list[float] = []
            later_rss = 0
            for night in range(1, nights):
                current, _ = evolve(current, night, seed=42)
                hub.set_models(current)
                print(f"crawl night {night}…", file=sys.stderr)
                _, cpu_n, rss_n = crawl_subprocess(hub.url, db, files)
                later_cpu.append(cpu_n / len(current) * 1e6)
                later_rss = max(later_rss, rss_n)
                date_runs(db, night)
                size = du(Path(db))
                print(f"  DB after night {night}: {size / 1e6:.1f} MB", file=sys.stderr)
                growth = max(growth, size / previous - 1)  # this night over the one before
                previous = size
            subprocess.run(
                [sys.executable, "-m", "crawler.cli", "export", str(export_dir), "--db", db],
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            sizeN = du(Path(db))
            exportN = du(export_dir)
        mean_growth = ((sizeN / size1) ** (1 / max(1, nights - 1)) - 1) * 100
        later = sum(later_cpu) / max(1, len(later_cpu))
        rows += [
            (
                "1 CPU s per 1M models, later nights, mean (incl. merge)",
                f"{later:.1f}",
                f"≤ 15: {verdict(later <= 15)}",
            ),
            (
                "5 peak RSS of the crawl, later nights (MB)",
                f"{later_rss / 1e6:.0f}",
                f"≤ 400: {verdict(later_rss <= 400e6)}",
            ),
            ("3 DB size after 1 night (MB)", f"{size1 / 1e6:.1f}", ""),
            (f"3 DB size after {nights} nights (MB)", f"{sizeN / 1e6:.1f}", ""),
            (
                f"3 ratio {nights} nights ÷ 1 night",
                f"{sizeN / size1:.2f}",
                f"≤ 3: {verdict(sizeN / size1 <= 3)}",
            ),
            (
                "3 growth per night after the first, mean (%)",
                f"{mean_growth:.1f}",
                f"≤ 5: {verdict(mean_growth <= 5)}",
            ),
            (
                "3 largest growth of one night over the one before (%)",
                f"{growth * 100:.1f}",
                f"≤ 5 each night: {verdict(growth <= 0.05)}",
            ),
            ("3 export size, first night (MB)", f"{export1 / 1e6:.1f}", ""),
            (
                "3 export size per later night (MB)",
                f"{(exportN - export1) / max(1, nights - 1) / 1e6:.1f}",
                "",
            ),
        ]

        # 4: queries on the many-night DB
        con = connect(db, read_only=True)
        # 3: file names logged after the first night apart (model_files_log), against what the attrs log
        # would hold if every attrs row carried the model's file list (each rename, tag change or new sha
        # copying it); the first night logs every list either way
        logged, in_attrs = con.execute(
            "WITH later AS (SELECT min(run_id) AS first FROM crawl_runs) "
            "SELECT (SELECT coalesce(sum(len(files)), 0) FROM model_files_log, later WHERE run_id > first), "
            "(SELECT coalesce(sum(len(f.files)), 0) FROM model_attrs_log a "
            " ASOF JOIN model_files_log f ON f.mid = a.mid AND f.run_id <= a.run_id, later "
            " WHERE a.run_id > later.first)"
        ).fetchone()
        if files:
            rows.append(
                (
                    "3 file names logged after night 1: files log / if in attrs log",
                    f"{logged / 1e3:,.0f}k / {in_attrs / 1e3:,.0f}k",
                    "",
                )
            )
        middle = (datetime(2026, 11, 1) + timedelta(days=nights // 2)).date().isoformat()
        q_excl = timed(lambda: stats.exclusivity(con, definition="tags", by="year"))
        q_add = timed(lambda: stats.additions(con, by="year"))
        q_asof = timed(lambda: stats.exclusivity(con, definition="tags", by="year", as_of=middle))
        con.close()
        rows += [
            ("4 stats exclusivity --by year, in-process (s)", f"{q_excl:.2f}", f"< 1: {verdict(q_excl < 1)}"),
            ("4 stats additions --by year, in-process (s)", f"{q_add:.2f}", f"< 1: {verdict(q_add < 1)}"),
            (
                f"4 stats exclusivity --as-of {middle}, in-process (s)",
                f"{q_asof:.2f}",
                f"< 2: {verdict(q_asof < 2)}",
            ),
        ]
        # 5: memory of each statistic, as the CLI runs it (a fresh process)
        for argv in (
            ["exclusivity", "--by", "year"],
            ["additions", "--by", "year"],
            ["hubs"],
            ["exclusivity", "--by", "year", "--as-of", middle],
        ):
            stat_wall, stat_peak = stat_rss(db, argv)
            rows.append(
                (
                    f"5 peak RSS of `zoo stats {' '.join(argv)}` (MB; {stat_wall:.1f} s with start-up)",
                    f"{stat_peak / 1e6:.0f}",
                    f"≤ 400: {verdict(stat_peak <= 400e6)}",
                )
            )

        # 1: pipelining, 100 ms of latency per page
        # as many pages as the hub has, up to 200 (20 s of latency alone); --quick: 50. The crawl's
        # fixed costs (start-up, merge: about 1.5 s) weigh more the fewer pages there are.
        lat_pages = max(1, min(50 if args.quick else 200, n // 1000))
        print(f"pipelining: {lat_pages} pages at 100 ms latency…", file=sys.stderr)
        bare_l, crawl_l, _ = pipelining(models, lat_pages, files, tmp)
        rows.append(
            (
                f"1 pipelining: crawl ÷ bare download, 100 ms latency ({lat_pages} pages)",
                f"{crawl_l / bare_l:.2f}",
                f"≤ 1.10: {verdict(crawl_l / bare_l <= 1.10)}",
            )
        )

        # 2: quota-bound
        q, w = 10, 3
        pages = math.ceil(n / 1000)
        quota_models = models if pages <= 60 else models[:60_000]
        pages = math.ceil(len(quota_models) / 1000)
        with FakeHub(quota_models, faults=Faults(quota=(q, w))) as hub:
            time.sleep(w)  # start on a fresh window
            hub._window_start = time.monotonic()
            wall_q, _, _ = crawl_subprocess(hub.url, str(tmp / "quota.duckdb"), files)
            over = hub.over_quota_after_429
            n429 = sum(1 for _, s in hub.requests if s == 429)
        allowed = (math.ceil(pages / q) - 1) * w
        rows += [
            (
                f"2 quota-bound: wall ÷ quota arithmetic ({pages} pages, {q}/{w}s)",
                f"{wall_q / max(allowed, 1e-9):.2f}",
                f"≤ 1.10: {verdict(wall_q / max(allowed, 1e-9) <= 1.10)}",
            ),
            (
                "2 429s received / requests over quota after the first 429",
                f"{n429} / {over}",
                f"0 after the first: {verdict(over == 0)}",
            ),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nzoo benchmarks: {n:,} models, {nights} nights ({os.cpu_count()} cores)")
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>12}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>12}  {target}")


if __name__ == "__main__":
    main()
