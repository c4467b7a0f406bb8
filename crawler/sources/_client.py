"""The one HTTP client of the Hugging Face sources: :class:`HubClient`, on huggingface_hub's own session.

``zoo crawl hf`` (:mod:`crawler.sources.huggingface`) and ``zoo crawl hf-dates``
(:mod:`crawler.sources.huggingface_dates`) send every request through :meth:`HubClient.get`, on
huggingface_hub's shared ``httpx2`` session (``get_session()``, as the library made it; only its public
API is used), one attempt at a time. The other hubs go through :mod:`crawler.sources._http` (requests and
tenacity). Both transports take the same :class:`~crawler.sources._net.RetryPolicy` (the Hugging Face
sources' defaults are :data:`~crawler.sources._net.HF_POLICY`) and keep one
:class:`~crawler.sources._net.Attempts` per request, so the total deadline, the unreachable window, the
slow-attempt count, the wait cap (``ZOO_MAX_RATE_WAIT``), the answer cap (``ZOO_MAX_ANSWER_MB``) and the
same-origin rule for redirects are one logic for every hub; what differs is what the transport's library
does: here a 429 is waited out as its ``RateLimit`` header says (huggingface_hub's
``parse_ratelimit_headers``, +1 s as the library waits), and :func:`pace` waits for a quota window's
reset before a request instead of provoking a 429.

The listing's page size (:class:`PageSizes`) steps down when deep pages keep failing; the client asks
the page again at the smaller size. This module knows nothing of hubs, commands or the registry.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from huggingface_hub.utils import close_session, get_session, hf_raise_for_status, parse_ratelimit_headers

from . import _clock
from ._net import (
    HF_POLICY,
    Attempts,
    DeadlineExceeded,
    RetryPolicy,
    call_with_deadline,
    check_rate_wait,
    max_rate_wait,
    parse_retry_after,
    read_capped,
    same_origin,
    show_origin,
    unreachable_reason,
)
from .base import Meter, SourceError

log = logging.getLogger("crawler.http")

#: Statuses asked again (with backoff, or as long as a 429 says).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Seconds a connection may take to open (a black-holed address fails in this time, not the read time-out).
CONNECT_TIMEOUT = 10.0
#: Redirects followed within one attempt (same origin only).
MAX_REDIRECTS = 5


class MeteredRequest(httpx2.Auth):
    """Counts every request it is attached to on ``meter``.

    Passed as ``auth=`` with each attempt: every request sent goes through :meth:`auth_flow`. It adds no
    header; the token is sent by ``build_hf_headers`` as huggingface_hub sends it.
    """

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        self.meter.request()
        yield request


class HubUnreachable(SourceError):
    """The Hub could not be reached at all (refused, DNS, no route) for ``UNREACHABLE_SECONDS``."""


class HubTooSlow(SourceError):
    """Attempts kept timing out (silence, or the total deadline): the server hangs or trickles."""


class ListingClosed(SourceError):
    """The listing was closed (the run ended) while a request for its next page was still being retried."""


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


def shorten(url: str, limit: int = 160) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


#: Headers that describe the body as it came over the wire; an answer rebuilt from its decoded body
#: drops them (its Content-Length is that of the decoded body).
_WIRE_HEADERS = frozenset(["content-encoding", "content-length", "transfer-encoding"])


def _fetch(
    url: str, headers: dict[str, str], auth: httpx2.Auth, timeout: httpx2.Timeout, limit: int
) -> httpx2.Response:
    """One GET on huggingface_hub's shared session, its body read in chunks and given up (closing the
    answer, :class:`AnswerTooLarge`) once it is longer than ``limit`` bytes, so memory never grows past
    that. Returns an answer that holds the whole (decoded) body, like a plain ``request()``."""
    with get_session().stream(
        "GET", url, headers=headers, auth=auth, timeout=timeout, follow_redirects=False
    ) as streamed:
        body = read_capped(streamed.iter_bytes(), limit, url, streamed.headers.get("Content-Length"))
    kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    extensions = {k: v for k, v in streamed.extensions.items() if k in ("http_version", "reason_phrase")}
    return httpx2.Response(
        streamed.status_code, headers=kept, content=body, request=streamed.request, extensions=extensions
    )


class HubClient:
    """Sends one GET to the Hub, with retries: the one way zoo's Hugging Face requests go out.

    Both the listing (:class:`~crawler.sources.huggingface.HuggingFaceSource`) and ``zoo crawl hf-dates``
    (:mod:`crawler.sources.huggingface_dates`) send every request through :meth:`get`, on huggingface_hub's
    shared session (``get_session()``, as the library made it), one attempt at a time, under ``policy``
    (a :class:`~crawler.sources._net.RetryPolicy`, default :data:`~crawler.sources._net.HF_POLICY`; the
    names below are its fields), counted on an :class:`~crawler.sources._net.Attempts`:

    * every attempt has a total deadline (``deadline``; ``None``: ``$ZOO_REQUEST_DEADLINE``, else 60 s)
      besides ``timeout`` (seconds of silence); ``slow_attempts`` time-outs in a row raise
      :class:`HubTooSlow`;
    * a Hub that cannot be reached (refused, DNS, no route, a connection that never opens) is tried
      again for ``unreachable_after`` seconds, then :class:`HubUnreachable`
      (``cannot reach <endpoint>: <reason>``);
    * 408, 429 and 5xx answers and broken connections are asked again, ``max_retries`` times
      (``max_attempts`` - 1): a 429 after the wait its ``RateLimit`` header (or ``Retry-After``) says
      plus 1 s, counted on the meter as ``rate_limited`` (a 429 that says neither backs off up to
      ``rate_window`` and is asked again until that long has been waited, whatever ``max_retries``
      says); the others after their ``Retry-After`` (at most ``retry_after_max``), else an exponential
      backoff (``backoff_base`` doubling up to ``backoff_max``). The last such answer raises
      huggingface_hub's ``HfHubHTTPError``;
    * a wait an answer asks for beyond ``max_rate_wait`` (``None``: ``$ZOO_MAX_RATE_WAIT``, else 900 s)
      raises :class:`~crawler.sources._net.RateWaitTooLong` at once; a body longer than ``max_answer_mb``
      (``None``: ``$ZOO_MAX_ANSWER_MB``, else 64) raises :class:`~crawler.sources._net.AnswerTooLarge`
      (read in chunks, never held whole; not asked again);
    * each attempt carries a :class:`MeteredRequest`, so every request sent is counted on ``meter``.

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

    def _sleep(self, seconds: float) -> None:
        """Wait ``seconds`` before trying again; with ``stop`` set (the listing was closed), give up."""
        if self.stop is None:
            _clock.sleep(seconds)
        elif _clock.wait(self.stop, seconds):
            raise ListingClosed("the listing was closed")

    def _attempts(self) -> Attempts:
        """The bookkeeping of one request's attempts, under this client's policy."""
        return Attempts(self.policy, min(CONNECT_TIMEOUT, self.policy.timeout))

    def _attempt(self, url: str, headers: dict[str, str], attempts: Attempts) -> httpx2.Response:
        """One attempt at ``url`` (following same-origin redirects if asked), abandoned after the
        deadline; an answer body longer than the cap fails it (:class:`AnswerTooLarge`)."""
        deadline, limit = attempts.deadline, attempts.limit
        timeout = httpx2.Timeout(min(self.policy.timeout, deadline), connect=attempts.connect_timeout)
        auth = MeteredRequest(self.meter)

        def send() -> httpx2.Response:
            target = url
            for _ in range(MAX_REDIRECTS + 1):
                response = _fetch(target, headers, auth, timeout, limit)
                if not (self.follow_redirects and response.has_redirect_location):
                    return response
                location = urljoin(target, response.headers["Location"])
                if not same_origin(location, self.endpoint):
                    raise SourceError(
                        f"{self.endpoint} redirected a request to another host ({show_origin(location)}); zoo "
                        f"sends its requests, and the token, to {show_origin(self.endpoint)} only, so nothing "
                        "was sent there (if the Hub moved, give its new address with --hf-endpoint)"
                    )
                target = location
            raise SourceError(f"{self.endpoint} redirected {shorten(url)} more than {MAX_REDIRECTS} times")

        # past the deadline, closing the shared client drops the connection the attempt is stuck on
        return call_with_deadline(send, deadline, abandon=lambda _worker: close_session())

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
        attempts = self._attempts()
        deadline = attempts.deadline
        failures = 0  # failed attempts at this page size that count against max_retries
        blind = 0.0  # seconds waited for 429s that said nothing (no RateLimit, no Retry-After)
        while True:
            if self.stop is not None and self.stop.is_set():
                raise ListingClosed("the listing was closed")
            if sizes is not None:
                url = with_limit(url, sizes.size)
            try:
                response = self._attempt(url, headers, attempts)
            except SourceError:
                raise
            except (DeadlineExceeded, httpx2.TimeoutException) as exc:
                if isinstance(exc, httpx2.ConnectTimeout):
                    self._unreachable(attempts, "connection timed out", failures)
                    failures += 1
                    continue
                attempts.timed_out()
                silent = isinstance(exc, httpx2.TimeoutException)
                what = (
                    f"silent for {min(self.policy.timeout, deadline):g} s"
                    if silent
                    else f"still incomplete after {deadline:g} s"
                )
                if attempts.too_slow:
                    raise HubTooSlow(
                        f"{self.endpoint} gave no complete answer to {attempts.slow} requests in a row (the last one "
                        f"was {what}): the server hangs or sends too slowly; allow more time per request with "
                        f"--request-deadline or ZOO_REQUEST_DEADLINE{_tried(notes)}"
                    ) from None
                if sizes is not None and self._step_down(sizes, notes, what, slow=True):
                    failures = 0  # a smaller page is a new request, with its own retries
                    continue
                wait = self.policy.backoff(attempts.slow)
                log.info("GET %s: %s; retry in %.1f s", shorten(url), what, wait)
                self._sleep(wait)
                continue
            except httpx2.TransportError as exc:
                reason = unreachable_reason(exc)
                if reason is not None:
                    self._unreachable(attempts, reason, failures)
                    failures += 1
                    continue
                attempts.broke_off()
                failures += 1
                if failures > self.policy.max_retries:
                    raise SourceError(
                        f"{self.endpoint} broke off {failures} requests in a row for {shorten(url)}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                wait = self.policy.backoff(failures)
                log.info(
                    "GET %s: %s: %s; retry %d/%d in %.1f s",
                    shorten(url),
                    type(exc).__name__,
                    exc,
                    failures,
                    self.policy.max_retries,
                    wait,
                )
                self._sleep(wait)
                continue

            attempts.answered()
            status = response.status_code
            if status not in RETRY_STATUSES:
                return response
            if status == 504 and sizes is not None and self._step_down(sizes, notes, "HTTP 504", slow=False):
                failures = 0
                continue
            failures += 1
            said = _says_wait(response)
            # a 429 that says nothing is tried for at least one quota window, however few max_retries
            if failures > self.policy.max_retries and (
                said or status != 429 or blind >= self.policy.rate_window
            ):
                try:
                    hf_raise_for_status(response)
                except Exception as exc:  # say which page sizes were tried, if any
                    if notes:
                        raise SourceError(f"{type(exc).__name__}: {exc}{_tried(notes)}") from None
                    raise
                raise SourceError(
                    f"{self.endpoint} answered HTTP {status} {failures} times for {shorten(url)}"
                )
            wait = self._wait(response, failures, attempts.max_wait)
            if status == 429 and not said:
                blind += wait
            log.info(
                "GET %s: HTTP %d; retry %d/%d in %.1f s",
                shorten(url),
                status,
                failures,
                self.policy.max_retries,
                wait,
            )
            self._sleep(wait)

    def _wait(self, response: httpx2.Response, failures: int, max_wait: float) -> float:
        """How long to wait before asking again after a retryable status, or :class:`RateWaitTooLong`
        when the answer asks for more than ``max_wait`` seconds.

        A 429 says it itself: ``RateLimit`` (``r=0;t=N``: N + 1 s, as huggingface_hub waits), else
        ``Retry-After`` (+ 1 s). A 429 that says neither (the CDN's, in front of the Hub, sends none)
        backs off exponentially up to one quota window (``rate_window``). Other statuses wait their
        ``Retry-After`` (at most 300 s), else the usual backoff."""
        headers = response.headers
        raw = headers.get("Retry-After")
        retry_after = parse_retry_after(raw)
        if response.status_code == 429:
            info = parse_ratelimit_headers(headers)
            if info is not None and info.remaining == 0:
                check_rate_wait(
                    info.reset_in_seconds, "RateLimit", headers["RateLimit"], max_wait, self.endpoint
                )
                wait = float(info.reset_in_seconds + 1)  # +1 s against rounding, as huggingface_hub does
            elif retry_after is not None:
                check_rate_wait(retry_after, "Retry-After", raw or "", max_wait, self.endpoint)
                wait = retry_after + 1
            else:  # doubling from a floor, so a few waits always cover a window: it never spins
                floor = max(self.policy.backoff_base, self.policy.rate_window / 256)
                wait = min(self.policy.rate_window, floor * 2 ** max(0, failures - 1))
            self.meter.waited("rate_limited", wait)
            return wait
        if retry_after is not None:
            check_rate_wait(retry_after, "Retry-After", raw or "", max_wait, self.endpoint)
            return min(retry_after, self.policy.retry_after_max)
        return self.policy.backoff(failures)

    def _unreachable(self, attempts: Attempts, reason: str, failures: int) -> None:
        """Wait before trying an unreachable Hub again, or fail once ``unreachable_after`` is used up."""
        attempts.unreachable()
        wait = self.policy.backoff(failures + 1)
        if attempts.unreachable_too_long(wait):
            raise HubUnreachable(f"cannot reach {self.endpoint}: {reason}")
        log.info("%s: %s; trying again in %.1f s", self.endpoint, reason, wait)
        self._sleep(wait)

    @staticmethod
    def _step_down(sizes: PageSizes, notes: list[str] | None, why: str, *, slow: bool) -> bool:
        before = sizes.size
        if not sizes.failed(slow=slow):
            return False
        note = f"page size lowered from {before:,} to {sizes.size:,} ({why})"
        log.info("listing: %s", note)
        if notes is not None:
            notes.append(note)
        return True


def _says_wait(response: httpx2.Response) -> bool:
    """Whether an answer says how long to wait: ``RateLimit`` with no request left, or ``Retry-After``."""
    info = parse_ratelimit_headers(response.headers)
    if info is not None and info.remaining == 0:
        return True
    return parse_retry_after(response.headers.get("Retry-After")) is not None


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
