"""Crawl throughput and memory against a zero-latency fake Hub on 127.0.0.1.

Prints, for N synthetic models:
  * the wall time of a bare loop that only downloads and parses the same pages (the baseline), and the
    bytes of a page of 1,000 models;
  * the wall time of ``zoo crawl hf`` (a subprocess, so its peak RSS can be measured), and the ratio;
  * models/s, CPU seconds per 1M models, peak RSS of the crawl and the database size.

With ``--no-files`` both the bare loop and the crawl leave out the repos' file names (``expand=siblings``,
``zoo crawl hf --no-files``), to show what file-level evidence costs.

Usage: python bench/crawl_bench.py [--n 200000] [--no-files]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import httpx2  # noqa: E402

from crawler.sources.huggingface import EXPAND, FILES_EXPAND  # noqa: E402
from tests.fakes.hub import FakeHub, make_models  # noqa: E402


def bare_loop(url: str, files: bool = True) -> tuple[float, int, int]:
    """Download and JSON-parse every page, nothing else; returns seconds, models and body bytes."""
    expand = EXPAND if files else [e for e in EXPAND if e != FILES_EXPAND]
    query = "limit=1000&sort=createdAt" + "".join(f"&expand={e}" for e in expand)
    next_url: str | None = f"{url}/api/models?{query}"
    n = size = 0
    started = time.perf_counter()
    with httpx2.Client(timeout=60) as client:
        while next_url:
            r = client.get(next_url)
            size += len(r.content)
            n += len(r.json())
            next_url = r.links.get("next", {}).get("url")
    return time.perf_counter() - started, n, size


def crawl_subprocess(url: str, db: str, files: bool = True) -> tuple[float, float, int]:
    """Run ``zoo crawl hf``; return wall seconds, CPU seconds and peak RSS (bytes) of that process.

    The peak is sampled every 20 ms with psutil. ``ru_maxrss`` cannot be used: the child is forked
    from this process, which holds the whole synthetic listing, and Linux keeps the fork's RSS as the
    child's maximum across exec.
    """
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "hf", "--hf-endpoint", url, "--db", db]
        + ([] if files else ["--no-files"]),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    watched = psutil.Process(proc.pid)
    time.sleep(0.2)  # past exec: the fork's copy of this process is gone
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.Error:
            break
        time.sleep(0.02)
    if proc.wait() != 0:
        raise SystemExit(f"zoo crawl hf exited {proc.returncode}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200_000, help="synthetic models (default 200,000)")
    parser.add_argument("--no-files", action="store_true", help="leave the repos' file names out")
    args = parser.parse_args()
    files = not args.no_files

    print(f"generating {args.n:,} synthetic models…", file=sys.stderr)
    models = make_models(args.n, seed=42)
    with FakeHub(models) as hub, tempfile.TemporaryDirectory() as tmp:
        bare_s, n, size = bare_loop(hub.url, files)
        assert n == args.n, (n, args.n)
        wall, cpu, rss = crawl_subprocess(hub.url, str(Path(tmp) / "bench.duckdb"), files)
        db_size = (Path(tmp) / "bench.duckdb").stat().st_size
    rows = [
        ("models", f"{args.n:,}"),
        ("file names", "yes" if files else "no (--no-files)"),
        ("bytes per page of 1,000 models (kB)", f"{size / (n / 1000) / 1e3:,.0f}"),
        ("bare download+parse loop (s)", f"{bare_s:.2f}"),
        ("zoo crawl hf, wall (s)", f"{wall:.2f}"),
        ("overhead ratio crawl / bare", f"{wall / bare_s:.2f}"),
        ("models/s", f"{args.n / wall:,.0f}"),
        ("CPU s per 1M models", f"{cpu / args.n * 1e6:.1f}"),
        ("peak RSS of the crawl, sampled (MB)", f"{rss / 1e6:.0f}"),
        ("DB size (MB)", f"{db_size / 1e6:.1f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v:>12}")


if __name__ == "__main__":
    main()
