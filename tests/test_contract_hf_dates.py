"""``zoo crawl hf-dates`` keeps the hub contract (``tests/hub_contract.py``) against the fake Hub.

Its unit of work is a saved page of its work list: :data:`~crawler.sources.huggingface_dates.PAGE_MODELS`
legacy models in ``key`` order, one commits request each. A page fails for good when the Hub refuses the
token (401 ``Invalid credentials in Authorization header``, which ends the run; every other 4xx of one
repo is a warning and the run goes on), here for the models of that page only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.huggingface_dates import INVALID_CREDENTIALS, PAGE_MODELS
from tests.fakes.hub import FakeHub, is_legacy, make_models
from tests.hub_contract import HubContract, Served

#: the listing's policy with short waits (its run only prepares the work list)
FAST = replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)


class _PagedDates(FakeHub):
    """The fake Hub, telling the work-list page of each commits request (from the model asked) and
    refusing the token for the models of one page on demand."""

    def __init__(self, models: list[dict]) -> None:
        super().__init__(models)
        # the work list: the legacy models in key (``_id``) order, as the view hf_dates_todo gives them
        keys = sorted(m["_id"] for m in models if is_legacy(m))
        by_key = {m["_id"]: m["id"] for m in models}
        self.index = {by_key[k]: i for i, k in enumerate(keys)}
        self.failing: int | None = None
        self.asked: list[int] = []
        self._last = -1

    def commits_page(
        self, path: str, query: dict[str, list[str]], user: str | None = None
    ) -> tuple[int, Any, str | None, dict[str, str]]:
        repo_id = unquote(path.removeprefix("/api/models/")).partition("/commits/")[0]
        index = self.index[repo_id]
        unit = index // PAGE_MODELS + 1
        # a unit is asked again when its models are: another unit, or a step back in the work list
        if not self.asked or self.asked[-1] != unit or index <= self._last:
            self.asked.append(unit)
        self._last = index
        if unit == self.failing:
            return 401, {"error": INVALID_CREDENTIALS}, None, {"X-Error-Message": INVALID_CREDENTIALS}
        return super().commits_page(path, query, user)

    def fail(self, unit: int | None) -> None:
        self.failing = unit

    def pages(self) -> list[int]:
        return list(self.asked)


class TestHuggingFaceDatesContract(HubContract):
    hub = "huggingface-dates"

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        models = make_models(40, seed=11, sentinel_share=0.9)
        legacy = sum(is_legacy(m) for m in models)
        assert PAGE_MODELS < legacy <= 2 * PAGE_MODELS  # two pages of the work list
        fake = _PagedDates(models)
        with fake:

            def listing(db: str) -> None:
                result = crawl(HuggingFaceSource(fake.url, policy=FAST), db)
                assert result.status == "complete", result.error

            yield Served(
                ["--hf-endpoint", fake.url],
                legacy,
                fake.fail,
                fake.pages,
                prepare=listing,
                tables=("hf_first_commits",),
            )
