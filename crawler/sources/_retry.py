"""The one retry loop of every HTTP request zoo sends, whichever library sends it.

Every source asks its hub through one of two thin fronts: :mod:`._http` (``request_json``,
``request_text``: Kaggle, the PyTorch Hub ``hubconf.py`` downloads, papers-live, any new hub; a
``requests`` session) and :mod:`._client` (``HubClient``: the Hugging Face sources, on huggingface_hub's
own session). Both hand their request to :class:`RetryLoop`, with a :class:`Transport` that does no more
than send one request and give back its status, headers and body (:class:`Answer`), or say how it failed
(:class:`Unreachable`, :class:`TimedOut`, :class:`BrokeOff`). Everything else is decided here, once, from
the request's :class:`~._net.RetryPolicy`:

* **Retry or not.** 408, 429 and 5xx answers, connections that break off, time-outs, a server that cannot
  be reached, and a body the caller cannot read (:class:`InvalidBody`: not JSON, ``json_attempts`` times
  in all) are asked again; any other answer is the caller's. ``max_attempts`` failed attempts end the
  request (:class:`GaveUp`, which each front words in its own terms) — except a 429 that names no wait,
  which is asked again until ``rate_window`` seconds have been waited (one quota window of the Hub; 0 for
  other hubs, whose 429s count like any failure).
* **How long to wait.** A 429 waits what its ``RateLimit`` (``r=0;t=N``: N s) or ``Retry-After`` says,
  plus ``rate_margin`` (1 s for the Hub, as huggingface_hub waits), and is reported to the meter as
  ``rate_limited``; a 429 that says neither backs off doubling from ``rate_window / 256`` up to one
  window (it never spins). Another status waits its ``Retry-After``; anything else backs off
  exponentially (``backoff_base`` doubling, with ``jitter`` up to ``backoff_base`` more, at most
  ``backoff_max``).
  ``Retry-After`` is honoured up to ``retry_after_max``; any wait asked beyond ``ZOO_MAX_RATE_WAIT``
  fails the request at once (:class:`~._net.RateWaitTooLong`).
* **Too slow, unreachable, too large.** Each attempt runs under a total deadline
  (:func:`~._net.call_with_deadline`; past it the transport drops its connection), ``slow_attempts``
  time-outs in a row end the request, a server that cannot be reached is tried for ``unreachable_after``
  seconds only, and the transport reads at most ``ZOO_MAX_ANSWER_MB`` per body
  (:class:`~._net.Attempts` reads these limits once per request and keeps the counts).
* **Redirects** are followed within an attempt only to the origin the front names (:class:`Redirects`);
  one elsewhere ends the request with the front's own error, nothing sent there.
* **Counting and logging.** Every request sent (each redirect too) is counted on the source's
  :class:`~.base.Meter`; every retry is logged on ``crawler.http`` (never a header, so no credential).
* **Hooks** for the Hugging Face listing, features of this loop rather than a second one: a
  :class:`Resizer` gives each attempt its URL and may ask a failed page again at once with a smaller page
  size (504s, time-outs), and a ``stop`` event ends the waits and the retries of a request still being
  asked when the listing is closed (:class:`ListingClosed`).

tenacity drives the loop (the retry engine the design names for zoo's HTTP requests): it runs the
attempts and the sleeps, while every decision above is taken here in :meth:`RetryLoop._decide`, from what
the attempt came to — tenacity's stock stop and wait strategies cannot say "a blind 429 is asked again for
a whole window whatever ``max_attempts`` says" or "a smaller page is a new request", so each attempt ends
either with the answer, with :class:`GaveUp`, or with :class:`_Again` carrying the wait decided.

Like the rest of the network layer, this module knows nothing of hubs, commands or the registry.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urljoin

from huggingface_hub.utils import parse_ratelimit_headers
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_never

from . import _clock
from ._net import (
    Attempts,
    DeadlineExceeded,
    RetryPolicy,
    call_with_deadline,
    check_rate_wait,
    parse_retry_after,
    same_origin,
    shorten,
)
from .base import Meter, SourceError

T = TypeVar("T")

log = logging.getLogger("crawler.http")

#: Redirects followed within one attempt (same origin only).
MAX_REDIRECTS = 5
#: Statuses that are redirects (when they carry a ``Location``).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def retryable(status: int) -> bool:
    """Whether an answer with ``status`` is asked again: 408, 429 and every 5xx."""
    return status in (408, 429) or status >= 500


# ------------------------------------------------------------------------------ what a transport gives


@dataclass(frozen=True)
class Answer:
    """One answer as a transport gives it back: ``status``, ``headers`` (case-insensitive, as the
    library keeps them), the whole decoded ``body`` (read within the size cap), the ``url`` that was
    asked (its query included) and ``raw``, the library's own answer object, for the front."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    raw: Any


class Unreachable(Exception):
    """No connection could be made (refused, a name that does not resolve, no route, a connect
    time-out); ``reason`` in words, ``cause`` the library's exception."""

    def __init__(self, reason: str, cause: BaseException) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause


class TimedOut(Exception):
    """The server went silent for the read time-out (``cause`` the library's exception)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class BrokeOff(Exception):
    """The server was reached but the exchange broke off (a reset, a truncated answer)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class Transport(Protocol):
    """Sends one request and gives back what came: the only part of a request that differs between
    the libraries. It raises :class:`Unreachable`, :class:`TimedOut` or :class:`BrokeOff` for a failed
    exchange, :class:`~._net.AnswerTooLarge` for a body past ``limit`` bytes, and never follows a
    redirect or retries by itself."""

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
        """One request: ``timeout`` is (connect, read) seconds, ``limit`` the largest body read."""
        ...

    def abandon(self, worker: threading.Thread) -> None:
        """Drop the connection ``worker`` is stuck on: its attempt passed the deadline."""
        ...


# ----------------------------------------------------------------------------------- what the loop says


class InvalidBody(Exception):
    """Raised by a front's ``accept`` for an answer whose body it cannot read (not JSON): asked again,
    ``json_attempts`` times in all."""


class ListingClosed(SourceError):
    """The listing was closed (the run ended) while a request for its next page was still being retried."""


class GaveUp(Exception):
    """The request failed for good after retries; the front words the message.

    ``kind``: ``"status"`` (the last ``answer`` was a retryable status), ``"invalid"`` (the last body
    could not be read: ``reason``), ``"unreachable"`` (``reason``: why no connection could be made),
    ``"slow"`` (attempts timed out: ``reason`` says how the last one did) or ``"broken"`` (the last
    exchange broke off). ``failures`` counts the failed attempts that led here, ``attempts`` every
    attempt, ``cause`` is the last library exception (if any)."""

    def __init__(
        self,
        kind: str,
        *,
        failures: int,
        attempts: int,
        answer: Answer | None = None,
        cause: BaseException | None = None,
        reason: str = "",
        slow: int = 0,
    ) -> None:
        super().__init__(f"{kind}: {reason or (answer and answer.status) or cause}")
        self.kind = kind
        self.failures = failures
        self.attempts = attempts
        self.answer = answer
        self.cause = cause
        self.reason = reason
        self.slow = slow


class _Again(Exception):
    """Internal: ask again after ``wait`` seconds (``note``: why, for the log; ``rate``: a 429), or at
    once, without a wait, with ``now`` (a page asked again at a smaller size)."""

    def __init__(self, wait: float, note: str, *, rate: bool = False, now: bool = False) -> None:
        super().__init__(note)
        self.wait = wait
        self.note = note
        self.rate = rate
        self.now = now


@dataclass(frozen=True)
class Redirects:
    """Which redirects an attempt follows: with ``follow``, those that stay on ``home``'s scheme, host
    and port (at most :data:`MAX_REDIRECTS`); ``elsewhere(location)`` and ``too_many()`` build the
    front's error for the others. Without ``follow``, a redirect is an answer like any other."""

    home: str
    elsewhere: Callable[[str], Exception]
    too_many: Callable[[], Exception]
    follow: bool = True


class Resizer(Protocol):
    """A listing whose page size may change between attempts (the Hugging Face listing)."""

    def url(self, url: str) -> str:
        """The URL to ask now (``url`` with the current page size)."""
        ...

    def failed(self, why: str, *, slow: bool) -> bool:
        """A page failed (``why``: ``HTTP 504``, or how it timed out); True if it is asked again at once
        at a smaller size, as a new request with its own retries."""
        ...


# ---------------------------------------------------------------------------------------------- the loop


class RetryLoop(Generic[T]):
    """One request under ``policy``, through ``transport``: see the module's description.

    ``meter`` counts every request sent and every 429 wait; ``who`` names the server in messages
    (``asked to wait``); ``sleep`` waits between attempts (``_clock.sleep``; a ``stop`` event, once set,
    ends a wait or the next attempt with :class:`ListingClosed`). After :meth:`run`, :attr:`sent` is the
    number of requests it sent (redirects included) and :attr:`attempts` the number of attempts."""

    def __init__(
        self,
        transport: Transport,
        policy: RetryPolicy,
        *,
        meter: Meter | None,
        who: str,
        redirects: Redirects,
        connect_timeout: float,
        sleep: Callable[[float], None] = _clock.sleep,
        stop: threading.Event | None = None,
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.meter = meter
        self.who = who
        self.redirects = redirects
        self.stop = stop
        self._sleep_fn = sleep
        self.limits = Attempts(policy, connect_timeout)
        self.sent = 0
        self.attempts = 0
        self.failures = 0  # failed attempts counted against max_attempts (since the last page-size step)
        self.invalid = 0  # bodies the caller could not read
        self.blind = 0.0  # seconds waited for 429s that named no wait
        self._now = False  # the next attempt goes out at once (no wait, not even of 0 s)

    # -- one attempt

    def _exchange(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json_body: Any,
        params: Mapping[str, Any] | None,
    ) -> Answer:
        """One attempt: a request, and the redirects it may follow; runs within the deadline."""
        limits = self.limits
        timeout = (limits.connect_timeout, min(self.policy.timeout, limits.deadline))
        target, how, body, query = url, method, json_body, params
        for _ in range(MAX_REDIRECTS + 1):
            self.sent += 1
            if self.meter is not None:
                self.meter.request()
            answer = self.transport.send(
                how,
                target,
                headers=headers,
                json_body=body,
                params=query,
                timeout=timeout,
                limit=limits.limit,
            )
            location = answer.headers.get("Location")
            if not (self.redirects.follow and answer.status in REDIRECT_STATUSES and location):
                return answer
            location = urljoin(answer.url, location)
            if not same_origin(location, self.redirects.home):
                raise self.redirects.elsewhere(location)
            if answer.status not in (307, 308):  # 301/302/303: asked again with GET
                how, body = "GET", None
            target, query = location, None
        raise self.redirects.too_many()

    # -- the decisions

    def _backoff(self, n: int) -> float:
        """The wait before retry ``n``: ``backoff_base`` doubling, plus jitter if the policy says so, at
        most ``backoff_max``."""
        policy = self.policy
        jitter = random.uniform(0, policy.backoff_base) if policy.jitter and policy.backoff_base > 0 else 0.0
        return min(policy.backoff_max, policy.backoff(n) + jitter)

    def _status_wait(self, answer: Answer) -> tuple[float, bool]:
        """How long to wait after a retryable ``answer``, and whether it named that wait itself; a wait
        beyond ``ZOO_MAX_RATE_WAIT`` raises :class:`~._net.RateWaitTooLong`."""
        policy, headers = self.policy, answer.headers
        raw = headers.get("Retry-After")
        retry_after = parse_retry_after(raw)
        if answer.status == 429:
            info = parse_ratelimit_headers(headers)
            if info is not None and info.remaining == 0:
                check_rate_wait(
                    info.reset_in_seconds, "RateLimit", headers["RateLimit"], self.limits.max_wait, self.who
                )
                return float(info.reset_in_seconds) + policy.rate_margin, True
        if retry_after is not None:
            check_rate_wait(retry_after, "Retry-After", raw or "", self.limits.max_wait, self.who)
            margin = policy.rate_margin if answer.status == 429 else 0.0
            return min(retry_after, policy.retry_after_max) + margin, True
        if answer.status == 429 and policy.rate_window > 0:
            # doubling from a floor, so a few waits always cover a window: it never spins
            floor = max(policy.backoff_base, policy.rate_window / 256)
            return min(policy.rate_window, floor * 2 ** max(0, self.failures - 1)), False
        return self._backoff(self.failures), False

    def _give_up(self, kind: str, **details: Any) -> GaveUp:
        return GaveUp(kind, failures=self.failures, attempts=self.attempts, slow=self.limits.slow, **details)

    def _decide(self, exc: BaseException, resizer: Resizer | None) -> _Again:
        """What a failed attempt (``exc``) leads to: :class:`_Again` (with the wait), or :class:`GaveUp`."""
        policy, limits = self.policy, self.limits
        if isinstance(exc, Unreachable):
            limits.unreachable()
            self.failures += 1
            wait = self._backoff(self.failures)
            if self.failures >= policy.max_attempts or limits.unreachable_too_long(wait):
                raise self._give_up("unreachable", reason=exc.reason, cause=exc.cause)
            return _Again(wait, exc.reason)
        if isinstance(exc, TimedOut | DeadlineExceeded):
            limits.timed_out()
            self.failures += 1
            silent = isinstance(exc, TimedOut)
            what = (
                f"silent for {min(policy.timeout, limits.deadline):g} s"
                if silent
                else f"still incomplete after {limits.deadline:g} s"
            )
            cause = exc.cause if isinstance(exc, TimedOut) else exc
            if limits.too_slow or self.failures >= policy.max_attempts:
                raise self._give_up("slow", reason=what, cause=cause)
            if resizer is not None and resizer.failed(what, slow=True):
                self.failures = 0  # a smaller page is a new request, with its own retries
                return _Again(0.0, what, now=True)
            return _Again(self._backoff(self.failures), what)
        if isinstance(exc, BrokeOff):
            limits.broke_off()
            self.failures += 1
            if self.failures >= policy.max_attempts:
                raise self._give_up("broken", cause=exc.cause)
            return _Again(self._backoff(self.failures), f"{type(exc.cause).__name__}: {exc.cause}")
        if isinstance(exc, InvalidBody):
            self.failures += 1
            self.invalid += 1
            if self.invalid >= policy.json_attempts or self.failures >= policy.max_attempts:
                raise self._give_up("invalid", reason=str(exc))
            return _Again(self._backoff(self.failures), str(exc))
        raise exc  # not ours to retry: a redirect elsewhere, an answer too large, the front's own error

    def _decide_status(self, answer: Answer, resizer: Resizer | None) -> _Again:
        """What a retryable status leads to: :class:`_Again`, or :class:`GaveUp` after the last attempt."""
        policy = self.policy
        if answer.status == 504 and resizer is not None and resizer.failed("HTTP 504", slow=False):
            self.failures = 0
            return _Again(0.0, "HTTP 504", now=True)
        self.failures += 1
        wait, said = self._status_wait(answer)  # a wait beyond the cap fails now, even on the last attempt
        blind = answer.status == 429 and not said
        # a 429 that names no wait is tried for at least rate_window seconds, however few max_attempts
        if self.failures >= policy.max_attempts and not (blind and self.blind < policy.rate_window):
            raise self._give_up("status", answer=answer)
        if blind:
            self.blind += wait
        if answer.status == 429 and self.meter is not None:
            self.meter.waited("rate_limited", wait)
        return _Again(wait, f"HTTP {answer.status}", rate=answer.status == 429)

    # -- running it

    def _sleep(self, seconds: float) -> None:
        if self._now:  # asked again at once: no wait at all
            self._now = False
            return
        if self.stop is None:
            self._sleep_fn(seconds)
        elif _clock.wait(self.stop, seconds):
            raise ListingClosed("the listing was closed")

    def run(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        accept: Callable[[Answer], T],
        resizer: Resizer | None = None,
    ) -> T:
        """Ask until an answer comes that is not retried and return ``accept(answer)`` (which may raise
        :class:`InvalidBody` to have it asked again, or the front's own error); raises :class:`GaveUp`
        when the retries are spent, and lets the front's and the network layer's errors through."""
        label = f"{method} {shorten(url)}"
        sent_headers = dict(headers or {})

        def attempt() -> T:
            if self.stop is not None and self.stop.is_set():
                raise ListingClosed("the listing was closed")
            self.attempts += 1
            target = resizer.url(url) if resizer is not None else url
            try:
                answer = call_with_deadline(
                    lambda: self._exchange(method, target, sent_headers, json_body, params),
                    self.limits.deadline,
                    abandon=self.transport.abandon,
                )
            except (Unreachable, TimedOut, DeadlineExceeded, BrokeOff) as exc:
                raise self._decide(exc, resizer) from None
            self.limits.answered()
            if retryable(answer.status):
                raise self._decide_status(answer, resizer)
            try:
                return accept(answer)
            except InvalidBody as exc:
                raise self._decide(exc, resizer) from None

        def before_sleep(state: RetryCallState) -> None:
            again = state.outcome.exception() if state.outcome else None
            if not isinstance(again, _Again) or again.now:
                return
            if again.rate:
                log.warning("%s: rate limited (HTTP 429); waiting %.1f s", label, again.wait)
            else:
                log.info(
                    "%s: %s; retry %d/%d in %.1f s",
                    label,
                    again.note,
                    self.failures,
                    self.policy.max_retries,
                    again.wait,
                )

        def wait(state: RetryCallState) -> float:
            again = state.outcome.exception() if state.outcome else None
            self._now = isinstance(again, _Again) and again.now
            return again.wait if isinstance(again, _Again) else 0.0

        retrying = Retrying(
            retry=retry_if_exception_type(_Again),
            stop=stop_never,  # every end is decided above: an answer, GaveUp, or an error of its own
            wait=wait,
            before_sleep=before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(attempt)
