"""Values outside their column's range, sent by a hub over HTTP: one field of one model, never the run.

Against the fake Hub (``tests/fakes/hub.py``, its pages written by Python's ``json``, so it can also
send ``NaN`` and ``Infinity``) and the fake Kaggle API. Every case stores its page and completes the run
with one warning naming the model, the field and the value; the field is stored as NULL (numbers), or
the date as given with ``created_at_quality = 'out_of_range'``, which no yearly or monthly statistic
counts in a period ('unknown'). A later night with a good value replaces the NULL.

Decisions these tests fix (``crawler.sources.records.check_page``):

* a number column (BIGINT) holds -2**63 … 2**63-1: outside, or not an integer, is NULL + a warning. A
  negative count is inside and kept as sent (no warning); 12.0 is 12; 12.5 and "12" (a string, which the
  Hub never sends for a count) are NULL + a warning.
* The real Hub (JavaScript) writes 2**70 as ``1.1805916207174113e+21`` and 2**63 as
  ``9223372036854776000``: both are out of range. ``NaN``/``Infinity`` are not JSON (orjson refuses
  them); a body holding them is read with Python's json and each is one warning.
* dates: a ``createdAt`` before 2000-01-01 or more than a day after the crawl is stored as given, with
  quality ``out_of_range``; one a ``datetime`` cannot hold in UTC (year 1 at +02:00 is year 0) is NULL,
  also ``out_of_range``. ``lastModified`` outside the window is stored as given with a warning.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._http import RetryPolicy
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.huggingface_dates import DATES_POLICY, HuggingFaceDatesSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from tests.fakes.faults import query, runs
from tests.fakes.hub import FakeHub, is_legacy, make_models
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models

runner = CliRunner()
UTC = timezone.utc
SOON = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

#: (listing field, value sent, column, value stored, warnings). ``...`` = the served value is stored.
NUMBER_CASES: list[tuple[str, Any, str, Any, int]] = [
    ("downloads", 2**70, "downloads", None, 1),
    ("downloads", 1.1805916207174113e21, "downloads", None, 1),  # 2**70 as JavaScript writes it
    ("downloads", 1e300, "downloads", None, 1),
    ("downloads", 2**4000, "downloads", None, 1),  # orjson refuses it (infinity): Python's json reads it
    ("likes", 2**63, "likes", None, 1),
    ("likes", 9223372036854776000, "likes", None, 1),  # 2**63 as JavaScript writes it
    ("likes", 2**63 - 1, "likes", 2**63 - 1, 0),  # the largest BIGINT
    ("downloadsAllTime", -(2**63), "downloads_all_time", -(2**63), 0),  # the smallest BIGINT
    ("downloadsAllTime", -(2**63) - 1, "downloads_all_time", None, 1),
    ("downloadsAllTime", 2**64, "downloads_all_time", None, 1),
    ("likes", -1, "likes", -1, 0),  # in range: kept as sent
    ("downloads", 12.0, "downloads", 12, 0),
    ("downloads", 12.5, "downloads", None, 1),
    ("downloads", "12", "downloads", None, 1),
    ("downloads", math.nan, "downloads", None, 1),
    ("likes", math.inf, "likes", None, 1),
    ("downloadsAllTime", -math.inf, "downloads_all_time", None, 1),
]

#: (createdAt, lastModified or None = the usual one, created_at stored, quality, warnings)
DATE_CASES: list[tuple[str, str | None, datetime | None, str, int]] = [
    ("0001-01-01T00:00:00.000Z", None, datetime(1, 1, 1, tzinfo=UTC), "out_of_range", 1),
    ("9999-12-31T23:59:59.999Z", None, datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), "out_of_range", 1),
    ("0001-01-01T00:00:00+02:00", None, None, "out_of_range", 1),  # year 0 in UTC: no datetime holds it
    ("9999-12-31T23:00:00-05:00", None, None, "out_of_range", 1),  # year 10000 in UTC
    ("1999-12-31T23:59:59.000Z", None, datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "out_of_range", 1),
    ("2000-01-01T00:00:00.000Z", None, datetime(2000, 1, 1, tzinfo=UTC), "exact", 0),
    (SOON, None, datetime.fromisoformat(SOON), "out_of_range", 1),
    ("2024-05-06T07:08:09.000Z", "0001-01-01T00:00:00.000Z", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "exact", 0),  # stored as given: no statistic reads it
    ("2024-05-06T07:08:09.000Z", "0001-01-01T00:00:00+02:00", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "exact", 1),
]  # fmt: skip


def _bad_hub(models: list[dict]) -> list[dict]:
    """The models with the number cases, then the date cases, applied to the first ones (by index)."""
    models = [dict(m) for m in models]
    for i, (name, value, *_) in enumerate(NUMBER_CASES):
        models[i][name] = value
    for j, (created, modified, *_) in enumerate(DATE_CASES):
        m = models[len(NUMBER_CASES) + j]
        m["createdAt"] = created
        if modified is not None:
            m["lastModified"] = modified
    return models


def _models() -> list[dict]:
    models = make_models(60, seed=17, sentinel_share=0.0)
    for m in models:
        m["private"] = False
    return models


def _stats(db: str, *args: str) -> list[dict]:
    out = runner.invoke(app, ["stats", *args, "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_out_of_range_values_are_warnings_and_every_page_is_stored(db: str, tmp_path: Path) -> None:
    good = _models()
    served = _bad_hub(good)
    with FakeHub(served) as hub:
        result = crawl(HuggingFaceSource(hub.url, page_size=10), db)
    assert result.status == "complete", result.error
    [run] = runs(db)
    expected = sum(c[-1] for c in NUMBER_CASES) + sum(c[-1] for c in DATE_CASES)
    assert run["pages"] == 6 and run["models"] == len(served)
    assert run["warnings"] == result.counters.warnings == expected
    samples = run["warning_samples"]
    assert len(samples) == min(20, expected)

    rows = query(
        db,
        "SELECT key, downloads, downloads_all_time, likes, created_at, created_at_quality, last_modified "
        "FROM models",
    )
    cols = ["downloads", "downloads_all_time", "likes", "created_at", "created_at_quality", "last_modified"]
    by_key = {r[0]: dict(zip(cols, r[1:], strict=True)) for r in rows}
    columns = {"downloads": "downloads", "downloads_all_time": "downloadsAllTime", "likes": "likes"}
    for i, (_, value, column, stored, _) in enumerate(NUMBER_CASES):
        row = by_key[served[i]["_id"]]
        assert row[column] == stored, (value, row)
        for other, field in columns.items():  # the model's other numbers are stored as sent
            if other != column:
                assert row[other] == served[i][field], (value, other)
        assert row["created_at_quality"] == "exact"
    for j, (created, modified, stored_at, quality, _) in enumerate(DATE_CASES):
        m = served[len(NUMBER_CASES) + j]
        row = by_key[m["_id"]]
        assert row["created_at"] == stored_at and row["created_at_quality"] == quality, (created, row)
        if modified is not None:
            kept = datetime.fromisoformat(modified)
            assert row["last_modified"] == (None if kept.year == 1 and kept.utcoffset() else kept)
        assert row["downloads"] == m["downloads"] and row["likes"] == m["likes"]
    for m in good[len(NUMBER_CASES) + len(DATE_CASES) :]:  # the untouched models are complete
        assert by_key[m["_id"]]["downloads"] == m["downloads"]
        assert by_key[m["_id"]]["created_at_quality"] == "exact"

    # each warning names the model, the field and the value, shortened
    first = served[0]
    assert any(s.startswith(f"{first['id']}: downloads={2**70}") for s in samples), samples
    assert any(f"{served[2]['id']}: downloads=1e+300" in s for s in samples), samples
    assert any(s.startswith(f"{served[3]['id']}: downloads=<an integer of 4001 bits> ") for s in samples)
    assert all(len(s) < 400 for s in samples)
    year1 = served[len(NUMBER_CASES)]
    assert any(s.startswith(f"{year1['id']}: created_at=0001-01-01T00:00:00+00:00") for s in samples)

    # no statistic counts a flagged date in a year or a month; the flagged models are 'unknown'
    flagged = sum(1 for c in DATE_CASES if c[3] == "out_of_range")
    for by in ("year", "month"):
        additions = _stats(db, "additions", "--by", by)
        periods = {r["period"]: r["models"] for r in additions if r["hub"] == "huggingface"}
        assert periods.pop("unknown") == flagged, additions
        assert all(p[:4] >= "2000" and p[:4] <= str(datetime.now(UTC).year) for p in periods), periods
        assert sum(periods.values()) == len(served) - flagged
    exclusivity = _stats(db, "exclusivity", "--by", "year")
    unknown = [r for r in exclusivity if r["hub"] == "huggingface" and r["period"] == "unknown"]
    assert unknown and sum(r["models"] for r in unknown) == flagged
    assert not {r["period"] for r in exclusivity} & {"1", "0001", "1999", "9999"}

    # readers of year-1 and year-9999 dates do not fail: history, sql, the Parquet export
    year9999 = served[len(NUMBER_CASES) + 1]
    for model in (year1, year9999):
        out = runner.invoke(app, ["history", model["id"], "--db", db, "--format", "json"])
        assert out.exit_code == 0, out.output
    out = runner.invoke(
        app,
        ["sql", "SELECT created_at FROM models WHERE created_at_quality = 'out_of_range' ORDER BY 1",
         "--db", db, "--format", "json"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    shown = [r["created_at"] for r in json.loads(out.stdout)]
    assert shown[0] == "0001-01-01T00:00:00+00:00" and shown[3] == "9999-12-31T23:59:59.999000+00:00", shown
    assert shown[4:] == [None, None]
    out = runner.invoke(app, ["export", str(tmp_path / "parquet"), "--db", db])
    assert out.exit_code == 0, out.output
    exported = query(
        db,
        "SELECT year(created_at), created_period, created_month FROM read_parquet(?, hive_partitioning = true) "
        "WHERE created_at_quality = 'out_of_range' ORDER BY 1",
        [str(tmp_path / "parquet" / "models" / "*" / "*" / "*.parquet")],
    )
    assert [r[0] for r in exported] == [1, 1999, datetime.fromisoformat(SOON).year, 9999, None, None]
    assert {r[1:] for r in exported} == {("unknown", "unknown")}


def test_the_resume_after_a_bad_page_does_not_fail_again(db: str) -> None:
    """A bad value on a deep page: the run completes on the first attempt (no failed run to resume)."""
    models = _models()
    models[-1]["downloads"] = 2**70  # the last page
    models[-2]["createdAt"] = "9999-12-31T23:59:59.000Z"
    with FakeHub(models) as hub:
        first = crawl(HuggingFaceSource(hub.url, page_size=10), db)
        second = crawl(HuggingFaceSource(hub.url, page_size=10), db)
    assert first.status == second.status == "complete", (first.error, second.error)
    assert [r["status"] for r in runs(db)] == ["complete", "complete"]
    assert [r["warnings"] for r in runs(db)] == [2, 2]  # warned each night it is sent


def test_a_later_night_with_good_values_replaces_the_nulls(db: str) -> None:
    good = _models()
    served = _bad_hub(good)
    with FakeHub(served) as hub:
        assert crawl(HuggingFaceSource(hub.url, page_size=10), db).status == "complete"
        hub.set_models(good)  # the Hub fixed its numbers and dates
        result = crawl(HuggingFaceSource(hub.url, page_size=10), db)
    assert result.status == "complete", result.error
    assert result.counters.warnings == 0
    stored = {
        r[0]: r[1:]
        for r in query(
            db, "SELECT key, downloads, downloads_all_time, likes, created_at, created_at_quality FROM models"
        )
    }
    for m in good:
        assert stored[m["_id"]] == (
            m["downloads"],
            m["downloadsAllTime"],
            m["likes"],
            datetime.fromisoformat(m["createdAt"]),
            "exact",
        ), m["id"]
    # the NULL of the first night stays in the history; the good value follows it
    key = served[0]["_id"]
    history = query(
        db,
        "SELECT l.downloads FROM model_counters_log l JOIN models m USING (mid) WHERE m.key = ? ORDER BY l.run_id",
        [key],
    )
    assert history == [(None,), (good[0]["downloads"],)]
    additions = _stats(db, "additions", "--by", "year")
    periods = {r["period"]: r["models"] for r in additions if r["hub"] == "huggingface"}
    assert "unknown" not in periods and sum(periods.values()) == len(good)


FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, timeout=5.0)


@pytest.mark.parametrize(
    ("field", "value", "likes"),
    [
        ("voteCount", 2**70, None),
        ("voteCount", "9223372036854775808", None),
        ("voteCount", math.nan, None),
        ("voteCount", 12.5, None),
        ("voteCount", "42", 42),  # proto JSON may send a number as a string
    ],
)
def test_kaggle_out_of_range_counts_and_dates_are_warnings(
    db: str, tmp_path: Path, field: str, value: Any, likes: int | None
) -> None:
    """Kaggle shares the check: its vote count (stored as likes; proto JSON may send int64 as a string)
    and its publish time (year 9999) are checked against the same columns."""
    models = make_kaggle_models(12, seed=21, hidden_share=0.0, strip_share=0.0, unknown_every=10**9)
    target, dated, year0 = models[0], models[1], models[2]
    target[field] = value
    dated["publishTime"] = "9999-12-31T23:59:59Z"
    year0["updateTime"] = "0001-01-01T00:00:00+02:00"  # year 0 in UTC: NULL and a warning
    with FakeKaggle(models) as fake:
        credentials = KaggleCredentials("bearer", fake.token or "", origin="test")
        result = crawl(KaggleSource(fake.url, credentials, policy=FAST), db)
    assert result.status == "complete", result.error
    assert result.counters.warnings == (1 if likes is None else 0) + 2
    rows = dict(
        (r[0], r[1:])
        for r in query(db, "SELECT key, likes, created_at, created_at_quality, last_modified FROM models")
    )
    assert rows[str(year0["id"])][3] is None and rows[str(year0["id"])][2] == "exact"
    assert rows[str(target["id"])][0] == likes
    assert rows[str(dated["id"])][1:3] == (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "out_of_range")
    additions = _stats(db, "additions", "--hub", "kaggle")
    assert {r["period"]: r["models"] for r in additions}.get("unknown") == 1


def test_hf_dates_oldest_commits_before_2000_are_not_creation_dates(db: str) -> None:
    """``zoo crawl hf-dates`` reads commit dates too: one of year 1 or 1970 dates no repo (quality
    out_of_range, no date, the model stays 'legacy', not asked again), and nothing fails."""
    models = make_models(120, seed=23, sentinel_share=0.3)
    for m in models:  # a gated repo's commits are refused without a token, as on the Hub: none here
        m["gated"] = False
    old = [m for m in models if is_legacy(m)]
    year1, epoch = old[0], old[1]
    year1["_first_date"] = "0001-01-01T00:00:00.000Z"
    epoch["_first_date"] = "1970-01-01T00:00:00.000Z"
    with FakeHub(models) as hub:
        assert crawl(HuggingFaceSource(hub.url), db).status == "complete"
        result = crawl(HuggingFaceDatesSource(hub.url, policy=replace(DATES_POLICY, backoff_base=0.05)), db)
        asked = len(hub.commit_requests())
        again = crawl(HuggingFaceDatesSource(hub.url, policy=replace(DATES_POLICY, backoff_base=0.05)), db)
        assert len(hub.commit_requests()) == asked  # settled: not asked again
    assert result.status == again.status == "complete", (result.error, again.error)
    rows = {
        r[0]: r[1:]
        for r in query(db, "SELECT key, created_at, created_at_quality, commit_date FROM hf_first_commits")
    }
    assert rows[year1["_id"]] == (None, "out_of_range", datetime(1, 1, 1, tzinfo=UTC))
    assert rows[epoch["_id"]] == (None, "out_of_range", datetime(1970, 1, 1, tzinfo=UTC))
    assert sum(1 for r in rows.values() if r[1] == "first_commit") == len(old) - 2
    [(samples,)] = query(db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'")[:1]
    assert any(year1["id"] in s and "before 2000-01-01" in s for s in samples), samples
    periods = {r["period"]: r["models"] for r in _stats(db, "additions", "--hub", "hf")}
    assert periods["legacy"] == 2 and not {"1", "0001", "1970"} & set(periods)
