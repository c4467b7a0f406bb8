"""The Hugging Face model listing, ``GET /api/models``, through huggingface_hub's own HTTP client.

The listing is paged by hand (``limit=1000``) rather than with ``HfApi.list_models`` because the cursor
must be kept: the absolute ``Link: <…>; rel="next"`` URL of each page is the checkpoint that resumes a
crawl. Requests go through huggingface_hub's shared ``httpx2`` session (``get_session()``, as the library
made it; only its public API is used), one attempt at a time, under this module's retry loop
(:class:`HubClient`, which ``zoo crawl hf-dates`` sends its requests through too):

* a 429 is waited out as its ``RateLimit`` header (or ``Retry-After``) says, plus 1 s against rounding,
  as huggingface_hub itself does; 5xx, 408 and broken connections are retried with exponential backoff
  (``max_retries``); a 200 whose body is not valid JSON (a truncated body) is asked again;
* every attempt has a total deadline (``--request-deadline``, see :mod:`crawler.sources._net`): a server
  that hangs or trickles is given up after a bounded number of attempts (``SLOW_ATTEMPTS`` in a row);
* a server that cannot be reached (refused, DNS, no route) is retried for 30 s at most, then the run
  fails with ``cannot reach <endpoint>: <reason>``;
* a listing page that keeps answering 504 (or timing out) is asked again, same cursor, with a smaller
  ``limit`` (:class:`PageSizes`: 1000 → 500 → 250 → 100), and the listing carries on at that size, going
  back up after a run of good pages; each change is a note on the run (``zoo runs``);
* next-page links and redirects are followed only on the endpoint's own scheme, host and port, so the
  token goes nowhere else; a cursor the Hub already gave, or far more pages than the Hub announced (when
  it announces a total), fails the run instead of looping.

Each attempt carries an ``httpx2.Auth`` observer (httpx's public per-request hook) that counts it on the
run's meter, and on the meter of the page it is for: each page reports its own requests.

The request for page *n+1* goes out as soon as page *n*'s ``Link`` header names it (after pacing on page
*n*'s ``RateLimit``), in a background thread, while page *n*'s body is parsed, checked and stored (the
runner reads this source in its own thread, ``read_ahead``: so no more than pages *n* and *n+1* are ever
answered and not yet saved); a page costs the server's latency, not the latency plus the parse and store. Requests still go one at a time (a
page whose body must be asked again waits for the request already out), an error of the request sent
ahead fails the run when the listing reaches that page (the pages before it are saved), and a listing
closed early leaves that request behind, which then gives up instead of retrying. With ``read_ahead``
off (``crawl(…, prefetch=False)``) each page is asked only once the one before it was taken.

Pages are ordered by ``sort=createdAt`` (the Hub serves it newest first). With a cursor, models created
while the crawl runs appear before the cursor and cannot shift later pages, so nothing is skipped or
listed twice; the next crawl picks the newcomers up.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
import orjson
import pyarrow as pa
from huggingface_hub.utils import (
    build_hf_headers,
    close_session,
    get_session,
    get_token,
    hf_raise_for_status,
    parse_ratelimit_headers,
)

from .. import __version__
from . import _clock
from ._hf_pages import PageReader
from ._net import (
    HTTP_OPTIONS,
    SLOW_ATTEMPTS,
    UNREACHABLE_SECONDS,
    DeadlineExceeded,
    call_with_deadline,
    check_endpoint,
    parse_retry_after,
    request_deadline,
    same_origin,
    show_origin,
    unreachable_reason,
)
from .base import Meter, Source, SourceError
from .records import ModelRecord, Page
from .registry import Hub, Option, register

DEFAULT_ENDPOINT = "https://huggingface.co"
HUB = "huggingface"
PAGE_SIZE = 1000
EXPAND = [
    "createdAt",
    "lastModified",
    "library_name",
    "tags",
    "pipeline_tag",
    "downloads",
    "downloadsAllTime",
    "likes",
    "author",
    "private",
    "gated",
    "sha",
    "siblings",
]
#: The expand value that lists a repo's files (``[{"rfilename": "path/in/repo"}, …]``); left out with
#: ``files=False`` (``zoo crawl hf --no-files``, ``ZOO_HF_FILES=0``).
FILES_EXPAND = "siblings"
#: ``createdAt`` of every repo created before the Hub stored creation dates.
SENTINEL_CREATED_AT = "2022-03-02T23:29:04.000Z"
_SENTINEL_DT = datetime.fromisoformat(SENTINEL_CREATED_AT)
_KNOWN_FIELDS = frozenset(["_id", "id", "modelId", *EXPAND])


def files_enabled() -> bool:
    """``$ZOO_HF_FILES``, read now: file names are listed unless it says 0, false, f, no, n or off (the
    words the CLI's ``--files/--no-files`` accepts from it)."""
    return os.environ.get("ZOO_HF_FILES", "1").strip().lower() not in ("0", "false", "f", "no", "n", "off")


def resolve_endpoint(endpoint: str | None = None) -> str:
    """``--hf-endpoint``, else ``$HF_ENDPOINT`` (read now, not at import), else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


# ------------------------------------------------------------------------------------ HTTP observation

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


class ListingLoop(SourceError):
    """The Hub's pagination went round in circles (a cursor again) or far past the total it announced."""


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


def _limit(url: str) -> int | None:
    value = _query(url, "limit")
    return int(value) if value is not None and value.isdigit() else None


def _with_limit(url: str, limit: int) -> str:
    return url if _limit(url) == limit else str(httpx2.URL(url).copy_set_param("limit", str(limit)))


def _cursor(url: str) -> str:
    """What identifies a listing position: the ``cursor`` parameter (else the URL without ``limit``)."""
    cursor = _query(url, "cursor")
    return cursor if cursor is not None else str(httpx2.URL(url).copy_remove_param("limit"))


def _tried(notes: list[str] | None) -> str:
    """`` (page size lowered from 1,000 to 500 (HTTP 504); …)`` for a message, when the page size changed."""
    return f" ({'; '.join(notes)})" if notes else ""


def _short(url: str, limit: int = 160) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


class HubClient:
    """Sends one GET to the Hub, with retries: the one way zoo's Hugging Face requests go out.

    Both the listing (:class:`HuggingFaceSource`) and ``zoo crawl hf-dates``
    (:mod:`crawler.sources.huggingface_dates`) send every request through :meth:`get`, on huggingface_hub's
    shared session (``get_session()``, as the library made it), one attempt at a time:

    * every attempt has a total deadline (``deadline``; ``None``: ``$ZOO_REQUEST_DEADLINE``, else 60 s)
      besides ``timeout`` (seconds of silence); ``slow_attempts`` time-outs in a row raise
      :class:`HubTooSlow`;
    * a Hub that cannot be reached (refused, DNS, no route, a connection that never opens) is tried
      again for ``unreachable_after`` seconds, then :class:`HubUnreachable`
      (``cannot reach <endpoint>: <reason>``);
    * 408, 429 and 5xx answers and broken connections are asked again, ``max_retries`` times: a 429 after
      the wait its ``RateLimit`` header (or ``Retry-After``) says plus 1 s, counted on the meter as
      ``rate_limited``; the others after an exponential backoff (``backoff_base`` doubling up to
      ``backoff_max``). The last such answer raises huggingface_hub's ``HfHubHTTPError``;
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
        *,
        timeout: float = 60.0,
        deadline: float | None = None,
        max_retries: int = 8,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        slow_attempts: int = SLOW_ATTEMPTS,
        unreachable_after: float = UNREACHABLE_SECONDS,
        follow_redirects: bool = True,
        stop: threading.Event | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.meter = meter
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.slow_attempts = slow_attempts
        self.unreachable_after = unreachable_after
        self.follow_redirects = follow_redirects
        self.stop = stop

    def _sleep(self, seconds: float) -> None:
        """Wait ``seconds`` before trying again; with ``stop`` set (the listing was closed), give up."""
        if self.stop is None:
            _clock.sleep(seconds)
        elif _clock.wait(self.stop, seconds):
            raise ListingClosed("the listing was closed")

    def _attempt(self, url: str, headers: dict[str, str], deadline: float) -> httpx2.Response:
        """One attempt at ``url`` (following same-origin redirects if asked), abandoned after ``deadline``
        seconds."""
        timeout = httpx2.Timeout(
            min(self.timeout, deadline), connect=min(CONNECT_TIMEOUT, self.timeout, deadline)
        )
        auth = MeteredRequest(self.meter)

        def send() -> httpx2.Response:
            target = url
            for _ in range(MAX_REDIRECTS + 1):
                response = get_session().request(
                    "GET", target, headers=headers, auth=auth, timeout=timeout, follow_redirects=False
                )
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
            raise SourceError(f"{self.endpoint} redirected {_short(url)} more than {MAX_REDIRECTS} times")

        # past the deadline, closing the shared client drops the connection the attempt is stuck on
        return call_with_deadline(send, deadline, abandon=lambda _worker: close_session())

    def _backoff(self, n: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, n - 1))

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
        deadline = request_deadline(self.deadline)
        failures = 0  # failed attempts at this page size that count against max_retries
        slow = 0  # attempts in a row that timed out
        unreachable_since: float | None = None
        while True:
            if self.stop is not None and self.stop.is_set():
                raise ListingClosed("the listing was closed")
            if sizes is not None:
                url = _with_limit(url, sizes.size)
            try:
                response = self._attempt(url, headers, deadline)
            except SourceError:
                raise
            except (DeadlineExceeded, httpx2.TimeoutException) as exc:
                if isinstance(exc, httpx2.ConnectTimeout):
                    unreachable_since = self._unreachable(unreachable_since, "connection timed out", failures)
                    failures += 1
                    continue
                unreachable_since = None
                slow += 1
                silent = isinstance(exc, httpx2.TimeoutException)
                what = (
                    f"silent for {min(self.timeout, deadline):g} s"
                    if silent
                    else f"still incomplete after {deadline:g} s"
                )
                if slow >= self.slow_attempts:
                    raise HubTooSlow(
                        f"{self.endpoint} gave no complete answer to {slow} requests in a row (the last one "
                        f"was {what}): the server hangs or sends too slowly; allow more time per request with "
                        f"--request-deadline or ZOO_REQUEST_DEADLINE{_tried(notes)}"
                    ) from None
                if sizes is not None and self._step_down(sizes, notes, what, slow=True):
                    failures = 0  # a smaller page is a new request, with its own retries
                    continue
                wait = self._backoff(slow)
                log.info("GET %s: %s; retry in %.1f s", _short(url), what, wait)
                self._sleep(wait)
                continue
            except httpx2.TransportError as exc:
                slow = 0
                reason = unreachable_reason(exc)
                if reason is not None:
                    unreachable_since = self._unreachable(unreachable_since, reason, failures)
                    failures += 1
                    continue
                unreachable_since = None
                failures += 1
                if failures > self.max_retries:
                    raise SourceError(
                        f"{self.endpoint} broke off {failures} requests in a row for {_short(url)}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from None
                wait = self._backoff(failures)
                log.info(
                    "GET %s: %s: %s; retry %d/%d in %.1f s",
                    _short(url),
                    type(exc).__name__,
                    exc,
                    failures,
                    self.max_retries,
                    wait,
                )
                self._sleep(wait)
                continue

            slow = 0
            unreachable_since = None
            status = response.status_code
            if status not in RETRY_STATUSES:
                return response
            if status == 504 and sizes is not None and self._step_down(sizes, notes, "HTTP 504", slow=False):
                failures = 0
                continue
            failures += 1
            if failures > self.max_retries:
                try:
                    hf_raise_for_status(response)
                except Exception as exc:  # say which page sizes were tried, if any
                    if notes:
                        raise SourceError(f"{type(exc).__name__}: {exc}{_tried(notes)}") from None
                    raise
                raise SourceError(
                    f"{self.endpoint} answered HTTP {status} {failures} times for {_short(url)}"
                )
            wait = self._wait(response, failures)
            log.info(
                "GET %s: HTTP %d; retry %d/%d in %.1f s",
                _short(url),
                status,
                failures,
                self.max_retries,
                wait,
            )
            self._sleep(wait)

    def _wait(self, response: httpx2.Response, failures: int) -> float:
        """How long to wait before asking again after a retryable status (a 429 says it itself)."""
        if response.status_code == 429:
            info = parse_ratelimit_headers(response.headers)
            if info is not None and info.remaining == 0:
                wait = float(info.reset_in_seconds + 1)  # +1 s against rounding, as huggingface_hub does
            else:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                wait = retry_after + 1 if retry_after is not None else self._backoff(failures)
            self.meter.waited("rate_limited", wait)
            return wait
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return min(retry_after, 300.0) if retry_after is not None else self._backoff(failures)

    def _unreachable(self, since: float | None, reason: str, failures: int) -> float:
        """Wait before trying an unreachable Hub again, or fail once ``unreachable_after`` is used up."""
        now = _clock.monotonic()
        since = now if since is None else since
        wait = self._backoff(failures + 1)
        if now - since + wait + min(CONNECT_TIMEOUT, self.timeout) > self.unreachable_after:
            raise HubUnreachable(f"cannot reach {self.endpoint}: {reason}")
        log.info("%s: %s; trying again in %.1f s", self.endpoint, reason, wait)
        self._sleep(wait)
        return since

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


class _PageMeter(Meter):
    """The requests of one listing page, counted here and on the run's meter at once (so the run's total
    holds even for a request still in flight when the run ends); waits are reported on the run's meter."""

    def __init__(self, run: Meter) -> None:
        super().__init__()
        self.run = run

    def request(self, n: int = 1) -> None:
        super().request(n)
        self.run.request(n)

    def waited(self, kind: str, seconds: float) -> None:
        self.run.waited(kind, seconds)


@dataclass
class _Answer:
    """A listing page's answer: the URL asked, the response (status 200), when it arrived, the meter
    its requests were counted on and the notes on what was done differently (a smaller page size)."""

    url: str
    response: httpx2.Response
    received: float
    meter: _PageMeter
    notes: list[str]


class _Ahead:
    """The request for the next listing page, sent in a background (daemon) thread while this page is
    parsed. :meth:`answer` waits for it and returns its answer or raises its error; a listing closed
    before then leaves it behind (its ``stop`` event makes it give up at its next retry or wait)."""

    def __init__(self, ask: Callable[[], _Answer]) -> None:
        self._done = threading.Event()
        self._answer: _Answer | None = None
        self._error: BaseException | None = None
        context = contextvars.copy_context()

        def run() -> None:
            try:
                self._answer = context.run(ask)
            except BaseException as exc:  # handed to the listing when it reaches this page
                self._error = exc
            finally:
                self._done.set()

        threading.Thread(target=run, name="zoo-hf-next-page", daemon=True).start()

    def wait(self) -> _Answer | None:
        """Wait for the request to end: its answer, or ``None`` if it failed (:meth:`answer` raises it)."""
        self._done.wait()
        return self._answer

    def answer(self) -> _Answer:
        self._done.wait()
        if self._answer is None:
            raise self._error or SourceError("the request for the next page ended without an answer")
        return self._answer


# --------------------------------------------------------------------------------------- normalisation


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        raise ValueError(f"not a date string: {value!r}")
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"date without a time zone: {value!r}")
    return dt


def _loads(content: bytes) -> Any:
    """A listing body → Python values: orjson, else Python's json for the numbers orjson refuses (``NaN``,
    ``Infinity``, ``1e400``: not JSON, but what some JSON writers send). Such a number is then one odd
    field of one model (a warning), not a page the run cannot get past."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def _opt_int(item: dict[str, Any], name: str, warn: Callable[[str], None]) -> int | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        warn(f"{name}={value!r} is not an integer")
        return None
    return value


def _opt_str(item: dict[str, Any], name: str, warn: Callable[[str], None]) -> str | None:
    value = item.get(name)
    if value is None or isinstance(value, str):
        return value
    warn(f"{name}={value!r} is not a string")
    return None


def normalise(item: Any, warnings: list[str]) -> ModelRecord | None:
    """One listing item → a record. Odd fields are dropped with a warning; the rest is kept.

    ``files`` is the list of ``siblings[].rfilename`` (other keys of a sibling are ignored), or ``None``
    when the item has no ``siblings`` (not asked): the store then keeps the names it has.
    """
    fast = _normalise_fast(item)
    return fast if fast is not None else _normalise_checked(item, warnings)


_fromiso = datetime.fromisoformat
_STR_OR_NONE = (str, type(None))


def _normalise_fast(item: Any) -> ModelRecord | None:
    """The common case, with every field of the expected type: no warning possible. ``None`` when any
    check fails, and the careful path below decides (and warns)."""
    if type(item) is not dict or item.keys() - _KNOWN_FIELDS:
        return None
    g = item.get
    key, model_id, created, modified, tags = g("_id"), g("id"), g("createdAt"), g("lastModified"), g("tags")
    author, library, pipeline, sha = g("author"), g("library_name"), g("pipeline_tag"), g("sha")
    downloads, downloads_all, likes = g("downloads"), g("downloadsAllTime"), g("likes")
    private, gated, siblings = g("private"), g("gated"), g("siblings")
    files: list[str] | None = None
    if siblings is not None:
        if type(siblings) is not list:
            return None
        try:
            files = [s["rfilename"] for s in siblings]
        except (TypeError, KeyError):
            return None
        if not all(type(f) is str for f in files):
            return None
    if not (
        type(key) is str
        and key
        and type(model_id) is str
        and model_id
        and type(created) is str
        and type(modified) is str
        and type(tags) is list
        and isinstance(author, _STR_OR_NONE)
        and isinstance(library, _STR_OR_NONE)
        and isinstance(pipeline, _STR_OR_NONE)
        and isinstance(sha, _STR_OR_NONE)
        and type(downloads) in _INT_TYPES
        and type(downloads_all) in _INT_TYPES
        and type(likes) in _INT_TYPES
        and (private is None or type(private) is bool)
        and (gated is None or type(gated) is bool or type(gated) is str)
        and all(type(t) is str for t in tags)
    ):
        return None
    try:
        created_at = _fromiso(created)
        last_modified = _fromiso(modified)
    except ValueError:
        return None
    if created_at.tzinfo is None or last_modified.tzinfo is None:
        return None
    if type(gated) is bool:
        gated = "true" if gated else "false"
    return ModelRecord(
        HUB,
        key,
        model_id,
        author,
        created_at,
        "sentinel" if created == SENTINEL_CREATED_AT or created_at == _SENTINEL_DT else "exact",
        last_modified,
        library,
        pipeline,
        tags,
        downloads,
        downloads_all,
        likes,
        sha,
        private,
        gated,
        files=files,  # None: not listed, the stored names stay
    )


_INT_TYPES = frozenset([int, type(None)])


def _normalise_checked(item: Any, warnings: list[str]) -> ModelRecord | None:
    """Every field checked on its own; whatever is odd is dropped with a warning."""
    if not isinstance(item, dict):
        warnings.append(f"item is not an object: {str(item)[:100]}")
        return None
    key = item.get("_id")
    if not isinstance(key, str) or not key:
        warnings.append(f"item without _id skipped: {json.dumps(item)[:200]}")
        return None
    model_id = item.get("id")
    where = f"{model_id if isinstance(model_id, str) else key}"

    def warn(msg: str) -> None:
        warnings.append(f"{where}: {msg}")

    if not isinstance(model_id, str) or not model_id:
        warn("no id; the _id stands in for the name")
        model_id = key

    created_at: datetime | None = None
    quality = "unknown"
    raw_created = item.get("createdAt")
    if raw_created is not None:
        try:
            created_at = _parse_dt(raw_created)
            quality = "sentinel" if created_at == _SENTINEL_DT else "exact"
        except ValueError:
            warn(f"createdAt={raw_created!r} is not an ISO date")
    last_modified: datetime | None = None
    raw_modified = item.get("lastModified")
    if raw_modified is not None:
        try:
            last_modified = _parse_dt(raw_modified)
        except ValueError:
            warn(f"lastModified={raw_modified!r} is not an ISO date")

    raw_tags = item.get("tags")
    tags: list[str] = []
    if isinstance(raw_tags, list):
        tags = [t for t in raw_tags if isinstance(t, str)]
        if len(tags) != len(raw_tags):
            warn("non-string tags dropped")
    elif "tags" in item:
        warn(f"tags={raw_tags!r} is not a list")

    private = item.get("private")
    if private is not None and not isinstance(private, bool):
        warn(f"private={private!r} is not a boolean")
        private = None
    gated = item.get("gated")
    if isinstance(gated, bool):
        gated = "true" if gated else "false"
    elif gated is not None and not isinstance(gated, str):
        warn(f"gated={gated!r} is not a boolean or string")
        gated = None

    files: list[str] | None = None
    siblings = item.get("siblings")
    if isinstance(siblings, list):
        files = [
            s["rfilename"] for s in siblings if isinstance(s, dict) and isinstance(s.get("rfilename"), str)
        ]
        if len(files) != len(siblings):
            warn(f"{len(siblings) - len(files)} siblings without a file name dropped")
    elif siblings is not None:
        warn(f"siblings={str(siblings)[:100]!r} is not a list; the stored file names are kept")

    unknown = {k: v for k, v in item.items() if k not in _KNOWN_FIELDS}
    if unknown:
        warn(f"unknown fields kept in extra: {sorted(unknown)}")

    return ModelRecord(
        hub=HUB,
        key=key,
        id=model_id,
        author=_opt_str(item, "author", warn),
        created_at=created_at,
        created_at_quality=quality,
        last_modified=last_modified,
        library_name=_opt_str(item, "library_name", warn),
        pipeline_tag=_opt_str(item, "pipeline_tag", warn),
        tags=tags,
        downloads=_opt_int(item, "downloads", warn),
        downloads_all_time=_opt_int(item, "downloadsAllTime", warn),
        likes=_opt_int(item, "likes", warn),
        sha=_opt_str(item, "sha", warn),
        private=private,
        gated=gated,
        files=files,  # None: not listed, the stored names stay
        extra=unknown or None,
    )


# ---------------------------------------------------------------------------------------------- source


class HuggingFaceSource(Source):
    """Lists every public model of a Hub, a page of 1,000 at a time."""

    name = HUB
    read_ahead = True  # page n+1 is asked while page n is read and stored

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | bool | None = None,
        timeout: float = 60.0,
        page_size: int = PAGE_SIZE,
        max_retries: int = 8,
        json_attempts: int = 4,
        json_retry_wait: float = 1.0,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        deadline: float | None = None,
        slow_attempts: int = SLOW_ATTEMPTS,
        unreachable_after: float = UNREACHABLE_SECONDS,
        files: bool | None = None,
    ) -> None:
        """``files``: list each repo's file names (``expand=siblings``); ``None`` reads ``$ZOO_HF_FILES``
        (``0``/``false``/``no``/``off`` turn them off; default on)."""
        self.files = files_enabled() if files is None else files
        self.expand = EXPAND if self.files else [e for e in EXPAND if e != FILES_EXPAND]
        self.endpoint = check_endpoint(resolve_endpoint(endpoint), "--hf-endpoint")
        self.token = token
        self.timeout = timeout
        self.page_size = page_size
        self.max_retries = max_retries
        self.json_attempts = json_attempts
        self.json_retry_wait = json_retry_wait
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        #: total seconds per attempt; ``None``: ``$ZOO_REQUEST_DEADLINE``, else 60 (read when crawling)
        self.deadline = deadline
        self.slow_attempts = slow_attempts
        self.unreachable_after = unreachable_after

    def secrets(self) -> list[str]:
        """Values that must never be stored or printed (the token huggingface_hub would send)."""
        return token_secrets(self.token)

    def params(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "path": "/api/models",
            "limit": self.page_size,
            "sort": "createdAt",
            "expand": self.expand,
            "files": self.files,
        }

    def first_url(self) -> str:
        query = httpx2.QueryParams({"limit": self.page_size, "sort": "createdAt", "expand": self.expand})
        return f"{self.endpoint}/api/models?{query}"

    # -- one request

    def _client(self, meter: Meter, stop: threading.Event | None = None) -> HubClient:
        """The request helper, with this source's settings, counting on ``meter``."""
        return HubClient(
            self.endpoint,
            meter,
            timeout=self.timeout,
            deadline=self.deadline,
            max_retries=self.max_retries,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
            slow_attempts=self.slow_attempts,
            unreachable_after=self.unreachable_after,
            stop=stop,
        )

    def _ask(
        self,
        url: str,
        headers: dict[str, str],
        sizes: PageSizes,
        meter: _PageMeter,
        notes: list[str],
        stop: threading.Event | None = None,
    ) -> _Answer:
        """GET a listing page (through :class:`HubClient`) until an answer comes that is a page (its body
        is not read here). A 4xx raises huggingface_hub's ``HfHubHTTPError``, another status than 200 a
        :class:`SourceError`; see :meth:`HubClient.get` for the rest."""
        response = self._client(meter, stop).get(url, headers, sizes, notes)
        hf_raise_for_status(response)
        if response.status_code != 200:
            raise SourceError(
                f"{self.endpoint} answered {_short(str(response.url))} with HTTP {response.status_code}, "
                "not a page"
            )
        return _Answer(url, response, _clock.monotonic(), meter, notes)

    def _ask_next(
        self, url: str, previous: _Answer, headers: dict[str, str], sizes: PageSizes, stop: threading.Event
    ) -> _Answer:
        """The next page: paced by the ``RateLimit`` of the last answer (:func:`pace`), then asked."""
        pace(previous.response, previous.received, self.meter, stop)
        return self._ask(url, headers, sizes, _PageMeter(self.meter), [], stop)

    def _read(
        self,
        answer: _Answer,
        headers: dict[str, str],
        sizes: PageSizes,
        parse: Callable[[bytes], Any],
        ahead: _Ahead | None,
        stop: threading.Event,
    ) -> tuple[Any, _Answer]:
        """Decode a page's body with ``parse`` (a ``ValueError`` from it means the body is not valid
        JSON), asking the page again for a body that is not, ``json_attempts`` times in all. Returns the
        decoded page and the answer it came in.

        The next page's request (``ahead``), already sent, stays valid (its URL came from the headers):
        it is answered before this page is asked again, so requests still go one at a time, and the
        quota its answer leaves is respected."""
        failures = 0
        while True:
            try:
                return parse(answer.response.content), answer
            except ValueError as exc:  # json's and orjson's JSONDecodeError are ValueErrors
                failures += 1
                url = _short(str(answer.response.url))
                if failures >= self.json_attempts:
                    raise SourceError(
                        f"the Hub sent a body that is not valid JSON {failures} times in a row for {url}: {exc}"
                    ) from None
                log.info("GET %s: a body that is not valid JSON; asking again", url)
                _clock.sleep(self.json_retry_wait * failures)
                later = ahead.wait() if ahead is not None else None
                if later is not None:
                    pace(later.response, later.received, self.meter, stop)
                answer = self._ask(answer.url, headers, sizes, answer.meter, answer.notes, stop)

    # -- the listing

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        # Built once: huggingface_hub may look up its user-agent registry the first time, and that
        # request must not be counted as part of the listing.
        headers = build_hf_headers(token=self.token, library_name="zoo", library_version=__version__)
        if checkpoint is not None and not same_origin(checkpoint, self.endpoint):
            raise SourceError(
                f"the interrupted run was listing {show_origin(checkpoint)}, not {show_origin(self.endpoint)}: "
                "give that endpoint with --hf-endpoint to finish it, or start afresh with --restart"
            )
        url = checkpoint or self.first_url()
        sizes = PageSizes(self.page_size, _limit(checkpoint) if checkpoint else None)
        followed = {_cursor(checkpoint)} if checkpoint else set()
        reader = PageReader(HUB, SENTINEL_CREATED_AT)
        try:
            yield from self._listing(url, headers, sizes, followed, reader)
        finally:
            reader.close()

    def _listing(
        self,
        url: str,
        headers: dict[str, str],
        sizes: PageSizes,
        followed: set[str],
        reader: PageReader,
    ) -> Iterator[Page]:
        """The pages from ``url`` on. With ``read_ahead``, the request for page *n+1* goes out (after
        :func:`pace`) as soon as page *n*'s headers name it, in a background thread, while page *n*'s body
        is parsed, checked, handed on and stored; its answer, or its error, is taken when the listing reaches
        it. Requests still go one at a time, and each page reports the requests it cost itself."""

        def parse(body: bytes) -> Any:
            """A clean page as DuckDB reads it (an Arrow table), any other as Python objects."""
            table = reader.read(body)
            return table if table is not None else _loads(body)

        stop = threading.Event()  # set when the listing is closed: a request still in flight gives up
        asked = pages = 0  # listing slots asked (the sum of the limits) and pages, in this session
        announced: int | None = None
        try:
            answer = self._ask(url, headers, sizes, _PageMeter(self.meter), [], stop)
            while True:
                pages += 1
                asked += sizes.size
                next_url: str | None = None
                refused: SourceError | None = None  # raised once the body was read, as it always was
                try:
                    next_url, announced = self._next_page(answer, sizes, followed, announced, asked, pages)
                except SourceError as exc:
                    refused = exc
                ahead = None
                if next_url is not None and self.read_ahead:
                    ahead = _Ahead(functools.partial(self._ask_next, next_url, answer, headers, sizes, stop))
                data, answer = self._read(answer, headers, sizes, parse, ahead, stop)
                if not isinstance(data, (list, pa.Table)):
                    raise SourceError(
                        f"the Hub answered {_short(answer.url)} with a {type(data).__name__}, not a list of "
                        "models"
                    )
                if refused is not None:
                    raise refused
                warnings: list[str] = []
                requests = max(1, self.meter.take(answer.meter.requests))  # this page's own
                if isinstance(data, pa.Table):  # every item clean: nothing to check or warn about
                    page = Page([], next_url, warnings, requests=requests, notes=answer.notes, table=data)
                else:
                    records = [r for r in (normalise(item, warnings) for item in data) if r is not None]
                    page = Page(records, next_url, warnings, requests=requests, notes=answer.notes)
                yield page
                if next_url is None:
                    return
                if ahead is not None:
                    answer = ahead.answer()
                else:
                    answer = self._ask_next(next_url, answer, headers, sizes, stop)
        finally:
            stop.set()

    def _next_page(
        self,
        answer: _Answer,
        sizes: PageSizes,
        followed: set[str],
        announced: int | None,
        asked: int,
        pages: int,
    ) -> tuple[str | None, int | None]:
        """The next page's URL from an answer's headers (``None``: the last page), checked, at the size the
        next request will ask, and the total the Hub announced so far."""
        response = answer.response
        next_url = response.links.get("next", {}).get("url")
        if next_url is not None:
            next_url = self._next(str(response.url), next_url, followed)
            if sizes.succeeded():
                answer.notes.append(
                    f"page size raised back to {sizes.size:,} after {sizes.up_after:,} good pages"
                )
            if sizes.size != self.page_size or _limit(next_url) is not None:
                next_url = _with_limit(next_url, sizes.size)  # the size the next request will ask
        total = _int_header(response.headers.get("X-Total-Count"))
        if total is not None:
            announced = max(total, announced or 0)
        if next_url is not None and announced is not None and asked > 4 * announced + 4 * self.page_size:
            raise ListingLoop(
                f"the Hub announced {announced:,} models (X-Total-Count) but has already sent {pages:,} "
                f"pages ({asked:,} listing slots) in this run and still links a next one: stopped "
                "instead of paging without end"
            )
        return next_url, announced

    def _next(self, current: str, link: str, followed: set[str]) -> str:
        """The next page's URL from a ``Link`` header: on the endpoint's origin, and not seen before."""
        next_url = urljoin(current, link)  # the Hub sends it absolute; this only guards odd servers
        if not same_origin(next_url, self.endpoint):
            raise SourceError(
                f"the Hub's next-page link points to another host ({show_origin(next_url)}); zoo follows "
                f"links on {show_origin(self.endpoint)} only, so nothing was sent there and the crawl stopped"
            )
        cursor = _cursor(next_url)
        if cursor in followed:
            raise ListingLoop(
                f"the Hub's next-page link repeats a cursor this run already followed ({_short(cursor, 60)}): "
                "stopped instead of going round in circles; the next crawl resumes from the last saved page"
            )
        followed.add(cursor)
        return next_url


def token_secrets(token: str | bool | None) -> list[str]:
    """The token huggingface_hub sends for ``token`` (a token, ``None``: the user's, ``False``: none),
    as a list of secrets for the runner to scrub."""
    value = token if isinstance(token, str) else (get_token() if token is not False else None)
    return [value] if value else []


def pace(
    response: httpx2.Response, received: float, meter: Meter, stop: threading.Event | None = None
) -> None:
    """Wait when the Hub says the quota window has no request left, instead of provoking a 429.

    This is pacing, not a retry: the next request is simply not sent while ``RateLimit`` says ``r=0``;
    it goes out when the window resets, ``t`` seconds after that answer arrived (``received``, a
    ``_clock.monotonic()``). Call it before the next request; the wait is reported on ``meter``. ``stop``:
    an event that ends the wait (raising :class:`ListingClosed`) once set.
    """
    info = parse_ratelimit_headers(response.headers)
    if info is None or info.remaining > 0 or info.reset_in_seconds <= 0:
        return
    # t counts from when the answer arrived; parsing and storing the page already took some of it
    wait = max(0.0, info.reset_in_seconds - (_clock.monotonic() - received))
    meter.waited("paced", wait)
    if stop is None:
        _clock.sleep(wait)
    elif _clock.wait(stop, wait):
        raise ListingClosed("the listing was closed")


def _int_header(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


register(
    Hub(
        HuggingFaceSource,
        label="Hugging Face",
        command="hf",
        aliases=("hf",),
        order=1,
        help="""Crawl every public model of the Hugging Face Hub (GET /api/models, pages of 1,000).

HF_TOKEN is sent as huggingface_hub sends it. An interrupted crawl (kill, crash, failure) resumes from
its last saved page the next time; --restart abandons it. Exit code 0 means the run completed.

Example: zoo crawl hf --db zoo.duckdb""",
        options=(
            Option(
                "--hf-endpoint",
                "endpoint",
                "Hub to crawl (default: $HF_ENDPOINT, else https://huggingface.co).",
                envvar="HF_ENDPOINT",
                in_all="Hub for the huggingface source.",
            ),
            *HTTP_OPTIONS,
            Option(
                "--files/--no-files",
                "files",
                "List each repo's file names (expand=siblings: larger pages, file-level framework evidence); "
                "--no-files keeps the names already stored. Example: zoo crawl hf --no-files",
                type=bool,
                default=True,
                envvar="ZOO_HF_FILES",
                in_all="List the Hugging Face repos' file names (--no-files: keep the stored ones).",
            ),
        ),
        secrets=("HF_TOKEN",),
        unit="one model = one public model repository",
    )
)
