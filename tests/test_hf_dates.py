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
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

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
from crawler.sources._net import HF_POLICY
from crawler.sources.base import Meter
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.huggingface_dates import DATES_POLICY, HuggingFaceDatesSource, nightly_budget
from crawler.store import connect, staging_path
from tests.clock import VirtualClock
from tests.conftest import crawl_all_failed
from tests.fakes.faults import RecordingHub, spawn_zoo, zoo, zoo_env
from tests.fakes.hub import FakeHub, Faults, commit_history, is_legacy, true_created_at
from tests.fakes.hub import make_models as fake_models

runner = CliRunner()


def make_models(n: int, seed: int = 0, **kw: Any) -> list[dict]:
    """The fake's synthetic models, none of them gated: these tests are about dating; the commits of a
    gated repo are refused without a token, as on the Hub, and have tests of their own below."""
    models = fake_models(n, seed, **kw)
    for m in models:
        m["gated"] = False
    return models


def legacy(models: list[dict]) -> list[dict]:
    return [m for m in models if is_legacy(m)]


def crawl_hf(hub: FakeHub, db: str) -> None:
    result = crawl(
        HuggingFaceSource(hub.url, policy=replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)), db
    )
    assert result.status == "complete", result.error


def dates(hub: FakeHub, db: str, meter: Meter | None = None, **kw: Any) -> tuple[Any, HuggingFaceDatesSource]:
    source = HuggingFaceDatesSource(
        hub.url, policy=replace(DATES_POLICY, backoff_base=0.05, json_retry_wait=0.05), **kw
    )
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
    models = fake_models(400, seed=5, sentinel_share=0.5)
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
        assert (
            datetime.fromisoformat(oldest["date"])
            == true_created_at(m)
            < datetime.fromisoformat(m["createdAt"])
        )
        dates_ = [c["date"] for c in commit_history(m)]
        assert dates_ == sorted(dates_, reverse=True)
        assert httpx2.get(f"{base}/main", params={"limit": 1001}).status_code == 400
        assert httpx2.get(f"{base}/main").json() == commit_history(m)[:50]  # default limit
        # the error answers as the real Hub gave them (recorded answers, 2024-2026): anonymous, a missing
        # repo is 401 with no X-Error-Code; with a token it is 404 RepoNotFound
        gone = httpx2.get(f"{hub.url}/api/models/nobody/nothing/commits/main")
        assert gone.status_code == 401 and "x-error-code" not in gone.headers
        assert gone.headers["x-error-message"] == "Invalid username or password."
        assert gone.content == b'{"error":"Invalid username or password."}'
        signed_in = {"Authorization": "Bearer hf_any"}
        gone = httpx2.get(f"{hub.url}/api/models/nobody/nothing/commits/main", headers=signed_in)
        assert (gone.status_code, gone.headers["x-error-code"]) == (404, "RepoNotFound")
        bad = httpx2.get(f"{base}/{'0' * 40}")
        assert (bad.status_code, bad.headers["x-error-code"]) == (404, "RevisionNotFound")
        assert bad.json() == {"error": f"Invalid rev id: {'0' * 40}"}
        # a gated repo's commits: 401 GatedRepo anonymously, the message in the header and the body
        gated = next(x for x in models if x["gated"])
        shut = httpx2.get(f"{hub.url}/api/models/{gated['id']}/commits/main")
        assert (shut.status_code, shut.headers["x-error-code"]) == (401, "GatedRepo")
        assert shut.json() == {"error": shut.headers["x-error-message"]}
        assert shut.headers["x-error-message"].startswith(f"Access to model {gated['id']} is restricted.")
        # a rename keeps the _id: the old name answers 307 to the new one, relative, query kept, text body
        renamed = {**m, "id": "someone/new-name"}
        hub.set_models([renamed if x is m else x for x in models])
        moved = httpx2.get(f"{base}/main", params={"limit": 5})
        assert moved.status_code == 307
        assert moved.headers["location"] == "/api/models/someone/new-name/commits/main?limit=5"
        assert moved.headers["content-type"] == "text/plain; charset=utf-8"
        assert (
            moved.text
            == "Temporary Redirect. Redirecting to /api/models/someone/new-name/commits/main?limit=5"
        )
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
    models = make_models(800, seed=12, sentinel_share=0.3)
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
    models = make_models(300, seed=4, sentinel_share=0.4)
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
        "AND created_at IN (TIMESTAMPTZ '2022-03-02 23:29:04+00', TIMESTAMPTZ '2022-03-02 23:29:05+00')",
    )
    assert placeholders == [(len(legacy(models)),)]  # the listing's own value stays what the Hub says


def test_models_that_are_not_legacy_or_not_public_are_never_asked(db: str) -> None:
    models = make_models(300, seed=9, sentinel_share=0.5)
    old = legacy(models)
    old[0]["private"], old[0]["author"] = True, "owner"
    with FakeHub(models, tokens={"hf_owner": "owner"}) as hub:
        # the listing sees the private repo, as its owner does
        listing = HuggingFaceSource(
            hub.url, policy=replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05), token="hf_owner"
        )
        assert crawl(listing, db).status == "complete"
        assert query(db, "SELECT count(*) FROM models WHERE private")[0] == (1,)
        result, _ = dates(hub, db, token="hf_owner")
        assert result.status == "complete"
        asked = set(hub.commit_requests())
    assert asked == {m["id"] for m in old[1:]}
    assert not asked & {m["id"] for m in models if not is_legacy(m)}


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


def test_crawl_all_dates_after_the_listing_within_its_budget(
    db: str, tmp_path: Path, clock: VirtualClock
) -> None:
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
        set_up = ("huggingface", "pytorch-hub", "tf-hub", "kaggle")
        assert lines[-1] == crawl_all_failed("pytorch-hub", "tf-hub", set_up=set_up)  # the catalogs, not it
        # a night whose listing fails dates nothing
        hub.faults.bad_json_always = True
        waited = len(clock.waits)
        failed = invoke("crawl", "all", "--hf-endpoint", hub.url, "--db", db, env=env)
        assert len(hub.commit_requests()) == 9
        assert clock.waits[waited:] == [1.0, 2.0, 3.0]  # the bad bodies asked again (virtual waits)
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
    models = make_models(700, seed=15, sentinel_share=0.3)
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
        paths = [p for p, _ in hub.requests]
        # with a token the Hub says what an anonymous client is not told: the repo is not there (404)
        signed_in = invoke(
            "crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, env={"HF_TOKEN": "hf_x"}
        )
        again = hub.commit_requests()[len(asked) :]
    assert result.exit_code == 0, result.output
    # anonymous: a deleted repo answers 401 like a private one; counted, warned, asked again
    assert "2 missing or private (401 without a token; asked again)" in result.output
    assert "gone (404)" not in result.output
    assert "2 renamed (redirect followed)" in result.output
    assert "2 Hugging Face models not yet dated" in result.output  # the gone ones, until deleted
    assert asked.count("new-owner/renamed") == 1 and asked.count("third/name") == 1
    # the redirect's relative Location kept the query: the new name was asked for 1,000 commits too
    assert any(
        p.startswith("/api/models/new-owner/renamed/commits/") and p.endswith("?limit=1000") for p in paths
    )
    rows = first_commits(db)
    assert set(rows) == {m["_id"] for m in old} - {old[1]["_id"], old[4]["_id"]}
    assert rows[old[2]["_id"]][0] == true_created_at(old[2])  # the renamed repo's own date
    assert rows[old[7]["_id"]][0] == true_created_at(old[7])
    [(warnings, samples), _] = query(
        db,
        "SELECT warnings, warning_samples FROM crawl_runs WHERE source = 'huggingface-dates' ORDER BY run_id",
    )
    text = "\n".join(samples)
    assert warnings == 4
    assert (
        f"{old[1]['id']}: 401 no X-Error-Code (Invalid username or password.): missing or private, the Hub "
        "does not say which; not dated, asked again another night" in text
    )
    assert f"{old[2]['id']}: renamed: the Hub answered 307 to new-owner/renamed; followed" in text
    assert additions(db)["legacy"] == 2
    assert signed_in.exit_code == 0, signed_in.output
    assert sorted(again) == sorted(gone) and "2 gone (404)" in signed_in.output
    [(samples,)] = query(
        db,
        "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates' ORDER BY run_id DESC LIMIT 1",
    )
    assert f"{old[1]['id']}: gone (404 RepoNotFound): not dated" in "\n".join(samples)
    assert "hf_x" not in "\n".join(samples) + signed_in.output


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


def test_a_gated_repo_is_counted_without_a_token_and_dated_once_a_token_has_access(db: str) -> None:
    models = make_models(200, seed=27, sentinel_share=0.3)
    old = sorted(legacy(models), key=lambda m: m["_id"])
    gated, late = old[3], old[5]
    gated.update(gated="manual", _access=("alice",))  # gated when listed; alice may read it
    with FakeHub(models, tokens={"hf_alice": "alice"}) as hub:
        crawl_hf(hub, db)
        # gated after the listing (the listing said "false"); alice has not been granted access
        hub.set_models([{**m, "gated": "auto"} if m is late else m for m in models])
        anonymous = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = hub.commit_requests()
        statuses = {p.split("/commits/")[0]: s for p, s in hub.requests if "/commits/" in p}
        signed_in = invoke(
            "crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, env={"HF_TOKEN": "hf_alice"}
        )
        again = hub.commit_requests()[len(asked) :]
        statuses_again = {p.split("/commits/")[0]: s for p, s in hub.requests if "/commits/" in p}
    assert anonymous.exit_code == 0, anonymous.output
    # without a token the one the listing says is gated is not asked; the other answers 401 GatedRepo
    assert gated["id"] not in asked and statuses[f"/api/models/{late['id']}"] == 401
    assert "1 gated (not dated without a token with access; asked again)" in anonymous.output
    assert "1 gated, not asked without a token (dated once HF_TOKEN is set)" in anonymous.output
    assert "2 Hugging Face models not yet dated" in anonymous.output
    # not recorded as undatable: both are asked when a token is set; the one it may read is dated
    assert signed_in.exit_code == 0, signed_in.output
    assert again == [gated["id"], late["id"]]
    assert statuses_again[f"/api/models/{late['id']}"] == 403
    assert "1 models dated" in signed_in.output and "1 gated (not dated" in signed_in.output
    assert "not asked without a token" not in signed_in.output
    rows = first_commits(db)
    assert rows[gated["_id"]][:2] == (true_created_at(gated), "first_commit") and late["_id"] not in rows
    samples = query(
        db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates' ORDER BY run_id"
    )
    first, second = "\n".join(samples[0][0]), "\n".join(samples[1][0])
    assert f"{late['id']}: gated (401 GatedRepo): not dated without a token" in first
    assert f"1 gated models not asked without a token ({gated['id']})" in first
    assert f"{late['id']}: gated (403 GatedRepo): the token's account has no access" in second


def test_a_refused_token_fails_the_run_with_one_line(db: str) -> None:
    models = make_models(100, seed=28, sentinel_share=0.3)
    with FakeHub(models, tokens={"hf_alice": "alice"}) as hub:
        crawl_hf(hub, db)
        result = invoke(
            "crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, env={"HF_TOKEN": "hf_wrong"}
        )
        asked = hub.requests[-1]
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.startswith("huggingface-dates:")]
    assert line.startswith("huggingface-dates: run 2 failed")
    assert line.endswith(
        f"{hub.url} refused the Hugging Face token (401 Invalid credentials in Authorization header): set a "
        "valid HF_TOKEN, or none, and run again"
    )
    assert "Traceback" not in result.output and "hf_wrong" not in result.output
    assert asked[1] == 401 and "/commits/" in asked[0]  # the first model's request, and no other
    [(status, requests, error)] = query(
        db, "SELECT status, requests, error FROM crawl_runs WHERE source = 'huggingface-dates'"
    )
    assert (status, requests) == ("failed", 1) and "hf_wrong" not in error
    assert first_commits(db) == {}


def test_a_401_that_echoes_the_token_is_a_warning_without_the_token(db: str) -> None:
    secret = "hf_SECRETtoken0123456789"
    models = make_models(60, seed=31, sentinel_share=0.3)
    with RecordingHub(models) as hub:
        crawl_hf(hub, db)
        hub.echo_status = 401  # every answer now: 401, its message repeating the Authorization header
        result = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db, env={"HF_TOKEN": secret})
        seen = hub.seen()
    assert result.exit_code == 0, result.output  # not the refused-token message: one repo's answer
    assert seen[-1].authorization == f"Bearer {secret}"
    assert f"{len(legacy(models))} missing or private" in result.output
    [(samples, error)] = query(
        db, "SELECT warning_samples, error FROM crawl_runs WHERE source = 'huggingface-dates'"
    )
    assert samples and all("(rejected Bearer ***): missing or private" in s for s in samples), samples
    assert secret not in "\n".join(samples) + result.output + str(error)


class OddTotalHub(FakeHub):
    """Sends an odd ``X-Total-Count`` with one repo's commits (``totals``: repo id -> header value)."""

    totals: dict[str, str] = {}

    def commits_page(self, path: str, query: dict[str, list[str]], user: str | None = None):
        code, body, link, headers = super().commits_page(path, query, user)
        repo_id = unquote(path.removeprefix("/api/models/")).partition("/commits/")[0]
        if code == 200 and repo_id in self.totals:
            headers["X-Total-Count"] = self.totals[repo_id]
        return code, body, link, headers


def test_an_implausible_total_is_counted_and_skipped_never_a_stalled_cohort(db: str) -> None:
    models = make_models(200, seed=29, sentinel_share=0.3)
    old = sorted(legacy(models), key=lambda m: m["_id"])
    huge, beyond, small, words = old[0], old[1], old[2], old[3]
    small["_commits"] = 5
    with OddTotalHub(models) as hub:
        hub.totals = {
            huge["id"]: "1" + "0" * 400,  # a float of it overflows
            beyond["id"]: "100001",  # more than the 100,000 commits believed
            small["id"]: "2",  # smaller than the 5 commits it came with
            words["id"]: "lots",
        }
        crawl_hf(hub, db)
        first = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        asked = hub.commit_requests()
        second = invoke("crawl", "hf-dates", "--hf-endpoint", hub.url, "--db", db)
        again = hub.commit_requests()[len(asked) :]
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert (
        "4 with another odd answer" in first.output and "4 Hugging Face models not yet dated" in first.output
    )
    # one request each, no page asked by an odd total; every other model dated
    assert Counter(asked) == Counter(m["id"] for m in old)
    assert set(first_commits(db)) == {m["_id"] for m in old[4:]}
    # not wedged: the next night asks the odd ones again, and only them
    assert sorted(again) == sorted(m["id"] for m in old[:4])
    [samples] = query(db, "SELECT warning_samples FROM crawl_runs WHERE source = 'huggingface-dates'")[0]
    text = "\n".join(samples)
    assert f"{huge['id']}: X-Total-Count '10000000000000000000… (401 characters)' is not a plausible" in text
    assert (
        f"{beyond['id']}: X-Total-Count '100001' is not a plausible number of commits (at most 100,000"
        in text
    )
    assert f"{small['id']}: X-Total-Count 2 is smaller than the 5 commits sent" in text
    assert f"{words['id']}: X-Total-Count 'lots' is not a plausible" in text


def test_the_largest_plausible_total_asks_its_last_page_by_number(db: str) -> None:
    models = make_models(100, seed=30, sentinel_share=0.3)
    victim = sorted(legacy(models), key=lambda m: m["_id"])[0]
    victim["_commits"] = 1000
    with OddTotalHub(models) as hub:
        hub.totals = {victim["id"]: "100000"}  # pages of 1,000 commits: the last is page 99
        crawl_hf(hub, db)
        result, source = dates(hub, db)
        paths = [p for p, _ in hub.requests if p.startswith(f"/api/models/{victim['id']}/commits/")]
    assert result.status == "complete" and source.tally.other == 1
    assert len(paths) == 2 and "p=99" in paths[1] and "limit=1000" in paths[1]  # integers, exact
    assert victim["_id"] not in first_commits(db)  # the history is shorter than said: page 99 is empty


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


def test_ratelimit_is_paced_and_a_429_waited_out(
    db: str, more_dbs: Callable[[str], str], clock: VirtualClock
) -> None:
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

    db2 = more_dbs("second")  # a fresh database for the second hub
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
        source = HuggingFaceDatesSource(
            hub.url, policy=replace(DATES_POLICY, backoff_base=0.01, max_attempts=2)
        )
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
        true_years([m for m in models if not is_legacy(m)] + dated)
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
