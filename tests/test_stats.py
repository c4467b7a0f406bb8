"""The statistics views through ``crawler.stats``: which models count (latest complete run), periods
(the sentinel cohort), shares and denominators, hubs, and ``as_of``. A new database per test, inline rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from crawler import stats
from crawler.crawl import crawl
from crawler.sources.base import Source
from crawler.sources.records import ModelRecord, Page
from crawler.store import connect
from tests.conftest import model_hubs
from tests.test_stats_support import Zoo, class_counts, ts

DEFINITIONS = ["tags", "evidence"]
PT = {"tags": "pytorch_only", "evidence": "pytorch_only"}
TF = {"tags": "tensorflow_only", "evidence": "tensorflow_only"}
NEITHER = {"tags": "neither", "evidence": "agnostic"}  # for a safetensors-only model


@pytest.fixture
def con(db):
    c = connect(db)  # a copy of the migrated template: as new as an in-memory database, without migrating
    yield c
    c.close()


# ------------------------------------------------------------------------------------ which models count


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_incomplete_latest_run_is_ignored(con, definition):
    zoo = Zoo(con)
    done = zoo.run("huggingface", finished="2025-01-01T00:00:00")
    zoo.run("huggingface", status="failed", finished="2025-02-01T00:00:00")
    running = zoo.run("huggingface", status="running", started="2025-03-01T00:00:00")
    zoo.model("huggingface", done, tags=["pytorch"])
    zoo.model("huggingface", done, tags=["pytorch"])
    # A row claiming to be seen by the running run (the store never writes that) must not count either.
    zoo.model("huggingface", running, tags=["tf"])
    assert class_counts(con, definition) == {("huggingface", "all", PT[definition]): 2}
    hubs = {r["hub"]: r for r in stats.hubs(con).records()}
    assert hubs["huggingface"]["run_id"] == done
    assert hubs["huggingface"]["models"] == 2
    assert hubs["huggingface"]["last_complete_crawl"] == ts("2025-01-01T00:00:00")


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_models_missing_from_the_latest_complete_run_or_deleted_do_not_count(con, definition):
    zoo = Zoo(con)
    old = zoo.run("huggingface", finished="2025-01-01T00:00:00")
    new = zoo.run("huggingface", finished="2025-02-01T00:00:00")
    zoo.model("huggingface", old, tags=["tf"])  # not listed by the newest complete crawl: gone
    zoo.model("huggingface", new, first_run=old, tags=["pytorch"])
    zoo.model("huggingface", new, tags=["tf"], deleted="2025-01-15T00:00:00")
    assert class_counts(con, definition) == {("huggingface", "all", PT[definition]): 1}


class ListSource(Source):
    """A test double of a hub: serves fixed pages, optionally failing after the first one."""

    name = "huggingface"

    def __init__(self, pages: list[list[ModelRecord]], fail_after_first: bool = False) -> None:
        self._pages = pages
        self._fail = fail_after_first

    def params(self) -> dict[str, str]:
        return {"test": "list"}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        start = int(checkpoint or 0)
        for i in range(start, len(self._pages)):
            if self._fail and i > start:
                raise RuntimeError("hub went away")
            yield Page(self._pages[i], str(i + 1) if i + 1 < len(self._pages) else None)


def _rec(key: str, tags: list[str]) -> ModelRecord:
    return ModelRecord(
        hub="huggingface",
        key=key,
        id=f"org/{key}",
        created_at=ts("2023-05-05"),
        created_at_quality="exact",
        tags=tags,
    )


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_tags_changed_between_runs_latest_complete_run_wins(db: str, definition):
    assert crawl(ListSource([[_rec("a", ["pytorch"]), _rec("b", ["pytorch"])]]), db).status == "complete"
    assert crawl(ListSource([[_rec("a", ["tf"]), _rec("b", ["pytorch"])]]), db).status == "complete"
    # A later crawl fails after staging a page that would turn `a` back into PyTorch: it changes nothing.
    failing = ListSource(
        [[_rec("a", ["pytorch"]), _rec("b", ["tf"])], [_rec("c", ["tf"])]], fail_after_first=True
    )
    assert crawl(failing, db).status == "failed"
    con = connect(db, read_only=True)
    try:
        assert class_counts(con, definition) == {
            ("huggingface", "all", TF[definition]): 1,
            ("huggingface", "all", PT[definition]): 1,
        }
        assert con.execute("SELECT tags FROM models WHERE key = 'a'").fetchone()[0] == ["tf"]
        hub = stats.hubs(con).records()[0]
        assert (hub["hub"], hub["run_id"], hub["models"]) == ("huggingface", 2, 2)
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- periods


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_sentinel_cohort_is_legacy_never_2022(con, definition):
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    for _ in range(3):
        zoo.model("huggingface", run, tags=["pytorch"], created="2022-03-02T23:29:04", quality="sentinel")
    zoo.model("huggingface", run, tags=["tf"], created="2022-03-02T23:29:04", quality="sentinel")
    zoo.model("huggingface", run, tags=["pytorch"], created="2022-03-03T10:00:00")
    zoo.model("huggingface", run, tags=["safetensors"], created="2023-01-01T00:00:00")
    zoo.model("huggingface", run, tags=["pytorch"], created=None, quality="unknown")

    assert class_counts(con, definition, by="year") == {
        ("huggingface", "legacy", PT[definition]): 3,
        ("huggingface", "legacy", TF[definition]): 1,
        ("huggingface", "2022", PT[definition]): 1,
        ("huggingface", "2023", NEITHER[definition]): 1,
        ("huggingface", "unknown", PT[definition]): 1,
    }
    assert class_counts(con, definition, by="month") == {
        ("huggingface", "legacy", PT[definition]): 3,
        ("huggingface", "legacy", TF[definition]): 1,
        ("huggingface", "2022-03", PT[definition]): 1,
        ("huggingface", "2023-01", NEITHER[definition]): 1,
        ("huggingface", "unknown", PT[definition]): 1,
    }
    added = stats.additions(con, by="year")
    assert [(r["period"], r["class"], r["models"]) for r in added.records()] == [
        ("legacy", "all", 4),
        ("2022", "all", 1),
        ("2023", "all", 1),
        ("unknown", "all", 1),
    ]
    assert "legacy" in added.caption and "2022-03-02" in added.caption
    by_class = {
        (r["period"], r["class"]): r["models"]
        for r in stats.additions(con, by="year", definition=definition, by_class=True).records()
    }
    assert by_class[("legacy", PT[definition])] == 3
    assert by_class[("2022", PT[definition])] == 1
    assert by_class[("2022", TF[definition])] == 0  # every class listed, zeros included


def test_periods_are_utc_whatever_the_session_time_zone(con):
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    zoo.model("huggingface", run, tags=["pytorch"], created="2022-12-31T23:30:00")  # 2023-01-01 in Tokyo
    assert [(r["period"], r["models"]) for r in stats.additions(con, by="month").records()] == [
        ("2022-12", 1)
    ]


# -------------------------------------------------------------------------------- shares, denominators


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_share_denominator_is_all_models_of_the_hub_in_the_period(con, definition):
    zoo = Zoo(con)
    hf, pth = zoo.run("huggingface"), zoo.run("pytorch-hub")
    for _ in range(6):
        zoo.model("huggingface", hf, tags=["pytorch"], created="2023-02-01")
    for _ in range(2):
        zoo.model("huggingface", hf, tags=["tf"], created="2023-02-01")
    for _ in range(2):
        zoo.model("huggingface", hf, tags=["safetensors"], created="2024-02-01")
    zoo.model("pytorch-hub", pth, created="2020-01-01")
    table = stats.exclusivity(con, definition=definition)
    recs = {(r["hub"], r["class"]): r for r in table.records()}
    assert recs[("huggingface", PT[definition])]["share"] == pytest.approx(0.6)
    assert recs[("huggingface", PT[definition])]["denominator"] == 10
    assert recs[("huggingface", TF[definition])]["share"] == pytest.approx(0.2)
    assert recs[("pytorch-hub", "pytorch_only")]["share"] == 1.0
    for hub in ("huggingface", "pytorch-hub"):
        assert sum(r["share"] for r in table.records() if r["hub"] == hub) == pytest.approx(1.0)
    classes = [r["class"] for r in table.records() if r["hub"] == "huggingface"]
    expected = (
        ["pytorch_only", "tensorflow_only", "both", "neither"]
        if definition == "tags"
        else ["pytorch_only", "tensorflow_only", "jax_only", "multi", "other", "agnostic", "none"]
    )
    assert classes == expected
    heads = {(h.hub, h.period): h for h in stats.headline(table)}
    assert heads[("huggingface", "all")].share == pytest.approx(6 / 8)
    assert heads[("pytorch-hub", "all")].share == 1.0

    by_year = stats.exclusivity(con, hub="huggingface", definition=definition, by="year")
    recs = {(r["period"], r["class"]): r for r in by_year.records()}
    assert recs[("2023", PT[definition])]["share"] == pytest.approx(0.75)
    assert recs[("2023", PT[definition])]["denominator"] == 8
    assert recs[("2024", NEITHER[definition])]["share"] == 1.0
    assert {r["hub"] for r in by_year.records()} == {"huggingface"}
    heads = {h.period: h for h in stats.headline(by_year)}
    assert heads["2024"].share is None  # no PyTorch-only nor TensorFlow-only model that year


def test_headline_counts_only_exclusive_models(con):
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    for tags in (["pytorch"], ["pytorch"], ["pytorch"], ["tf"], ["pytorch", "tf"], [], ["safetensors"]):
        zoo.model("huggingface", run, tags=tags)
    (head,) = stats.headline(stats.exclusivity(con, definition="tags"))
    assert (head.pytorch_only, head.tensorflow_only, head.share) == (3, 1, 0.75)
    assert head.text() == "huggingface all: 3 ÷ 4 = 75.0 %"


# ----------------------------------------------------------------------------------------------- hubs


def test_hubs_never_crawled_are_marked_not_counted_as_zero(con):
    zoo = Zoo(con)
    run = zoo.run("huggingface", finished="2025-03-04T05:06:07")
    zoo.run("kaggle", status="failed")
    zoo.model("huggingface", run)
    zoo.model("huggingface", run)
    recs = {r["hub"]: r for r in stats.hubs(con).records()}
    assert list(recs) == model_hubs()
    assert (recs["huggingface"]["status"], recs["huggingface"]["models"]) == ("crawled", 2)
    assert recs["huggingface"]["last_complete_crawl"] == ts("2025-03-04T05:06:07")
    assert (recs["pytorch-hub"]["status"], recs["pytorch-hub"]["models"]) == ("not crawled", None)
    assert (recs["kaggle"]["status"], recs["kaggle"]["models"]) == ("no complete crawl", None)
    assert recs["kaggle"]["last_complete_crawl"] is None


def test_a_crawled_hub_with_no_models_left_counts_zero(con):
    Zoo(con).run("tf-hub")
    recs = {r["hub"]: r for r in stats.hubs(con).records()}
    assert (recs["tf-hub"]["status"], recs["tf-hub"]["models"]) == ("crawled", 0)


def test_unknown_hub_and_bad_date_are_errors(con):
    with pytest.raises(stats.StatsError, match="unknown hub 'torch'"):
        stats.exclusivity(con, hub="torch")
    with pytest.raises(stats.StatsError, match="not a date"):
        stats.hubs(con, as_of="2024-02-30")
    with pytest.raises(stats.StatsError, match="definition"):
        stats.exclusivity(con, definition="files")
    with pytest.raises(stats.StatsError, match="by must be one of year, month"):
        stats.additions(con, by="none")


def test_hub_alias_and_not_crawled_note(con):
    zoo = Zoo(con)
    zoo.model("huggingface", zoo.run("huggingface"), tags=["pytorch"])
    assert class_counts(con, "tags", hub="hf") == {("huggingface", "all", "pytorch_only"): 1}
    table = stats.exclusivity(con, hub="kaggle")
    assert table.rows == []
    assert table.notes == ["kaggle: not crawled — no figures (run `zoo crawl` for it first)"]


# ---------------------------------------------------------------------------------------------- as of


def _catalog(con) -> Zoo:
    zoo = Zoo(con)
    run = zoo.run("pytorch-hub", finished="2025-06-01T00:00:00")
    zoo.model("pytorch-hub", run, key="old", created="2020-01-01T00:00:00")
    zoo.model("pytorch-hub", run, key="last-second", created="2021-06-30T23:59:59")
    zoo.model("pytorch-hub", run, key="next-day", created="2021-07-01T00:00:00")
    zoo.model(
        "pytorch-hub", run, key="deleted-at-midnight", created="2020-05-05", deleted="2021-07-01T00:00:00"
    )
    zoo.model("pytorch-hub", run, key="deleted-that-day", created="2020-05-05", deleted="2021-06-30T12:00:00")
    return zoo


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_as_of_for_a_catalog_uses_git_dates(con, definition):
    _catalog(con)
    keys = {r[0] for r in con.execute("SELECT key FROM models_as_of(DATE '2021-06-30')").fetchall()}
    assert keys == {"old", "last-second", "deleted-at-midnight"}
    assert class_counts(con, definition, as_of="2021-06-30") == {("pytorch-hub", "all", "pytorch_only"): 3}
    # now: the two deleted entries are gone
    assert class_counts(con, definition) == {("pytorch-hub", "all", "pytorch_only"): 3}
    assert class_counts(con, definition, as_of="2019-12-31") == {}
    hub = {r["hub"]: r for r in stats.hubs(con, as_of=date(2021, 6, 30)).records()}["pytorch-hub"]
    assert (hub["status"], hub["models"], hub["as_of"]) == ("crawled", 3, "2021-06-30")
    assert hub["last_complete_crawl"] == ts("2025-06-01T00:00:00")  # the crawl that knows the history
    added = stats.additions(con, hub="pytorch-hub", as_of="2021-06-30", by_class=True, definition=definition)
    assert {(r["period"], r["class"]): r["models"] for r in added.records() if r["models"]} == {
        ("2020", "pytorch_only"): 2,
        ("2021", "pytorch_only"): 1,
    }


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_as_of_for_huggingface_uses_the_runs_finished_by_then(con, definition):
    zoo = Zoo(con)
    r1 = zoo.run("huggingface", finished="2024-01-10T08:00:00")
    zoo.run("huggingface", status="failed", finished="2024-03-10T08:00:00")
    r3 = zoo.run("huggingface", finished="2024-06-10T08:00:00")
    zoo.model("huggingface", r3, key="stayed", first_run=r1, tags=["pytorch"], created="2023-01-01")
    zoo.model("huggingface", r1, key="vanished", tags=["tf"], created="2023-02-01")
    zoo.model("huggingface", r3, key="new", tags=["pytorch"], created="2024-02-01")

    assert class_counts(con, definition, as_of="2024-03-31") == {
        ("huggingface", "all", PT[definition]): 1,
        ("huggingface", "all", TF[definition]): 1,
    }
    assert class_counts(con, definition, as_of="2024-06-10") == {("huggingface", "all", PT[definition]): 2}
    assert class_counts(con, definition, as_of="2024-01-09") == {}
    hubs = {r["hub"]: r for r in stats.hubs(con, as_of="2024-03-31").records()}
    assert (hubs["huggingface"]["run_id"], hubs["huggingface"]["models"]) == (r1, 2)
    early = {r["hub"]: r for r in stats.hubs(con, as_of="2024-01-09").records()}
    assert (early["huggingface"]["status"], early["huggingface"]["models"]) == ("not crawled", None)
    added = stats.additions(con, as_of="2024-03-31")
    assert [(r["period"], r["models"]) for r in added.records()] == [("2023", 2)]


@pytest.mark.parametrize("definition", DEFINITIONS)
def test_headline_view_agrees_with_the_python_headline(con, definition):
    zoo = Zoo(con)
    run = zoo.run("huggingface")
    for tags, created in [
        (["pytorch"], "2023-01-01"),
        (["pytorch"], "2023-02-01"),
        (["tf"], "2023-03-01"),
        (["tf-keras"], "2024-01-01"),
        (["safetensors"], "2024-01-01"),
    ]:
        zoo.model("huggingface", run, tags=tags, created=created)
    python = {
        (h.period, h.pytorch_only, h.tensorflow_only, h.share)
        for h in stats.headline(stats.exclusivity(con, definition=definition, by="year"))
    }
    sql = set(
        con.execute(
            "SELECT period, pytorch_only, tensorflow_only, headline_share FROM stats_headline "
            "WHERE definition = ? AND grain = 'year'",
            [definition],
        ).fetchall()
    )
    assert python == sql
    expected_2024 = ("2024", 0, 1, 0.0) if definition == "evidence" else ("2024", 0, 0, None)
    assert expected_2024 in sql
    assert ("2023", 2, 1, pytest.approx(2 / 3)) in [tuple(r) for r in sql]
