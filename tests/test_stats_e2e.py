"""End to end: crawl the fake Hub, then ``zoo stats`` as a user runs it, compared with counts computed here
independently from the very models the fake Hub served."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources.huggingface import HuggingFaceSource
from tests import framework_oracle as oracle
from tests.conftest import copy_template
from tests.fakes.hub import FakeHub, is_legacy, make_models

# its tests share a module fixture (one crawl): one worker runs them all
pytestmark = pytest.mark.xdist_group("stats_e2e")

runner = CliRunner()


def tags_class(model: dict) -> str:
    """The articles' rule: the `pytorch` and `tf` tags only."""
    pt, tf = "pytorch" in model["tags"], "tf" in model["tags"]
    return "both" if pt and tf else "pytorch_only" if pt else "tensorflow_only" if tf else "neither"


def evidence_class(model: dict) -> str:
    """Our rule, restated (tests/framework_oracle.py) for the tags, libraries and files the fake Hub
    serves."""
    library = model.get("library_name")
    assert library in (None, "transformers", "diffusers", "gguf", "tf-keras", "keras"), library
    return oracle.evidence_class(oracle.model_frameworks(model))


def period(model: dict) -> str:
    return "legacy" if is_legacy(model) else model["createdAt"][:4]


@pytest.fixture(scope="module")
def hub_models() -> list[dict]:
    """The models of the conftest's fake Hub, made once: the module's tests share one crawl of them."""
    return make_models(3500, seed=7)


@pytest.fixture(scope="module")
def crawled(hub_models: list[dict], tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    """One crawl of the fake Hub into a template copy; the tests only read it."""
    db = tmp_path_factory.mktemp("crawled") / "zoo.duckdb"
    copy_template(template_db, db)
    with FakeHub(hub_models) as hub:
        result = crawl(HuggingFaceSource(hub.url), str(db))
    assert result.status == "complete"
    return str(db)


@pytest.mark.parametrize(("definition", "rule"), [("tags", tags_class), ("evidence", evidence_class)])
def test_exclusivity_json_matches_the_served_models(crawled, hub_models, definition, rule):
    result = runner.invoke(
        app, ["stats", "exclusivity", "--format", "json", "--definition", definition, "--db", crawled]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = Counter(rule(m) for m in hub_models)
    got = {o["class"]: o["models"] for o in data}
    assert {k: v for k, v in got.items() if v} == dict(expected)
    assert {o["hub"] for o in data} == {"huggingface"}
    for o in data:
        assert o["share"] == pytest.approx(expected[o["class"]] / len(hub_models))
        assert o["denominator"] == len(hub_models)
    if definition == "tags":  # the fake Hub's profiles give every class a share
        assert min(expected.values()) > 0 and len(expected) == 4
    pt, tf = expected["pytorch_only"], expected["tensorflow_only"]
    assert f"huggingface all: {pt:,} ÷ {pt + tf:,} = {pt / (pt + tf) * 100:.1f} %" in result.stderr


@pytest.mark.parametrize(("definition", "rule"), [("tags", tags_class), ("evidence", evidence_class)])
def test_exclusivity_by_year_matches_the_served_models(crawled, hub_models, definition, rule):
    result = runner.invoke(
        app,
        ["stats", "exclusivity", "-f", "json", "--by", "year", "--definition", definition, "--db", crawled],
    )
    assert result.exit_code == 0, result.output
    got = {(o["period"], o["class"]): o["models"] for o in json.loads(result.stdout) if o["models"]}
    assert got == dict(Counter((period(m), rule(m)) for m in hub_models))
    assert ("2022", "pytorch_only") in got and ("legacy", "pytorch_only") in got


def test_additions_json_matches_the_served_models(crawled, hub_models):
    result = runner.invoke(app, ["stats", "additions", "--format", "json", "--db", crawled])
    assert result.exit_code == 0, result.output
    got = {o["period"]: o["models"] for o in json.loads(result.stdout)}
    expected = Counter(period(m) for m in hub_models)
    assert got == dict(expected)
    assert expected["legacy"] > 0  # the fixture has a sentinel cohort, and it is not in 2022


def test_hubs_json_after_a_crawl(crawled, hub_models):
    result = runner.invoke(app, ["stats", "hubs", "--format", "json", "--db", crawled])
    assert result.exit_code == 0, result.output
    data = {o["hub"]: o for o in json.loads(result.stdout)}
    assert data["huggingface"]["models"] == len(hub_models)
    assert data["huggingface"]["status"] == "crawled"
    assert data["kaggle"]["models"] is None
