"""The Hugging Face listing asks for page n+1 while it parses page n (``Source.read_ahead``).

What is checked is what the fake Hub on 127.0.0.1 saw: when the request for the next page arrived
relative to what the crawler had done with the page before it, that an error in the request sent ahead
fails the run exactly as it did when nothing was sent ahead, and that every request is counted once.
None of these assertions depend on how fast the machine is: each waits (up to a generous bound) for
something the old, one-page-at-a-time listing never does.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.base import Meter
from crawler.sources.huggingface import HuggingFaceSource
from tests.fakes.faults import RecordingHub, model_rows, runs
from tests.fakes.hostile import LinkHub
from tests.fakes.hub import Faults, make_models

PAGE = 100
#: Seconds a test waits for a request the crawler is expected to send (far above any parse time).
PATIENCE = 15.0


#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.01, json_retry_wait=0.01)


def fast(url: str, **kw) -> HuggingFaceSource:
    kw.setdefault("policy", FAST)
    kw.setdefault("page_size", PAGE)
    return HuggingFaceSource(url, **kw)


def wait_for(predicate, timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_the_next_page_is_asked_before_this_page_is_handed_on() -> None:
    """While the listing is suspended after yielding page 1 (nobody has asked it for page 2 yet), the
    request for page 2 reaches the Hub; with read_ahead off it does not."""
    with RecordingHub(make_models(3 * PAGE, seed=71)) as hub:
        source = fast(hub.url)
        source.meter = Meter()
        pages = source.pages(None)
        first = next(pages)
        assert first.checkpoint is not None
        assert wait_for(lambda: len(hub.seen()) >= 2), "page 2 was not asked while page 1 was handed on"
        assert hub.seen()[1].page == parse_qs(urlsplit(first.checkpoint).query)["cursor"][0]
        assert len(hub.seen()) == 2  # one request ahead, never more
        rest = list(pages)
        assert [p.checkpoint is None for p in rest] == [False, True]
        assert len(hub.seen()) == 3

    with RecordingHub(make_models(3 * PAGE, seed=71)) as hub:
        source = fast(hub.url)
        source.meter = Meter()
        source.read_ahead = False
        pages = source.pages(None)
        next(pages)
        time.sleep(0.5)
        assert len(hub.seen()) == 1  # one page at a time: nothing asked before page 1 was taken
        pages.close()


def test_a_crawl_asks_one_page_ahead_and_never_two(tmp_path: Path) -> None:
    """In a crawl, page n+1 is asked while page n is read and stored, and page n+2 only once page n is
    saved: when page n's progress is reported (after it was saved), the Hub sees the request for page
    n+1 and, for as long as the report takes, none for page n+2. So a kill loses at most two answered
    pages, as with the runner's own prefetch."""
    db = str(tmp_path / "zoo.duckdb")
    checks: list[tuple[int, bool, int]] = []
    with RecordingHub(make_models(5 * PAGE, seed=73)) as hub:

        def progress(p) -> None:
            if p.pages < 5:
                asked = wait_for(lambda: len(hub.seen()) >= p.pages + 1)
                time.sleep(0.3)  # time enough for a request sent further ahead to arrive
                checks.append((p.pages, asked, len(hub.seen())))

        result = crawl(fast(hub.url), db, progress=progress)
        seen = hub.seen()
    assert result.status == "complete", result.error
    assert checks == [(n, True, n + 1) for n in range(1, 5)]
    assert [s.status for s in seen] == [200] * 5  # 5 pages, none asked twice
    assert runs(db)[0]["requests"] == len(seen) == result.counters.requests


def _fail_at_the_third_request(tmp_path: Path, name: str, prefetch: bool) -> tuple[str, str, LinkHub]:
    hub = LinkHub(make_models(6 * PAGE, seed=74), answer_at={2: (500, {})}).start()
    db = str(tmp_path / f"{name}.duckdb")
    result = crawl(fast(hub.url, policy=replace(FAST, max_attempts=1)), db, prefetch=prefetch)
    assert result.status == "failed"
    return (result.error or "").replace(hub.url, "<hub>"), db, hub


def test_an_error_in_the_request_sent_ahead_fails_the_run_as_before_and_resumes(tmp_path: Path) -> None:
    """Page 3's request (sent ahead, while page 2 was parsed) is answered 500 with no retries left: the
    run fails with the message a one-page-at-a-time listing gives, after saving pages 1-2, and counts
    the failed request; the next crawl resumes at page 3 and the result is exact."""
    expected, _, before = _fail_at_the_third_request(tmp_path, "sequential", prefetch=False)
    before.stop()
    message, db, hub = _fail_at_the_third_request(tmp_path, "ahead", prefetch=True)
    try:
        assert message == expected and "500" in message
        [failed] = runs(db)
        assert failed["status"] == "failed" and failed["pages"] == 2
        seen = hub.seen()
        assert failed["requests"] == len(seen) == 3
        resumed = crawl(fast(hub.url), db)
        assert resumed.status == "complete", resumed.error
        after = hub.seen()[3:]
        assert after[0].page == seen[2].page  # resumed at the page that failed, not before or after it
        [run] = runs(db)
        assert run["resumed"] and run["pages"] == 6 and run["requests"] == len(hub.seen())
        clean = str(tmp_path / "clean.duckdb")
        assert crawl(fast(hub.url), clean).status == "complete"
        assert model_rows(db) == model_rows(clean)
    finally:
        hub.stop()


def test_retries_of_the_request_ahead_are_counted_on_its_own_page(tmp_path: Path) -> None:
    """503s and a truncated body, some of them on requests sent ahead: every request the Hub saw is
    counted once, on the run and on the page it was for (the pages' requests add up to the run's)."""
    faults = Faults(status_next=[503])  # the first request
    with RecordingHub(make_models(4 * PAGE, seed=75), faults=faults, truncate_at={2, 5}) as hub:
        source = fast(hub.url)
        meter = source.meter = Meter()
        per_page = [p.requests for p in source.pages(None)]
        seen = hub.seen()
    assert sum(per_page) == meter.requests == len(seen)
    assert meter.take() == 0  # nothing left unattributed
    # requests: 503 and page 1; page 2 cut short; page 3 (ahead); page 2 again; page 4 (ahead, cut short)
    # while page 3 is parsed; page 4 again
    assert per_page == [2, 2, 1, 2]
    assert sum(1 for s in seen if s.body_ok is False) == 2  # both truncated bodies were asked again
    assert len(per_page) == 4 and sum(per_page) == 4 + 1 + 2


def test_a_truncated_page_is_asked_again_while_the_next_one_is_already_in(tmp_path: Path) -> None:
    """Page 2's body is cut short (invalid JSON) after page 3 was already asked from its headers: page 2
    is asked again (after page 3's answer, one request at a time), page 3 is not asked twice, and the
    result is exact."""
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(4 * PAGE, seed=76), truncate_at={1}) as hub:
        result = crawl(fast(hub.url), db)
        seen = hub.seen()
        clean = str(tmp_path / "clean.duckdb")
        assert crawl(fast(hub.url), clean).status == "complete"
    assert result.status == "complete", result.error
    pages = [s.page for s in seen]
    assert pages.count(pages[1]) == 2 and len(set(pages)) == 4
    assert pages[2] != pages[1] and pages[3] == pages[1]  # page 3's request came first, then page 2 again
    assert result.counters.requests == len(seen) == 5
    assert model_rows(db) == model_rows(clean)


def test_a_closed_listing_leaves_its_request_ahead_behind_without_waiting() -> None:
    """Closing the listing while page 2's request hangs on the server returns at once; the request
    left behind gives up instead of being retried."""
    with RecordingHub(
        make_models(3 * PAGE, seed=77), faults=Faults(hang_seconds=3.0), hang_at={1, 2, 3}
    ) as hub:
        source = fast(hub.url, timeout=1.0)
        source.meter = Meter()
        pages = source.pages(None)
        next(pages)
        assert wait_for(lambda: len(hub.seen()) >= 2)
        started = time.monotonic()
        pages.close()
        assert time.monotonic() - started < 1.0
        # the request left behind ends at its time-out (1 s, while the server hangs 3 s); a retry would
        # come from the same thread, which would still be waiting for it (the retry would hang too)
        assert wait_for(
            lambda: not [t for t in threading.enumerate() if t.name == "zoo-hf-next-page" and t.is_alive()]
        )
        assert len(hub.seen()) == 2
