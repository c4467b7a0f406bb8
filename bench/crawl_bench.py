"""Crawl throughput and memory against a zero-latency fake Hub on 127.0.0.1.

Prints, for N synthetic models:
  * the wall time of a bare loop that only downloads and parses the same pages (the baseline);
  * the wall time of ``zoo crawl hf`` (a subprocess, so its peak RSS can be measured), and the ratio;
  * models/s, CPU seconds per 1M models and peak RSS of the crawl.

Usage: python bench/crawl_bench.py [--n 200000]
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

from crawler.sources.huggingface import EXPAND  # noqa: E402
from tests.fakes.hub import FakeHub, make_models  # noqa: E402


def bare_loop(url: str) -> tuple[float, int]:
    """Download and JSON-parse every page, nothing else."""
    query = "limit=1000&sort=createdAt" + "".join(f"&expand={e}" for e in EXPAND)
    next_url: str | None = f"{url}/api/models?{query}"
    n = 0
    started = time.perf_counter()
    with httpx2.Client(timeout=60) as client:
        while next_url:
            r = client.get(next_url)
            n += len(r.json())
            next_url = r.links.get("next", {}).get("url")
    return time.perf_counter() - started, n


def crawl_subprocess(url: str, db: str) -> tuple[float, float, int]:
    """Run ``zoo crawl hf``; return wall seconds, CPU seconds and peak RSS (bytes) of that process.

    The peak is sampled every 20 ms with psutil. ``ru_maxrss`` cannot be used: the child is forked
    from this process, which holds the whole synthetic listing, and Linux keeps the fork's RSS as the
    child's maximum across exec.
    """
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "hf", "--hf-endpoint", url, "--db", db],
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
    args = parser.parse_args()

    print(f"generating {args.n:,} synthetic models…", file=sys.stderr)
    models = make_models(args.n, seed=42)
    with FakeHub(models) as hub, tempfile.TemporaryDirectory() as tmp:
        bare_s, n = bare_loop(hub.url)
        assert n == args.n, (n, args.n)
        wall, cpu, rss = crawl_subprocess(hub.url, str(Path(tmp) / "bench.duckdb"))
        db_size = (Path(tmp) / "bench.duckdb").stat().st_size
    rows = [
        ("models", f"{args.n:,}"),
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
