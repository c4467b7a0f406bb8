"""What both HTTP stacks share (huggingface_hub's httpx2 client for Hugging Face, requests for the other
hubs): where a request may go, how long one may take in all, and how "the server cannot be reached" is
told apart from "the server answered badly".

* **Origins.** zoo sends a hub's requests, and the credentials that go with them, to the endpoint the user
  named and nowhere else: a next-page link or a redirect is followed only when it keeps the endpoint's
  scheme, host and port (:func:`same_origin`). Anything else ends the run with a one-line message, and
  nothing is sent there.
* **Credentials in an endpoint URL** (``http://user:pass@host``) are refused (:func:`check_endpoint`):
  an endpoint is stored with every run and printed in messages and logs, where a password must never be.
* **A total deadline per request** (:func:`call_with_deadline`). Read time-outs only bound the silence
  between two packets, so a server that trickles a byte every few seconds would hold a request forever.
  Each attempt runs in a helper thread and is abandoned when ``--request-deadline`` /
  ``ZOO_REQUEST_DEADLINE`` seconds (default 60) have passed, however busy the connection is.
* **Unreachable servers** (:func:`unreachable_reason`): connection refused, a name that does not resolve,
  an unreachable network. These are retried only for :data:`UNREACHABLE_SECONDS` (30 s), and the run
  fails with ``cannot reach <endpoint>: <reason>``; 5xx answers and 429s keep their longer retries.
* **A cap on every wait a server asks for** (:func:`max_rate_wait`, :func:`check_rate_wait`): a
  ``RateLimit`` reset or a ``Retry-After`` beyond ``ZOO_MAX_RATE_WAIT`` seconds (default 900: three of the
  Hub's 300 s quota windows) fails the run at once with one line naming the header and its value, instead
  of sleeping for days holding the crawl lock; the next night tries again.
* **A cap on the size of every answer** (:func:`max_answer_bytes`, :func:`read_capped`): bodies are read
  in chunks, and a request whose answer grows past ``ZOO_MAX_ANSWER_MB`` megabytes (default 64; a
  listing page of 1,000 models with their file names is 0.74 MB from the test fake) fails with one line
  naming the URL, so a hostile or broken server cannot make memory grow without bound.
* **One retry policy** (:class:`RetryPolicy`, frozen): how hard every source tries, passed with each
  request to either front (:mod:`._http`, a requests session; :mod:`._client`, huggingface_hub's
  session), both of which hand it to the one retry loop (:mod:`._retry`); :data:`HF_POLICY` holds the
  Hugging Face sources' defaults. The loop keeps one :class:`Attempts` per request, which reads the
  deadline and caps above once and decides when a server is too slow or has been unreachable too long.

This module, like the rest of the network layer (:mod:`._retry`, :mod:`._http`, :mod:`._client`,
:mod:`._paging`, :mod:`._git`), knows nothing of hubs, commands or the registry; the options that expose these settings
on the command line are declared in :mod:`._options`.
"""

from __future__ import annotations

import contextvars
import email.utils
import errno
import math
import os
import re
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from . import _clock
from .base import NotConfigured, SourceError

T = TypeVar("T")

#: Seconds one HTTP attempt may take in all (connecting, waiting, reading the whole body).
DEFAULT_DEADLINE = 60.0
DEADLINE_ENV = "ZOO_REQUEST_DEADLINE"
#: How long a server that cannot be reached at all (refused, DNS, no route) is retried before the run fails.
UNREACHABLE_SECONDS = 30.0
#: Seconds a connection may take to open, for every transport (a black-holed address fails in this time,
#: not the read time-out).
CONNECT_TIMEOUT = 10.0
#: Attempts in a row that time out (silence or the deadline) before the run fails: with the default
#: deadline, a server that hangs or trickles fails the run within about four and a half minutes.
SLOW_ATTEMPTS = 4

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: The longest wait a server may ask for (a ``RateLimit`` reset, a ``Retry-After``) before the run fails
#: instead: three of the Hugging Face Hub's 300 s quota windows.
DEFAULT_MAX_RATE_WAIT = 900.0
RATE_WAIT_ENV = "ZOO_MAX_RATE_WAIT"
#: The largest answer body read, in megabytes (2**20 bytes): a listing page of 1,000 models with their
#: file names, or a commits page of 1,000, is a few MB at most.
DEFAULT_MAX_ANSWER_MB = 64.0
ANSWER_ENV = "ZOO_MAX_ANSWER_MB"


# ------------------------------------------------------------------------------------------- deadlines


def request_deadline(value: float | None = None) -> float:
    """The total seconds one request attempt may take: ``value``, else ``$ZOO_REQUEST_DEADLINE``, else 60."""
    if value is None:
        raw = os.environ.get(DEADLINE_ENV, "").strip()
        if not raw:
            return DEFAULT_DEADLINE
        try:
            value = float(raw)
        except ValueError:
            raise NotConfigured(f"{DEADLINE_ENV}={raw[:40]!r} is not a number of seconds") from None
    if not value > 0:
        raise NotConfigured(f"the request deadline must be a positive number of seconds, not {value}")
    return float(value)


def _positive_setting(value: float | None, env: str, default: float, unit: str) -> float:
    """``value``, else ``$env`` (read now), else ``default``; a finite number above 0, or
    :class:`NotConfigured` in one line naming the variable."""
    if value is None:
        raw = os.environ.get(env, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise NotConfigured(f"{env}={raw[:40]!r} is not a number of {unit}") from None
        if not (math.isfinite(value) and value > 0):
            raise NotConfigured(f"{env}={raw[:40]!r}: give a finite number of {unit} above 0")
        return value
    if not (math.isfinite(value) and value > 0):
        raise NotConfigured(f"the limit must be a finite number of {unit} above 0, not {value}")
    return float(value)


def max_rate_wait(value: float | None = None) -> float:
    """The longest wait a server may ask for: ``value``, else ``$ZOO_MAX_RATE_WAIT``, else 900 s."""
    return _positive_setting(value, RATE_WAIT_ENV, DEFAULT_MAX_RATE_WAIT, "seconds")


def max_answer_bytes(value: float | None = None) -> int:
    """The largest answer body read, in bytes: ``value`` MB, else ``$ZOO_MAX_ANSWER_MB``, else 64 MB."""
    mb = _positive_setting(value, ANSWER_ENV, DEFAULT_MAX_ANSWER_MB, "megabytes")
    return max(1, int(min(mb, 2.0**40) * 2**20))


def _value(text: str, limit: int = 80) -> str:
    """A header value for a message: cut, control characters escaped (``repr``)."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_rate_wait(seconds: float, header: str, value: str, limit: float, who: str) -> None:
    """Raise :class:`RateWaitTooLong` if ``seconds`` (what ``header: value`` asked ``who`` to wait) is
    beyond ``limit``."""
    if seconds > limit:
        raise RateWaitTooLong(
            f"{who} asked to wait {seconds:,.0f} s ({header}: {_value(value)}), more than the {limit:,g} s "
            f"zoo waits for a rate limit ({RATE_WAIT_ENV}): stopped instead of sleeping that long; the next "
            "crawl tries again"
        )


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 2**10:,.1f} KB"


def too_large(url: str, limit: int, declared: int | None = None) -> AnswerTooLarge:
    """The error for an answer to ``url`` larger than ``limit`` bytes (``declared``: its Content-Length)."""
    size = f"announced {_mb(declared)}" if declared is not None else f"more than {_mb(limit)}"
    return AnswerTooLarge(
        f"the answer to {shorten(url)} was too large ({size}; zoo reads at most {_mb(limit)} per answer, "
        f"{ANSWER_ENV}): the request failed and the body was not kept"
    )


def shorten(url: str, limit: int = 160) -> str:
    """``url`` for a message or a log line: credentials redacted, cut after ``limit`` characters."""
    url = redact(url)
    return url if len(url) <= limit else url[:limit] + "…"


def declared_length(value: str | None) -> int | None:
    """A ``Content-Length`` header as an integer (``None`` if absent or not a plain number)."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def read_capped(chunks: Iterable[bytes], limit: int, url: str, declared: str | None = None) -> bytes:
    """The body from ``chunks`` (decoded bytes, read as they come), or :class:`AnswerTooLarge` as soon as
    it is longer than ``limit`` bytes (or announces so in ``declared``, its ``Content-Length``), so that
    no more than ``limit`` bytes and one chunk are ever held. The caller closes the answer."""
    length = declared_length(declared)
    if length is not None and length > limit:
        raise too_large(url, limit, length)
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(url, limit)
        parts.append(chunk)
    return b"".join(parts)


class DeadlineExceeded(Exception):
    """An attempt that did not finish within its deadline; it was abandoned."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


def call_with_deadline(
    fn: Callable[[], T], seconds: float, *, abandon: Callable[[threading.Thread], None] | None = None
) -> T:
    """``fn()``, or :class:`DeadlineExceeded` once ``seconds`` have passed.

    ``fn`` runs in a daemon thread (with the caller's context variables); past the deadline the caller
    stops waiting, calls ``abandon(thread)`` (drop the connection that thread is stuck on) and raises.
    The abandoned thread ends when its socket does; whatever it returns or raises then is ignored.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            outcome["value"] = context.run(fn)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=run, name="zoo-request", daemon=True)
    worker.start()
    if not done.wait(seconds):
        if abandon is not None:
            try:
                abandon(worker)
            except Exception:  # closing a client must never hide why the request was given up
                pass
        raise DeadlineExceeded(seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); ``None`` if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


# ------------------------------------------------- errors and retry policy of the HTTP layer (_http)


class HttpError(SourceError):
    """A request that failed for good (after retries, or at once for a 4xx); the message says why.
    ``requests`` is the number of attempts it made."""


class HttpUnreachable(HttpError):
    """The server could not be reached at all: every attempt ended in a connection error or a time-out."""


class HttpTooSlow(HttpUnreachable):
    """Attempts kept timing out (silence, or the total deadline): the server hangs or trickles."""


class HttpStatusError(HttpError):
    """The server answered with an error status that is not worth retrying (or kept answering one)."""

    def __init__(self, message: str, status: int, *, requests: int = 0) -> None:
        super().__init__(message, requests=requests)
        self.status = status


class RateWaitTooLong(HttpError):
    """A server asked for a wait longer than ``ZOO_MAX_RATE_WAIT``: the run fails instead of sleeping."""


class AnswerTooLarge(HttpError):
    """An answer body grew past ``ZOO_MAX_ANSWER_MB``: the request failed, the body was not kept."""


#: Seconds of the Hugging Face Hub's quota window (``RateLimit-Policy: "fixed window";"api";q=500;w=300``,
#: recorded in real answers): a 429 that does not say how long to wait is tried again for at least this long.
RATE_WINDOW = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: the one retry policy of every source, read by the one retry loop
    (:class:`._retry.RetryLoop`) whichever transport sends (requests for :mod:`._http`,
    huggingface_hub's session for :mod:`._client`). The defaults suit a public API; a
    source keeps its own defaults as a policy constant (:data:`HF_POLICY`), and tests shrink the waits by
    passing a policy (``dataclasses.replace(HF_POLICY, backoff_base=0.01)``)."""

    #: attempts per request, the first included (:attr:`max_retries` more after the first)
    max_attempts: int = 6
    #: first backoff in seconds; doubles per attempt (plus up to ``backoff_base`` of jitter, with ``jitter``)
    backoff_base: float = 1.0
    #: whether a backoff adds a random part of up to ``backoff_base`` seconds (Hugging Face: no, the
    #: backoff alone, as its client always waited)
    jitter: bool = True
    #: ceiling of one backoff wait, in seconds
    backoff_max: float = 60.0
    #: the longest ``Retry-After`` honoured; a longer one is waited this long, then tried again (one
    #: longer than ``max_rate_wait`` fails the request at once)
    retry_after_max: float = 300.0
    #: the longest wait a server may ask for; ``None``: ``$ZOO_MAX_RATE_WAIT``, else 900 s
    max_rate_wait: float | None = None
    #: the largest answer body read, in MB; ``None``: ``$ZOO_MAX_ANSWER_MB``, else 64
    max_answer_mb: float | None = None
    #: attempts for a 200 whose body is not valid JSON (within ``max_attempts``)
    json_attempts: int = 3
    #: read timeout in seconds (connect timeout is ``CONNECT_TIMEOUT``)
    timeout: float = 60.0
    #: total seconds one attempt may take; ``None``: ``$ZOO_REQUEST_DEADLINE``, else 60 (read per request)
    deadline: float | None = None
    #: attempts in a row that time out (silence or the deadline) before the request fails
    slow_attempts: int = SLOW_ATTEMPTS
    #: seconds a server that cannot be reached at all is tried before the request fails
    unreachable_after: float = UNREACHABLE_SECONDS
    #: seconds before a body that was not valid JSON is asked again, times the failures so far (the
    #: Hugging Face sources, which read a page's body after the next page was asked, so outside the
    #: retry loop)
    json_retry_wait: float = 1.0
    #: a 429 that names no wait (no ``RateLimit``, no ``Retry-After``) is asked again, backing off, until
    #: this many seconds have been waited, whatever ``max_attempts`` says (Hugging Face: one quota window,
    #: :data:`RATE_WINDOW`); 0: such a 429 is one more failed attempt, backing off as usual
    rate_window: float = 0.0
    #: seconds added to the wait a 429 names (``RateLimit``'s reset, ``Retry-After``) against rounding
    #: (Hugging Face: 1 s, as huggingface_hub waits)
    rate_margin: float = 0.0

    @property
    def max_retries(self) -> int:
        """Attempts after the first."""
        return max(0, self.max_attempts - 1)

    def backoff(self, n: int) -> float:
        """The wait before retry ``n`` (from 1), without jitter: ``backoff_base`` doubling, at most
        ``backoff_max``."""
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, n - 1))

    def limited(self, timeout: float | None = None, deadline: float | None = None) -> RetryPolicy:
        """This policy with a command's ``--timeout`` and ``--request-deadline`` laid over it (``None``:
        keep this policy's)."""
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeout"] = timeout
        if deadline is not None:
            changes["deadline"] = deadline
        return replace(self, **changes) if changes else self


class Attempts:
    """One request's attempts under a :class:`RetryPolicy`, as the retry loop counts them: the limits
    they run under (read once per request: the total deadline, the answer cap, the longest wait a server
    may ask for), how many timed out in a row, and since when the server could not be reached.

    The loop tells it what each attempt came to (:meth:`answered`, :meth:`unreachable`,
    :meth:`timed_out`, :meth:`broke_off`) and asks it whether to go on (:attr:`too_slow`,
    :meth:`unreachable_too_long`), so the deadline, unreachable and slow-attempt rules are one for every
    hub. ``connect_timeout``: the longest an attempt may take to connect (capped by the deadline).
    """

    def __init__(self, policy: RetryPolicy, connect_timeout: float) -> None:
        self.policy = policy
        #: seconds one attempt may take in all
        self.deadline = request_deadline(policy.deadline)
        #: the largest answer body read, in bytes
        self.limit = max_answer_bytes(policy.max_answer_mb)
        #: the longest wait a server may ask for, in seconds
        self.max_wait = max_rate_wait(policy.max_rate_wait)
        #: seconds an attempt may take to connect
        self.connect_timeout = min(connect_timeout, self.deadline)
        #: attempts in a row that timed out (silence, or the deadline)
        self.slow = 0
        #: when the server first could not be reached, in this run of such failures (``_clock.monotonic()``)
        self.unreachable_since: float | None = None

    def answered(self) -> None:
        """The server answered (whatever the status)."""
        self.slow = 0
        self.unreachable_since = None

    def broke_off(self) -> None:
        """The server was reached but the attempt broke off (not a time-out)."""
        self.slow = 0
        self.unreachable_since = None

    def unreachable(self) -> None:
        """No connection could be made (refused, DNS, no route, a connection that never opened)."""
        self.slow = 0
        if self.unreachable_since is None:
            self.unreachable_since = _clock.monotonic()

    def timed_out(self) -> bool:
        """The attempt timed out (silence, or the deadline); True once :attr:`too_slow`."""
        self.unreachable_since = None
        self.slow += 1
        return self.too_slow

    @property
    def too_slow(self) -> bool:
        """``slow_attempts`` attempts in a row timed out: the server hangs or trickles."""
        return self.slow >= self.policy.slow_attempts

    def unreachable_too_long(self, wait: float) -> bool:
        """Whether another attempt, ``wait`` seconds from now, could not be over (connected) within
        ``unreachable_after`` seconds of the first failure to connect."""
        if self.unreachable_since is None:
            return False
        spent = _clock.monotonic() - self.unreachable_since
        return spent + wait + self.connect_timeout > self.policy.unreachable_after


#: The Hugging Face sources' policy: 9 attempts (8 retries), backoff doubling from 1 s up to 30 s (no
#: jitter), a body
#: that is not JSON asked 4 times in all (``zoo crawl hf-dates``: 3), a 429 waited as long as it says plus
#: 1 s (as huggingface_hub waits), and one that says nothing tried for a whole quota window.
HF_POLICY = RetryPolicy(
    max_attempts=9, backoff_max=30.0, json_attempts=4, rate_window=RATE_WINDOW, rate_margin=1.0, jitter=False
)


# ---------------------------------------------------------------------------------------------- origins


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``: the host lower-cased, the port explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def same_origin(url: str, endpoint: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``endpoint``."""
    return origin(url) == origin(endpoint)


def show_origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, for messages (never a path, query or credentials)."""
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}"


def redact(url: str) -> str:
    """``url`` with any user name and password replaced by ``***``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be a hub's endpoint (``not a url``, ``ftp://…``, ``http://[::1``), or None: an
    endpoint is an http or https URL with a host, refused at once rather than retried."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number, or out of range)
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return "is not an http:// or https:// URL"
    if not parts.hostname:
        return "names no host"
    return None


def shown_endpoint(url: str, limit: int = 200) -> str:
    """``url`` for a message: any user name or password replaced by ``***`` (even in a URL that does not
    parse), cut after ``limit`` characters."""
    text = re.sub(r"(?<=//)[^/?#]*@", "***@", url)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def check_endpoint(url: str, flag: str) -> str:
    """``url`` if it is an http(s) URL with a host and no credentials; else :class:`NotConfigured` with a
    message that shows no credentials."""
    problem = endpoint_problem(url)
    if problem is not None:
        raise NotConfigured(f"{flag} {shown_endpoint(url)} {problem}")
    if "@" in urlsplit(url).netloc:
        raise NotConfigured(
            f"{flag} {redact(url)} holds a user name or password: zoo refuses credentials in an endpoint URL, "
            "because the endpoint is kept with every run and shown in messages; give the hub's token in "
            "its environment variable instead"
        )
    return url


# ---------------------------------------------------------------------------------------- unreachable

_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "no route to host",
    errno.EHOSTDOWN: "host down",
}


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it was raised from (``__cause__``, ``__context__``, urllib3's ``reason``)."""
    out: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(out) < 20:
        e = todo.pop()
        if any(e is seen for seen in out):
            continue
        out.append(e)
        reason = getattr(e, "reason", None)
        nexts = [e.__cause__, e.__context__, reason if isinstance(reason, BaseException) else None]
        nexts += [a for a in e.args if isinstance(a, BaseException)]
        todo.extend(n for n in nexts if n is not None)
    return out


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no connection could be made, if that is what ``exc`` says (``connection refused``, ``the name
    does not resolve (…)``, …); ``None`` for any other failure (the server answered, or broke off)."""
    for e in _causes(exc):
        if isinstance(e, socket.gaierror):
            return f"the name does not resolve ({e.strerror or e})"
        if isinstance(e, OSError) and e.errno in _UNREACHABLE_ERRNOS:
            return _UNREACHABLE_ERRNOS[e.errno]
    return None
