"""Recorded real ``RateLimit`` / ``RateLimit-Policy`` values of the Hugging Face Hub, replayed through
zoo's parsing (huggingface_hub's ``parse_ratelimit_headers``, which :func:`crawler.sources.huggingface.pace`
and the 429 handling of :class:`crawler.sources._client.HubClient` read) and through zoo's waits.

Every value below is copied from a real answer, with its source; the tests never read the recordings.
The Hub's ``api`` bucket is a fixed window of 300 s with 500 requests (anonymous); the file resolver
has its own ``resolvers`` bucket. Many real answers carry no ``RateLimit`` at all (none of 49 model-info
answers recorded in 2025 by huggingface_hub's test cassettes does), and a CDN's 429 comes without it:
zoo must then neither pace nor spin.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import httpx2
import pytest
from huggingface_hub.utils import parse_ratelimit_headers

from crawler.sources._client import HubClient, ListingClosed, pace
from crawler.sources._net import HF_POLICY
from crawler.sources.base import Meter
from tests.fakes.hub import FakeHub, Faults, make_models

POLICY_API = '"fixed window";"api";q=500;w=300'

#: (source, headers as recorded, remaining, reset seconds, quota, window seconds)
RECORDED = [
    (
        # a 429, printed by a huggingface_hub maintainer: github.com/huggingface/huggingface_hub/issues/3553
        # (2025-11-18)
        "huggingface_hub issue 3553, a 429",
        {"ratelimit": '"api";r=0;t=55', "ratelimit-policy": POLICY_API},
        0,
        55,
        500,
        300,
    ),
    (
        # the same issue: a 200 on /api/models/moonshotai/Kimi-K2-Thinking
        "huggingface_hub issue 3553, a 200",
        {"ratelimit": '"api";r=489;t=189', "ratelimit-policy": POLICY_API},
        489,
        189,
        500,
        300,
    ),
    (
        # New1Direction/repo.ing@b5bf0b634b3c tests/fixtures (recorded 2026-10-02): a 200 commits page
        # /api/models/openai-community/gpt2/commits/main?limit=1
        "repo.ing fixture, commits page",
        {"ratelimit": '"api";r=467;t=47', "ratelimit-policy": POLICY_API},
        467,
        47,
        500,
        300,
    ),
    (
        # the same fixtures: an anonymous 401 for a missing repo
        "repo.ing fixture, 401 missing repo",
        {"ratelimit": '"api";r=483;t=212', "ratelimit-policy": POLICY_API},
        483,
        212,
        500,
        300,
    ),
    (
        # the same fixtures: a 307 rename (runwayml/stable-diffusion-v1-5)
        "repo.ing fixture, 307 rename",
        {"ratelimit": '"api";r=489;t=225', "ratelimit-policy": POLICY_API},
        489,
        225,
        500,
        300,
    ),
    (
        # curl -sL -I of a gated repo's resolve URL, logged 2026-04-28 (HTTP/2 401, x-error-code GatedRepo):
        # the file resolver's own bucket
        "curl log, 401 gated resolve",
        {
            "ratelimit": '"resolvers";r=2996;t=281',
            "ratelimit-policy": '"fixed window";"resolvers";q=3000;w=300',
        },
        2996,
        281,
        3000,
        300,
    ),
]

#: The headers of a real 200 model-info answer without any RateLimit (huggingface_hub@906a25538c1f
#: tests/cassettes/InferenceApiTest.test_simple_inference.yaml, GET /api/models/google-bert/bert-base-uncased,
#: 2025-01-22), copied without the body.
NO_RATELIMIT = {
    "Access-Control-Allow-Origin": "https://huggingface.co",
    "Connection": "keep-alive",
    "Content-Length": "4420",
    "Content-Type": "application/json; charset=utf-8",
    "Date": "Wed, 22 Jan 2025 18:24:45 GMT",
    "ETag": 'W/"1144-0lLZ4rZ6fR3gbhjw06/nTxkknu0"',
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Vary": "Origin",
    "Via": "1.1 b2ba040f19ad0239b9239a26b1640b9e.cloudfront.net (CloudFront)",
    "X-Cache": "Miss from cloudfront",
    "X-Powered-By": "huggingface-moon",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.mark.parametrize(
    "source,headers,remaining,reset,quota,window", RECORDED, ids=[r[0] for r in RECORDED]
)
def test_recorded_ratelimit_values_parse(
    source: str, headers: dict[str, str], remaining: int, reset: int, quota: int, window: int
) -> None:
    for spelling in (headers, {k.title(): v for k, v in headers.items()}):  # HTTP/2 lower case, or not
        info = parse_ratelimit_headers(httpx2.Headers(spelling))
        assert info is not None, source
        assert (info.remaining, info.reset_in_seconds, info.limit, info.window_seconds) == (
            remaining,
            reset,
            quota,
            window,
        )


def _answer(status: int, headers: dict[str, str]) -> httpx2.Response:
    return httpx2.Response(
        status, headers=headers, request=httpx2.Request("GET", "https://huggingface.co/api/models")
    )


@pytest.mark.parametrize(
    "source,headers,remaining,reset,quota,window", RECORDED, ids=[r[0] for r in RECORDED]
)
def test_pace_waits_only_when_a_recorded_answer_says_none_remain(
    source: str, headers: dict[str, str], remaining: int, reset: int, quota: int, window: int
) -> None:
    """``pace`` waits the reset when ``r=0`` and not at all otherwise. The wait is seen by the meter;
    a stop event already set ends it at once, so the test does not sleep."""
    meter = Meter()
    told: list[tuple[str, float]] = []
    meter.listeners.append(lambda kind, seconds: told.append((kind, seconds)))
    stop = threading.Event()
    stop.set()
    received = 1e12  # "now" is before it: nothing of the reset has passed (never more than t is waited)
    if remaining == 0:
        with pytest.raises(ListingClosed):
            pace(_answer(200, headers), received, meter, stop)
        assert told == [("paced", float(reset))]
    else:
        pace(_answer(200, headers), received, meter, stop)
        assert told == []


def test_an_answer_without_ratelimit_is_not_paced() -> None:
    assert parse_ratelimit_headers(httpx2.Headers(NO_RATELIMIT)) is None
    meter = Meter()
    pace(_answer(200, NO_RATELIMIT), 0.0, meter)
    assert meter.waits == 0


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({"ratelimit": '"api";r=0;t=55', "ratelimit-policy": POLICY_API}, 56.0),  # the recorded 429: t + 1 s
        ({}, 0.01),  # a CDN's 429, no header: the backoff
        ({"Retry-After": "7"}, 8.0),  # Retry-After only: it + 1 s
    ],
    ids=["recorded 429", "no header", "Retry-After only"],
)
def test_a_429_is_waited_as_its_headers_say(headers: dict[str, str], expected: float) -> None:
    """Through a real server: the recorded 429 and the header-less ones. The first wait ends the test
    (a stop event set by the meter's listener), so nothing sleeps."""
    with FakeHub(make_models(3, seed=1), faults=Faults(limit_next=[headers])) as hub:
        meter = Meter()
        stop = threading.Event()
        told: list[tuple[str, float]] = []

        def listen(kind: str, seconds: float) -> None:
            told.append((kind, seconds))
            stop.set()

        meter.listeners.append(listen)
        client = HubClient(hub.url, meter, replace(HF_POLICY, backoff_base=0.01, rate_window=1.0), stop=stop)
        with pytest.raises(ListingClosed):
            client.get(f"{hub.url}/api/models?limit=3", {})
    assert told == [("rate_limited", expected)]
