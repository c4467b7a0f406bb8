"""The network layer (``crawler/sources/_net.py``, ``_retry.py``, ``_http.py``, ``_git.py``, ``_client.py``,
``_paging.py``, ``_clock.py``) knows nothing of commands or hubs: it imports nothing from the registry, the shared
options or a source module, at any depth (a function-level import counts too). Read from the source text
with ``ast``, so an import that only happens on some path is caught as well."""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import crawler.sources
from crawler.sources.base import Meter
from tests.clock import VirtualClock

SOURCES = Path(crawler.sources.__file__).parent
#: The network layer, and the modules of ``crawler.sources`` it may import.
NETWORK = ("_net", "_retry", "_http", "_git", "_client", "_paging", "_clock")
ALLOWED = {*NETWORK, "base", "records"}


def imported(path: Path) -> set[str]:
    """The ``crawler.sources`` modules ``path`` imports, by their short name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:  # from .x import y / from . import x
                found.update([module.split(".")[0]] if module else [a.name for a in node.names])
            elif module.startswith("crawler.sources"):
                rest = module.removeprefix("crawler.sources").lstrip(".")
                found.update([rest.split(".")[0]] if rest else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crawler.sources."):
                    found.add(alias.name.split(".")[2])
    return found


def test_the_network_layer_imports_no_registry_option_or_source() -> None:
    present = [name for name in NETWORK if (SOURCES / f"{name}.py").exists()]
    assert {"_net", "_retry", "_http", "_git"} <= set(present)
    for name in present:
        outside = imported(SOURCES / f"{name}.py") - ALLOWED
        assert not outside, f"{name}.py imports {sorted(outside)}"


def test_the_check_sees_a_registry_import(tmp_path: Path) -> None:
    """The check itself: the imports the network layer once had are found."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from .registry import Option\n"
        "def f():\n    from crawler.sources import huggingface\n"
        "import crawler.sources._options\n",
        encoding="utf-8",
    )
    assert imported(sample) == {"registry", "huggingface", "_options"}


def test_one_policy_lays_a_commands_limits_over_it_and_backs_off_within_its_ceiling() -> None:
    from dataclasses import FrozenInstanceError

    from crawler.sources._net import HF_POLICY, RetryPolicy

    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.limited() is policy
    limited = policy.limited(timeout=7.0, deadline=3.0)
    assert (limited.timeout, limited.deadline, limited.backoff_max) == (7.0, 3.0, 5.0)
    assert policy.limited(timeout=None, deadline=2.0).timeout == policy.timeout
    assert HF_POLICY.max_retries == 8 and RetryPolicy(max_attempts=1).max_retries == 0
    try:
        policy.timeout = 1.0  # type: ignore[misc]
    except FrozenInstanceError:
        pass
    else:
        raise AssertionError("a RetryPolicy can be changed in place")


def test_attempts_count_time_outs_in_a_row_and_bound_the_unreachable_window() -> None:
    from crawler.sources._net import Attempts, RetryPolicy

    attempts = Attempts(RetryPolicy(slow_attempts=2, unreachable_after=30.0, deadline=5.0), 10.0)
    assert attempts.connect_timeout == 5.0  # never longer than the deadline
    assert not attempts.timed_out() and attempts.timed_out() and attempts.too_slow
    attempts.answered()
    assert attempts.slow == 0 and not attempts.too_slow
    assert not attempts.unreachable_too_long(1000.0)  # reachable so far
    attempts.unreachable()
    assert attempts.unreachable_since is not None
    assert not attempts.unreachable_too_long(1.0)  # 0 s spent + 1 s + 5 s to connect < 30 s
    assert attempts.unreachable_too_long(26.0)  # 26 s + 5 s > 30 s
    attempts.timed_out()  # the server answered slowly: no longer unreachable
    assert attempts.unreachable_since is None


def test_the_hugging_face_sources_take_the_client_from_the_network_layer() -> None:
    """``zoo crawl hf-dates`` gets its client and pacing from ``_client``, not from the listing's module."""
    for name in ("huggingface", "huggingface_dates"):
        tree = ast.parse((SOURCES / f"{name}.py").read_text(encoding="utf-8"))
        from_listing = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "huggingface"
            for alias in node.names
        }
        from_client = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "_client"
            for alias in node.names
        }
        assert "HubClient" in from_client and not from_listing & {"HubClient", "pace", "ListingClosed"}


# ------------------------------------------------- one retry loop: the same decisions over both transports


class _Scripted(ThreadingHTTPServer):
    """A server on 127.0.0.1 that answers each GET with the next ``(status, headers)`` of ``script``
    (status 0: a 200 whose body breaks off; after the script, 200 with a small JSON body), and counts
    the requests."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.daemon_threads = True
        self.script = list(script)
        self.seen = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ScriptedHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        server = self.server
        assert isinstance(server, _Scripted)
        server.seen += 1
        status, headers = server.script.pop(0) if server.script else (200, {})
        body = b'{"ok": true}' if status in (0, 200) else b'{"error": "try again"}'
        self.send_response(status or 200)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status == 0:  # a 200 whose body breaks off half-way: the connection closes after 4 bytes
            self.wfile.write(body[:4])
            self.close_connection = True
            return
        self.wfile.write(body)


@contextmanager
def scripted(script: list[tuple[int, dict[str, str]]]) -> Iterator[_Scripted]:
    server = _Scripted(script)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


#: The recorded real 429 of the Hub (``RateLimit: "api";r=0;t=55``, huggingface_hub issue 3553, see
#: ``test_real_answers_ratelimit.py``) with a shorter reset, a 503 and a 429 with ``Retry-After``, and a
#: 429 that names no wait (as the CDN in front of the Hub sends them), then 200.
STORM = [
    (503, {"Retry-After": "2"}),
    (429, {"RateLimit": '"api";r=0;t=4', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'}),
    (429, {"Retry-After": "3"}),
    (429, {}),
]


def _through_requests(url: str, policy: Any, meter: Meter) -> Any:
    from crawler.sources._http import make_session, request_json

    return request_json(make_session(), "GET", url + "/api/models", policy=policy, counter=meter)


def _through_hub_client(url: str, policy: Any, meter: Meter) -> Any:
    from crawler.sources._client import HubClient

    return HubClient(url, meter, policy).get(url + "/api/models", {}).json()


@pytest.mark.parametrize("policy_name", ["HF_POLICY", "RetryPolicy"])
def test_one_policy_gives_the_same_waits_and_requests_over_both_transports(
    clock: VirtualClock, policy_name: str
) -> None:
    """The same answers under the same policy lead to the same waits, requests and rate-limit counts
    whether they come through requests (``request_json``) or huggingface_hub's session (``HubClient``):
    one retry loop decides for both. With 3 attempts, the 429 that names no wait is still asked again
    (its policy tries such 429s for a whole window), or counts as the last failure (no window)."""
    from crawler.sources._net import HF_POLICY, RetryPolicy

    window = {"HF_POLICY": 2.56, "RetryPolicy": 0.0}[policy_name]
    base = HF_POLICY if policy_name == "HF_POLICY" else RetryPolicy()
    policy = replace(base, max_attempts=4, backoff_base=0.0, rate_window=window)
    outcomes = []
    for through in (_through_requests, _through_hub_client):
        clock.waits.clear()
        meter = Meter()
        with scripted(STORM) as server:
            try:
                result: Any = through(server.url, policy, meter)
            except Exception as exc:  # each front words its own error; the status it gave up on is compared
                response = getattr(exc, "response", None)  # huggingface_hub's HfHubHTTPError
                result = f"failed on HTTP {getattr(exc, 'status', None) or response.status_code}"
        outcomes.append((list(clock.waits), server.seen, meter.requests, meter.rate_limited, result))
    assert outcomes[0] == outcomes[1], outcomes
    waits, seen, requests, rate_limited, result = outcomes[0]
    margin = policy.rate_margin  # 1 s for the Hub, as huggingface_hub waits
    if window:  # the blind 429 (the 4th failure) waits rate_window / 256 * 2**3; the 5th request is answered
        assert waits == [2.0, 4.0 + margin, 3.0 + margin, 0.08] and result == {"ok": True}
        assert seen == requests == 5 and rate_limited == 3
    else:  # the fourth failure is the last: the blind 429 ends the request
        assert waits == [2.0, 4.0 + margin, 3.0 + margin] and result == "failed on HTTP 429"
        assert seen == requests == 4 and rate_limited == 2


def test_a_body_that_breaks_off_is_asked_again_over_both_transports(clock: VirtualClock) -> None:
    """A 200 whose body stops short of its ``Content-Length`` (the connection closed half-way) is a
    broken exchange for both transports: asked again after one backoff, not a crash with the library's
    own exception (requests' ``ChunkedEncodingError`` once escaped every retry)."""
    from crawler.sources._net import RetryPolicy

    policy = RetryPolicy(max_attempts=3, backoff_base=0.5, jitter=False)
    for through in (_through_requests, _through_hub_client):
        clock.waits.clear()
        meter = Meter()
        with scripted([(0, {})]) as server:
            assert through(server.url, policy, meter) == {"ok": True}
        assert (server.seen, meter.requests, clock.waits) == (2, 2, [0.5]), through.__name__
