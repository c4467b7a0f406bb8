"""The source contract (``crawler.sources.base``) as the runner enforces it, with small sources defined
here: defaults, secret scrubbing done once by the runner, requests counted on the meter even when a page
fails, and the work list an enrichment source gets from the store. Then what every registered hub must
declare, checked for each (a new hub's module is enough to be checked): help with an example, its options,
where it connects (so the test set-up closes it), and secrets never shown. What needs the hub's fake
(resume after a failed page, the summary line) is ``tests/hub_contract.py``, which each hub's test
module subclasses; every registered hub must have such a subclass (checked here)."""

from __future__ import annotations

import ast
import base64
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources import registry
from crawler.sources.base import Meter, Source, SourceError
from crawler.sources.pytorch_hub import PyTorchHubSource
from crawler.sources.records import ModelRecord, Page
from crawler.sources.registry import Hub
from crawler.store import connect
from tests.conftest import NO_FAKE_ENDPOINT

SECRET = "s3cr3t-t0ken-value"


def record(key: str) -> ModelRecord:
    return ModelRecord(
        hub="contract", key=key, id=f"org/{key}", created_at=datetime(2024, 1, 1, tzinfo=timezone.utc)
    )


class Leaky(Source):
    """Sends a secret; the hub echoes it in a warning and in the error that ends the listing."""

    name = "contract"

    def params(self) -> dict[str, Any]:
        return {}

    def secrets(self) -> list[str]:
        return [SECRET]

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        self.meter.request(2)
        yield Page([record("a")], "1", [f"odd answer to Bearer {SECRET}"], requests=self.meter.take())
        self.meter.request(3)  # three attempts at page 2, then it gives up
        basic = base64.b64encode(SECRET.encode()).decode()
        raise SourceError(f"HTTP 500 for Authorization: Basic {basic} / {SECRET}", requests=1)


def run_row(db: str) -> tuple[Any, ...]:
    con = duckdb.connect(db, read_only=True)
    try:
        row = con.execute("SELECT status, requests, warning_samples, error FROM crawl_runs").fetchone()
    finally:
        con.close()
    assert row is not None
    return row


def test_the_runner_scrubs_secrets_and_counts_the_failed_pages_requests(db: str) -> None:
    result = crawl(Leaky(), db)
    status, requests, samples, error = run_row(db)
    assert status == "failed" == result.status
    assert requests == 2 + 3  # the meter counted the failing page's attempts, not the error's 1
    assert SECRET not in (error or "") and SECRET not in " ".join(samples)
    assert base64.b64encode(SECRET.encode()).decode() not in (error or "")
    assert "***" in (error or "") and "***" in samples[0]
    assert SECRET not in (result.error or "")


def test_an_error_says_what_a_source_that_does_not_meter_spent(db: str) -> None:
    class Unmetered(Leaky):
        def pages(self, checkpoint: str | None) -> Iterator[Page]:
            raise SourceError("the hub refused", requests=4)

    crawl(Unmetered(), db)
    assert run_row(db)[1] == 4


def test_the_defaults_of_a_listing(db: str) -> None:
    class Plain(Source):
        name = "contract"

        def params(self) -> dict[str, Any]:
            return {"what": "everything"}

        def pages(self, checkpoint: str | None) -> Iterator[Page]:
            yield Page([record("a"), record("b")], None)

    source = Plain()
    assert source.secrets() == [] and source.full_listing and source.child_tables == ()
    assert source.work_query is None and source.work == []
    assert isinstance(source.meter, Meter)
    meter = Meter()
    result = crawl(source, db, meter=meter)
    assert result.status == "complete" and result.models == 2
    assert source.meter is meter  # the runner hands its meter over


def test_a_meter_tells_its_listeners_of_every_wait() -> None:
    meter = Meter()
    heard: list[tuple[str, float]] = []
    meter.listeners.append(lambda kind, seconds: heard.append((kind, seconds)))
    meter.waited("rate_limited", 2.0)
    meter.waited("paced", 0.5)
    assert heard == [("rate_limited", 2.0), ("paced", 0.5)]
    assert (meter.waits, meter.rate_limited, meter.paced, meter.wait_seconds) == (2, 1, 1, 2.5)


class Enrichment(Source):
    """Walks the models the database holds (as an enrichment source would), a page per model."""

    name = "contract-enrichment"
    full_listing = False
    work_query: ClassVar[str | None] = "SELECT key, id FROM models WHERE hub = 'contract' ORDER BY key"
    seen: ClassVar[list[tuple[Any, ...]]] = []

    def params(self) -> dict[str, Any]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        todo = [row for row in self.work if checkpoint is None or row[0] > checkpoint]
        Enrichment.seen = list(self.work)
        for i, (key, _) in enumerate(todo):
            yield Page([], None if i == len(todo) - 1 else key, requests=1)


def test_an_enrichment_source_gets_its_work_list_from_the_store(db: str) -> None:
    class Listing(Leaky):
        def pages(self, checkpoint: str | None) -> Iterator[Page]:
            yield Page([record("b"), record("a"), record("c")], None)

    assert crawl(Listing(), db).status == "complete"
    result = crawl(Enrichment(), db)
    assert result.status == "complete" and result.counters.pages == 3
    assert Enrichment.seen == [("a", "org/a"), ("b", "org/b"), ("c", "org/c")]


def test_the_pytorch_hub_source_declares_the_github_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    assert PyTorchHubSource("/nowhere", entrypoints=True).secrets() == ["ghp_secret"]
    assert PyTorchHubSource("/nowhere").secrets() == []  # sent only with --entrypoints


class Facts(Source):
    """An enrichment whose facts never change once found: one row per key, as in hf_first_commits."""

    name = "contract-facts"
    full_listing = False
    child_tables = ("hf_first_commits",)
    keep_child_rows = True

    def __init__(self, pages: list[list[tuple[str, str]]]) -> None:
        self.to_send = pages

    def params(self) -> dict[str, Any]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        for i, rows in enumerate(self.to_send):
            children = [
                {"hub": self.name, "key": k, "repo_id": k, "revision": "main", "created_at_quality": q}
                for k, q in rows
            ]
            last = i == len(self.to_send) - 1
            yield Page([], None if last else str(i), children={"hf_first_commits": children}, requests=0)


def test_facts_once_found_are_never_replaced_and_name_their_run(db: str) -> None:
    first = crawl(Facts([[("a", "first_commit")], [("b", "first_commit"), ("a", "oldest_commit")]]), db)
    second = crawl(Facts([[("b", "after_placeholder"), ("c", "first_commit")]]), db)
    assert first.status == second.status == "complete"
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT key, created_at_quality, run_id FROM hf_first_commits ORDER BY key"
        ).fetchall()
    finally:
        con.close()
    # a: the first page's row wins over the later one of the same run; b: the later run adds nothing
    assert rows == [
        ("a", "first_commit", first.run_id),
        ("b", "first_commit", first.run_id),
        ("c", "first_commit", second.run_id),
    ]


# ------------------------------------------------------------------ every registered hub, without a fake

HUBS = registry.hubs()


def _help(hub: Hub, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, [hub.group, hub.command, "--help"], env=env, terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("hub", HUBS, ids=[h.name for h in HUBS])
def test_every_hub_has_help_with_an_example(hub: Hub) -> None:
    assert hub.help.strip() and hub.label.strip()
    example = re.search(r"^Example: (?:\S+=\S+ )*zoo (\S+) (\S+)", hub.help, re.M)  # its own example
    assert example is not None and example.groups() == (hub.group, hub.command), hub.help
    shown = _help(hub)
    assert hub.help.strip().splitlines()[0] in shown and "Example:" in shown


@pytest.mark.parametrize("hub", HUBS, ids=[h.name for h in HUBS])
def test_every_hub_declares_its_options_and_where_it_connects(hub: Hub, saved_registry: None) -> None:
    shown = _help(hub)
    for option in hub.options:
        assert option.help.strip(), option.flag
        assert option.flag.split("/")[0] in shown, option.flag
        if option.envvar is not None:
            assert option.envvar in hub.env_vars
        if isinstance(option.default, str) and "://" in option.default:
            # a public default URL must be overridable, and declared, so the test set-up can close it
            assert option.envvar in hub.endpoints, f"{option.flag}: declare its envvar in endpoints"
    assert set(hub.endpoints) <= set(hub.env_vars) and set(hub.secrets) <= set(hub.env_vars)
    offline = dict(hub.offline)
    for name in hub.endpoints:  # the test set-up closed it (or applied the hub's offline setting)
        assert os.environ[name] == offline.get(name, NO_FAKE_ENDPOINT)
    # built with its defaults, in the test set-up, the hub points at nothing but the set-up's local endpoint
    urls = re.findall(r"[a-z]+://[^\s\"']+", json.dumps(hub.build().params()))
    assert all(u.startswith(NO_FAKE_ENDPOINT) for u in urls), urls


@pytest.mark.parametrize("hub", [h for h in HUBS if h.secrets], ids=[h.name for h in HUBS if h.secrets])
def test_no_hub_shows_the_secrets_it_sends(hub: Hub) -> None:
    env = dict.fromkeys(hub.secrets, SECRET)
    assert SECRET not in _help(hub, env)
    assert SECRET not in json.dumps(hub.build().params())


@pytest.fixture(scope="module")
def frameworks() -> set[str]:
    con = connect(":memory:")
    try:
        return {r[0] for r in con.execute("SELECT framework FROM framework_roles").fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("hub", HUBS, ids=[h.name for h in HUBS])
def test_every_hubs_framework_labels_name_known_frameworks(hub: Hub, frameworks: set[str]) -> None:
    labels = registry.DEFAULT_FRAMEWORKS if hub.frameworks is None else hub.frameworks
    assert {framework for _, framework in labels} <= frameworks
    assert len(dict(labels)) == len(labels)  # one framework per label


# ------------------------------------------------------------- every registered hub keeps the contract

TESTS = Path(__file__).resolve().parent


def contract_hubs() -> dict[str, str]:
    """hub → ``file::class`` of each ``HubContract`` subclass in the tests' ``test_*.py`` modules that
    pytest collects (its name starts with ``Test``) and that names its hub (``hub = "<name>"``). Read from
    the modules' source, not by importing them."""
    found: dict[str, str] = {}
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.ClassDef) or not node.name.startswith("Test"):
                continue
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", None) for b in node.bases}
            if "HubContract" not in bases:
                continue
            for stmt in node.body:
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else None
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                value = getattr(stmt, "value", None)
                if (
                    isinstance(target, ast.Name)
                    and target.id == "hub"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    found[value.value] = f"{path.name}::{node.name}"
    return found


def hubs_without_a_contract() -> list[str]:
    """The registered hubs (by name or alias) that no ``HubContract`` subclass of the tests names."""
    named = set(contract_hubs())
    return [h.name for h in registry.hubs() if not named & {h.name, *h.aliases}]


def test_every_registered_hub_keeps_the_hub_contract() -> None:
    assert hubs_without_a_contract() == [], (
        "add a HubContract subclass (tests/hub_contract.py) to the hub's test module"
    )
    assert "example-zoo" in contract_hubs()  # the README's example, a hub registered only by its test


def test_a_hub_added_without_a_contract_is_found(saved_registry: None) -> None:
    class Uncontracted(Source):
        name = "uncontracted-zoo"

        def params(self) -> dict[str, Any]:
            return {}

        def pages(self, checkpoint: str | None) -> Iterator[Page]:
            yield Page([], None)

    registry.register(Hub(Uncontracted, label="Uncontracted", command="uncontracted-zoo", help="x"))
    assert hubs_without_a_contract() == ["uncontracted-zoo"]
