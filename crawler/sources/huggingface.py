"""The Hugging Face model listing, ``GET /api/models``, through huggingface_hub's own HTTP layer.

The listing is paged by hand (``limit=1000``) rather than with ``HfApi.list_models`` because the cursor
must be kept: the absolute ``Link: <…>; rel="next"`` URL of each page is the checkpoint that resumes a
crawl. Requests go through ``huggingface_hub.utils.http_backoff`` on the library's shared session, so 429s
are waited out as the ``RateLimit`` header says and 5xx/timeouts are retried with backoff; this module
adds no retry loop of its own around it. Only huggingface_hub's public API is used, and its shared
session is left as the library made it: each request carries an ``httpx2.Auth`` observer (httpx's public
per-request hook) that counts it, retries and redirects included, on the run's meter and reports 429
waits there. A 200 whose body is not valid JSON (a truncated body) is asked
again, a bounded number of times, because no HTTP-level retry can see that failure.

Pages are ordered by ``sort=createdAt`` (the Hub serves it newest first). With a cursor, models created
while the crawl runs appear before the cursor and cannot shift later pages, so nothing is skipped or
listed twice; the next crawl picks the newcomers up.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx2
import orjson
from huggingface_hub.utils import (
    build_hf_headers,
    get_token,
    hf_raise_for_status,
    http_backoff,
    parse_ratelimit_headers,
)

from .. import __version__
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
]
#: ``createdAt`` of every repo created before the Hub stored creation dates.
SENTINEL_CREATED_AT = "2022-03-02T23:29:04.000Z"
_SENTINEL_DT = datetime.fromisoformat(SENTINEL_CREATED_AT)
_KNOWN_FIELDS = frozenset(["_id", "id", "modelId", *EXPAND])


def resolve_endpoint(endpoint: str | None = None) -> str:
    """``--hf-endpoint``, else ``$HF_ENDPOINT`` (read now, not at import), else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


# ------------------------------------------------------------------------------------ HTTP observation


class MeteredRequest(httpx2.Auth):
    """Counts every request it is attached to on ``meter`` and reports the waits a 429 asks for.

    Passed as ``auth=`` to ``http_backoff``: each attempt (and redirect) goes through :meth:`auth_flow`.
    It adds no header; the token is sent by ``build_hf_headers`` as huggingface_hub sends it.
    """

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        self.meter.request()
        response = yield request
        if response.status_code == 429:
            info = parse_ratelimit_headers(response.headers)
            wait = float(info.reset_in_seconds + 1) if info is not None and info.remaining == 0 else 0.0
            self.meter.waited("rate_limited", wait)


# --------------------------------------------------------------------------------------- normalisation


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        raise ValueError(f"not a date string: {value!r}")
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"date without a time zone: {value!r}")
    return dt


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
    """One listing item → a record. Odd fields are dropped with a warning; the rest is kept."""
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
    private, gated = g("private"), g("gated")
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
        extra=unknown or None,
    )


# ---------------------------------------------------------------------------------------------- source


class HuggingFaceSource(Source):
    """Lists every public model of a Hub, a page of 1,000 at a time."""

    name = HUB

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
    ) -> None:
        self.endpoint = resolve_endpoint(endpoint)
        self.token = token
        self.timeout = timeout
        self.page_size = page_size
        self.max_retries = max_retries
        self.json_attempts = json_attempts
        self.json_retry_wait = json_retry_wait
        self.backoff_base = backoff_base

    def secrets(self) -> list[str]:
        """Values that must never be stored or printed (the token huggingface_hub would send)."""
        return token_secrets(self.token)

    def params(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "path": "/api/models",
            "limit": self.page_size,
            "sort": "createdAt",
            "expand": EXPAND,
        }

    def first_url(self) -> str:
        query = httpx2.QueryParams({"limit": self.page_size, "sort": "createdAt", "expand": EXPAND})
        return f"{self.endpoint}/api/models?{query}"

    def _get_json(self, url: str, headers: dict[str, str]) -> tuple[Any, httpx2.Response]:
        for attempt in range(1, self.json_attempts + 1):
            response = http_backoff(
                "GET",
                url,
                auth=MeteredRequest(self.meter),
                headers=headers,
                timeout=self.timeout,
                max_retries=self.max_retries,
                base_wait_time=self.backoff_base,
                max_wait_time=30,
            )
            hf_raise_for_status(response)
            try:
                return orjson.loads(response.content), response
            except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
                if attempt == self.json_attempts:
                    raise SourceError(
                        f"the Hub sent a body that is not valid JSON {attempt} times in a row for {url}: {exc}"
                    ) from exc
                time.sleep(self.json_retry_wait * attempt)
        raise AssertionError("unreachable")

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        # Built once: huggingface_hub may look up its user-agent registry the first time, and that
        # request must not be counted as part of the listing.
        headers = build_hf_headers(token=self.token, library_name="zoo", library_version=__version__)
        url: str | None = checkpoint or self.first_url()
        while url is not None:
            data, response = self._get_json(url, headers)
            received = time.monotonic()
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None:
                next_url = urljoin(url, next_url)  # the Hub sends it absolute; this only guards odd servers
            warnings: list[str] = []
            if not isinstance(data, list):
                raise SourceError(
                    f"the Hub answered {url} with a {type(data).__name__}, not a list of models"
                )
            records = [r for r in (normalise(item, warnings) for item in data) if r is not None]
            yield Page(records, next_url, warnings, requests=max(1, self.meter.take()))
            url = next_url
            if url is not None:
                self._pace(response, received)

    def _pace(self, response: httpx2.Response, received: float) -> None:
        pace(response, received, self.meter)


def token_secrets(token: str | bool | None) -> list[str]:
    """The token huggingface_hub sends for ``token`` (a token, ``None``: the user's, ``False``: none),
    as a list of secrets for the runner to scrub."""
    value = token if isinstance(token, str) else (get_token() if token is not False else None)
    return [value] if value else []


def pace(response: httpx2.Response, received: float, meter: Meter) -> None:
    """Wait when the Hub says the quota window has no request left, instead of provoking a 429.

    This is pacing, not a retry: the next request is simply not sent while ``RateLimit`` says ``r=0``;
    it goes out when the window resets, ``t`` seconds after that answer arrived (``received``, a
    ``time.monotonic()``). Call it before the next request; the wait is reported on ``meter``.
    """
    info = parse_ratelimit_headers(response.headers)
    if info is None or info.remaining > 0 or info.reset_in_seconds <= 0:
        return
    # t counts from when the answer arrived; parsing and storing the page already took some of it
    wait = max(0.0, info.reset_in_seconds - (time.monotonic() - received))
    meter.waited("paced", wait)
    time.sleep(wait)


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
            Option("--timeout", "timeout", "Seconds before a request times out.", type=float, default=60.0),
        ),
        secrets=("HF_TOKEN",),
        unit="one model = one public model repository",
    )
)
