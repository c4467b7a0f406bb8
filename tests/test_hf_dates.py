"""``zoo crawl hf-dates``: the legacy cohort of the Hugging Face listing dated by each repo's first commit,
against the fake Hub's commits endpoint (pages, ``X-Total-Count``, ``Link``, 307 for old names, 404s,
429s and ``RateLimit``), with the statistics checked against the fake's hidden creation dates."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import httpx2
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from crawler import report
from crawler.cli import app
from crawler.crawl import crawl
from crawler.export import export
from crawler.report.formatting import fmt_pct
from crawler.sources.base import Meter
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.huggingface_dates import HuggingFaceDatesSource, nightly_budget
from crawler.store import connect, staging_path
from tests.clock import VirtualClock
from tests.fakes.faults import spawn_zoo, zoo, zoo_env
from tests.fakes.hub import SENTINEL, FakeHub, Faults, commit_history, make_models, true_created_at

runner = CliRunner()


def legacy(models: list[dict]) -> list[dict]:
    return [m for m in models if m["createdAt"] == SENTINEL]


def crawl_hf(hub: FakeHub, db: str) -> None:
    result = crawl(HuggingFaceSource(hub.url, backoff_base=0.05, json_retry_wait=0.05), db)
    assert result.status == "complete", result.error


def dates(hub: FakeHub, db: str, meter: Meter | None = None, **kw: Any) -> tuple[Any, HuggingFaceDatesSource]:
    source = HuggingFaceDatesSource(hub.url, backoff_base=0.05, json_retry_wait=0.05, **kw)
    return crawl(source, db, meter=meter), source


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def additions(db: str, *extra: str) -> dict[str, int]:
    result = invoke("stats", "additions", "--hub", "hf", "--db", db, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return {r["period"]: r["models"] for r in json.loads(result.stdout)}


def true_years(models: list[dict]) -> Counter[str]:
    """Each model's creation year, from the fake's own hidden dates (not from zoo)."""
    return Counter(str(true_created_at(m).year) for m in models)


def query(db: str, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def first_commits(db: str) -> dict[str, tuple]:
    rows = query(
        db,
        "SELECT key, created_at, created_at_quality, commit_title, total_commits, requests, run_id "
        "FROM hf_first_commits",
    )
    return {r[0]: r[1:] for r in rows}


# -------------------------------------------------------------------------------------------- the fake


def test_the_fake_serves_commits_like_the_hub() -> None:
    models = make_models(400, seed=5, sentinel_share=0.5)
    old = legacy(models)
    old[0]["_commits"] = 2500
    with FakeHub(models, faults=Faults()) as hub:
        m = old[0]
        base = f"{hub.url}/api/models/{m['id']}/commits"
        r = httpx2.get(f"{base}/{m['sha']}", params={"limit": 1000})
        assert r.status_code == 200 and r.headers["x-total-count"] == "2500" and len(r.json()) == 1000
        assert r.json()[0]["id"] == m["sha"]  # newest first: the head is the listing's sha
        assert set(r.json()[0]) == {"id", "title", "message", "authors", "date"}
        nxt = r.links["next"]["url"]
        assert nxt.startswith(hub.url + "/") and "p=1" in nxt and "limit=1000" in nxt  # absolute
        last = httpx2.get(f"{base}/main", params={"limit": 1000, "p": 2})
        assert len(last.json()) == 500 and "next" not in last.links
        oldest = last.json()[-1]
        assert oldest["title"] == "initial commit" and oldest["authors"][0]["user"] == "system"
        assert datetime.fromisoformat(oldest["date"]) == true_created_at(m) < datetime.fromisoformat(SENTINEL)
        dates_ = [c["date"] for c in commit_history(m)]
        assert dates_ == sorted(dates_, reverse=True)
        assert httpx2.get(f"{base}/main", params={"limit": 1001}).status_code == 400
        assert httpx2.get(f"{base}/main").json() == commit_history(m)[:50]  # default limit
        gone = httpx2.get(f"{hub.url}/api/models/nobody/nothing/commits/main")
        assert (gone.status_code, gone.headers["x-error-code"]) == (404, "RepoNotFound")
        bad = httpx2.get(f"{base}/{'0' * 40}")
        assert (bad.status_code, bad.headers["x-error-code"]) == (404, "RevisionNotFound")
        # a rename keeps the _id: the old name answers 307 to the new one, query kept
        renamed = {**m, "id": "someone/new-name"}
        hub.set_models([renamed if x is m else x for x in models])
        moved = httpx2.get(f"{base}/main", params={"limit": 5})
        assert moved.status_code == 307
        assert moved.headers["location"] == "/api/models/someone/new-name/commits/main?limit=5"
        # one quota for the listing and the commits
        hub.faults.quota = (2, 60)
        hub._window_count = 0
        assert httpx2.get(f"{hub.url}/api/models").status_code == 200
        assert httpx2.get(f"{hub.url}/api/models/someone/new-name/commits/main").status_code == 200
        limited = httpx2.get(f"{hub.url}/api/models/someone/new-name/commits/main")
        assert limited.status_code == 429 and limited.headers["ratelimit"].startswith('"api";r=0;t=')
    # hidden dates follow the real cohort: 2018-11 to the placeholder, mostly 2021
    years = true_years(make_models(4000, seed=1, sentinel_share=1.0))
    assert set(years) <= {"2018", "2019", "2020", "2021", "2022"} and years.most_common(1)[0][0] == "2021"


# ----------------------------------------------------------------------------------------- done when


def test_each_legacy_model_gets_its_first_commit_year_with_about_one_request_each(db: str) -> None:
    models = make_models(2000, seed=12, sentinel_share=0.3)
    old = legacy(models)
    old[3]["_commits"] = 1000  # exactly one page
    old[5]["_commits"] = 2001  # three pages: the first commit is alone on page 2
    with FakeHub(models) as hub:
        assert invoke("crawl", "hf", "--hf-endpoint", hub.url, "--db", db).exit_code == 0
        before = additions(db)
        assert before["legacy"] == len(old) and "2019" not in before
        listing_requests = len(hub.requests)
        result = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = hub.commit_requests()
        commit_statuses = [s for _, s in hub.requests[listing_requests:]]
    assert result.exit_code == 0, result.output
    assert "huggingface-dates: run 2 complete" in result.output
    assert f"{len(old):,} models dated" in result.output
    assert "0 Hugging Face models not yet dated" in result.output
    # only the legacy models were asked, each once, plus one request for the repo of 2,001 commits
    assert Counter(asked) == Counter({m["id"]: 1 for m in old}) + Counter({old[5]["id"]: 1})
    assert commit_statuses == [200] * (len(old) + 1)
    got = additions(db)
    assert "legacy" not in got
    assert got == dict(true_years(models))
    by_month = additions(db, "--by", "month")
    assert by_month == dict(Counter(true_created_at(m).strftime("%Y-%m") for m in models))
    rows = first_commits(db)
    assert {k: v[0] for k, v in rows.items()} == {m["_id"]: true_created_at(m) for m in old}
    assert {v[1] for v in rows.values()} == {"first_commit"}
    assert rows[old[5]["_id"]][3:5] == (2001, 2) and rows[old[3]["_id"]][3:5] == (1000, 1)
    assert sum(v[4] for v in rows.values()) == len(old) + 1  # requests per model, as stored
    # the run is a run like any other: provenance, counters, and no note about legacy left
    [run] = query(
        db, "SELECT status, requests, items, params FROM crawl_runs WHERE source = 'huggingface-dates'"
    )
    assert run[:3] == ("complete", len(old) + 1, len(old))
    assert json.loads(run[3])["path"] == "/api/models/{repo_id}/commits/{revision}"
    assert "legacy:" not in invoke("stats", "additions", "--db", db).stderr
    hubs = json.loads(invoke("stats", "hubs", "--db", db, "--format", "json").stdout)
    assert "huggingface-dates" not in {h["hub"] for h in hubs}  # an enrichment, not a hub


def test_a_second_run_asks_nothing_and_a_second_listing_night_keeps_the_dates(db: str) -> None:
    models = make_models(600, seed=4, sentinel_share=0.4)
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        first, _ = dates(hub, db)
        assert first.status == "complete"
        stored = first_commits(db)
        asked = len(hub.commit_requests())
        again, source = dates(hub, db)
        assert again.status == "complete" and len(hub.commit_requests()) == asked  # nothing asked again
        assert again.counters.requests == 0 and source.tally.asked == 0
        crawl_hf(hub, db)  # the next night's listing writes the placeholder again
        after_listing = additions(db)
        third, _ = dates(hub, db)
        assert len(hub.commit_requests()) == asked and third.counters.requests == 0
    assert first_commits(db) == stored  # never rewritten, not even their run ids
    assert after_listing == dict(true_years(models)) == additions(db)
    placeholders = query(
        db,
        "SELECT count(*) FROM models WHERE created_at_quality = 'sentinel' "
        "AND created_at = TIMESTAMPTZ '2022-03-02 23:29:04+00'",
    )
    assert placeholders == [(len(legacy(models)),)]  # the listing's own value stays what the Hub says


def test_models_that_are_not_legacy_or_not_public_are_never_asked(db: str) -> None:
    models = make_models(300, seed=9, sentinel_share=0.5)
    old = legacy(models)
    old[0]["private"], old[0]["author"] = True, "owner"
    with FakeHub(models, tokens={"hf_owner": "owner"}) as hub:
        # the listing sees the private repo, as its owner does
        listing = HuggingFaceSource(hub.url, token="hf_owner", backoff_base=0.05, json_retry_wait=0.05)
        assert crawl(listing, db).status == "complete"
        assert query(db, "SELECT count(*) FROM models WHERE private")[0] == (1,)
        result, _ = dates(hub, db, token="hf_owner")
        assert result.status == "complete"
        asked = set(hub.commit_requests())
    assert asked == {m["id"] for m in old[1:]}
    assert not asked & {m["id"] for m in models if m["createdAt"] != SENTINEL}


# -------------------------------------------------------------------------------------------- budget


def test_a_budget_ends_the_run_complete_and_the_next_run_goes_on(db: str) -> None:
    models = make_models(500, seed=6, sentinel_share=0.2)
    old = sorted(legacy(models), key=lambda m: m["_id"])  # the work list's order
    old[11]["_commits"] = 1500  # needs two requests: the 12th model of the first run
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        result = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, "--max-requests", "12")
        first = hub.commit_requests()
        assert result.exit_code == 0, result.output
        assert "12 requests" in result.output and "stopped at its budget of 12 requests" in result.output
        # 11 models dated; the 12th got its first page, then the budget ended the run before its second
        assert first == [m["id"] for m in old[:12]]
        assert f"{len(old) - 11:,} Hugging Face models not yet dated" in result.output
        assert set(first_commits(db)) == {m["_id"] for m in old[:11]}
        assert additions(db)["legacy"] == len(old) - 11
        second = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, "--max-requests", "20")
        asked = hub.commit_requests()[len(first) :]
    assert second.exit_code == 0, second.output
    assert asked[:3] == [old[11]["id"], old[11]["id"], old[12]["id"]]  # the unfinished one again, whole
    assert not set(asked) & {m["id"] for m in old[:11]}  # nothing dated is asked again
    assert len(asked) == 20 and len(first_commits(db)) == 11 + 19
    [(status,)] = query(db, "SELECT status FROM crawl_runs WHERE run_id = 3")
    assert status == "complete"


def test_the_nightly_budget_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert nightly_budget() == 2000
    monkeypatch.setenv("ZOO_HF_DATES_BUDGET", "150")
    assert nightly_budget() == 150
    monkeypatch.setenv("ZOO_HF_DATES_BUDGET", "lots")
    with pytest.raises(ValueError, match="ZOO_HF_DATES_BUDGET must be a whole number"):
        nightly_budget()


def test_crawl_all_dates_after_the_listing_within_its_budget(db: str, tmp_path: Path) -> None:
    models = make_models(400, seed=14, sentinel_share=0.3)
    env = {
        "ZOO_HF_DATES_BUDGET": "9",
        "ZOO_PYTORCH_HUB_REPO": str(tmp_path / "no-such-catalog"),
        "ZOO_TF_HUB_REPO": str(tmp_path / "no-such-catalog"),
    }
    with FakeHub(models, faults=Faults()) as hub:
        result = invoke("crawl", "all", "--hf-endpoint", hub.url, "--db", db, env=env)
        assert len(hub.commit_requests()) == 9
        lines = result.stdout.strip().splitlines()
        dated = [line for line in lines if line.startswith("huggingface-dates:")]
        assert dated[0].startswith("huggingface-dates: run 4 complete") and "9 requests" in dated[0]
        assert "stopped at its budget of 9 requests" in dated[1]
        assert f"{len(legacy(models)) - 9:,} Hugging Face models not yet dated" in dated[1]
        assert lines[-1] == "zoo crawl all: 2 hub(s) failed: pytorch-hub, tf-hub"  # the catalogs, not it
        # a night whose listing fails dates nothing
        hub.faults.bad_json_always = True
        failed = invoke("crawl", "all", "--hf-endpoint", hub.url, "--db", db, env=env)
        assert len(hub.commit_requests()) == 9
    assert "huggingface-dates: skipped — the huggingface crawl did not complete tonight" in failed.stdout


# ---------------------------------------------------------------------------------- resume after kill -9


def staged_keys(db: str) -> set[str]:
    """The keys a (killed) hf-dates run saved in its staging file, read from a copy."""
    stage = staging_path(db, "huggingface-dates")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "stage.duckdb"
        shutil.copyfile(stage, copy)
        if Path(str(stage) + ".wal").exists():
            shutil.copyfile(str(stage) + ".wal", str(copy) + ".wal")
        con = duckdb.connect(str(copy))
        try:
            rows = con.execute("SELECT json_extract_string(row_json, '$.key') FROM stage_children").fetchall()
        finally:
            con.close()
    return {r[0] for r in rows}


def test_kill_9_then_resume_asks_no_dated_model_again(db: str) -> None:
    models = make_models(1000, seed=15, sentinel_share=0.3)
    old = legacy(models)
    by_key = {m["_id"]: m["id"] for m in old}
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        hub.faults.latency = 0.02
        proc = spawn_zoo("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        deadline = time.monotonic() + 60
        while len(hub.commit_requests()) < 110 and time.monotonic() < deadline:  # four pages and more
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        before = hub.commit_requests()
        saved = staged_keys(db)
        assert len(saved) >= 75 and len(saved) % 25 == 0  # whole pages of 25 were saved
        hub.faults.latency = 0.0
        resumed = zoo("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, env=zoo_env())
        after = hub.commit_requests()[len(before) :]
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resumed" in resumed.stdout
    assert not set(after) & {by_key[k] for k in saved}  # nothing saved is asked again
    again = set(after) & set(before)
    assert len(again) <= 2 * 25  # at most the page being stored and the one fetched ahead
    assert sorted(before[: len(saved)]) == sorted(by_key[k] for k in saved)
    assert set(before) | set(after) == set(by_key.values())
    rows = first_commits(db)
    assert len(rows) == len(old) and {k: v[0] for k, v in rows.items()} == {
        m["_id"]: true_created_at(m) for m in old
    }
    [run] = query(db, "SELECT status, resumed FROM crawl_runs WHERE source = 'huggingface-dates'")
    assert run == ("complete", True)


# ----------------------------------------------------------------------------------- odd answers


def test_gone_and_renamed_repos_never_crash_and_never_get_a_wrong_date(db: str) -> None:
    models = make_models(300, seed=16, sentinel_share=0.4)
    old = sorted(legacy(models), key=lambda m: m["_id"])
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        # after the listing: two repos renamed (one twice), two deleted
        gone = {old[1]["id"], old[4]["id"]}
        renamed = {old[2]["_id"]: "new-owner/renamed", old[7]["_id"]: "again/renamed-twice"}
        hub.set_models([{**m, "id": renamed.get(m["_id"], m["id"])} for m in models if m["id"] not in gone])
        hub.set_models([{**m, "id": "third/name"} if m["_id"] == old[7]["_id"] else m for m in hub.models])
        result = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = hub.commit_requests()
    assert result.exit_code == 0, result.output
    assert "2 gone (404)" in result.output and "2 renamed (redirect followed)" in result.output
    assert "2 Hugging Face models not yet dated" in result.output  # the gone ones, until deleted
    assert asked.count("new-owner/renamed") == 1 and asked.count("third/name") == 1
    rows = first_commits(db)
    assert set(rows) == {m["_id"] for m in old} - {old[1]["_id"], old[4]["_id"]}
    assert rows[old[2]["_id"]][0] == true_created_at(old[2])  # the renamed repo's own date
    assert rows[old[7]["_id"]][0] == true_created_at(old[7])
    [(warnings, samples)] = query(
        db, "SELECT warnings, warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'"
    )
    text = "\n".join(samples)
    assert warnings == 4
    assert f"{old[1]['id']}: gone (404 RepoNotFound): not dated" in text
    assert f"{old[2]['id']}: renamed: the Hub answered 307 to new-owner/renamed; followed" in text
    assert additions(db)["legacy"] == 2


class ForeignRedirectHub(FakeHub):
    """Redirects one repo's commits to another host, as a compromised or odd proxy might."""

    victim = ""

    def commits_page(self, path: str, query: dict[str, list[str]], user: str | None = None):
        if path.startswith(f"/api/models/{self.victim}/commits/"):
            return 307, {}, None, {"Location": "http://elsewhere.invalid/api/models/x/commits/main"}
        return super().commits_page(path, query, user)


def test_a_redirect_off_the_endpoint_is_not_followed(db: str) -> None:
    models = make_models(200, seed=17, sentinel_share=0.3)
    victim = legacy(models)[0]
    with ForeignRedirectHub(models) as hub:
        hub.victim = victim["id"]
        crawl_hf(hub, db)
        result, source = dates(hub, db)
    assert result.status == "complete" and source.tally.refused == 1
    assert victim["_id"] not in first_commits(db) and len(first_commits(db)) == len(legacy(models)) - 1
    [samples] = query(db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'")[0]
    assert any("redirected to http://elsewhere.invalid" in s and "not followed" in s for s in samples)


class NoTotalHub(FakeHub):
    """Sends no ``X-Total-Count`` (an odd server): only the ``Link`` pages lead to the first commit;
    ``foreign`` makes one repo's next link point at another host."""

    foreign = ""

    def commits_page(self, path: str, query: dict[str, list[str]], user: str | None = None):
        code, body, link, headers = super().commits_page(path, query, user)
        headers.pop("X-Total-Count", None)
        if link and self.foreign and path.startswith(f"/api/models/{self.foreign}/commits/"):
            link = link.replace(self.url, "http://elsewhere.invalid:8080")
        return code, body, link, headers


def test_without_a_total_the_link_pages_are_followed_on_the_endpoint_only(db: str) -> None:
    models = make_models(200, seed=26, sentinel_share=0.3)
    old = legacy(models)
    long, odd = old[0], old[1]
    long["_commits"] = 2300
    odd["_commits"] = 1200
    with NoTotalHub(models) as hub:
        hub.foreign = odd["id"]
        crawl_hf(hub, db)
        result, source = dates(hub, db)
        asked = Counter(hub.commit_requests())
    assert result.status == "complete" and source.tally.refused == 1
    assert asked[long["id"]] == 3 and asked[odd["id"]] == 1  # three pages; the foreign link not followed
    rows = first_commits(db)
    assert rows[long["_id"]][:2] == (true_created_at(long), "first_commit") and rows[long["_id"]][3] is None
    assert odd["_id"] not in rows and len(rows) == len(old) - 1
    [samples] = query(db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'")[0]
    assert any("Link leads to http://elsewhere.invalid:8080" in s for s in samples)


def test_an_oldest_commit_that_is_not_the_initial_one(db: str) -> None:
    models = make_models(300, seed=18, sentinel_share=0.3)
    old = legacy(models)
    pushed, squashed = old[0], old[1]
    pushed.update(_first_title="Upload folder using huggingface_hub", _created="2020-06-01T10:00:00.000Z")
    squashed.update(_first_title="Super-squash branch 'main'", _first_date="2023-05-01T00:00:00.000Z")
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        result = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = len(hub.commit_requests())
        again = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        assert len(hub.commit_requests()) == asked  # the undatable one is not asked again either
    assert result.exit_code == 0 and again.exit_code == 0
    assert "(" + f"{len(old) - 2:,} by their initial commit, 1 by an older commit)" in result.output
    assert "1 with a history rewritten after 2022-03-02" in result.output
    rows = first_commits(db)
    assert rows[pushed["_id"]][:3] == (
        datetime(2020, 6, 1, 10, tzinfo=timezone.utc),
        "oldest_commit",
        "Upload folder using huggingface_hub",
    )
    assert rows[squashed["_id"]][:2] == (None, "after_placeholder")
    got = additions(db)
    expected = true_years([m for m in models if m is not squashed])
    assert got == {"legacy": 1, **expected}  # the pushed one in 2020, the squashed one still legacy
    notes = invoke("stats", "additions", "--db", db).stderr
    assert "legacy: 1 Hugging Face models cannot be dated (a history rewritten after 2022-03-02)" in notes
    # the odd ones are named in the run's warnings
    [samples] = query(db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'")[0]
    assert any(pushed["id"] in s and "not 'initial commit'" in s for s in samples)
    assert any(squashed["id"] in s and "after the placeholder" in s for s in samples)


def test_a_revision_the_repo_no_longer_has_is_asked_again_after_the_next_listing(db: str) -> None:
    models = make_models(200, seed=19, sentinel_share=0.3)
    victim = legacy(models)[0]
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        rewritten = {**victim, "sha": "f" * 40}  # history rewritten after the listing: a new head
        hub.set_models([rewritten if m is victim else m for m in models])
        result, source = dates(hub, db)
        assert result.status == "complete" and source.tally.revision_missing == 1
        assert victim["_id"] not in first_commits(db)
        crawl_hf(hub, db)  # the next listing brings the new sha
        dates(hub, db)
    assert first_commits(db)[victim["_id"]][:2] == (true_created_at(victim), "first_commit")


# ---------------------------------------------------------------------------------------- rate limits


def test_ratelimit_is_paced_and_a_429_waited_out(db: str, clock: VirtualClock) -> None:
    """In virtual time (tests/clock.py), which the fake's quota windows share."""
    models = make_models(60, seed=20, sentinel_share=0.2)
    n = len(legacy(models))
    assert n >= 9
    with FakeHub(models, faults=Faults()) as hub:
        hub.clock = clock.monotonic
        crawl_hf(hub, db)
        hub.faults.quota = (4, 2)  # four requests per 2 s window, announced on every answer
        hub._window_count = 0
        meter = Meter()
        started = clock.monotonic()
        result, _ = dates(hub, db, meter=meter)
        elapsed = clock.monotonic() - started
        statuses = [s for _, s in hub.requests[1:]]
    assert result.status == "complete", result.error
    assert statuses == [200] * n  # paced: no 429 provoked
    # the first window may have begun before the first request; every later one is waited out whole
    assert meter.paced >= math.ceil(n / 4) - 1 and elapsed >= 2 * (math.ceil(n / 4) - 2)
    assert len(clock.waits) == meter.paced and all(0 < w <= 2.0 for w in clock.waits)
    assert len(first_commits(db)) == n

    db2 = db + "-2"
    with FakeHub(models, faults=Faults()) as hub:
        crawl_hf(hub, db2)
        hub.faults.status_next.extend([429])  # an unannounced 429: RateLimit r=0;t=1
        meter = Meter()
        clock.waits.clear()
        result, _ = dates(hub, db2, meter=meter)
        statuses = [s for _, s in hub.requests[1:]]
    assert result.status == "complete" and statuses[:2] == [429, 200] and len(statuses) == n + 1
    assert clock.waits == [2.0] and meter.rate_limited == 1  # t + 1 s, as huggingface_hub waits
    assert result.counters.requests == n + 1


def test_a_lasting_5xx_fails_the_run_and_the_next_one_resumes(db: str) -> None:
    models = make_models(300, seed=21, sentinel_share=0.3)
    with FakeHub(models, faults=Faults()) as hub:
        crawl_hf(hub, db)
        hub.faults.error_rate = 1.0
        source = HuggingFaceDatesSource(hub.url, backoff_base=0.01, max_retries=1)
        failed = crawl(source, db, prefetch=False)
        assert failed.status == "failed" and "503" in (failed.error or "")
        hub.faults.error_rate = 0.0
        result, _ = dates(hub, db)
    assert result.status == "complete" and result.resumed
    assert len(first_commits(db)) == len(legacy(models))


# -------------------------------------------------------------------------------------- the statistics


def test_statistics_move_dated_models_out_of_legacy_and_say_how_many_are_left(db: str) -> None:
    models = make_models(800, seed=22, sentinel_share=0.3)
    old = sorted(legacy(models), key=lambda m: m["_id"])
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        before = invoke("stats", "exclusivity", "--by", "year", "--db", db)
        assert f"legacy: {len(old):,} Hugging Face models not yet dated (run `zoo crawl hf-dates`)" in (
            before.stderr
        )
        assert "legacy:" not in invoke("stats", "exclusivity", "--db", db).stderr  # no periods, no note
        dates(hub, db, max_requests=100)
    dated, undated = old[:100], old[100:]
    got = additions(db)
    assert got["legacy"] == len(undated)
    assert {p: n for p, n in got.items() if p != "legacy"} == dict(
        true_years([m for m in models if m["createdAt"] != SENTINEL] + dated)
    )
    for command in (("additions",), ("exclusivity", "--by", "month")):
        stderr = invoke("stats", *command, "--db", db).stderr
        assert (
            f"legacy: {len(undated):,} Hugging Face models not yet dated (run `zoo crawl hf-dates`)" in stderr
        )
    # exclusivity per year: the same per-year totals as additions
    rows = json.loads(invoke("stats", "exclusivity", "--by", "year", "--db", db, "--format", "json").stdout)
    totals = {r["period"]: r["denominator"] for r in rows}
    assert totals == got

    # the report's "added in 2022" rows say how much of the cohort is dated
    con = connect(db, read_only=True)
    try:
        rep = report.build_report(con, None, db)
    finally:
        con.close()
    claims = {c.claim: c for s in rep.sections for c in s.comparisons}
    added = claims["Hugging Face: PyTorch-exclusive models added in 2022 (tags)"]
    share = fmt_pct(len(dated) / len(old))
    assert f"100 of the {len(old):,} legacy models ({share}) are dated by their first commit" in (
        added.definition
    )
    cohort = claims["Hugging Face: legacy cohort, PyTorch-only / TensorFlow-only (tags)"]
    assert f"({len(undated):,} of the cohort of {len(old):,};" in cohort.definition


def set_finished(db: str, run_id: int, when: datetime) -> None:
    con = connect(db)
    try:
        con.execute(
            "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
            [when - timedelta(minutes=10), when, run_id],
        )
    finally:
        con.close()


def test_as_of_a_day_before_dating_uses_the_dates_known_now(db: str) -> None:
    night0 = make_models(500, seed=23, sentinel_share=0.3)
    newcomers = make_models(50, seed=24, sentinel_share=0.0)
    for i, m in enumerate(newcomers):
        m["_id"], m["id"] = f"ffff{i:020x}", f"late/model-{i}"
    with FakeHub(night0) as hub:
        crawl_hf(hub, db)
        set_finished(db, 1, datetime(2026, 11, 1, 3, tzinfo=timezone.utc))
        hub.add_models(newcomers)
        crawl_hf(hub, db)
        set_finished(db, 2, datetime(2026, 11, 2, 3, tzinfo=timezone.utc))
        dates(hub, db)
    then = additions(db, "--as-of", "2026-11-01")
    assert then == dict(true_years(night0))  # the night-0 models, with their true years
    assert additions(db) == dict(true_years(night0 + newcomers))


def test_the_export_carries_the_recovered_dates(db: str, tmp_path: Path) -> None:
    models = make_models(300, seed=25, sentinel_share=0.3)
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        dates(hub, db)
    con = connect(db, read_only=True)
    try:
        export(con, tmp_path / "out")
    finally:
        con.close()
    [file] = (tmp_path / "out" / "models" / "hub=huggingface").glob("snapshot_date=*/data.parquet")
    rows = {r["key"]: r for r in pq.read_table(file).to_pylist()}
    for m in legacy(models):
        row = rows[m["_id"]]
        assert row["created_at"] == true_created_at(m) and row["created_at_quality"] == "first_commit"
        assert row["created_period"] == str(true_created_at(m).year)
    assert Counter(r["created_period"] for r in rows.values()) == true_years(models)


def test_help_has_an_example() -> None:
    result = invoke("crawl", "hf-dates", "--help")
    assert result.exit_code == 0 and "Example: zoo crawl hf-dates" in result.output
    assert "--max-requests" in result.output and "--hf-endpoint" in result.output
