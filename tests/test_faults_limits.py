"""Rate limits, wait caps, answer caps and the listing's bound, against the fake Hub on 127.0.0.1.

* A 429 without ``RateLimit`` (a CDN in front of the Hub sends none) still waits: ``Retry-After`` when
  given, else exponential backoff, for at least one quota window before the run gives up.
* A wait a server asks for beyond ``ZOO_MAX_RATE_WAIT`` (a ``RateLimit`` reset on a 200 or a 429, a
  ``Retry-After``) fails the run at once with one line naming the header, instead of sleeping for days.
* An answer larger than ``ZOO_MAX_ANSWER_MB`` fails its request, read in chunks, never held whole.
* The real Hub sends no ``X-Total-Count`` on listing pages, so a listing that never ends is bounded by
  the last complete run's count (4 × it plus 100 pages), or, before any complete run, by an absolute bound.
"""

from __future__ import annotations

import gzip
import socket
import threading
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from huggingface_hub.errors import HfHubHTTPError

from crawler.crawl import crawl
from crawler.sources._client import HubClient
from crawler.sources._http import make_session, request_json
from crawler.sources._net import HF_POLICY, AnswerTooLarge, RateWaitTooLong, RetryPolicy
from crawler.sources.base import Meter
from crawler.sources.huggingface import HuggingFaceSource
from tests.clock import VirtualClock
from tests.fakes.faults import RecordingHub, has_traceback, runs, zoo, zoo_env
from tests.fakes.hostile import EndlessHub
from tests.fakes.hub import Faults, make_models

#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.01, json_retry_wait=0.01, rate_window=0.64)


def fast(url: str, **kw) -> HuggingFaceSource:
    kw.setdefault("policy", FAST)
    return HuggingFaceSource(url, **kw)


def waits(meter: Meter) -> list[tuple[str, float]]:
    """Every wait the run reports, in order (the listener sees each)."""
    seen: list[tuple[str, float]] = []
    meter.listeners.append(lambda kind, seconds: seen.append((kind, seconds)))
    return seen


# ------------------------------------------------------------------------- a 429 without RateLimit


def test_a_429_without_any_header_backs_off_and_carries_on(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(30, seed=1), faults=Faults(limit_next=[{}, {}, {}])) as hub:
        meter = Meter()
        told = waits(meter)
        result = crawl(fast(hub.url, page_size=10), db, meter=meter)
        seen = hub.seen()
    assert result.status == "complete", result.error
    assert [s.status for s in seen] == [429, 429, 429, 200, 200, 200]
    assert all(s.ratelimit is None for s in seen[:3])  # the fake's 429s said nothing
    # exponential backoff, never a spin: 0.01 s doubling (the window of 0.64 s is far off)
    assert told == [("rate_limited", 0.01), ("rate_limited", 0.02), ("rate_limited", 0.04)]
    [run] = runs(db)
    assert run["requests"] == 6 and run["pages"] == 3


def test_a_429_without_any_header_is_tried_for_a_whole_window_before_the_run_fails(tmp_path: Path) -> None:
    """``max_retries=2`` alone would give up after 3 requests, 0.03 s into a quota window of 0.3 s."""
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(10, seed=2), faults=Faults(limit_next=[{}] * 20)) as hub:
        meter = Meter()
        told = waits(meter)
        result = crawl(
            fast(hub.url, policy=replace(FAST, max_attempts=3, backoff_base=0.05, rate_window=0.3)),
            db,
            meter=meter,
        )
        seen = hub.seen()
    assert result.status == "failed"
    assert "429" in (result.error or "")
    # waits 0.05, 0.1, 0.2: 0.35 s in all, past the window, then the next 429 ends it
    assert [round(s, 3) for _, s in told] == [0.05, 0.1, 0.2]
    assert len(seen) == 4 and {s.status for s in seen} == {429}


def test_a_429_with_retry_after_only_waits_retry_after(tmp_path: Path, clock: VirtualClock) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(10, seed=3), faults=Faults(limit_next=[{"Retry-After": "0"}])) as hub:
        meter = Meter()
        told = waits(meter)
        result = crawl(fast(hub.url), db, meter=meter)
        seen = hub.seen()
    assert result.status == "complete", result.error
    assert [s.status for s in seen] == [429, 200]
    assert told == [("rate_limited", 1.0)]  # Retry-After plus 1 s against rounding, not the backoff
    assert clock.waits == [1.0]  # (virtual: the only wait asked for)


# ------------------------------------------------------------------------------------ the wait cap


@pytest.mark.parametrize("t", ["1000000", "99999999999"])
def test_a_ratelimit_reset_beyond_the_cap_on_a_200_fails_the_run_at_once(tmp_path: Path, t: str) -> None:
    """``r=0`` with a reset of 11.6 days (or one no clock holds) on a good page: the run fails before
    the next request, with the page it got saved, instead of sleeping holding the crawl lock."""
    header = f'"api";r=0;t={t}'
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(30, seed=4), faults=Faults(page_headers={"RateLimit": header})) as hub:
        result = crawl(fast(hub.url, page_size=10), db)
        seen = hub.seen()
    assert result.status == "failed"
    error = result.error or ""
    assert error.startswith("RateWaitTooLong: ") and "\n" not in error
    assert f"(RateLimit: '{header}')" in error and "ZOO_MAX_RATE_WAIT" in error
    assert "the next crawl tries again" in error
    assert len(seen) == 1
    [run] = runs(db)
    assert run["status"] == "failed" and run["pages"] == 1 and run["requests"] == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1000000"},
        {"RateLimit": '"api";r=0;t=1000000', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'},
    ],
)
def test_a_429_asking_for_a_wait_beyond_the_cap_fails_the_run_at_once(tmp_path: Path, headers: dict) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(10, seed=5), faults=Faults(limit_next=[headers])) as hub:
        meter = Meter()
        told = waits(meter)
        result = crawl(fast(hub.url), db, meter=meter)
        seen = hub.seen()
    assert result.status == "failed" and told == []  # no wait at all
    name = "RateLimit" if "RateLimit" in headers else "Retry-After"
    assert f"asked to wait 1,000,000 s ({name}: '{headers[name]}')" in (result.error or "")
    assert len(seen) == 1


def test_the_wait_cap_is_shared_by_hf_dates_requests(tmp_path: Path) -> None:
    """``zoo crawl hf-dates`` sends its requests through the same client: the same cap holds."""
    with RecordingHub(make_models(3, seed=6), faults=Faults(limit_next=[{"Retry-After": "5000"}])) as hub:
        client = HubClient(hub.url, Meter(), replace(HF_POLICY, backoff_base=0.01), follow_redirects=False)
        model = hub.models[0]["id"]
        with pytest.raises(RateWaitTooLong, match=r"\(Retry-After: '5000'\), more than the 900 s"):
            client.get(f"{hub.url}/api/models/{model}/commits/main", {})
        small = HubClient(hub.url, Meter(), replace(HF_POLICY, max_rate_wait=3.0))
        hub.faults.limit_next.append({"Retry-After": "4"})
        with pytest.raises(RateWaitTooLong, match="more than the 3 s"):
            small.get(f"{hub.url}/api/models/{model}/commits/main", {})


def test_the_wait_cap_is_read_from_the_environment_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "zoo.duckdb")
    header = '"api";r=0;t=20'
    with RecordingHub(make_models(30, seed=7), faults=Faults(page_headers={"RateLimit": header})) as hub:
        monkeypatch.setenv("ZOO_MAX_RATE_WAIT", "10")
        result = crawl(fast(hub.url, page_size=10), db)
        assert result.status == "failed" and "more than the 10 s" in (result.error or "")
        for bad in ("abc", "nan"):
            done = zoo(
                "crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=zoo_env(ZOO_MAX_RATE_WAIT=bad)
            )
            assert done.returncode == 2, done.stdout + done.stderr  # refused before anything starts
            assert done.stderr.strip() == (
                f"zoo: ZOO_MAX_RATE_WAIT must be a number of seconds more than 0 to 86,400 (got '{bad}')"
            ), done.stderr
            assert not has_traceback(done.stdout + done.stderr)


# ---------------------------------------------------------------------------------- the answer cap


def test_an_answer_larger_than_the_cap_fails_its_request(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(200, seed=8)) as hub:
        result = crawl(fast(hub.url, policy=replace(FAST, max_answer_mb=0.01), page_size=100), db)
        seen = hub.seen()
    assert result.status == "failed"
    error = result.error or ""
    assert error.startswith("AnswerTooLarge: the answer to ") and "\n" not in error
    assert "was too large (announced " in error and "at most 10.2 KB per answer, ZOO_MAX_ANSWER_MB" in error
    assert len(seen) == 1  # not asked again: a page does not shrink by asking


def test_a_body_without_a_length_is_cut_at_the_cap(tmp_path: Path) -> None:
    """No ``Content-Length``, 256 MB sent as fast as read: the client stops reading after the cap."""
    sent = [0]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
            chunk = b'{"_id":"x"},' * 8192
            try:
                while sent[0] < 256 * 2**20:
                    conn.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:  # the client gave up: that is the test
                pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        client = HubClient(url, Meter(), replace(HF_POLICY, max_answer_mb=1.0, max_attempts=1))
        with pytest.raises(AnswerTooLarge, match=r"was too large \(more than 1.0 MB"):
            client.get(url + "/api/models", {})
        server.join(10)
    finally:
        listener.close()
    assert sent[0] < 64 * 2**20  # the rest was never read


def test_the_answer_cap_is_checked_in_the_environment(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    done = zoo(
        "crawl", "hf", "--hf-endpoint", "http://127.0.0.1:9", "--db", db, env=zoo_env(ZOO_MAX_ANSWER_MB="x")
    )
    assert done.returncode == 2 and done.stderr.strip() == (  # refused before anything starts
        "zoo: ZOO_MAX_ANSWER_MB must be a number of megabytes more than 0 to 1,048,576 (got 'x')"
    )


# ------------------------------------------------------------------------- the listing's own bound


def test_a_listing_without_a_total_is_bounded_by_the_last_complete_run(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(30, seed=9)) as hub:
        assert crawl(fast(hub.url, page_size=10), db).status == "complete"
    items = make_models(10, seed=10)
    with EndlessHub(items) as hub:  # no X-Total-Count, as on the real Hub
        result = crawl(fast(hub.url, page_size=10), db)
        seen = hub.seen()
    assert result.status == "failed"
    assert "the last complete crawl listed 30 models" in (result.error or "")
    # 4 × 30 models plus 100 pages of 10: 1,120 listing slots, so the 113th page stops it
    assert len(seen) == 113
    last = runs(db)[-1]
    assert last["status"] == "failed" and last["pages"] == 112 and last["requests"] == 113


def test_a_first_listing_without_a_total_has_an_absolute_bound(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with EndlessHub(make_models(10, seed=11)) as hub:
        result = crawl(fast(hub.url, page_size=10, first_bound=50), db)
        seen = hub.seen()
    assert result.status == "failed"
    assert "with no earlier complete crawl to compare with, zoo stops a listing at 50 models" in (
        result.error or ""
    )
    assert len(seen) == 6
    [run] = runs(db)
    assert run["pages"] == 5 and run["requests"] == 6


def test_the_fake_listing_sends_no_total() -> None:
    """As on the real Hub: the listing's answers carry no X-Total-Count (the commits' answers do)."""
    with RecordingHub(make_models(30, seed=12)) as hub:
        with urllib.request.urlopen(f"{hub.url}/api/models?limit=10", timeout=10) as answer:
            headers = {k.lower() for k in answer.headers}
        model = hub.models[0]["id"]
        with urllib.request.urlopen(f"{hub.url}/api/models/{model}/commits/main", timeout=10) as answer:
            commit_headers = {k.lower() for k in answer.headers}
    assert "link" in headers and "x-total-count" not in headers
    assert "x-total-count" in commit_headers


@pytest.mark.parametrize("client", ["hub", "requests"])
def test_a_compressed_answer_is_capped_by_what_it_unpacks_to(client: str) -> None:
    """A gzip body of a few KB that unpacks to 16 MB: the cap counts the unpacked bytes, as they come."""
    body = gzip.compress(b" " * (16 * 2**20))
    assert len(body) < 2**20
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            try:
                conn.sendall(head.encode() + body)
            except OSError:
                pass

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        with pytest.raises(AnswerTooLarge, match=r"more than 1.0 MB"):
            if client == "hub":
                HubClient(url, Meter(), replace(HF_POLICY, max_answer_mb=1.0, max_attempts=1)).get(
                    url + "/api/models", {}
                )
            else:
                request_json(make_session(), "GET", url + "/x", policy=RetryPolicy(max_answer_mb=1.0))
        server.join(10)
    finally:
        listener.close()


def test_a_429_without_any_header_never_spins_even_with_no_backoff(clock: VirtualClock) -> None:
    """``backoff_base=0``: the waits still double from a floor (1/256 of the window), so the 429s are
    asked again a bounded number of times, each after a wait, and the request then fails."""
    with RecordingHub(make_models(3, seed=13), faults=Faults(limit_next=[{}] * 50)) as hub:
        meter = Meter()
        told = waits(meter)
        client = HubClient(
            hub.url, meter, replace(HF_POLICY, backoff_base=0.0, max_attempts=1, rate_window=0.256)
        )
        with pytest.raises(HfHubHTTPError, match="429"):
            client.get(f"{hub.url}/api/models?limit=3", {})
        seen = hub.seen()
    assert [round(s, 3) for _, s in told] == [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256]
    assert len(seen) == len(told) + 1
    assert clock.waits == [s for _, s in told]  # each one asked for (virtual time)


def test_zoo_crawl_hf_reports_a_wait_beyond_the_cap_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    header = '"api";r=0;t=1000000'
    with RecordingHub(make_models(2500, seed=14), faults=Faults(page_headers={"RateLimit": header})) as hub:
        done = zoo("crawl", "hf", "--no-files", "--hf-endpoint", hub.url, "--db", db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not has_traceback(done.stdout + done.stderr)
    [line] = [x for x in done.stdout.splitlines() if "RateWaitTooLong" in x]
    assert "asked to wait 1,000,000 s (RateLimit: '\"api\";r=0;t=1000000')" in line
    [run] = runs(db)
    assert run["status"] == "failed" and run["pages"] == 1
