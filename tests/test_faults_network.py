"""Network faults under the Hugging Face crawl: 429 storms, 5xx, truncated JSON and a hanging request.

Every fault is injected by the fake Hub on 127.0.0.1 (a real HTTP server); the crawler's own HTTP stack
(``HubClient`` on huggingface_hub's shared httpx client) handles them unmodified. What is checked
is what the Hub saw: when each request arrived, what it was answered, and what the crawler stored.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources import _clock
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from tests.clock import StillClock
from tests.conftest import copy_template
from tests.fakes.faults import RecordingHub, Seen, model_rows, refetched_pages, runs, zoo
from tests.fakes.hub import Faults, make_models
from tests.fakes.isolation import isolated
from tests.fakes.virtual_zoo import virtual_zoo

# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("faults_network")

# ---------------------------------------------------------------------------------------- 429 storms

STORM_PAGES = 12
# 3 requests per 3-second window: the 4th of a window is answered 429. The window's time is a clock the
# crawl and the fake share (tests/clock.py's StillClock), on which only the crawl's waits move time: the
# crawl sends 4 requests within one window again and again, however busy the machine is.
QUOTA = (3, 3)


@dataclass
class Storm:
    seen: list[Seen]
    stderr: str
    db: str
    clean_db: str | None  # a clean crawl of the same listing, where a test compares with one
    over_quota_after_429: int
    waits: list[float]


def _storm(
    tmp_path_factory: pytest.TempPathFactory, template: Path, announce: bool, clean: bool
) -> Iterator[Storm]:
    tmp = tmp_path_factory.mktemp("storm")
    # copies of the migrated template: migrating a database is not what is tested here
    clean_db, db = str(tmp / "clean.duckdb") if clean else None, str(tmp / "storm.duckdb")
    copy_template(template, Path(db))
    faults = Faults()
    clock = StillClock()
    with (
        RecordingHub(make_models(STORM_PAGES * 1000, seed=5), faults=faults, announce=announce) as hub,
        pytest.MonkeyPatch.context() as patch,
        isolated(tmp),
    ):
        # Without file names: small pages keep the crawl quick.
        if clean_db is not None:
            copy_template(template, Path(clean_db))
            assert (
                zoo("crawl", "hf", "--no-files", "--hf-endpoint", hub.url, "--db", clean_db).returncode == 0
            )
        start = len(hub.seen())
        faults.quota = QUOTA
        hub.use_clock(clock.monotonic)
        patch.setattr(_clock, "clock", clock)  # the crawl's waits: on the shared clock, at once
        # in this process (the clock is shared), through the command, whose log lines are checked
        done = CliRunner().invoke(app, ["crawl", "hf", "--no-files", "--hf-endpoint", hub.url, "--db", db])
        assert done.exit_code == 0, done.output
        result = Storm(hub.seen()[start:], done.stderr, db, clean_db, hub.over_quota_after_429, clock.waits)
    yield result  # the real clock is back for the other tests of the module


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[Storm]:
    """One ``zoo crawl hf`` through a fixed-window quota that is silent until its 429 (successful
    answers do not say how many requests remain), so the crawl exceeds it again and again."""
    yield from _storm(tmp_path_factory, template_db, announce=False, clean=True)


@pytest.fixture(scope="module")
def paced(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[Storm]:
    """The same quota announced on every answer (``RateLimit: r=…;t=…``), as the Hub does."""
    yield from _storm(tmp_path_factory, template_db, announce=True, clean=False)


def test_429_storm_waits_as_the_ratelimit_header_says(storm: Storm) -> None:
    seen = storm.seen
    limited = [i for i, s in enumerate(seen) if s.status == 429]
    # the quota really was exceeded repeatedly: once in each window but the last
    assert len(limited) == STORM_PAGES // QUOTA[0] - 1, [s.status for s in seen]
    for i in limited:
        told = seen[i].ratelimit_values()
        assert told is not None and told[0] == 0 and told[1] >= 1
        reset = told[1]
        answered = seen[i].answered
        assert answered is not None
        # no request at all while the window said 0 remain
        assert not [s for s in seen if answered < s.arrived < answered + reset]
        # the next request came after the reset and 1 s more (against rounding): the only wait asked for
        waited = seen[i + 1].arrived - answered
        assert waited == reset + 1, (i, reset, waited)
    # the crawler told the user about every wait, with the time it waited
    waits = [int(m) for m in re.findall(r"rate limited: waiting (\d+) s", storm.stderr)]
    assert waits == [seen[i].ratelimit_values()[1] + 1 for i in limited]  # type: ignore[index]
    assert storm.waits == waits  # and those were all the waits it asked for


def test_429_storm_has_exactly_one_retry_per_episode(storm: Storm) -> None:
    seen = storm.seen
    limited = [i for i, s in enumerate(seen) if s.status == 429]
    # each 429 is followed by exactly one request, which succeeds: no stacked retry loops
    assert all(seen[i + 1].status == 200 for i in limited), [s.status for s in seen]
    assert all(s.status in (200, 429) for s in seen)
    # one over-quota request per window (the one answered 429); the fake counts every later one
    assert storm.over_quota_after_429 == len(limited) - 1
    pages = [s.page for s in seen if s.status == 200]
    assert len(pages) == len(set(pages)) == STORM_PAGES  # each page fetched once
    assert len(seen) == STORM_PAGES + len(limited)
    [run] = runs(storm.db)
    assert run["status"] == "complete" and run["pages"] == STORM_PAGES
    assert run["requests"] == len(seen)  # the 429s are counted as requests
    assert storm.clean_db is not None and model_rows(storm.db) == model_rows(storm.clean_db)


def test_no_request_while_a_successful_answer_says_0_remain(paced: Storm) -> None:
    seen = paced.seen
    assert [s.status for s in seen].count(429) == 0  # paced, it never provokes the quota
    assert any(s.ratelimit_values() and s.ratelimit_values()[0] == 0 for s in seen)  # it did reach 0
    assert paced.waits and all(w >= 1 for w in paced.waits)  # and waited for the window to reset
    early = []
    for before, after in zip(seen, seen[1:], strict=False):
        told = before.ratelimit_values()
        if before.status == 200 and told is not None and told[0] == 0 and before.answered is not None:
            if after.arrived < before.answered + told[1]:
                early.append((before.index, after.index))
    assert early == []


# ------------------------------------------------------------------------------- 5xx, truncation, hang

PAGE_SIZE = 30
N_MODELS = 3000  # 100 pages (each stored in its own transaction: ~50 ms a page here)
HANG_AT = 50  # the arrival index of the request that hangs
SEED = 3
HANG_SECONDS = 2.5
TIMEOUT = 0.75


#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.02, json_retry_wait=0.02)


def fast_source(url: str, **kw) -> HuggingFaceSource:
    kw.setdefault("policy", FAST)
    kw.setdefault("page_size", PAGE_SIZE)
    return HuggingFaceSource(url, **kw)


def test_5xx_truncated_json_and_a_hang_give_the_clean_result(db: str, more_dbs: Callable[[str], str]) -> None:
    import random

    models = make_models(N_MODELS, seed=6)
    n_pages = N_MODELS // PAGE_SIZE
    faults = Faults(hang_seconds=HANG_SECONDS)
    with RecordingHub(models, faults=faults, hang_at={HANG_AT}) as hub:
        clean_db = more_dbs("clean")
        hub.hang_at = set()
        assert crawl(fast_source(hub.url, page_size=1000), clean_db).status == "complete"
        start = len(hub.seen())
        hub.hang_at = {start + HANG_AT}
        # 5xx: each request fails with probability 5 %; truncated JSON: 1 % of the pages, at seeded requests
        rng = random.Random(SEED)
        n_truncated = round(0.01 * n_pages)
        hub.truncate_at = {start + i for i in rng.sample(range(n_pages), n_truncated)}
        faults.error_rate, faults.rng = 0.05, random.Random(SEED)
        started = time.monotonic()
        result = crawl(fast_source(hub.url, timeout=TIMEOUT), db)
        elapsed = time.monotonic() - started
        seen = hub.seen()[start:]
    assert result.status == "complete", result.error
    errors = [s for s in seen if s.status == 503]
    truncated = [s for s in seen if s.status == 200 and s.body_ok is False]
    good = [s for s in seen if s.status == 200 and s.body_ok]
    hung = seen[HANG_AT]
    print(
        f"\n{len(seen)} requests for {n_pages} pages: {len(errors)} 503, {len(truncated)} truncated, 1 hang"
    )
    # the faults really happened, at about the rates asked
    assert 0.02 * n_pages <= len(errors) <= 0.12 * n_pages
    assert len(truncated) == n_truncated >= 1
    # the hanging request was given up after the timeout and asked again, without waiting for the hang
    assert hung.status is None or hung.answered - hung.arrived >= HANG_SECONDS  # type: ignore[operator]
    retry = seen[HANG_AT + 1]
    assert retry.page == hung.page
    assert TIMEOUT <= retry.arrived - hung.arrived < HANG_SECONDS
    # bounded (about 10 s on an idle machine; a crawl that never gave up would run on): room for a busy one
    assert elapsed < 120

    # every page stored once, and nothing else: the same rows as the clean crawl
    assert sorted(s.page for s in good) == sorted({s.page for s in good}) and len(good) == n_pages
    assert refetched_pages(seen) == {}
    assert model_rows(db) == model_rows(clean_db)
    [run] = runs(db)
    assert (run["status"], run["pages"], run["items"], run["models"], run["warnings"]) == (
        "complete",
        n_pages,
        N_MODELS,
        N_MODELS,
        0,
    )
    assert run["requests"] == len(seen)  # every attempt counted: 503s, re-asked bodies, the timeout


# ------------------------------------------------------------ deep pages that answer 504 (a large limit)

DEEP = 2000  # pages starting this deep answer 504 when they ask for more than 250 models


def _limit(seen: Seen) -> int:
    return int(parse_qs(urlsplit(seen.path).query)["limit"][0])


def test_deep_pages_that_answer_504_are_asked_again_with_a_smaller_limit(
    db: str, more_dbs: Callable[[str], str]
) -> None:
    models = make_models(3000, seed=21)  # 2 pages of 1,000, then 4 deep pages at 250
    faults = Faults()
    with RecordingHub(models, faults=faults) as hub:
        clean_db = more_dbs("clean")
        assert zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", clean_db).returncode == 0
        start = len(hub.seen())
        faults.deep_504 = (DEEP, 250)
        done, waits = virtual_zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)  # waits: virtual
        seen = hub.seen()[start:]
        shown = zoo("runs", "--db", db, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert waits == [1.0, 1.0]  # a backoff after the first 504 at a size; the smaller size is asked at once
    # the same cursor asked with 1000 (twice), 500 (twice), then 250, and the rest of the listing at 250
    assert [(s.status, _limit(s)) for s in seen[:7]] == [
        (200, 1000), (200, 1000), (504, 1000), (504, 1000), (504, 500), (504, 500), (200, 250),
    ]  # fmt: skip
    assert len({s.page for s in seen[2:7]}) == 1
    assert all(s.status == 200 and _limit(s) == 250 for s in seen[7:])
    assert refetched_pages(seen) == {}
    # exactly the clean result
    assert model_rows(db) == model_rows(clean_db)
    notes = [
        "page 3: page size lowered from 1,000 to 500 (HTTP 504)",
        "page 3: page size lowered from 500 to 250 (HTTP 504)",
    ]
    [run] = runs(db)
    assert (run["status"], run["pages"], run["requests"], run["notes"]) == ("complete", 6, len(seen), notes)
    assert "; ".join(notes) in done.stdout  # the summary line says so
    [listed] = json.loads(shown.stdout)
    assert listed["notes"] == notes and listed["status"] == "complete"


def test_the_smaller_limit_survives_a_resume_and_the_result_is_exact(
    db: str, more_dbs: Callable[[str], str]
) -> None:
    from tests.fakes.hostile import LinkHub

    models = make_models(4000, seed=22)
    with LinkHub(models) as hub:
        clean_db = more_dbs("clean")
        assert crawl(fast_source(hub.url, page_size=1000), clean_db).status == "complete"
        start = len(hub.seen())
        hub.faults.deep_504 = (DEEP, 250)
        # requests: 2 pages, four 504s, 2 pages at 250, then two 500s end the run (1 retry allowed)
        hub.answer_at = {start + 8: (500, {}), start + 9: (500, {})}
        first = crawl(
            fast_source(hub.url, policy=replace(FAST, max_attempts=2), page_size=1000), db, prefetch=False
        )
        assert first.status == "failed" and runs(db)[0]["pages"] == 4
        middle = len(hub.seen())
        second = crawl(fast_source(hub.url, page_size=1000), db, prefetch=False)
        seen = hub.seen()
    assert second.status == "complete", second.error
    resumed = seen[middle:]
    assert resumed and all(s.status == 200 and _limit(s) == 250 for s in resumed)  # carried on at 250
    assert model_rows(db) == model_rows(clean_db)
    [run] = runs(db)
    assert run["resumed"] and run["requests"] == len(seen) - start
    assert run["notes"] == [
        "page 3: page size lowered from 1,000 to 500 (HTTP 504)",
        "page 3: page size lowered from 500 to 250 (HTTP 504)",
    ]


def test_the_limit_goes_back_up_and_down_again_where_the_hub_still_fails(
    db: str, more_dbs: Callable[[str], str]
) -> None:
    # 2 pages of 1,000, the 20 good pages at 250 before the probe at 500, and 4 pages at 250 after it
    models = make_models(8000, seed=23)
    faults = Faults()
    with RecordingHub(models, faults=faults) as hub:
        clean_db = more_dbs("clean")
        assert crawl(fast_source(hub.url, page_size=1000), clean_db).status == "complete"
        start = len(hub.seen())
        faults.deep_504 = (DEEP, 250)
        result = crawl(fast_source(hub.url, page_size=1000), db)
        seen = hub.seen()[start:]
    assert result.status == "complete", result.error
    asked = [(s.status, _limit(s)) for s in seen]
    # 20 good pages at 250, then one try at 500 (a 504 sends it straight back), then 250 to the end
    probe = asked.index((504, 500), 6)
    assert asked[probe - 20 : probe] == [(200, 250)] * 20
    assert asked[probe + 1 :] == [(200, 250)] * (len(asked) - probe - 1)
    assert model_rows(db) == model_rows(clean_db)
    [run] = runs(db)
    assert run["notes"] == [
        "page 3: page size lowered from 1,000 to 500 (HTTP 504)",
        "page 3: page size lowered from 500 to 250 (HTTP 504)",
        "page 22: page size raised back to 500 after 20 good pages",
        "page 23: page size lowered from 500 to 250 (HTTP 504)",
    ]
