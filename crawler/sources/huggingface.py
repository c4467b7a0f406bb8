"""The Hugging Face model listing, ``GET /api/models``, through huggingface_hub's own HTTP client.

The listing is paged by hand (``limit=1000``) rather than with ``HfApi.list_models`` because the cursor
must be kept: the absolute ``Link: <…>; rel="next"`` URL of each page is the checkpoint that resumes a
crawl. Requests go through huggingface_hub's shared ``httpx2`` session (``get_session()``, as the library
made it; only its public API is used), one attempt at a time, through the network layer's client
(:class:`crawler.sources._client.HubClient`, which ``zoo crawl hf-dates`` sends its requests through
too; its retries are the one retry loop of every hub, :mod:`crawler.sources._retry`) under the source's
:class:`~crawler.sources._net.RetryPolicy` (default
:data:`~crawler.sources._net.HF_POLICY`); the pages are followed by a
:class:`~crawler.sources._paging.LinkPages`, which carries the checkpoint and the link guards:

* a 429 is waited out as its ``RateLimit`` header (or ``Retry-After``) says, plus 1 s against rounding,
  as huggingface_hub itself does; a 429 that says neither (a CDN's) backs off exponentially and is asked
  again for at least one quota window (the policy's ``rate_window``, 300 s); 5xx, 408 and broken
  connections are retried with exponential backoff (``max_retries``); a 200 whose body is not valid JSON
  (a truncated body) is asked again;
* a wait asked for beyond ``ZOO_MAX_RATE_WAIT`` (900 s), by a ``RateLimit`` reset on any answer or a
  ``Retry-After``, fails the run at once (:class:`~crawler.sources._net.RateWaitTooLong`), and an answer
  body is read in chunks and given up past ``ZOO_MAX_ANSWER_MB`` (64 MB,
  :class:`~crawler.sources._net.AnswerTooLarge`); see :mod:`crawler.sources._net`;
* every attempt has a total deadline (``--request-deadline``, see :mod:`crawler.sources._net`): a server
  that hangs or trickles is given up after a bounded number of attempts (``slow_attempts`` in a row);
* a server that cannot be reached (refused, DNS, no route) is retried for 30 s at most, then the run
  fails with ``cannot reach <endpoint>: <reason>``;
* a listing page that keeps answering 504 (or timing out) is asked again, same cursor, with a smaller
  ``limit`` (:class:`~crawler.sources._client.PageSizes`: 1000 → 500 → 250 → 100), and the listing
  carries on at that size, going back up after a run of good pages; each change is a note on the run
  (``zoo runs``);
* next-page links and redirects are followed only on the endpoint's own scheme, host and port, so the
  token goes nowhere else; a cursor the Hub already gave fails the run instead of looping, and so does a
  listing far longer than it can be: the real Hub announces no total on listing pages, so the bound is
  4 × the models of the last complete run (``Source.previous_models``, handed over by the runner) plus
  ``LOOP_SLACK_PAGES`` pages, or ``FIRST_LISTING_BOUND`` models before any complete run (and 4 × an
  ``X-Total-Count`` plus 4 pages, should a server send one).

The retry loop counts every request it sends on the meter it is given: the meter of the page it is
for, which counts it on the run's meter too, so each page reports its own requests.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2
import orjson
import pyarrow as pa
from huggingface_hub.utils import (
    build_hf_headers,
    get_token,
    hf_raise_for_status,
)

from .. import __version__
from . import _clock
from ._client import (
    HubClient,
    PageSizes,
    pace,
    page_cursor,
    page_limit,
    shorten,
    with_limit,
)
from ._hf_pages import PageReader
from ._net import (
    HF_POLICY,
    RetryPolicy,
    check_endpoint,
    max_answer_bytes,
    max_rate_wait,
    same_origin,
    show_origin,
)
from ._options import HTTP_OPTIONS
from ._paging import ItemBounds, LinkPages, Paginator
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
#: ``createdAt`` of every repo created before the Hub stored creation dates (the "legacy" cohort): the
#: placeholder is **two** instants, one second apart. The Hub's documentation names only the first, but in
#: recorded real answers (27 legacy repos with both ``_id`` and ``createdAt``) 6 carry ``…:04.000Z``
#: (``gpt2``, ``google-bert/bert-base-uncased``, ``google-t5/t5-small``, ``Waynehillsdev/…``, …) and 21
#: carry ``…:05.000Z`` (``facebook/bart-base``, ``google/vit-base-patch16-224``,
#: ``sentence-transformers/all-MiniLM-L6-v2``, ``julien-c/dummy-unknown``, …); none carries another second.
#: The first 4 bytes of ``_id`` (a Mongo ObjectId) are ``createdAt`` to the second in every recorded answer,
#: so legacy ids start :data:`PLACEHOLDER_ID_PREFIXES` (then ``36468d709f`` and a 3-byte counter); the
#: ``:05`` counters span about seven times as many ids as the ``:04`` ones, so most of the cohort is at
#: ``:05``. A ``createdAt`` is the placeholder when it is one of these *instants* (however the offset is
#: written); the recordings always give whole seconds (``.000Z``), so ``…:04.500Z`` is a real date.
#: This is the one definition: the listing's normaliser (:func:`normalise`), the fast page reader
#: (:mod:`._hf_pages`) and ``hf-dates`` read it; the views read the mark it gives
#: (``created_at_quality = 'sentinel'``), and the migration that re-marks stored rows
#: (``sql/schema/010_hf_placeholder_two_seconds.sql``) names the same instants (a test checks it).
PLACEHOLDER_CREATED_AT: tuple[str, ...] = ("2022-03-02T23:29:04.000Z", "2022-03-02T23:29:05.000Z")
PLACEHOLDER_DTS: frozenset[datetime] = frozenset(datetime.fromisoformat(v) for v in PLACEHOLDER_CREATED_AT)
#: The later placeholder instant: a date after it cannot be the creation of a legacy repo.
PLACEHOLDER_LATEST: datetime = max(PLACEHOLDER_DTS)
#: How legacy ``_id``s begin: the placeholder instants as ObjectId timestamps (hex), ``621ffdc0`` for
#: ``:04`` and ``621ffdc1`` for ``:05``.
PLACEHOLDER_ID_PREFIXES: tuple[str, ...] = tuple(f"{int(d.timestamp()):08x}" for d in sorted(PLACEHOLDER_DTS))


def is_placeholder(created_at: datetime | None) -> bool:
    """True if ``created_at`` (time-zone aware) is the legacy placeholder, i.e. the repo was created on or
    before it and the Hub no longer shows when."""
    return created_at in PLACEHOLDER_DTS


_KNOWN_FIELDS = frozenset(["_id", "id", "modelId", *EXPAND])


def files_enabled() -> bool:
    """``$ZOO_HF_FILES``, read now: file names are listed unless it says 0, false, f, no, n or off (the
    words the CLI's ``--files/--no-files`` accepts from it)."""
    return os.environ.get("ZOO_HF_FILES", "1").strip().lower() not in ("0", "false", "f", "no", "n", "off")


def resolve_endpoint(endpoint: str | None = None) -> str:
    """``--hf-endpoint``, else ``$HF_ENDPOINT`` (read now, not at import), else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


log = logging.getLogger("crawler.http")


class ListingLoop(SourceError):
    """The Hub's pagination went round in circles (a cursor again) or far past the total it announced."""


#: A listing is stopped (:class:`ListingLoop`) once a session has asked for more than 4 × the models the
#: last complete run saw plus this many pages: the real Hub sends no ``X-Total-Count`` on listing pages.
LOOP_SLACK_PAGES = 100
#: ... and, with no complete run before it (a first crawl), once it has asked for more than this many
#: models: several times the whole Hub (about 2 million models in 2025).
FIRST_LISTING_BOUND = 20_000_000


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
        "sentinel" if created in PLACEHOLDER_CREATED_AT or created_at in PLACEHOLDER_DTS else "exact",
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
            quality = "sentinel" if is_placeholder(created_at) else "exact"
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
        policy: RetryPolicy = HF_POLICY,
        timeout: float | None = None,
        deadline: float | None = None,
        page_size: int = PAGE_SIZE,
        files: bool | None = None,
        first_bound: int = FIRST_LISTING_BOUND,
    ) -> None:
        """``policy``: how hard each request is tried (:data:`~crawler.sources._net.HF_POLICY`; tests
        shrink its waits); ``timeout``, ``deadline``: the command's ``--timeout`` and
        ``--request-deadline``, laid over the policy's (``None``: the policy's). ``files``: list each
        repo's file names (``expand=siblings``); ``None`` reads ``$ZOO_HF_FILES``
        (``0``/``false``/``no``/``off`` turn them off; default on). ``first_bound``: the models a listing
        may ask for with no complete run before it."""
        self.files = files_enabled() if files is None else files
        self.expand = EXPAND if self.files else [e for e in EXPAND if e != FILES_EXPAND]
        self.endpoint = check_endpoint(resolve_endpoint(endpoint), "--hf-endpoint")
        self.token = token
        self.policy = policy.limited(timeout, deadline)
        self.page_size = page_size
        self.first_bound = first_bound
        # a bad $ZOO_MAX_RATE_WAIT / $ZOO_MAX_ANSWER_MB is refused now, in one line, before a run begins
        max_rate_wait(self.policy.max_rate_wait)
        max_answer_bytes(self.policy.max_answer_mb)

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
        return HubClient(self.endpoint, meter, self.policy, stop=stop)

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
                f"{self.endpoint} answered {shorten(str(response.url))} with HTTP {response.status_code}, "
                "not a page"
            )
        return _Answer(url, response, _clock.monotonic(), meter, notes)

    def _ask_next(
        self, url: str, previous: _Answer, headers: dict[str, str], sizes: PageSizes, stop: threading.Event
    ) -> _Answer:
        """The next page: paced by the ``RateLimit`` of the last answer (:func:`pace`), then asked."""
        pace(previous.response, previous.received, self.meter, stop, max_wait=self.policy.max_rate_wait)
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
                url = shorten(str(answer.response.url))
                if failures >= self.policy.json_attempts:
                    raise SourceError(
                        f"the Hub sent a body that is not valid JSON {failures} times in a row for {url}: {exc}"
                    ) from None
                log.info("GET %s: a body that is not valid JSON; asking again", url)
                _clock.sleep(self.policy.json_retry_wait * failures)
                later = ahead.wait() if ahead is not None else None
                if later is not None:
                    pace(later.response, later.received, self.meter, stop, max_wait=self.policy.max_rate_wait)
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
        sizes = PageSizes(self.page_size, page_limit(checkpoint) if checkpoint else None)
        paging = LinkPages(
            self.endpoint,
            url,
            resumed=checkpoint is not None,
            key=page_cursor,
            repeated=_repeated_cursor,
            elsewhere=lambda link: _link_elsewhere(link, self.endpoint),
            bounds=self._bounds(),
            overrun=_overrun,
        )
        reader = PageReader(HUB, PLACEHOLDER_CREATED_AT)
        try:
            yield from self._listing(url, headers, sizes, paging, reader)
        finally:
            reader.close()

    def _listing(
        self,
        url: str,
        headers: dict[str, str],
        sizes: PageSizes,
        paging: LinkPages,
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
        try:
            answer = self._ask(url, headers, sizes, _PageMeter(self.meter), [], stop)
            while True:
                next_url: str | None = None
                refused: SourceError | None = None  # raised once the body was read, as it always was
                try:
                    next_url = self._next_page(answer, sizes, paging)
                except SourceError as exc:
                    refused = exc
                ahead = None
                if next_url is not None and self.read_ahead:
                    ahead = _Ahead(functools.partial(self._ask_next, next_url, answer, headers, sizes, stop))
                data, answer = self._read(answer, headers, sizes, parse, ahead, stop)
                if not isinstance(data, (list, pa.Table)):
                    raise SourceError(
                        f"the Hub answered {shorten(answer.url)} with a {type(data).__name__}, not a list of "
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

    def _next_page(self, answer: _Answer, sizes: PageSizes, paging: LinkPages) -> str | None:
        """The next page's URL from an answer's headers (``None``: the last page), checked (links, cursors
        and the listing's bounds: :meth:`_bounds`), at the size the next request will ask."""
        response = answer.response
        next_url = paging.follow(
            str(response.url),
            response.links.get("next", {}).get("url"),
            items=sizes.size,
            announced=_int_header(response.headers.get("X-Total-Count")),
        )
        if next_url is not None:
            if sizes.succeeded():
                answer.notes.append(
                    f"page size raised back to {sizes.size:,} after {sizes.up_after:,} good pages"
                )
            if sizes.size != self.page_size or page_limit(next_url) is not None:
                next_url = with_limit(next_url, sizes.size)  # the size the next request will ask
        return next_url

    def _bounds(self) -> ItemBounds:
        """How many models this run's listing may ask for: the real Hub announces no total on listing
        pages, so 4 × the last complete run's count (plus slack), or :attr:`first_bound` before any (4 × an
        ``X-Total-Count`` where a Hub does announce one)."""
        return ItemBounds(
            self.page_size,
            previous=self.previous_models,
            first=self.first_bound,
            slack_pages=LOOP_SLACK_PAGES,
        )


def _overrun(which: str, paging: Paginator) -> ListingLoop:
    """The error of a listing past its :class:`ItemBounds` (``which`` bound)."""
    asked, pages, bounds = paging.items, paging.pages, paging.bounds
    assert bounds is not None
    if which == "announced":
        return ListingLoop(
            f"the Hub announced {paging.announced or 0:,} models (X-Total-Count) but has already sent {pages:,} "
            f"pages ({asked:,} listing slots) in this run and still links a next one: stopped "
            "instead of paging without end"
        )
    if which == "previous":
        return ListingLoop(
            f"the last complete crawl listed {bounds.previous or 0:,} models, but this run has already asked for "
            f"{asked:,} ({pages:,} pages) and the Hub still links a next page: stopped instead of paging "
            "without end (more than 4 times the last count); the next crawl resumes from the last "
            "saved page"
        )
    return ListingLoop(
        f"this run has already asked for {asked:,} models ({pages:,} pages) and the Hub still "
        f"links a next page; with no earlier complete crawl to compare with, zoo stops a listing "
        f"at {bounds.first or 0:,} models instead of paging without end"
    )


def _link_elsewhere(url: str, endpoint: str) -> SourceError:
    return SourceError(
        f"the Hub's next-page link points to another host ({show_origin(url)}); zoo follows links on "
        f"{show_origin(endpoint)} only, so nothing was sent there and the crawl stopped"
    )


def _repeated_cursor(cursor: str) -> ListingLoop:
    return ListingLoop(
        f"the Hub's next-page link repeats a cursor this run already followed ({shorten(cursor, 60)}): "
        "stopped instead of going round in circles; the next crawl resumes from the last saved page"
    )


def token_secrets(token: str | bool | None) -> list[str]:
    """The token huggingface_hub sends for ``token`` (a token, ``None``: the user's, ``False``: none),
    as a list of secrets for the runner to scrub."""
    value = token if isinstance(token, str) else (get_token() if token is not False else None)
    return [value] if value else []


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
        endpoints=("HF_ENDPOINT",),
        frameworks=(("pytorch", "pytorch"), ("tf", "tensorflow")),  # the Hub derives them from file names
        unit="one model = one public model repository",
    )
)
