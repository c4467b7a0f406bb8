"""The Hugging Face front of the one HTTP client: :class:`HubClient`, on huggingface_hub's own session.

``zoo crawl hf`` (:mod:`crawler.sources.huggingface`) and ``zoo crawl hf-dates``
(:mod:`crawler.sources.huggingface_dates`) send every request through :meth:`HubClient.get`. It hands
the request to the one retry loop of every hub (:class:`crawler.sources._retry.RetryLoop`, which also
serves :mod:`crawler.sources._http`, the front of the other hubs), with a transport that sends one GET
on huggingface_hub's shared ``httpx2`` session (``get_session()``, as the library made it; only its
public API is used) and gives back the answer. So retries, waits (``RateLimit``, ``Retry-After``,
backoff, a 429 that names no wait), the total deadline, the unreachable window, the slow-attempt count,
the wait cap (``ZOO_MAX_RATE_WAIT``), the answer cap (``ZOO_MAX_ANSWER_MB``) and the same-origin rule for
redirects are one logic for every hub, under one :class:`~crawler.sources._net.RetryPolicy` (the Hugging
Face sources' defaults are :data:`~crawler.sources._net.HF_POLICY`: a 429 waited as its header says plus
1 s, as huggingface_hub waits). What this module adds is the Hub's own: its errors (huggingface_hub's
``HfHubHTTPError`` for a last error status), the listing's page size (:class:`PageSizes`, stepping down
when deep pages keep failing: a hook of the loop, which asks the page again at the smaller size), and
:func:`pace`, which waits for a quota window's reset before a request instead of provoking a 429 (pacing
after a good answer, not a retry). This module knows nothing of hubs, commands or the registry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from huggingface_hub.utils import close_session, get_session, hf_raise_for_status, parse_ratelimit_headers

from . import _clock
from ._net import (
    CONNECT_TIMEOUT,
    HF_POLICY,
    RetryPolicy,
    check_rate_wait,
    max_rate_wait,
    read_capped,
    show_origin,
    unreachable_reason,
)
from ._retry import (
    MAX_REDIRECTS,
    Answer,
    BrokeOff,
    GaveUp,
    ListingClosed,
    Redirects,
    RetryLoop,
    TimedOut,
    Unreachable,
    shorten,
)
from .base import Meter, SourceError

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_REDIRECTS",
    "HubClient",
    "HubTooSlow",
    "HubUnreachable",
    "ListingClosed",
    "PageSizes",
    "pace",
    "page_cursor",
    "page_limit",
    "shorten",
    "with_limit",
]

log = logging.getLogger("crawler.http")


class HubUnreachable(SourceError):
    """The Hub could not be reached at all (refused, DNS, no route) for ``UNREACHABLE_SECONDS``."""


class HubTooSlow(SourceError):
    """Attempts kept timing out (silence, or the total deadline): the server hangs or trickles."""


#: The page sizes the listing steps down through when deep pages keep failing.
PAGE_SIZES = (1000, 500, 250, 100)


class PageSizes:
    """The ``limit`` the listing asks for, stepping down when deep pages keep failing and back up later.

    The Hub's listing times out (HTTP 504) on deep cursor pages when ``limit`` is large, more so the deeper
    the page. Its cursor is a keyset (the sort key and ``_id`` of the last item), not an offset, so the
    same cursor may be asked with any ``limit``. :meth:`failed` steps down one size after ``step_after``
    504s in a row at a size, or after one time-out (each costs a whole deadline); :meth:`succeeded` steps
    back up one size after ``up_after`` good pages, and a larger size that fails again at once doubles the
    wait before the next try.
    """

    def __init__(self, largest: int, current: int | None = None, *, step_after: int = 2, up_after: int = 20):
        self.sizes = [largest, *(s for s in PAGE_SIZES if s < largest)]
        self.index = self.sizes.index(current) if current in self.sizes else 0
        self.step_after = step_after
        self.up_after = up_after
        self._failures = 0
        self._good = 0
        self._probing = False

    @property
    def size(self) -> int:
        return self.sizes[self.index]

    def failed(self, *, slow: bool) -> bool:
        """A page failed at this size (HTTP 504, or ``slow``: timed out). True if the size stepped down."""
        self._failures += 1
        if self.index + 1 >= len(self.sizes):
            return False
        if not (slow or self._probing or self._failures >= self.step_after):
            return False
        if self._probing:
            self.up_after *= 2
        self.index += 1
        self._failures = self._good = 0
        self._probing = False
        return True

    def succeeded(self) -> bool:
        """A page came at this size. True if the next page is asked at the next larger size."""
        self._failures = 0
        self._probing = False
        if self.index == 0:
            return False
        self._good += 1
        if self._good < self.up_after:
            return False
        self.index -= 1
        self._good = 0
        self._probing = True
        return True


def _query(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


def page_limit(url: str) -> int | None:
    value = _query(url, "limit")
    return int(value) if value is not None and value.isdigit() else None


def with_limit(url: str, limit: int) -> str:
    return url if page_limit(url) == limit else str(httpx2.URL(url).copy_set_param("limit", str(limit)))


def page_cursor(url: str) -> str:
    """What identifies a listing position: the ``cursor`` parameter (else the URL without ``limit``)."""
    cursor = _query(url, "cursor")
    return cursor if cursor is not None else str(httpx2.URL(url).copy_remove_param("limit"))


def _tried(notes: list[str] | None) -> str:
    """`` (page size lowered from 1,000 to 500 (HTTP 504); …)`` for a message, when the page size changed."""
    return f" ({'; '.join(notes)})" if notes else ""


#: Headers that describe the body as it came over the wire; an answer rebuilt from its decoded body
#: drops them (its Content-Length is that of the decoded body).
_WIRE_HEADERS = frozenset(["content-encoding", "content-length", "transfer-encoding"])


class _HubTransport:
    """One request on huggingface_hub's shared session (``get_session()``, as the library made it), its
    body read in chunks and given up past the cap: the transport of :class:`HubClient` under the one
    retry loop (:class:`~crawler.sources._retry.RetryLoop`). The answer it gives back holds the library's
    own answer (an ``httpx2.Response`` rebuilt with the whole decoded body, like a plain ``request()``)."""

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
        connect, read = timeout
        try:
            with get_session().stream(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                params=dict(params) if params is not None else None,
                timeout=httpx2.Timeout(read, connect=connect),
                follow_redirects=False,
            ) as streamed:
                body = read_capped(streamed.iter_bytes(), limit, url, streamed.headers.get("Content-Length"))
        except httpx2.ConnectTimeout as exc:
            raise Unreachable("connection timed out", exc) from None
        except httpx2.TimeoutException as exc:
            raise TimedOut(exc) from None
        except httpx2.TransportError as exc:
            reason = unreachable_reason(exc)
            if reason is not None:
                raise Unreachable(reason, exc) from None
            raise BrokeOff(exc) from None
        kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
        extensions = {k: v for k, v in streamed.extensions.items() if k in ("http_version", "reason_phrase")}
        response = httpx2.Response(
            streamed.status_code, headers=kept, content=body, request=streamed.request, extensions=extensions
        )
        return Answer(response.status_code, response.headers, body, str(response.url), response)

    def abandon(self, worker: threading.Thread) -> None:
        # past the deadline, closing the shared client drops the connection the attempt is stuck on
        close_session()


class _PageSteps:
    """The listing's page size as a hook of the retry loop: each attempt asks ``limit`` at the current
    size, and a page that keeps failing (504s, time-outs) is asked again at once at a smaller one;
    ``notes`` is told of each change."""

    def __init__(self, sizes: PageSizes, notes: list[str] | None) -> None:
        self.sizes = sizes
        self.notes = notes

    def url(self, url: str) -> str:
        return with_limit(url, self.sizes.size)

    def failed(self, why: str, *, slow: bool) -> bool:
        before = self.sizes.size
        if not self.sizes.failed(slow=slow):
            return False
        note = f"page size lowered from {before:,} to {self.sizes.size:,} ({why})"
        log.info("listing: %s", note)
        if self.notes is not None:
            self.notes.append(note)
        return True


class HubClient:
    """Sends one GET to the Hub, with retries: the one way zoo's Hugging Face requests go out.

    Both the listing (:class:`~crawler.sources.huggingface.HuggingFaceSource`) and ``zoo crawl hf-dates``
    (:mod:`crawler.sources.huggingface_dates`) send every request through :meth:`get`: the one retry loop
    of every hub (:class:`~crawler.sources._retry.RetryLoop`, whose description says what is retried and
    how long it waits) under ``policy`` (default :data:`~crawler.sources._net.HF_POLICY`), over
    huggingface_hub's shared session. What is particular to this front is its words and its errors:

    * ``slow_attempts`` time-outs in a row raise :class:`HubTooSlow`; a Hub that cannot be reached for
      ``unreachable_after`` seconds :class:`HubUnreachable` (``cannot reach <endpoint>: <reason>``);
    * the last 5xx, 408 or 429 raises huggingface_hub's ``HfHubHTTPError`` (``hf_raise_for_status``),
      the last broken connection a :class:`SourceError`;
    * a wait an answer asks for beyond ``max_rate_wait`` raises :class:`~crawler.sources._net.RateWaitTooLong`
      at once; a body longer than ``max_answer_mb`` :class:`~crawler.sources._net.AnswerTooLarge`;
    * every request sent is counted on ``meter``, every 429 wait too.

    Any other answer is returned as it is (the caller decides what a 4xx means). ``follow_redirects``:
    redirects are followed within an attempt when they stay on the endpoint's scheme, host and port (any
    other ends the run, nothing sent there), as the listing wants; ``False`` returns them to the caller
    (``zoo crawl hf-dates``: a 307 is a rename, checked and counted before it is followed). ``stop``: an
    event that, once set, makes the requests still being retried give up (:class:`ListingClosed`)
    instead of asking again (a listing closed while its next page was being asked).
    """

    def __init__(
        self,
        endpoint: str,
        meter: Meter,
        policy: RetryPolicy = HF_POLICY,
        *,
        follow_redirects: bool = True,
        stop: threading.Event | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.meter = meter
        self.policy = policy
        self.follow_redirects = follow_redirects
        self.stop = stop

    def get(
        self,
        url: str,
        headers: dict[str, str],
        sizes: PageSizes | None = None,
        notes: list[str] | None = None,
    ) -> httpx2.Response:
        """GET ``url`` until an answer comes that is not retried, and return it.

        With ``sizes`` (a listing page), the request's ``limit`` follows it: a page that keeps failing
        with 504 or time-outs is asked again with a smaller one, and ``notes`` is told of each change.
        Raises :class:`SourceError` (or huggingface_hub's ``HfHubHTTPError`` for a last 5xx or 429).
        """
        endpoint = self.endpoint

        def elsewhere(location: str) -> SourceError:
            return SourceError(
                f"{endpoint} redirected a request to another host ({show_origin(location)}); zoo sends its "
                f"requests, and the token, to {show_origin(endpoint)} only, so nothing was sent there (if the "
                "Hub moved, give its new address with --hf-endpoint)"
            )

        def too_many() -> SourceError:
            return SourceError(f"{endpoint} redirected {shorten(url)} more than {MAX_REDIRECTS} times")

        loop: RetryLoop[Answer] = RetryLoop(
            _HubTransport(),
            self.policy,
            meter=self.meter,
            who=endpoint,
            redirects=Redirects(endpoint, elsewhere, too_many, follow=self.follow_redirects),
            connect_timeout=min(CONNECT_TIMEOUT, self.policy.timeout),
            stop=self.stop,
        )
        resizer = _PageSteps(sizes, notes) if sizes is not None else None
        try:
            answer = loop.run("GET", url, headers=headers, accept=lambda answer: answer, resizer=resizer)
        except GaveUp as out:
            raise self._failure(out, url, notes) from None
        response: httpx2.Response = answer.raw
        return response

    def _failure(self, out: GaveUp, url: str, notes: list[str] | None) -> Exception:
        """The error for a request whose retries are spent, in this client's words."""
        if out.kind == "unreachable":
            return HubUnreachable(f"cannot reach {self.endpoint}: {out.reason}")
        if out.kind == "slow":
            return HubTooSlow(
                f"{self.endpoint} gave no complete answer to {out.slow} requests in a row (the last one was "
                f"{out.reason}): the server hangs or sends too slowly; allow more time per request with "
                f"--request-deadline or ZOO_REQUEST_DEADLINE{_tried(notes)}"
            )
        if out.kind == "status" and out.answer is not None:
            try:
                hf_raise_for_status(out.answer.raw)
            except Exception as exc:  # say which page sizes were tried, if any
                if notes:
                    return SourceError(f"{type(exc).__name__}: {exc}{_tried(notes)}")
                return exc
            return SourceError(
                f"{self.endpoint} answered HTTP {out.answer.status} {out.failures} times for {shorten(url)}"
            )
        cause = out.cause
        return SourceError(
            f"{self.endpoint} broke off {out.failures} requests in a row for {shorten(url)}: "
            f"{type(cause).__name__}: {cause}"
        )


def pace(
    response: httpx2.Response,
    received: float,
    meter: Meter,
    stop: threading.Event | None = None,
    *,
    max_wait: float | None = None,
) -> None:
    """Wait when the Hub says the quota window has no request left, instead of provoking a 429.

    This is pacing, not a retry: the next request is simply not sent while ``RateLimit`` says ``r=0``;
    it goes out when the window resets, ``t`` seconds after that answer arrived (``received``, a
    ``_clock.monotonic()``). Call it before the next request; the wait is reported on ``meter``. ``stop``:
    an event that ends the wait (raising :class:`ListingClosed`) once set. A reset further away than
    ``max_wait`` seconds (``None``: ``$ZOO_MAX_RATE_WAIT``, else 900) raises :class:`RateWaitTooLong`
    instead of waiting.
    """
    info = parse_ratelimit_headers(response.headers)
    if info is None or info.remaining > 0 or info.reset_in_seconds <= 0:
        return
    limit = max_rate_wait(max_wait)
    check_rate_wait(
        info.reset_in_seconds,
        "RateLimit",
        response.headers["RateLimit"],
        limit,
        show_origin(str(response.url)),
    )
    # t counts from when the answer arrived; parsing and storing the page already took some of it
    wait = min(
        float(info.reset_in_seconds), max(0.0, info.reset_in_seconds - (_clock.monotonic() - received))
    )
    meter.waited("paced", wait)
    if stop is None:
        _clock.sleep(wait)
    elif _clock.wait(stop, wait):
        raise ListingClosed("the listing was closed")
