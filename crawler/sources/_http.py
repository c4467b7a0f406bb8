"""The one HTTP layer of the sources that do not go through huggingface_hub (Kaggle, the PyTorch Hub
``hubconf.py`` downloads, and any new hub): one session policy, one retry policy, one User-Agent.

* :func:`make_session` — a ``requests.Session`` with zoo's User-Agent (``zoo-crawler/<version>``) and
  nothing else (no urllib3 retries: retrying is this module's job, so every attempt is counted).
* :func:`request_json` — one JSON request under a :class:`RetryPolicy` (tenacity). Timeouts, broken
  connections, 5xx and 429 are retried with exponential backoff (jitter, a ceiling, a maximum number of
  attempts); a ``Retry-After`` header (seconds or an HTTP date) on a 429/503 is waited out instead. A 200
  whose body is not valid JSON (a truncated body) is asked again a smaller, separate number of times.
  Other 4xx answers fail at once with :class:`HttpStatusError`. Each attempt has a total deadline
  (``--request-deadline`` / ``ZOO_REQUEST_DEADLINE``, default 60 s) besides the read time-out, and
  ``slow_attempts`` time-outs in a row end the request (:class:`HttpTooSlow`), so a server that trickles
  cannot hold a crawl. A server that cannot be reached at all (connection refused, a name that does not
  resolve, no route) is tried for ``unreachable_after`` seconds (30) only, then :class:`HttpUnreachable`
  says ``cannot reach <origin>: <reason>``. Redirects are followed only on the URL's own scheme, host
  and port (credentials go nowhere else); one to another host fails the request, sending nothing there.
  A ``Retry-After`` beyond ``ZOO_MAX_RATE_WAIT`` (900 s) fails the request at once
  (:class:`~crawler.sources._net.RateWaitTooLong`), and every body is read in chunks and given up past
  ``ZOO_MAX_ANSWER_MB`` (64 MB, :class:`~crawler.sources._net.AnswerTooLarge`), never held whole.
* :func:`request_text` — the same for a text file, where a 404 means "there is none" (``None``).

The policy and the bookkeeping of a request's attempts (the deadline, the unreachable window, the
time-outs in a row: :class:`~crawler.sources._net.Attempts`) are the ones the Hugging Face client
(:mod:`crawler.sources._client`) uses over huggingface_hub's session; paging is left to the source, with
a helper of :mod:`crawler.sources._paging`.

Every attempt is counted on the source's :class:`~crawler.sources.base.Meter` (so a source reports
``Page.requests`` honestly), and every 429 wait is reported to it (so progress displays show it). The
errors are :class:`~crawler.sources.base.SourceError` subclasses carrying the attempts they cost. Nothing
here logs or raises request headers, so credentials sent in them stay out of logs and errors.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception
from tenacity.wait import wait_base, wait_exponential_jitter

from .. import __version__
from . import _clock
from ._net import (  # the errors and the policy live there, light to import; named here as always
    Attempts,
    DeadlineExceeded,
    HttpError,
    HttpStatusError,
    HttpTooSlow,
    HttpUnreachable,
    RetryPolicy,
    call_with_deadline,
    check_rate_wait,
    parse_retry_after,
    read_capped,
    same_origin,
    show_origin,
    unreachable_reason,
)
from .base import Meter

log = logging.getLogger("crawler.http")

#: The tool and its version, nothing else.
USER_AGENT = f"zoo-crawler/{__version__}"
#: (connect, read) seconds; the read timeout is what a caller usually tunes.
CONNECT_TIMEOUT = 10.0
#: Redirects followed within one attempt (same scheme, host and port only).
MAX_REDIRECTS = 5
#: Bytes read from an answer body at a time (the size cap is checked after each).
_CHUNK = 1 << 16


class _Retryable(Exception):
    """Internal: an answer worth asking again (5xx, 429, a body that is not JSON)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class _InvalidJson(_Retryable):
    pass


class _Unreachable(Exception):
    """Internal: no connection could be made (refused, DNS, no route, connect time-out)."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


#: The connection each request thread is using (thread id → urllib3 connection), so that an attempt
#: abandoned at its deadline can have its socket shut down instead of trickling on in the background.
_IN_FLIGHT: dict[int, Any] = {}


class _HTTPConnection(urllib3.connection.HTTPConnection):
    """urllib3's connection, recording which thread sends on it."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _IN_FLIGHT[threading.get_ident()] = self
        super().request(*args, **kwargs)


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    """urllib3's TLS connection, recording which thread sends on it."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _IN_FLIGHT[threading.get_ident()] = self
        super().request(*args, **kwargs)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter, with connections whose sockets an abandoned attempt can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def _drop(session: requests.Session, worker: threading.Thread) -> None:
    """Shut down the socket ``worker`` is stuck on (its read returns at once), and close the session's
    idle connections."""
    conn = _IN_FLIGHT.pop(worker.ident or 0, None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    session.close()


def make_session(user_agent: str | None = None) -> requests.Session:
    """A ``requests.Session`` with zoo's User-Agent; no adapter-level retries."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent or USER_AGENT
    for prefix in ("http://", "https://"):
        session.mount(prefix, _Adapter())
    return session


class _WaitRetryAfterOrBackoff(wait_base):
    """``Retry-After`` when the server sent one, else exponential backoff with jitter and a ceiling."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = wait_exponential_jitter(
            multiplier=policy.backoff_base, max=policy.backoff_max, jitter=policy.backoff_base
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.retry_after_max)
        return min(self.backoff(retry_state), self.policy.backoff_max)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(
        exc, _Retryable | _Unreachable | DeadlineExceeded | requests.ConnectionError | requests.Timeout
    )


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, for messages (no credentials, path or query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _attempts(n: int) -> str:
    return f"{n} attempt{'s' if n != 1 else ''}"


def request_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    policy: RetryPolicy | None = None,
    counter: Meter | None = None,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    params: Mapping[str, Any] | None = None,
    sleep: Callable[[float], None] = _clock.sleep,
) -> Any:
    """Send one request under ``policy`` and return the decoded JSON body.

    Every attempt is counted on ``counter`` (the source's meter). Raises :class:`HttpStatusError` for a
    non-retryable status (or a retryable one that outlasted the attempts), :class:`HttpUnreachable` when
    the server could not be reached, and :class:`HttpError` for anything else that outlasted them.
    ``headers`` (credentials) are sent but never appear in logs or messages.
    """

    def decode(response: requests.Response, body: bytes) -> Any:
        return json.loads(body)

    accept = {"Accept": "application/json", **(headers or {})}
    return _send(
        session, method, url, decode, policy, counter, accept, json_body, params, sleep, missing_ok=False
    )


def request_text(
    session: requests.Session,
    url: str,
    *,
    policy: RetryPolicy | None = None,
    counter: Meter | None = None,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = _clock.sleep,
) -> str | None:
    """GET a text file under ``policy``: its text (undecodable bytes replaced), or ``None`` for a 404.

    Retries and errors as :func:`request_json`.
    """

    def decode(response: requests.Response, body: bytes) -> str:
        return body.decode("utf-8", "replace")

    return _send(session, "GET", url, decode, policy, counter, headers, None, None, sleep, missing_ok=True)


def _send(
    session: requests.Session,
    method: str,
    url: str,
    decode: Callable[[requests.Response, bytes], Any],
    policy: RetryPolicy | None,
    counter: Meter | None,
    headers: Mapping[str, str] | None,
    json_body: Any,
    params: Mapping[str, Any] | None,
    sleep: Callable[[float], None],
    *,
    missing_ok: bool,
) -> Any:
    policy = policy or RetryPolicy()
    # the deadline and caps, read once; the time-outs in a row and the unreachable window, as HubClient counts them
    state = Attempts(policy, CONNECT_TIMEOUT)
    deadline, limit, connect_timeout = state.deadline, state.limit, state.connect_timeout
    json_failures = 0
    attempts = 0
    hops = 0  # redirects followed: requests sent besides the attempts
    label = f"{method} {url}"

    def attempt() -> Any:
        nonlocal json_failures, attempts
        attempts += 1
        if counter is not None:
            counter.request()

        def send() -> tuple[requests.Response, bytes]:
            """One attempt, following redirects that stay on the URL's own scheme, host and port; the
            answer and its body, read in chunks and given up past ``limit`` bytes (:class:`AnswerTooLarge`)."""
            nonlocal hops
            target, how, body, query = url, method, json_body, params
            try:
                for _ in range(MAX_REDIRECTS + 1):
                    response = session.request(
                        how,
                        target,
                        headers=dict(headers or {}),
                        json=body,
                        params=query,
                        timeout=(connect_timeout, min(policy.timeout, deadline)),
                        allow_redirects=False,
                        stream=True,
                    )
                    with response:
                        chunks = response.iter_content(chunk_size=_CHUNK)
                        content = read_capped(
                            chunks, limit, response.url, response.headers.get("Content-Length")
                        )
                    location = response.headers.get("Location") if response.is_redirect else None
                    if location is None:
                        return response, content
                    location = urljoin(response.url, location)
                    if not same_origin(location, url):
                        raise HttpError(
                            f"{label} was redirected to another host ({show_origin(location)}); zoo sends "
                            f"its requests, and the credentials, to {show_origin(url)} only, so nothing was "
                            "sent there"
                        )
                    if response.status_code not in (307, 308):  # 301/302/303: asked again with GET
                        how, body = "GET", None
                    target, query = location, None
                    hops += 1
                    if counter is not None:
                        counter.request()
                raise HttpError(f"{label} was redirected more than {MAX_REDIRECTS} times")
            finally:
                _IN_FLIGHT.pop(threading.get_ident(), None)

        try:
            response, content = call_with_deadline(
                send, deadline, abandon=lambda worker: _drop(session, worker)
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            reason = unreachable_reason(exc)
            if reason is None and isinstance(exc, requests.ConnectTimeout):
                reason = "connection timed out"
            if reason is not None:
                state.unreachable()
                raise _Unreachable(reason, type(exc).__name__) from None
            if isinstance(exc, requests.Timeout):
                state.timed_out()
            else:
                state.broke_off()
            raise
        except DeadlineExceeded:
            state.timed_out()
            raise
        state.answered()
        status = response.status_code
        if status == 429 or status >= 500:
            raw = response.headers.get("Retry-After")
            retry_after = parse_retry_after(raw)
            if retry_after is not None:  # a wait beyond the cap fails at once; the next night tries again
                check_rate_wait(retry_after, "Retry-After", raw or "", state.max_wait, _origin(url))
            raise _Retryable(f"HTTP {status}", status=status, retry_after=retry_after)
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            try:
                text = content.decode(response.encoding or "utf-8", "replace")
            except LookupError:  # a charset no codec knows: what requests' .text would fall back to
                text = content.decode("utf-8", "replace")
            raise HttpStatusError(f"{label} answered HTTP {status}: {_short(text)}", status)
        try:
            return decode(response, content)
        except ValueError as exc:
            json_failures += 1
            raise _InvalidJson(f"a body that is not valid JSON ({_short(str(exc), 80)})") from None

    def stop(retry_state: RetryCallState) -> bool:
        if retry_state.attempt_number >= policy.max_attempts:
            return True
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Unreachable) and state.unreachable_since is not None:
            # give up now if the next attempt could not be over within the time an unreachable server gets
            return state.unreachable_too_long(retry_state.upcoming_sleep)
        if isinstance(exc, DeadlineExceeded | requests.Timeout) and state.too_slow:
            return True
        return isinstance(exc, _InvalidJson) and json_failures >= policy.json_attempts

    def before_sleep(retry_state: RetryCallState) -> None:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
        reason = (
            str(exc) if isinstance(exc, _Retryable | _Unreachable | DeadlineExceeded) else type(exc).__name__
        )
        if isinstance(exc, _Retryable) and exc.status == 429:
            log.warning("%s: rate limited (HTTP 429); waiting %.1f s", label, wait)
            if counter is not None:
                counter.waited("rate_limited", wait)
        else:
            log.info(
                "%s: %s; retry %d/%d in %.1f s",
                label,
                reason,
                retry_state.attempt_number,
                policy.max_attempts - 1,
                wait,
            )

    retrying = Retrying(
        stop=stop,
        wait=_WaitRetryAfterOrBackoff(policy),
        retry=retry_if_exception(_is_retryable),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except HttpError as exc:  # a status not worth retrying, a redirect elsewhere
        exc.requests = attempts + hops
        raise
    except _Retryable as exc:
        message = f"{label} failed after {_attempts(attempts)}: last answer {exc}"
        if exc.status is not None:
            raise HttpStatusError(message, exc.status, requests=attempts + hops) from None
        raise HttpError(message, requests=attempts + hops) from None
    except _Unreachable as exc:
        raise HttpUnreachable(
            f"cannot reach {_origin(url)}: {exc.reason} ({label} failed after {_attempts(attempts)}: {exc.kind})",
            requests=attempts + hops,
        ) from None
    except (DeadlineExceeded, requests.Timeout) as exc:
        raise HttpTooSlow(
            f"{label} failed after {_attempts(attempts)}: {type(exc).__name__}: {_short(str(exc))} (the "
            "server is silent or sends too slowly; allow more time with --timeout, or per request in all "
            "with --request-deadline or ZOO_REQUEST_DEADLINE)",
            requests=attempts + hops,
        ) from None
    except requests.ConnectionError as exc:
        raise HttpUnreachable(
            f"{label} failed after {_attempts(attempts)}: {type(exc).__name__}: {_short(str(exc))}",
            requests=attempts + hops,
        ) from None
