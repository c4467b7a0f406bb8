"""kill -9 at seeded moments of a real ``zoo crawl hf`` subprocess, then resume until a run completes.

The crawler fetches one page ahead in a thread while the main thread stores the page before it, so at
any moment up to two listing pages have been answered by the Hub but are not yet in the staging file's
checkpoint: the one being stored (parse, Arrow conversion, INSERT, COMMIT) and the one fetched ahead.
A kill loses at most those two, and the next run asks for them again from the saved checkpoint.

The kill moments come from a seeded RNG: "after the k-th answer of this process, plus d ms", with d
spread over a page cycle (the fake adds latency to each answer), so kills land while a page is on the
wire, being parsed, being written to the staging file or being committed; once every page is staged,
kills land at a delay after start, inside begin-run or the final merge transaction.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

from crawler.store import staging_path
from tests.fakes.faults import (
    RecordingHub,
    model_rows,
    query,
    runs,
    staged_state,
    zoo,
)
from tests.fakes.hub import Faults, make_models
from tests.fakes.zygote import Zygote

N_PAGES = 25  # the CLI asks for pages of 1,000
N_KILLS = 12  # planned; at least MIN_KILLS must land before the run completes
MIN_KILLS = 10
SEED = 8
#: seconds the fake adds to each answer, drawn per process: with none, fetching page n+1 is faster than
#: storing page n, so kills also land while one page is stored and the next one waits in the queue
LATENCIES = (0.0, 0.02, 0.05)


def _stage_pages(db: str) -> int:
    state = staged_state(staging_path(db, "huggingface"))
    return 0 if state is None else int(state["pages"])


def _complete(db: str) -> bool:
    return Path(db).exists() and any(r["status"] == "complete" for r in runs(db))


def _phase(complete: bool, staged: int, answered: int, in_flight: int, lost: int) -> str:
    """Where the kill most likely landed, from what the Hub answered and what the staging file holds."""
    if complete:
        return "after the merge committed"
    if staged == N_PAGES and lost == 0:
        return "startup, begin-run or merge (every page staged)"
    if lost == 2:
        return "storing page n, page n+1 fetched ahead"
    if lost == 1:
        return "parsing or storing a page" + (", the next one on the wire" if in_flight else "")
    if in_flight:
        return "fetching (request on the wire)"
    return "startup" if answered == 0 else "between pages"


def test_kill_9_at_seeded_points_then_resume_equals_a_clean_crawl(tmp_path: Path) -> None:
    models = make_models(N_PAGES * 1000, seed=SEED)
    rng = random.Random(SEED)
    clean_db = str(tmp_path / "clean.duckdb")
    db = str(tmp_path / "killed.duckdb")
    kills: list[dict] = []
    fetched: list[str] = []  # the pages each process was answered, in order
    started = time.monotonic()
    # the killed crawlers are real processes forked from one that made their imports once: what is tested
    # is what a kill leaves in the files, not the start-up
    with RecordingHub(models, faults=Faults()) as hub, Zygote() as zygote:
        clean = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", clean_db)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        first_of_killed = len(hub.seen())

        # 10 kills while pages are fetched and stored, one once the last page is answered (storing it,
        # or merging), one after a delay from start (begin-run, or the merge when all pages are staged)
        schedule = ["page"] * (N_KILLS - 2) + ["last page", "start"]
        complete, staged = False, 0  # what the last kill left (nothing yet: no database)
        for kind in schedule:
            if complete:
                break
            staged_before = staged
            remaining = N_PAGES - staged_before
            base_arrivals = len(hub.seen())
            hub.faults.latency = rng.choice(LATENCIES)
            proc = zygote.spawn("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
            spawned = time.monotonic()
            if kind == "start" or remaining == 0:
                delay = rng.uniform(0.3, 0.9)
                time.sleep(max(0.0, spawned + delay - time.monotonic()))
                point = f"start + {delay * 1000:.0f} ms"
            else:
                k = remaining if kind == "last page" else rng.randint(1, min(2, remaining))
                delay = rng.uniform(0.0, 0.4 if kind == "last page" else 0.08)
                assert hub.wait_answered(k, timeout=60, since=base_arrivals), "the crawler asked for no page"
                time.sleep(delay)
                point = f"answer {k} + {delay * 1000:.0f} ms, latency {hub.faults.latency * 1000:.0f} ms"
            if proc.poll() is not None:  # it finished before the kill point
                out, err = proc.communicate()
                assert proc.returncode == 0, out + err
                break
            killed_at = time.monotonic()
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            assert proc.returncode == -signal.SIGKILL

            # what this process got before the kill (an answer written later went to a dead socket)
            mine = hub.seen()[base_arrivals:]
            answered_pages = [s for s in mine if s.status == 200 and (s.answered or 0) < killed_at]
            in_flight = [s for s in mine if s not in answered_pages]
            fetched += [s.page for s in answered_pages]
            # the database and the staging file are readable after every kill, and the run is one run
            crawl_runs = runs(db)
            assert len(crawl_runs) == 1 and crawl_runs[0]["status"] in ("running", "complete")
            complete = crawl_runs[0]["status"] == "complete"
            staged = staged_after = N_PAGES if complete else _stage_pages(db)
            lost = len(answered_pages) - (staged_after - staged_before)
            kills.append(
                {
                    "point": point,
                    "phase": _phase(complete, staged_after, len(answered_pages), len(in_flight), lost),
                    "answered": len(answered_pages),
                    "in_flight": len(in_flight),
                    "saved": staged_after - staged_before,
                    "lost": lost,
                    "complete": complete,
                }
            )

        final = None
        if not _complete(db):
            base_arrivals = len(hub.seen())
            final = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
            assert final.returncode == 0, final.stdout + final.stderr
            fetched += [s.page for s in hub.seen()[base_arrivals:] if s.status == 200]
        clean_pages = {s.page for s in hub.seen()[:first_of_killed] if s.status == 200}
    elapsed = time.monotonic() - started

    report = "\n".join(f"kill {i + 1}: {k}" for i, k in enumerate(kills))
    refetched = {page: n - 1 for page, n in Counter(fetched).items() if n > 1}
    print(f"\n{report}\nrefetched pages: {sum(refetched.values())} over {len(kills)} kills; {elapsed:.1f} s")

    assert len(kills) >= MIN_KILLS, report
    # each kill lost at most the page being stored and the one fetched ahead
    assert all(0 <= k["lost"] <= 2 for k in kills), report
    # every page answered more than once is one a kill lost, and no other
    assert sum(refetched.values()) == sum(k["lost"] for k in kills), (refetched, report)
    assert sum(refetched.values()) <= 2 * len(kills)
    assert set(fetched) == clean_pages and len(clean_pages) == N_PAGES  # the clean crawl's pages, all

    # the killed-and-resumed crawl stored exactly what a clean crawl stores
    rows = model_rows(db)
    assert rows == model_rows(clean_db)
    assert len(rows) == N_PAGES * 1000
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"] is True
    assert (run["pages"], run["items"], run["models"], run["new_models"]) == (
        N_PAGES,
        N_PAGES * 1000,
        N_PAGES * 1000,
        N_PAGES * 1000,
    )
    assert query(db, "SELECT count(*), count(DISTINCT key), count(DISTINCT mid) FROM models") == [
        (N_PAGES * 1000,) * 3
    ]
    for log in ("model_attrs_log", "model_counters_log"):
        assert query(db, f"SELECT count(*), count(DISTINCT mid), min(run_id), max(run_id) FROM {log}") == [
            (N_PAGES * 1000, N_PAGES * 1000, run["run_id"], run["run_id"])
        ], log
    assert query(db, "SELECT count(*) FROM model_absences") == [(0,)]
    if final is not None or not kills[-1]["complete"]:
        assert not staging_path(db, "huggingface").exists()
    # else the last kill landed between the merge's COMMIT and the removal of the staging file: the run
    # is complete, and the next crawl (a new run) removes the leftover
