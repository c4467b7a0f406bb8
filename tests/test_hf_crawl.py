"""The Hugging Face crawl against a fake Hub on 127.0.0.1: counts, dates, faults, resume, locking."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import CrawlLock, connect
from tests.conftest import copy_template, env_for_subprocess
from tests.fakes.hub import FakeHub, Faults, is_legacy, make_models
from tests.fakes.isolation import isolated
from tests.hub_contract import HubContract, Served

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)


def fast_source(url: str, **kw) -> HuggingFaceSource:
    kw.setdefault("policy", FAST)
    return HuggingFaceSource(url, **kw)


def stored(db: str) -> dict[str, tuple]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "select key, id, created_at, created_at_quality, tags, downloads, downloads_all_time, likes, "
            "library_name, pipeline_tag, sha, author, last_modified from models where hub = 'huggingface'"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def runs(db: str) -> list[dict]:
    con = connect(db, read_only=True)
    try:
        rel = con.execute("select * from crawl_runs order by run_id")
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def assert_matches(db: str, models: list[dict]) -> None:
    got = stored(db)
    assert len(got) == len(models)
    for m in models:
        row = got[m["_id"]]
        assert row[0] == m["id"]
        assert row[1] == datetime.fromisoformat(m["createdAt"])
        assert row[2] == ("sentinel" if is_legacy(m) else "exact")
        assert row[3] == m["tags"]
        assert row[4] == m["downloads"]
        assert row[5] == m["downloadsAllTime"]
        assert row[6] == m["likes"]
        assert row[7] == m.get("library_name")
        assert row[8] == m.get("pipeline_tag")
        assert row[9] == m["sha"]


# ------------------------------------------------------------------------------------------- the fake


def test_fake_hub_behaves_like_the_real_listing(fake_hub, hub_models):
    import httpx2

    r = httpx2.get(f"{fake_hub.url}/api/models", params={"limit": 5000, "sort": "createdAt"})
    assert r.status_code == 200
    assert len(r.json()) == 1000  # capped
    nxt = r.links["next"]["url"]
    assert nxt.startswith(fake_hub.url + "/api/models?") and "cursor=" in nxt
    r = httpx2.get(f"{fake_hub.url}/api/models", params=[("expand", "createdAt"), ("expand", "tags")])
    assert set(r.json()[0]) == {"_id", "id", "createdAt", "tags"}
    r = httpx2.get(f"{fake_hub.url}/api/models", params={"expand": "nonsense"})
    assert r.status_code == 400
    created = [m["createdAt"] for m in fake_hub.models]
    assert created == sorted(created, reverse=True)
    # Legacy ids as recorded: the first 4 bytes are createdAt (621ffdc0 = :04, 621ffdc1 = :05), then
    # 36468d709f; both seconds are served, most at :05.
    legacy = [m for m in hub_models if is_legacy(m)]
    assert legacy and all(
        int(m["_id"][:8], 16) == int(datetime.fromisoformat(m["createdAt"]).timestamp())
        and m["_id"][8:18] == "36468d709f"
        and len(m["_id"]) == 24
        for m in legacy
    )
    at_05 = sum(m["createdAt"] == "2022-03-02T23:29:05.000Z" for m in legacy)
    assert len(legacy) / 2 < at_05 < len(legacy)


# ----------------------------------------------------------------------------------------- happy path


def test_cli_crawl_stores_every_model_with_dates_and_tags(fake_hub, hub_models, db):
    result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", fake_hub.url, "--db", db])
    assert result.exit_code == 0, result.output
    assert "run 1 complete" in result.output and "3,500 models" in result.output
    assert_matches(db, hub_models)
    [run] = runs(db)
    assert run["status"] == "complete" and run["pages"] == 4 and run["models"] == 3500
    assert run["requests"] == 4 and run["resumed"] is False and run["warnings"] == 0
    params = json.loads(run["params"])
    assert params["endpoint"] == fake_hub.url and params["limit"] == 1000 and params["sort"] == "createdAt"
    assert "createdAt" in params["expand"] and "downloadsAllTime" in params["expand"]
    # every page request asked for the expand list and pages of 1,000, sorted by createdAt
    for path, status in fake_hub.requests:
        assert status == 200 and "limit=1000" in path and "sort=createdAt" in path and "expand=sha" in path


def test_the_fake_listing_refuses_what_the_real_listing_refuses(fake_hub):
    """The real listing refuses expand values only a single model's info takes; zoo asks none of them."""
    import requests

    for field in ("baseModels", "childrenModelCount", "usedStorage"):
        answer = requests.get(f"{fake_hub.url}/api/models", params={"expand": field}, timeout=10)
        assert answer.status_code == 400 and field in answer.json()["error"]
    asked = HuggingFaceSource(fake_hub.url).expand
    answer = requests.get(f"{fake_hub.url}/api/models", params={"expand": asked, "limit": 5}, timeout=10)
    assert answer.status_code == 200 and len(answer.json()) == 5


def test_second_crawl_keeps_first_seen_and_advances_last_seen(fake_hub, hub_models, db):
    assert crawl(fast_source(fake_hub.url), db).status == "complete"
    newcomer = make_models(10, seed=99)
    for i, m in enumerate(newcomer):
        m["_id"] = f"ffffffff{i:016x}"
        m["id"] = f"new/model-{i}"
    fake_hub.add_models(newcomer)
    assert crawl(fast_source(fake_hub.url), db).status == "complete"
    con = connect(db, read_only=True)
    counts = dict(con.execute("select first_seen_run, count(*) from models group by 1").fetchall())
    last = dict(con.execute("select last_seen_run, count(*) from models group by 1").fetchall())
    assert counts == {1: 3500, 2: 10} and last == {2: 3510}


def test_sentinel_created_at_is_marked(db):
    """Both placeholder seconds the real Hub gives (:04 and :05) are the legacy placeholder."""
    models = make_models(50, seed=3, sentinel_share=1.0)
    with FakeHub(models) as hub:
        crawl(fast_source(hub.url), db)
    con = connect(db, read_only=True)
    assert con.execute("select distinct created_at_quality from models").fetchall() == [("sentinel",)]
    assert con.execute(
        "select strftime(created_at, '%Y-%m-%d %H:%M:%S'), count(*) from models group by all order by 1"
    ).fetchall() == [("2022-03-02 23:29:04", 12), ("2022-03-02 23:29:05", 38)]


def test_models_created_during_the_crawl_shift_nothing(db, hub_models):
    """New models appear at the front of the createdAt listing; the cursor keeps later pages stable."""
    with FakeHub(hub_models) as hub:
        added = make_models(700, seed=5, sentinel_share=0.0)
        for i, m in enumerate(added):
            m["createdAt"] = "2026-11-20T00:00:00.000Z"
            m["_id"] = f"fffffff0{i:016x}"
            m["id"] = f"late/model-{i}"
        calls = {"n": 0}

        def after_page(progress):
            calls["n"] += 1
            if calls["n"] == 1:
                hub.add_models(added)

        result = crawl(fast_source(hub.url), db, progress=after_page, prefetch=False)
    assert result.status == "complete"
    got = stored(db)
    assert set(got) == {m["_id"] for m in hub_models}  # none skipped, none of the newcomers half-listed


# ----------------------------------------------------------------------------------------------- faults


def test_5xx_and_truncated_bodies_are_retried(hub_models, db, clock):
    faults = Faults(status_next=[503, 502, 500], truncate_next=2, cut_next=1)
    with FakeHub(hub_models, faults=faults) as hub:
        result = crawl(fast_source(hub.url), db)
        statuses = [s for _, s in hub.requests]
    assert result.status == "complete", result.error
    assert len(clock.waits) == 3 + 2 + 1  # a wait before each request asked again (virtual time)
    assert statuses.count(503) + statuses.count(502) + statuses.count(500) == 3
    assert result.counters.requests >= 4 + 3 + 2  # retries are counted
    assert_matches(db, hub_models)


def test_quota_is_paced_without_provoking_429(db, clock):
    """When a response says the window has no request left, the next one waits for the reset (in virtual
    time, which the fake's quota window shares)."""
    models = make_models(6000, seed=11)
    faults = Faults(quota=(3, 2))
    with FakeHub(models, faults=faults) as hub:
        hub.clock = clock.monotonic
        started = clock.monotonic()
        result = crawl(fast_source(hub.url), db)
        elapsed = clock.monotonic() - started
        statuses = [s for _, s in hub.requests]
    assert result.status == "complete", result.error
    assert statuses.count(429) == 0 and len(statuses) == 6
    assert elapsed >= 2.0  # 6 requests at 3 per 2 s window: it waited for the second window
    assert len(clock.waits) == 1 and 0 < clock.waits[0] <= 2.0  # one wait, for the rest of the window
    assert len(stored(db)) == 6000


def test_429_waits_as_the_ratelimit_header_says(hub_models, db, clock):
    faults = Faults(status_next=[429, 429])  # each says RateLimit r=0;t=1
    with FakeHub(hub_models, faults=faults) as hub:
        hub.clock = clock.monotonic
        result = crawl(fast_source(hub.url), db)
        statuses = [s for _, s in hub.requests]
    assert result.status == "complete", result.error
    assert statuses[:3] == [429, 429, 200]  # one retry per 429, after the wait: no stacked loops
    assert clock.waits == [2.0, 2.0]  # huggingface_hub waits t + 1 s after each 429
    assert result.counters.requests == len(statuses)
    assert len(stored(db)) == len(hub_models)


def test_request_timeout_is_set_and_a_hang_is_retried(hub_models, db):
    # The hang lasts a minute: a crawl without the 0.5 s request timeout would wait it out, far beyond the
    # bound below (which leaves room for a machine busy with other work).
    faults = Faults(hang_next=1, hang_seconds=60.0)
    with FakeHub(hub_models, faults=faults) as hub:
        started = time.monotonic()
        result = crawl(fast_source(hub.url, timeout=0.5), db)
        elapsed = time.monotonic() - started
    assert result.status == "complete", result.error
    assert elapsed < 30.0
    assert len(stored(db)) == len(hub_models)


def test_persistent_bad_json_fails_the_run_then_it_resumes(hub_models, db):
    faults = Faults()
    with FakeHub(hub_models, faults=faults) as hub:
        # first page fine, then the server only sends broken JSON
        first = crawl(
            fast_source(hub.url, policy=replace(FAST, json_attempts=2)),
            db,
            progress=lambda p: setattr(faults, "bad_json_always", True),
            prefetch=False,
        )
        assert first.status == "failed" and "not valid JSON" in (first.error or "")
        [run] = runs(db)
        assert run["status"] == "failed" and run["pages"] == 1 and "not valid JSON" in run["error"]
        assert stored(db) == {}  # nothing merged from a failed run
        faults.bad_json_always = False
        second = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db])
    assert second.exit_code == 0, second.output
    assert "resumed" in second.output
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"] is True and run["pages"] == 4
    assert_matches(db, hub_models)


def test_cli_exit_code_is_nonzero_on_failure(hub_models, db, clock):
    with FakeHub(hub_models, faults=Faults(bad_json_always=True)) as hub:
        result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db, "--timeout", "5"])
    assert result.exit_code == 1
    assert "failed" in result.output
    assert clock.waits == [1.0, 2.0, 3.0]  # the bad bodies were asked again after the waits (virtual)


def test_restart_abandons_the_unfinished_run(hub_models, db):
    faults = Faults()
    with FakeHub(hub_models, faults=faults) as hub:
        crawl(
            fast_source(hub.url, policy=replace(FAST, json_attempts=1)),
            db,
            progress=lambda p: setattr(faults, "bad_json_always", True),
            prefetch=False,
        )
        faults.bad_json_always = False
        result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db, "--restart"])
    assert result.exit_code == 0, result.output
    first, second = runs(db)
    assert first["status"] == "aborted" and second["status"] == "complete" and second["resumed"] is False
    assert second["pages"] == 4


def test_bad_items_are_stored_as_far_as_valid_and_counted(db):
    models = make_models(20, seed=2)
    models[0]["createdAt"] = "yesterday"
    models[1]["tags"] = None
    models[2]["downloads"] = "many"
    models[3]["id"] = 'weird/"quoted" %2F ünïcode'
    del models[4]["author"]
    with FakeHub(models) as hub:
        result = crawl(fast_source(hub.url), db)
    assert result.status == "complete"
    assert result.counters.warnings >= 3
    got = stored(db)
    assert len(got) == 20
    assert got[models[0]["_id"]][1] is None and got[models[0]["_id"]][2] == "unknown"
    assert got[models[2]["_id"]][4] is None
    assert got[models[3]["_id"]][0] == 'weird/"quoted" %2F ünïcode'
    [run] = runs(db)
    assert run["warnings"] == result.counters.warnings and any(
        "yesterday" in w for w in run["warning_samples"]
    )


def test_token_is_sent_but_never_stored(fake_hub, db, monkeypatch):
    secret = "hf_THISisAsecretTOKEN1234567890"
    monkeypatch.setenv("HF_TOKEN", secret)
    result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", fake_hub.url, "--db", db])
    assert result.exit_code == 0
    assert fake_hub.authorizations and all(a == f"Bearer {secret}" for a in fake_hub.authorizations)
    assert secret not in result.output
    con = duckdb.connect(db)
    con.execute("checkpoint")
    con.close()
    assert secret.encode() not in Path(db).read_bytes()


# ----------------------------------------------------------------------------------------------- locking


def test_a_second_crawl_exits_at_once_and_touches_nothing(fake_hub, new_db, monkeypatch):
    db = new_db
    # a crawl that waited for the lock would wait the whole ZOO_LOCK_WAIT: far beyond the bound below, which
    # leaves room for a busy machine
    monkeypatch.setenv("ZOO_LOCK_WAIT", "120")
    with CrawlLock(db):
        started = time.monotonic()
        result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", fake_hub.url, "--db", db])
        assert time.monotonic() - started < 60
    assert result.exit_code == 3
    assert "another crawl is running" in result.output
    assert not Path(db).exists()
    assert fake_hub.requests == []


# ---------------------------------------------------------------------------------------------- kill -9


def test_kill_9_mid_crawl_then_resume_loses_and_doubles_nothing(db):
    models = make_models(12_000, seed=21)
    with FakeHub(models, faults=Faults(latency=0.15)) as hub:
        env = env_for_subprocess()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "hf", "--hf-endpoint", hub.url, "--db", db],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(hub.requests) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        first_pass = len(hub.requests)
        assert first_pass < 12  # killed mid-crawl
        [run] = runs(db)
        assert run["status"] == "running"
        hub.faults.latency = 0.0
        result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db])
        second_pass = len(hub.requests) - first_pass
    assert result.exit_code == 0, result.output
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"] is True and run["pages"] == 12
    assert first_pass + second_pass <= 12 + 3  # the resume refetched at most the unsaved pages
    con = connect(db, read_only=True)
    assert con.execute("select count(*), count(distinct key) from models").fetchone() == (12_000, 12_000)
    assert_matches(db, models)


# ------------------------------------------------------------------------------------------ runs and sql


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """One complete `zoo crawl hf` of 3,500 models, made once for the module and only copied."""
    db = tmp_path_factory.mktemp("crawled") / "zoo.duckdb"
    copy_template(template_db, db)
    with isolated(db.parent), FakeHub(make_models(3500, seed=7)) as hub:
        done = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", str(db)])
    assert done.exit_code == 0, done.output
    return db


@pytest.fixture
def crawled_db(crawled_once: Path, new_db: str) -> str:
    """The test's own copy of that crawl."""
    copy_template(crawled_once, Path(new_db))
    return new_db


def test_runs_and_sql_in_every_format(crawled_db):
    db = crawled_db
    out = runner.invoke(app, ["runs", "--db", db, "--format", "json"])
    assert out.exit_code == 0
    [run] = json.loads(out.output)
    assert run["status"] == "complete" and run["models"] == 3500 and run["resumed"] is False
    out = runner.invoke(app, ["runs", "--db", db, "--format", "csv"])
    assert out.output.splitlines()[0].startswith("run_id,source,status,started,finished,pages,models")
    out = runner.invoke(app, ["runs", "--db", db])
    assert "huggingface" in out.output and "complete" in out.output
    q = "select count(*) as n from models where hub = 'huggingface'"
    assert json.loads(runner.invoke(app, ["sql", q, "--db", db, "-f", "json"]).output) == [{"n": 3500}]
    assert runner.invoke(app, ["sql", q, "--db", db, "-f", "csv"]).output == "n\n3500\n"
    assert "3,500" in runner.invoke(app, ["sql", q, "--db", db]).output


def test_sql_is_read_only_and_reports_errors(crawled_db):
    db = crawled_db
    for stmt in ("drop table models", "delete from models", f"copy models to '{db}.csv'"):
        out = runner.invoke(app, ["sql", stmt, "--db", db])
        assert out.exit_code == 1 and "query failed" in out.output
    assert not Path(db + ".csv").exists()
    assert len(stored(db)) == 3500


def test_db_defaults_to_env_then_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZOO_DB", str(tmp_path / "env.duckdb"))
    # 20 models: which database holds them says which one the command chose
    with FakeHub(make_models(20, seed=8)) as hub:
        assert runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url]).exit_code == 0
        assert len(stored(str(tmp_path / "env.duckdb"))) == 20 and not (tmp_path / "zoo.duckdb").exists()
        monkeypatch.delenv("ZOO_DB")
        out = runner.invoke(app, ["runs"])
        assert out.exit_code == 1 and "no database" in out.output
        monkeypatch.setenv("HF_ENDPOINT", hub.url)  # the crawl makes ./zoo.duckdb, the default
        assert runner.invoke(app, ["crawl", "hf"]).exit_code == 0
    assert len(stored(str(tmp_path / "zoo.duckdb"))) == 20
    assert len(stored(str(tmp_path / "env.duckdb"))) == 20  # and nothing more went to the other one


@pytest.mark.parametrize("command", [["crawl", "hf"], ["runs"], ["sql"], ["crawl"]])
def test_help_has_examples(command):
    out = runner.invoke(app, [*command, "--help"])
    assert out.exit_code == 0
    if command != ["crawl"]:
        assert "Example" in out.output


# ------------------------------------------------------------------------------------- the hub contract


class _PagedHub(FakeHub):
    """The fake Hub, telling the page of each listing request (from its cursor) and failing one on demand."""

    def __init__(self, models: list[dict]) -> None:
        super().__init__(models)
        self.failing: int | None = None
        self.asked: list[int] = []

    def page(self, query: dict[str, list[str]], user: str | None = None) -> tuple[int, Any, str | None]:
        limit, start = int(query.get("limit", ["1000"])[0]), 0
        cursor = query.get("cursor", [None])[0]
        if cursor:
            pos = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
            start = len(self.models) - bisect_left(self._asc, (pos["c"], pos["i"]))
        page = start // limit + 1
        self.asked.append(page)
        if page == self.failing:
            return 400, {"error": "injected failure"}, None
        return super().page(query, user)

    def fail(self, page: int | None) -> None:
        self.failing = page

    def pages(self) -> list[int]:
        return list(self.asked)


class TestHuggingFaceContract(HubContract):
    hub = "huggingface"

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        models = make_models(2500, seed=42)  # three pages of the listing's 1,000
        with _PagedHub(models) as fake:
            yield Served(["--hf-endpoint", fake.url], len(models), fake.fail, fake.pages)
