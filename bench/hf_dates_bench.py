"""``zoo crawl hf-dates`` against a fake Hub on 127.0.0.1: requests per legacy model, models/s, pacing.

Builds a listing of N synthetic models whose legacy cohort (``createdAt`` = the placeholder) is a share
of them, with a few repos of more than 1,000 commits (two requests each), crawls the listing, then
dates the cohort with ``zoo crawl hf-dates`` (a subprocess, as cron runs it) and prints:

  * requests per legacy model (the Hub's answers to the commits endpoint, counted by the fake);
  * models/s without a quota (the tool's own overhead: the real Hub is bound by its quota instead);
  * with ``--quota Q/W`` (e.g. 100/10), a second run against a fake that allows Q requests per W
    seconds and says so in ``RateLimit`` headers: how many quota windows the requests took (against
    the fewest possible), the most in one window, and whether a 429 was provoked;
  * by arithmetic from the measured requests per model: the wall time and the nights (at the nightly
    budget) for a cohort of 30,000 legacy models at the free-token quota (1,000 requests / 5 min) and
    anonymously (500 / 5 min).

Usage: python bench/hf_dates_bench.py [--n 20000] [--legacy-share 0.15] [--quota 100/10]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from tests.fakes.faults import RecordingHub  # noqa: E402
from tests.fakes.hub import FakeHub, Faults, is_legacy, make_models  # noqa: E402

COHORT = 30_000
NIGHTLY_BUDGET = 2_000
QUOTAS = {"free token": (1000, 300), "anonymous": (500, 300)}


def zoo(*args: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT", "ZOO_DB")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"zoo {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started, done.stdout.strip()


def listing(n: int, share: float, big_share: float, seed: int) -> tuple[list[dict], int]:
    models = make_models(n, seed=seed, sentinel_share=share)
    for m in models:  # none gated: a run without a token does not ask gated repos, and this measures dating
        m["gated"] = False
    rng = random.Random(seed)
    legacy = [m for m in models if is_legacy(m)]
    for m in rng.sample(legacy, max(1, int(len(legacy) * big_share))):
        m["_commits"] = rng.randrange(1001, 3000)  # a repo with a long history: two requests
    return models, len(legacy)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20_000, help="models in the listing")
    parser.add_argument("--legacy-share", type=float, default=0.15, help="share of legacy models")
    parser.add_argument(
        "--big-share", type=float, default=0.002, help="share of legacy repos with >1,000 commits"
    )
    parser.add_argument(
        "--quota", default="100/10", help="Q/W for the paced run (requests per seconds); '' skips it"
    )
    args = parser.parse_args()

    models, n_legacy = listing(args.n, args.legacy_share, args.big_share, seed=31)
    with tempfile.TemporaryDirectory() as tmp, FakeHub(models) as hub:
        db = str(Path(tmp) / "zoo.duckdb")
        zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
        before = len(hub.requests)
        seconds, out = zoo("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = len(hub.requests) - before
        statuses = {s for _, s in hub.requests[before:]}
    per_model = asked / n_legacy
    print(
        f"listing: {args.n:,} models, {n_legacy:,} legacy ({args.big_share:.1%} of them with >1,000 commits)"
    )
    print(out.splitlines()[0])
    print(f"requests per legacy model: {per_model:.4f} ({asked:,} requests, answers {sorted(statuses)})")
    print(f"models/s without a quota: {n_legacy / seconds:,.0f} ({seconds:.1f} s for the whole command)")

    if args.quota:
        q, w = (int(x) for x in args.quota.split("/"))
        small = [m for m in models if not is_legacy(m)][:200] + [m for m in models if is_legacy(m)][: q * 3]
        with tempfile.TemporaryDirectory() as tmp, RecordingHub(small, faults=Faults()) as hub:
            db = str(Path(tmp) / "zoo.duckdb")
            zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
            before = len(hub.seen())
            with hub._lock:  # the quota's first window starts now
                hub.faults.quota = (q, w)
                hub._window_start, hub._window_count = time.monotonic(), 0
                start = hub._window_start
            seconds, _ = zoo("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
            seen = hub.seen()[before:]
        statuses = [s.status for s in seen]
        per_window = Counter(int((s.arrived - start) // w) for s in seen)
        print(
            f"paced at {q} requests / {w} s: {len(seen):,} requests in {seconds:.1f} s, in {len(per_window)} "
            f"quota windows (the fewest possible: {math.ceil(len(seen) / q)}), at most "
            f"{max(per_window.values())} in one, {statuses.count(429)} answers 429"
        )

    for name, (q, w) in QUOTAS.items():
        requests = COHORT * per_model
        hours = requests / q * w / 3600
        nights = requests / NIGHTLY_BUDGET
        print(
            f"{COHORT:,} legacy models at the {name} quota ({q:,} requests / {w // 60} min): "
            f"{requests:,.0f} requests, {hours:.1f} h of quota; {nights:.0f} nights at the nightly budget "
            f"of {NIGHTLY_BUDGET:,} requests"
        )


if __name__ == "__main__":
    main()
