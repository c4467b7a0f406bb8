"""The HTTP front of the sources that do not go through huggingface_hub (Kaggle, the PyTorch Hub
``hubconf.py`` downloads, papers-live, and any new hub): one session policy, one User-Agent, and the one
retry loop of every hub (:class:`crawler.sources._retry.RetryLoop`) over a ``requests`` session.

* :func:`make_session` — a ``requests.Session`` with zoo's User-Agent (``zoo-crawler/<version>``) and
  nothing else (no urllib3 retries: retrying is the loop's job, so every attempt is counted).
* :func:`request_json` — one JSON request under a :class:`RetryPolicy`. The loop retries time-outs,
  broken connections, 408, 429 and 5xx with exponential backoff (jitter, a ceiling, a maximum number of
  attempts); a ``Retry-After`` header (seconds or an HTTP date) or a ``RateLimit`` reset on a 429 is
  waited out instead. A 200 whose body is not valid JSON (a truncated body) is asked again a smaller,
  separate number of times (``json_attempts``). Other 4xx answers fail at once with
  :class:`HttpStatusError`. Each attempt has a total deadline (``--request-deadline`` /
  ``ZOO_REQUEST_DEADLINE``, default 60 s) besides the read time-out, and ``slow_attempts`` time-outs in
  a row end the request (:class:`HttpTooSlow`), so a server that trickles cannot hold a crawl. A server
  that cannot be reached at all (connection refused, a name that does not resolve, no route) is tried
  for ``unreachable_after`` seconds (30) only, then :class:`HttpUnreachable` says ``cannot reach
  <origin>: <reason>``. Redirects are followed only on the URL's own scheme, host and port (credentials
  go nowhere else); one to another host fails the request, sending nothing there. A wait asked beyond
  ``ZOO_MAX_RATE_WAIT`` (900 s) fails the request at once (:class:`~crawler.sources._net.RateWaitTooLong`),
  and every body is read in chunks and given up past ``ZOO_MAX_ANSWER_MB`` (64 MB,
  :class:`~crawler.sources._net.AnswerTooLarge`), never held whole.
* :func:`request_text` — the same for a text file, where a 404 means "there is none" (``None``).

What is this module's own: the transport (one request on the session, its body read within the cap,
the library's exceptions told apart as unreachable, timed out or broken off; past the deadline the
socket the attempt is stuck on is shut down), which answers are the caller's (404 for a text, other
4xx as :class:`HttpStatusError`, a body that is not JSON asked again), and its errors' words. The Hugging
Face sources' front (:mod:`crawler.sources._client`) hands the same loop the same policy object over
huggingface_hub's session, so both decide alike; paging is left to the source, with a helper of
:mod:`crawler.sources._paging`.

Every request sent is counted on the source's :class:`~crawler.sources.base.Meter` (so a source reports
``Page.requests`` honestly), and every 429 wait is reported to it (so progress displays show it). The
errors are :class:`~crawler.sources.base.SourceError` subclasses carrying the requests they cost. Nothing
here logs or raises request headers, so credentials sent in them stay out of logs and errors.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .. import __version__
from . import _clock
from ._net import (  # the errors and the policy live there, light to import; named here as always
    CONNECT_TIMEOUT,
    HttpError,
    HttpStatusError,
    HttpTooSlow,
    HttpUnreachable,
    RetryPolicy,
    parse_retry_after,
    read_capped,
    show_origin,
    unreachable_reason,
)
from ._retry import (
    MAX_REDIRECTS,
    Answer,
    BrokeOff,
    GaveUp,
    InvalidBody,
    Redirects,
    RetryLoop,
    TimedOut,
    Unreachable,
)
from .base import Meter

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "HttpError",
    "HttpStatusError",
    "HttpTooSlow",
    "HttpUnreachable",
    "RetryPolicy",
    "make_session",
    "parse_retry_after",
    "request_json",
    "request_text",
]


#: The tool and its version, nothing else.
USER_AGENT = f"zoo-crawler/{__version__}"
#: Bytes read from an answer body at a time (the size cap is checked after each).
_CHUNK = 1 << 16


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


class _RequestsTransport:
    """One request on a ``requests`` session, its body read in chunks within the cap: the transport of
    this module under the one retry loop (:class:`~crawler.sources._retry.RetryLoop`)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json_body: Any,
        params: Mapping[str, Any] | None,
        timeout: tuple[float, float],
        limit: int,
    ) -> Answer:
        try:
            response = self.session.request(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                params=params,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                chunks = response.iter_content(chunk_size=_CHUNK)
                body = read_capped(chunks, limit, response.url, response.headers.get("Content-Length"))
        except (requests.ConnectionError, requests.Timeout) as exc:
            reason = unreachable_reason(exc)
            if reason is None and isinstance(exc, requests.ConnectTimeout):
                reason = "connection timed out"
            if reason is not None:
                raise Unreachable(reason, exc) from None
            if isinstance(exc, requests.Timeout):
                raise TimedOut(exc) from None
            raise BrokeOff(exc) from None
        except requests.exceptions.ChunkedEncodingError as exc:  # the body broke off half-way
            raise BrokeOff(exc) from None
        finally:
            _IN_FLIGHT.pop(threading.get_ident(), None)
        return Answer(response.status_code, response.headers, body, response.url, response)

    def abandon(self, worker: threading.Thread) -> None:
        _drop(self.session, worker)


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
    """One request through the one retry loop, its outcome in this module's words and errors."""
    policy = policy or RetryPolicy()
    label = f"{method} {url}"

    def elsewhere(location: str) -> HttpError:
        return HttpError(
            f"{label} was redirected to another host ({show_origin(location)}); zoo sends its requests, and "
            f"the credentials, to {show_origin(url)} only, so nothing was sent there"
        )

    def too_many() -> HttpError:
        return HttpError(f"{label} was redirected more than {MAX_REDIRECTS} times")

    def accept(answer: Answer) -> Any:
        status, response = answer.status, answer.raw
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            try:
                text = answer.body.decode(response.encoding or "utf-8", "replace")
            except LookupError:  # a charset no codec knows: what requests' .text would fall back to
                text = answer.body.decode("utf-8", "replace")
            raise HttpStatusError(f"{label} answered HTTP {status}: {_short(text)}", status)
        try:
            return decode(response, answer.body)
        except ValueError as exc:
            raise InvalidBody(f"a body that is not valid JSON ({_short(str(exc), 80)})") from None

    loop: RetryLoop[Any] = RetryLoop(
        _RequestsTransport(session),
        policy,
        meter=counter,
        who=_origin(url),
        redirects=Redirects(url, elsewhere, too_many),
        connect_timeout=CONNECT_TIMEOUT,
        sleep=sleep,
    )
    try:
        return loop.run(method, url, headers=headers, json_body=json_body, params=params, accept=accept)
    except HttpError as exc:  # a status not worth retrying, a redirect elsewhere, a wait or body too large
        exc.requests = loop.sent
        raise
    except GaveUp as out:
        raise _failure(out, label, url, loop.sent) from None


def _failure(out: GaveUp, label: str, url: str, sent: int) -> HttpError:
    """The error for a request whose retries are spent, in this module's words."""
    tried = f"{label} failed after {_attempts(out.attempts)}"
    cause = out.cause
    if out.kind == "status" and out.answer is not None:
        status = out.answer.status
        return HttpStatusError(f"{tried}: last answer HTTP {status}", status, requests=sent)
    if out.kind == "invalid":
        return HttpError(f"{tried}: last answer {out.reason}", requests=sent)
    if out.kind == "unreachable":
        kind = type(cause).__name__
        return HttpUnreachable(f"cannot reach {_origin(url)}: {out.reason} ({tried}: {kind})", requests=sent)
    if out.kind == "slow":
        return HttpTooSlow(
            f"{tried}: {type(cause).__name__}: {_short(str(cause))} (the server is silent or sends too slowly; "
            "allow more time with --timeout, or per request in all with --request-deadline or "
            "ZOO_REQUEST_DEADLINE)",
            requests=sent,
        )
    return HttpUnreachable(f"{tried}: {type(cause).__name__}: {_short(str(cause))}", requests=sent)
