"""The shared HTTP layer (``crawler.sources._http``) against the fake Kaggle API and a silent socket."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.sources._http import (
    USER_AGENT,
    HttpError,
    HttpStatusError,
    RetryPolicy,
    make_session,
    parse_retry_after,
    request_json,
)
from crawler.sources._net import AnswerTooLarge, RateWaitTooLong
from crawler.sources.base import Meter, NotConfigured
from tests.fakes.kaggle import LIST_MODELS, FakeKaggle, make_kaggle_models


class EndlessBody:
    """An HTTP server whose answer has no Content-Length and a body of 256 MB, sent as fast as read."""

    def __init__(self) -> None:
        self._sent = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"[" + b"0," * 32767
                try:
                    for _ in range(256 * 2**20 // len(chunk)):
                        self.wfile.write(chunk)
                        with outer._lock:
                            outer._sent += len(chunk)
                except OSError:  # the client gave up: that is the test
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent(self) -> int:
        with self._lock:
            return self._sent

    def __enter__(self) -> EndlessBody:
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("kaggle_http")

BODY = {"pageSize": 5, "pageToken": "", "sortBy": "", "search": "", "owner": ""}


@pytest.fixture(scope="module")
def models() -> list[dict]:
    return make_kaggle_models(12, seed=2)


@pytest.fixture
def fake(models: list[dict]) -> Iterator[FakeKaggle]:
    with FakeKaggle(models) as server:
        yield server


def call(fake: FakeKaggle, policy: RetryPolicy, auth: str | None = None) -> tuple[object, int, list[float]]:
    """POST ListModels through request_json; returns (result or exception, attempts, sleeps)."""
    counter = Meter()
    sleeps: list[float] = []
    headers = {"Authorization": auth or f"Bearer {fake.token}"}
    try:
        result: object = request_json(
            make_session(),
            "POST",
            fake.url + LIST_MODELS,
            policy=policy,
            counter=counter,
            headers=headers,
            json_body=BODY,
            sleep=sleeps.append,
        )
    except HttpError as exc:
        result = exc
    return result, counter.take(), sleeps


def test_retry_after_parses_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None


def test_a_429_waits_exactly_retry_after(fake: FakeKaggle) -> None:
    fake.faults.status_next.extend([429])
    result, attempts, sleeps = call(fake, RetryPolicy(backoff_base=0.01))
    assert isinstance(result, dict) and len(result["models"]) > 0
    assert attempts == 2 == fake.count()
    assert sleeps == [1.0]


def test_a_long_retry_after_is_capped(fake: FakeKaggle) -> None:
    fake.faults.retry_after = "600"  # longer than retry_after_max, within the wait cap (900 s)
    fake.faults.status_next.extend([429, 429])
    _, attempts, sleeps = call(fake, RetryPolicy(retry_after_max=2.0))
    assert attempts == 3
    assert sleeps == [2.0, 2.0]


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_beyond_the_wait_cap_fails_at_once(fake: FakeKaggle, status: int) -> None:
    """A server that asks for 11.6 days (or more than a float's timestamp holds) fails the request at
    once with one line naming the header, instead of sleeping while the crawl lock is held."""
    for value in ("1000000", "99999999999"):
        fake.faults.retry_after = value
        fake.faults.status_next.extend([status])
        result, attempts, sleeps = call(fake, RetryPolicy(backoff_base=0.01))
        assert isinstance(result, RateWaitTooLong), result
        assert f"(Retry-After: '{value}')" in str(result) and "ZOO_MAX_RATE_WAIT" in str(result)
        assert "\n" not in str(result)
        assert attempts == 1 and sleeps == [] and result.requests == 1


def test_the_wait_cap_is_configurable(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.faults.retry_after = "30"
    fake.faults.status_next.extend([429])
    monkeypatch.setenv("ZOO_MAX_RATE_WAIT", "10")
    result, attempts, sleeps = call(fake, RetryPolicy(backoff_base=0.01))
    assert isinstance(result, RateWaitTooLong) and "more than the 10 s" in str(result)
    fake.faults.status_next.extend([429])
    result, attempts, sleeps = call(fake, RetryPolicy(backoff_base=0.01, max_rate_wait=60.0))
    assert isinstance(result, dict) and sleeps == [30.0]  # within its own cap: waited as asked
    for bad in ("abc", "nan", "inf", "0", "-5"):
        monkeypatch.setenv("ZOO_MAX_RATE_WAIT", bad)
        with pytest.raises(NotConfigured, match="^ZOO_MAX_RATE_WAIT="):
            call(fake, RetryPolicy())


def test_an_answer_larger_than_the_cap_fails_the_request(fake: FakeKaggle) -> None:
    result, attempts, _ = call(fake, RetryPolicy(max_answer_mb=2 / 1024))  # 2 KB; the page is larger
    assert isinstance(result, AnswerTooLarge), result
    assert f"the answer to {fake.url}{LIST_MODELS} was too large" in str(result)
    assert "ZOO_MAX_ANSWER_MB" in str(result) and attempts == 1  # not asked again
    ok, _, _ = call(fake, RetryPolicy(max_answer_mb=1.0))
    assert isinstance(ok, dict) and len(ok["models"]) > 0


def test_an_endless_body_without_a_length_is_cut_at_the_cap() -> None:
    """A body with no Content-Length is read in chunks: the request fails once the cap is passed,
    without reading (or holding) the rest."""
    with EndlessBody() as server:
        policy = RetryPolicy(max_answer_mb=1.0, backoff_base=0.01)
        with pytest.raises(AnswerTooLarge, match="more than 1.0 MB"):
            request_json(make_session(), "GET", server.url + "/x", policy=policy, sleep=lambda s: None)
        # the server stopped being read soon after the cap: far less than the 256 MB it would send
        assert server.sent() < 64 * 2**20


def test_5xx_back_off_exponentially_up_to_a_ceiling_then_fail(fake: FakeKaggle) -> None:
    fake.faults.retry_after = None
    fake.faults.status_next.extend([500] * 10)
    policy = RetryPolicy(max_attempts=5, backoff_base=1.0, backoff_max=4.0)
    result, attempts, sleeps = call(fake, policy)
    assert isinstance(result, HttpStatusError) and result.status == 500
    assert "failed after 5 attempts" in str(result)
    assert attempts == 5 == fake.count(status=500)
    assert len(sleeps) == 4
    assert 1.0 <= sleeps[0] <= 2.0 and 2.0 <= sleeps[1] <= 3.0
    assert sleeps[2] == sleeps[3] == 4.0  # the ceiling


def test_other_4xx_fail_at_once(fake: FakeKaggle) -> None:
    result, attempts, sleeps = call(fake, RetryPolicy(), auth="Bearer nope")
    assert isinstance(result, HttpStatusError) and result.status == 401
    assert attempts == 1 and sleeps == []
    assert "nope" not in str(result)


def test_invalid_json_is_retried_a_bounded_number_of_times(fake: FakeKaggle) -> None:
    fake.faults.bad_json_next = 1
    result, attempts, _ = call(fake, RetryPolicy(backoff_base=0.0))
    assert isinstance(result, dict) and attempts == 2

    fake.faults.bad_json_next = 100
    result, attempts, _ = call(fake, RetryPolicy(max_attempts=10, backoff_base=0.0, json_attempts=2))
    assert isinstance(result, HttpError) and "not valid JSON" in str(result)
    assert attempts == 2


def test_connection_errors_are_retried() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    counter = Meter()
    sleeps: list[float] = []
    with pytest.raises(HttpError, match="failed after 3 attempts: ConnectionError"):
        request_json(
            make_session(),
            "GET",
            f"http://127.0.0.1:{port}/",
            policy=RetryPolicy(max_attempts=3, backoff_base=0.0),
            counter=counter,
            sleep=sleeps.append,
        )
    assert counter.requests == 3 and len(sleeps) == 2


def test_timeouts_are_retried() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        counter = Meter()
        with pytest.raises(HttpError, match="failed after 2 attempts: ReadTimeout"):
            request_json(
                make_session(),
                "GET",
                f"http://127.0.0.1:{port}/",
                policy=RetryPolicy(max_attempts=2, backoff_base=0.0, timeout=0.2),
                counter=counter,
                sleep=lambda s: None,
            )
    assert counter.requests == 2


def test_the_session_identifies_zoo(fake: FakeKaggle) -> None:
    call(fake, RetryPolicy())
    assert fake.requests[0].user_agent == USER_AGENT
    assert make_session("other/1").headers["User-Agent"] == "other/1"


class _Server(ThreadingHTTPServer):
    """Records ``(method, path, Authorization)`` of every request; ``away`` is where ``/away`` points."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Redirecting)
        self.seen: list[tuple[str, str, str | None]] = []
        self.away = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Redirecting(BaseHTTPRequestHandler):
    """``/here`` redirects (307) to ``/there`` on the same server, ``/away`` (302) to another server;
    ``/there`` answers JSON."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path in ("/here", "/away"):
            self.send_response(307 if self.path == "/here" else 302)
            self.send_header("Location", "/there" if self.path == "/here" else server.away + "/there")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture
def redirecting() -> Iterator[tuple[_Server, _Server]]:
    home, foreign = _Server(), _Server()
    home.away = foreign.url
    for server in (home, foreign):
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield home, foreign
    for server in (home, foreign):
        server.shutdown()
        server.server_close()


def test_redirects_are_followed_on_the_same_host_only(redirecting: tuple[_Server, _Server]) -> None:
    home, foreign = redirecting
    base = home.url
    counter = Meter()
    headers = {"Authorization": "Bearer kgat_redirect_secret"}
    got = request_json(make_session(), "POST", base + "/here", counter=counter, headers=headers, json_body={})
    assert got == {"ok": True} and counter.requests == 2
    assert [(m, p) for m, p, _ in home.seen] == [("POST", "/here"), ("POST", "/there")]  # 307 keeps POST
    with pytest.raises(HttpError, match="redirected to another host") as raised:
        request_json(make_session(), "GET", base + "/away", counter=counter, headers=headers)
    assert foreign.seen == []  # no request, so no credentials, went there
    assert raised.value.requests == 1 and "kgat_redirect_secret" not in str(raised.value)
