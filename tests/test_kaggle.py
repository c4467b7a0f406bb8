"""``zoo crawl kaggle``: the Kaggle source against a fake Kaggle API on 127.0.0.1, via functions and CLI."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._http import HttpStatusError, RetryPolicy
from crawler.sources.kaggle import (
    CredentialsError,
    KaggleCredentials,
    KaggleError,
    KaggleSource,
    find_kaggle_credentials,
    find_legacy_key,
    kaggle_credentials_available,
    kaggle_credentials_problem,
    normalise_framework,
    parse_time,
)
from crawler.store import connect, staging_path
from tests.clock import VirtualClock
from tests.conftest import copy_template
from tests.fakes.isolation import isolated
from tests.fakes.kaggle import (
    ENUM_TO_CAMEL,
    LIST_INSTANCES,
    LIST_MODELS,
    FakeKaggle,
    KaggleFaults,
    _untoken,
    expected_formats,
    make_kaggle_models,
    unknown_count,
    visible,
)
from tests.hub_contract import SECRET, HubContract, Served

FAST = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, timeout=5.0)
FAST_CLI = ["--max-attempts", "4", "--backoff", "0.01"]
N_MODELS = 230


@pytest.fixture(autouse=True)
def _no_user_kaggle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's ~/.kaggle (conftest clears the hub's variables and points its endpoint
    at a local server that answers 404)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def kaggle_models() -> list[dict]:
    return make_kaggle_models(N_MODELS, seed=3)


@pytest.fixture
def fake(kaggle_models: list[dict]) -> Iterator[FakeKaggle]:
    with FakeKaggle(kaggle_models) as server:
        yield server


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """One complete crawl of the default fake's models, made once for the module and only copied."""
    db = tmp_path_factory.mktemp("crawled") / "zoo.duckdb"
    copy_template(template_db, db)
    with isolated(db.parent), FakeKaggle(make_kaggle_models(N_MODELS, seed=3)) as fake:
        assert crawl(source(fake), str(db)).status == "complete"
    return db


@pytest.fixture
def crawled_db(crawled_once: Path, new_db: str) -> str:
    """The test's own copy of a database whose first run crawled the default fake's models."""
    copy_template(crawled_once, Path(new_db))
    return new_db


def bearer(fake: FakeKaggle) -> KaggleCredentials:
    assert fake.token is not None
    return KaggleCredentials("bearer", fake.token, origin="test")


def source(fake: FakeKaggle, **kwargs) -> KaggleSource:
    kwargs.setdefault("policy", FAST)
    return KaggleSource(fake.url, kwargs.pop("credentials", None) or bearer(fake), **kwargs)


def kaggle_rows(db: str, sql: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def n_instances(models: list[dict]) -> int:
    return sum(len(m["instances"]) for m in visible(models))


# ------------------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(("enum_name", "camel"), sorted(ENUM_TO_CAMEL.items()))
def test_enum_names_normalise_to_camel_case(enum_name: str, camel: str) -> None:
    assert normalise_framework(enum_name) == (camel, True)
    assert normalise_framework(camel) == (camel, True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PyTorch", ("pyTorch", True)),
        ("ModelFramework.MODEL_FRAMEWORK_PY_TORCH", ("pyTorch", True)),
        ("MODEL_FRAMEWORK_TENSOR_RT_LLM", ("tensorRtLlm", True)),
        ("MODEL_FRAMEWORK_TENSOR_FLOW_LITE", ("tfLite", True)),
        (5, ("pyTorch", True)),
        ("2", ("tensorFlow2", True)),
        ("quantumFlow", ("quantumFlow", False)),
        ("MODEL_FRAMEWORK_NEURO_SYMBOLIC", ("MODEL_FRAMEWORK_NEURO_SYMBOLIC", False)),
        (99, ("99", False)),
        (None, (None, False)),
        ("", (None, False)),
    ],
)
def test_framework_variants_and_unknown_values(raw: object, expected: tuple) -> None:
    assert normalise_framework(raw) == expected


def test_times_parse_nanoseconds_offsets_and_unset() -> None:
    assert parse_time("2024-02-29T10:11:12.123456789Z") == datetime(
        2024, 2, 29, 10, 11, 12, 123456, tzinfo=timezone.utc
    )
    assert parse_time("2024-02-29T12:11:12+02:00") == datetime(2024, 2, 29, 10, 11, 12, tzinfo=timezone.utc)
    assert parse_time("2024-02-29T10:11:12") == datetime(2024, 2, 29, 10, 11, 12, tzinfo=timezone.utc)
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time(None) is None
    with pytest.raises(ValueError):
        parse_time("yesterday")


# ------------------------------------------------------------------------------------------- a crawl


def test_full_crawl_stores_every_model_with_its_formats(fake: FakeKaggle, kaggle_models, db: str) -> None:
    result = crawl(source(fake), db)
    assert result.status == "complete", result.error
    shown = visible(kaggle_models)
    assert result.models == len(shown) == N_MODELS
    # hidden models make short pages; only an empty nextPageToken ends the listing
    assert result.counters.pages == math.ceil(len(kaggle_models) / 50) > math.ceil(len(shown) / 50)
    assert result.counters.warnings == unknown_count(kaggle_models) > 0
    assert result.counters.requests == fake.count() == fake.count(status=200)
    assert result.counters.requests > result.counters.pages  # instance fetches are counted

    stored = {
        key: (mid, author, formats, quality, created)
        for key, mid, author, formats, quality, created in kaggle_rows(
            db,
            "select key, id, author, formats, created_at_quality, created_at from models where hub='kaggle'",
        )
    }
    assert len(stored) == N_MODELS
    for m in shown:
        mid, author, formats, quality, created = stored[str(m["id"])]
        assert mid == m["ref"]
        assert author == m["author"]
        assert formats == expected_formats(m)
        assert quality == "exact"
        assert created == parse_time(m["publishTime"])


def test_instances_go_to_the_child_table(fake: FakeKaggle, kaggle_models, db: str) -> None:
    assert crawl(source(fake), db).status == "complete"
    rows = kaggle_rows(
        db,
        "select key, instance_id, instance_slug, framework, framework_raw, is_tfhub_model, "
        "total_uncompressed_bytes, instances_from, license_name, url, extra from kaggle_instances",
    )
    assert len(rows) == n_instances(kaggle_models)
    assert len({r[1] for r in rows}) == len(rows)
    by_id = {r[1]: r for r in rows}
    for m in visible(kaggle_models):
        for inst in m["instances"]:
            key, _, slug, framework, raw, tfhub, size, origin, license_name, url, extra = by_id[inst["id"]]
            assert (key, slug, framework, raw) == (
                str(m["id"]),
                inst["slug"],
                inst["_expected"],
                inst["framework"],
            )
            assert tfhub is None  # neither ApiModelInstance nor ModelInstance has a TF-Hub flag
            assert size == int(inst["totalUncompressedBytes"])
            assert origin == ("ListModelInstances" if m["_strip_instances"] else "listing")
            # the licence: licenseName in the listing, license.name from ListModelInstances
            assert license_name == inst["_license"][1]
            kept = json.loads(extra) if extra else {}
            if m["_strip_instances"]:  # a ModelInstance: no url; its download total, not its series
                assert url is None
                assert kept["total_downloads"] == inst["_downloads"]
                assert [kept["ownerSlug"], kept["modelSlug"]] == m["ref"].split("/")
            else:
                assert url == inst["url"] and "total_downloads" not in kept
            for big in ("overview", "usage", "renderedUsage", "versionNotes", "licensePost", "downloadUrl"):
                assert big not in kept
            assert "downloadSummary" not in kept and "license" not in kept
    # both spellings really were on the wire, and both instance shapes
    assert any(r[4].startswith("MODEL_FRAMEWORK_") and r[3] in ENUM_TO_CAMEL.values() for r in rows)
    assert any(r[4] == r[3] == "tensorFlow2" for r in rows)
    assert {r[7] for r in rows} == {"listing", "ListModelInstances"}
    assert len({r[8] for r in rows}) > 1
    # extra is a JSON object SQL can read (not a JSON string holding one)
    stripped = [i for m in visible(kaggle_models) if m["_strip_instances"] for i in m["instances"]]
    assert kaggle_rows(db, "select sum((extra->>'total_downloads')::bigint) from kaggle_instances")[0][
        0
    ] == sum(i["_downloads"] for i in stripped)
    # no model carries an invented TF-Hub flag or download count
    assert kaggle_rows(
        db,
        "select count(*) filter ((extra->>'is_tfhub_model') is not null), count(downloads), "
        "count(*) filter ((extra->'unknown_fields') is not null), count(likes) from models where hub='kaggle'",
    )[0] == (0, 0, 0, N_MODELS)


def test_model_fields_are_the_real_ones(fake: FakeKaggle, kaggle_models, db: str) -> None:
    """The fake sends kagglesdk's field names only, and the crawler knows every one of them."""
    from crawler.sources import kaggle as source_module
    from tests.fakes.kaggle import API_INSTANCE_FIELDS, CATEGORY_FIELDS, INSTANCE_FIELDS, MODEL_FIELDS

    assert crawl(source(fake), db).status == "complete"
    listed = [r.body for r in fake.requests if r.path == LIST_MODELS]
    assert listed
    import urllib.request

    seen_models, seen_api_instances, seen_instances, seen_tags = set(), set(), set(), set()
    for m in visible(kaggle_models):
        public = {k for k in m if not k.startswith("_")}
        seen_models |= public
        seen_tags |= {k for t in m["tags"] for k in t}
        for inst in m["instances"]:
            seen_api_instances |= {k for k in inst if not k.startswith("_")}
    for m in visible(kaggle_models)[:20]:
        owner, _, slug = m["ref"].partition("/")
        request = urllib.request.Request(
            fake.url + LIST_INSTANCES,
            data=json.dumps({"ownerSlug": owner, "modelSlug": slug}).encode(),
            headers={"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            for inst in json.loads(answer.read())["instances"]:
                seen_instances |= set(inst)
    assert seen_models <= MODEL_FIELDS and "authorImageUrl" in seen_models and "voteCount" in seen_models
    assert seen_api_instances <= API_INSTANCE_FIELDS and "licenseName" in seen_api_instances
    assert (
        seen_instances <= INSTANCE_FIELDS and {"license", "renderedUsage", "versionNotes"} <= seen_instances
    )
    assert seen_tags <= CATEGORY_FIELDS
    for invented in ("downloadCount", "isTfhubModel"):
        assert invented not in MODEL_FIELDS | API_INSTANCE_FIELDS | INSTANCE_FIELDS
    # the crawler's own list of model fields is kagglesdk's, so no real field lands in unknown_fields
    assert source_module._MODEL_FIELDS == MODEL_FIELDS


@pytest.mark.parametrize("raw", ["vllm", "MODEL_FRAMEWORK_VLLM", "ModelFramework.MODEL_FRAMEWORK_VLLM", 23])
def test_vllm_is_a_known_framework(raw: object) -> None:
    assert normalise_framework(raw) == ("vllm", True)


def test_a_vllm_instance_is_stored_without_a_warning(db: str) -> None:
    models = make_kaggle_models(6, seed=21, hidden_share=0.0, strip_share=0.0, unknown_every=10**9)
    with_instances = [m for m in models if m["instances"]]
    with_instances[0]["instances"][0]["framework"] = "MODEL_FRAMEWORK_VLLM"
    with_instances[1]["instances"][0]["framework"] = "vllm"
    with FakeKaggle(models) as fake:
        result = crawl(source(fake), db)
    assert result.status == "complete" and result.counters.warnings == 0
    formats = dict(kaggle_rows(db, "select key, formats from models where hub='kaggle'"))
    assert "vllm" in formats[str(with_instances[0]["id"])] and "vllm" in formats[str(with_instances[1]["id"])]


def test_a_short_or_empty_page_is_not_the_end(db: str) -> None:
    models = make_kaggle_models(150, seed=5, hidden_share=0.0)
    for m in models[50:100]:
        m["_hidden"] = True  # page 2 comes back empty, with a next page token
    with FakeKaggle(models) as fake:
        result = crawl(source(fake), db)
    assert result.status == "complete"
    assert result.counters.pages == 3
    assert result.models == 100
    assert kaggle_rows(db, "select count(*) from models where hub='kaggle'")[0][0] == 100


def test_missing_instances_are_listed_page_by_page(db: str) -> None:
    models = make_kaggle_models(40, seed=9, strip_share=1.0, hidden_share=0.0)
    with FakeKaggle(models, instance_page_cap=2) as fake:
        result = crawl(source(fake, instance_page_size=2), db)
        calls = fake.count(LIST_INSTANCES)
    assert result.status == "complete"
    assert calls == sum(max(1, math.ceil(len(m["instances"]) / 2)) for m in models)
    assert calls > len(models)  # some models need several pages of instances
    assert result.counters.requests == calls + result.counters.pages
    origins = kaggle_rows(db, "select instances_from, count(*) from kaggle_instances group by all")
    assert origins == [("ListModelInstances", n_instances(models))]
    formats = dict(kaggle_rows(db, "select key, formats from models where hub='kaggle'"))
    assert all(formats[str(m["id"])] == expected_formats(m) for m in models)


def test_a_model_listed_twice_keeps_one_set_of_instances(db: str) -> None:
    models = make_kaggle_models(120, seed=11, hidden_share=0.0)
    newcomer = make_kaggle_models(1, seed=12, hidden_share=0.0)[0] | {"id": 99999, "ref": "alice/newcomer"}
    newcomer["_strip_instances"] = False
    faults = KaggleFaults(insert_after_page=(0, newcomer))
    with FakeKaggle(models, faults=faults) as fake:
        result = crawl(source(fake), db)
    assert result.status == "complete"
    assert result.counters.items == 121  # the last model of page 1 came again at the top of page 2
    assert result.models == 120
    assert kaggle_rows(db, "select count(*), count(distinct instance_id) from kaggle_instances")[0] == (
        n_instances(models),
        n_instances(models),
    )


def test_legacy_get_api_gives_the_same_models(kaggle_models, db: str) -> None:
    with FakeKaggle(kaggle_models) as fake:
        src = KaggleSource(fake.legacy_url, bearer(fake), api="legacy", policy=FAST)
        result = crawl(src, db)
        assert fake.count(LIST_MODELS) == 0 and fake.count("/api/v1/models/list") == result.counters.pages
    assert result.status == "complete", result.error
    assert result.models == N_MODELS
    formats = dict(kaggle_rows(db, "select key, formats from models where hub='kaggle'"))
    assert all(formats[str(m["id"])] == expected_formats(m) for m in visible(kaggle_models))
    origins = dict(kaggle_rows(db, "select instances_from, count(*) from kaggle_instances group by all"))
    assert sum(origins.values()) == n_instances(kaggle_models) and origins["GetModel"] > 0


def test_a_second_crawl_replaces_the_instances(fake: FakeKaggle, kaggle_models, crawled_db: str) -> None:
    db = crawled_db  # its first crawl listed the same models
    victim = next(m for m in visible(kaggle_models) if len(m["instances"]) >= 2)
    removed = victim["instances"].pop()
    assert crawl(source(fake), db).status == "complete"
    rows = kaggle_rows(db, "select instance_id from kaggle_instances")
    assert len(rows) == n_instances(kaggle_models)
    assert (removed["id"],) not in rows
    runs = kaggle_rows(db, "select status, models from crawl_runs order by run_id")
    assert runs == [("complete", N_MODELS), ("complete", N_MODELS)]


# ----------------------------------------------------------------------------------- HTTP trouble


def test_429_with_retry_after_is_waited_out_and_counted(
    fake: FakeKaggle, db: str, clock: VirtualClock
) -> None:
    fake.faults.status_next.extend([429])
    result = crawl(source(fake), db)
    assert result.status == "complete"
    assert clock.waits == [1.0]  # Retry-After: 1, although the backoff policy would wait 0.01 s
    assert fake.count(status=429) == 1
    assert result.counters.requests == fake.count() == fake.count(status=200) + 1
    assert result.models == N_MODELS


def test_5xx_are_retried_on_listing_and_instance_calls(
    fake: FakeKaggle, db: str, clock: VirtualClock
) -> None:
    fake.faults.status_next.extend([500, 502])
    fake.faults.instances_status_next.extend([503, 504])
    result = crawl(source(fake), db)
    assert len(clock.waits) == 4  # a wait before each request asked again (virtual time)
    assert result.status == "complete", result.error
    assert fake.count(status=200) + 4 == fake.count() == result.counters.requests
    assert result.models == N_MODELS


def test_a_body_that_is_not_json_is_asked_again_a_bounded_number_of_times(fake: FakeKaggle, db: str) -> None:
    fake.faults.bad_json_next = 2
    result = crawl(source(fake), db)
    assert result.status == "complete"
    assert result.counters.requests == fake.count()

    fake.faults.bad_json_next = 100
    src = source(fake, policy=RetryPolicy(max_attempts=8, backoff_base=0.01, json_attempts=3))
    before = fake.count()
    failed = crawl(src, db, restart=True)
    assert failed.status == "failed"
    assert "not valid JSON" in (failed.error or "")
    assert fake.count() - before == 3


def test_wrong_credentials_fail_at_once_without_leaking(fake: FakeKaggle, db: str) -> None:
    wrong = KaggleCredentials("bearer", "kgat_wrong-token-555", origin="KAGGLE_API_TOKEN")
    result = crawl(source(fake, credentials=wrong), db)
    assert result.status == "failed"
    assert fake.count() == fake.count(status=401) == 1  # a 401 is not retried
    assert "refused the credentials from KAGGLE_API_TOKEN (HTTP 401)" in (result.error or "")
    assert "kgat_wrong" not in (result.error or "")
    assert b"kgat_wrong" not in Path(db).read_bytes()


def test_a_refused_token_falls_back_to_the_legacy_key(
    fake: FakeKaggle, kaggle_models, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As kaggle-cli: a token Kaggle calls invalid is dropped for the legacy key, when one is configured."""
    assert fake.username and fake.key
    monkeypatch.setenv("KAGGLE_API_TOKEN", "kgat_revoked-token-77")
    monkeypatch.setenv("KAGGLE_USERNAME", fake.username)
    monkeypatch.setenv("KAGGLE_KEY", fake.key)
    result = runner.invoke(
        app, ["-v", "crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", db, *FAST_CLI]
    )
    assert result.exit_code == 0, result.output
    note = (
        "Kaggle refused the token from KAGGLE_API_TOKEN (HTTP 401); the legacy key from "
        "KAGGLE_USERNAME/KAGGLE_KEY was used instead"
    )
    assert note in result.stdout
    basic = KaggleCredentials("basic", fake.key, username=fake.username)
    # the token once, refused; then the key for every request, the refused one asked again first
    assert [r.status for r in fake.requests[:2]] == [401, 200]
    assert fake.requests[0].authorization == "Bearer kgat_revoked-token-77"
    assert {r.authorization for r in fake.requests[1:]} == {basic.header()["Authorization"]}
    assert fake.count(status=401) == 1
    assert kaggle_rows(db, "select count(*) from models")[0][0] == N_MODELS
    notes = kaggle_rows(db, "select notes from crawl_runs")[0][0]
    assert any(note in n for n in notes)
    stored = Path(db).read_bytes().decode("latin-1")
    for secret in ["kgat_revoked-token-77", *basic.secrets()]:
        assert secret not in stored and secret not in result.output


def test_the_fallback_key_may_come_from_kaggle_json(fake: FakeKaggle, db: str, tmp_path: Path) -> None:
    config = _write(
        tmp_path / "cfg" / "kaggle.json", json.dumps({"username": fake.username, "key": fake.key})
    )
    env = {"KAGGLE_CONFIG_DIR": str(config.parent), "HOME": str(Path.home())}
    key = find_legacy_key(env)
    assert key is not None and key.origin == str(config)
    revoked = KaggleCredentials("bearer", "kgat_revoked-token-78", origin="~/.kaggle/access_token")
    result = crawl(source(fake, credentials=revoked, fallback=key), db)
    assert result.status == "complete", result.error
    notes = kaggle_rows(db, "select notes from crawl_runs")[0][0]
    assert any(f"the legacy key from {config} was used instead" in n for n in notes)


def test_a_refused_token_and_a_refused_key_name_both(fake: FakeKaggle, db: str) -> None:
    revoked = KaggleCredentials("bearer", "kgat_revoked-token-79", origin="KAGGLE_API_TOKEN")
    wrong = KaggleCredentials("basic", "wrong-key-1", username="alice", origin="KAGGLE_USERNAME/KAGGLE_KEY")
    result = crawl(source(fake, credentials=revoked, fallback=wrong), db)
    assert result.status == "failed"
    assert fake.count() == fake.count(status=401) == 2  # each tried once
    assert (
        "Kaggle refused the token from KAGGLE_API_TOKEN and then the legacy key from "
        "KAGGLE_USERNAME/KAGGLE_KEY (HTTP 401)"
    ) in (result.error or "")
    assert "kgat_revoked" not in (result.error or "") and "wrong-key" not in (result.error or "")


def test_a_refused_legacy_key_has_nothing_to_fall_back_on(
    fake: FakeKaggle, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAGGLE_USERNAME", "alice")
    monkeypatch.setenv("KAGGLE_KEY", "wrong-key-2")
    assert fake.token is not None
    _write(Path.home() / ".kaggle" / "kaggle.json", json.dumps({"username": "alice", "key": "other-key"}))
    result = crawl(KaggleSource(fake.url, policy=FAST), db)
    assert result.status == "failed"
    assert fake.count() == fake.count(status=401) == 1
    assert "refused the credentials from KAGGLE_USERNAME/KAGGLE_KEY (HTTP 401)" in (result.error or "")


def test_a_broken_kaggle_json_is_named_when_the_token_is_refused(
    fake: FakeKaggle, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAGGLE_API_TOKEN", "kgat_revoked-token-80")
    _write(Path.home() / ".kaggle" / "kaggle.json", '{"username": "alice", "key": "sekrit-')
    result = crawl(KaggleSource(fake.url, policy=FAST), db)
    assert result.status == "failed"
    assert fake.count() == 1
    error = result.error or ""
    assert "refused the credentials from KAGGLE_API_TOKEN" in error
    assert "no legacy key to fall back on" in error and "is not valid JSON" in error
    assert "sekrit" not in error and "kgat_revoked" not in error


@pytest.mark.parametrize("page", [0, 2])
def test_a_200_whose_body_is_an_error_fails_the_run(
    fake: FakeKaggle, kaggle_models, db: str, page: int
) -> None:
    """kagglesdk raises for any JSON answer with "code" >= 400: it is not an empty last page."""
    if page:
        pages = source(fake).pages(None)
        for _ in range(page):
            next(pages)
        fake.faults.error_body_next.append(500)
        with pytest.raises(HttpStatusError) as failed:
            next(pages)
        assert failed.value.status == 500
        assert "answered HTTP 200 with an error in its body: code 500" in str(failed.value)
        return
    fake.faults.error_body_next.append(503)
    result = crawl(source(fake), db)
    assert result.status == "failed"
    assert "answered HTTP 200 with an error in its body: code 503: injected error" in (result.error or "")
    assert fake.count() == 1  # not retried, as in kagglesdk
    assert kaggle_rows(db, "select count(*) from models")[0][0] == 0


def test_a_200_error_body_speaks_for_its_code(fake: FakeKaggle, kaggle_models, db: str) -> None:
    """A 401 in a body is a refusal; a 404 in a ListModelInstances body is a model gone meanwhile."""
    fake.faults.error_body_next.append(401)
    refused = crawl(source(fake), db)
    assert refused.status == "failed"
    assert "refused the credentials from test (HTTP 401)" in (refused.error or "")

    stripped = next(m for m in visible(kaggle_models) if m["_strip_instances"] and m["instances"])
    fake.models = [stripped]
    fake.faults.instances_error_body_next.append(404)
    page = next(iter(source(fake).pages(None)))
    assert [r.id for r in page.records] == [stripped["ref"]] and page.records[0].formats == []
    assert any("instances not found (HTTP 404)" in w for w in page.warnings)


def test_persistent_failure_fails_the_run_and_the_next_crawl_resumes(
    fake: FakeKaggle, kaggle_models, db: str
) -> None:
    fake.faults.fail_from_page = 2
    first = crawl(source(fake), db)
    assert first.status == "failed"
    assert first.counters.pages == 2
    assert "HTTP 500" in (first.error or "")
    assert fake.count(LIST_MODELS, 500) == FAST.max_attempts
    assert kaggle_rows(db, "select count(*) from models")[0][0] == 0  # nothing merged yet
    assert staging_path(db, "kaggle").exists()

    fake.faults.fail_from_page = None
    second = crawl(source(fake), db)
    assert second.status == "complete" and second.resumed and second.run_id == first.run_id
    assert fake.listing_pages_served() == list(range(math.ceil(len(kaggle_models) / 50)))
    assert second.models == N_MODELS
    assert kaggle_rows(db, "select count(*), count(distinct key) from models")[0] == (N_MODELS, N_MODELS)
    assert kaggle_rows(db, "select count(*), count(distinct instance_id) from kaggle_instances")[0] == (
        n_instances(kaggle_models),
        n_instances(kaggle_models),
    )
    assert kaggle_rows(db, "select status, resumed from crawl_runs") == [("complete", True)]


def test_the_exception_ending_a_listing_carries_its_uncounted_requests(fake: FakeKaggle) -> None:
    fake.faults.fail_from_page = 1
    pages = source(fake).pages(None)
    first = next(pages)
    assert first.requests == fake.count()
    before = fake.count()
    with pytest.raises(HttpStatusError) as failed:
        next(pages)
    assert failed.value.requests == fake.count() - before == FAST.max_attempts  # type: ignore[attr-defined]


def test_a_rejected_saved_page_token_asks_for_restart(fake: FakeKaggle) -> None:
    with pytest.raises(KaggleError, match="--restart"):
        next(iter(source(fake).pages("not-a-token")))
    assert fake.count(LIST_MODELS, 400) == 1


# ------------------------------------------------------------------------------------- credentials


def test_credentials_come_from_token_then_username_key_then_kaggle_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert not kaggle_credentials_available()
    assert "KAGGLE_API_TOKEN" in (kaggle_credentials_problem() or "")

    home_json = Path.home() / ".kaggle" / "kaggle.json"
    home_json.parent.mkdir()
    home_json.write_text(json.dumps({"username": "homer", "key": "home-key"}))
    creds = find_kaggle_credentials()
    assert (creds.kind, creds.username, creds.secret, creds.origin) == (
        "basic",
        "homer",
        "home-key",
        str(home_json),
    )

    config = tmp_path / "cfg"
    config.mkdir()
    (config / "kaggle.json").write_text(json.dumps({"username": "conf", "key": "conf-key"}))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config))
    assert find_kaggle_credentials().username == "conf"

    monkeypatch.setenv("KAGGLE_USERNAME", "envuser")
    monkeypatch.setenv("KAGGLE_KEY", "env-key")
    assert find_kaggle_credentials().header() == {"Authorization": "Basic ZW52dXNlcjplbnYta2V5"}

    monkeypatch.setenv("KAGGLE_API_TOKEN", "tok-123")
    creds = find_kaggle_credentials()
    assert creds.header() == {"Authorization": "Bearer tok-123"}
    assert "tok-123" not in repr(creds) and "tok-123" not in str(creds)
    assert kaggle_credentials_available()


def test_a_broken_kaggle_json_is_explained_without_its_key(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path))
    (tmp_path / "kaggle.json").write_text('{"username": "u", "key": "sekrit-key"')
    with pytest.raises(CredentialsError) as broken:
        find_kaggle_credentials()
    assert "not valid JSON" in str(broken.value) and "sekrit" not in str(broken.value)
    (tmp_path / "kaggle.json").write_text('{"username": "u"}')
    assert "lacks" in (kaggle_credentials_problem() or "")
    assert not kaggle_credentials_available()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_credentials_are_looked_up_in_the_official_clients_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """kagglesdk's get_access_token_from_env, then kaggle-api's legacy key: each place, peeled off in turn."""
    home = Path.home()
    notebook_file = _write(tmp_path / "kernel" / "token", "tok-notebook\n")
    token_file = _write(tmp_path / "secrets" / "kaggle-token", "  tok-from-path  \n")
    _write(home / ".kaggle" / "access_token", "tok-home\n")
    _write(home / ".kaggle" / "access_token.txt", "tok-home-txt")
    _write(tmp_path / "cfg" / "kaggle.json", json.dumps({"username": "conf", "key": "conf-key"}))
    _write(home / ".kaggle" / "kaggle.json", json.dumps({"username": "homer", "key": "home-key"}))
    for name, value in {
        "KAGGLE_KERNEL_RUN_TYPE": "Interactive",
        "KAGGLE_DATA_PROXY_URL": "http://127.0.0.1:9",
        "KAGGLE_API_V1_TOKEN": str(notebook_file),
        "KAGGLE_API_TOKEN": str(token_file),
        "KAGGLE_USERNAME": "envuser",
        "KAGGLE_KEY": "env-key",
        "KAGGLE_CONFIG_DIR": str(tmp_path / "cfg"),
    }.items():
        monkeypatch.setenv(name, value)

    def found() -> tuple[str, str, str | None, str]:
        c = find_kaggle_credentials()
        assert c.secret not in repr(c) and c.secret not in c.origin
        return c.kind, c.secret, c.username, c.origin

    # 1. inside a Kaggle notebook, the token file it names
    assert found() == ("bearer", "tok-notebook", None, f"{notebook_file} (KAGGLE_API_V1_TOKEN)")
    monkeypatch.delenv("KAGGLE_DATA_PROXY_URL")  # not a (working) notebook: that file is not read
    # 2. KAGGLE_API_TOKEN naming a file: the file's content, stripped
    assert found() == ("bearer", "tok-from-path", None, f"{token_file} (KAGGLE_API_TOKEN)")
    # 3. ~/.kaggle/access_token, the CLI's recommended setup, then access_token.txt
    monkeypatch.delenv("KAGGLE_API_TOKEN")
    assert found() == ("bearer", "tok-home", None, str(home / ".kaggle" / "access_token"))
    (home / ".kaggle" / "access_token").unlink()
    assert found() == ("bearer", "tok-home-txt", None, str(home / ".kaggle" / "access_token.txt"))
    (home / ".kaggle" / "access_token.txt").unlink()
    # 4. the legacy key: KAGGLE_USERNAME + KAGGLE_KEY
    assert found() == ("basic", "env-key", "envuser", "KAGGLE_USERNAME/KAGGLE_KEY")
    # 5. kaggle.json in $KAGGLE_CONFIG_DIR, then in ~/.kaggle
    # (KAGGLE_USERNAME without KAGGLE_KEY is ignored: the file is used as a whole, as both official
    # clients do, and the origin says so)
    monkeypatch.delenv("KAGGLE_KEY")
    alone = " (KAGGLE_USERNAME alone is ignored)"
    assert found() == ("basic", "conf-key", "conf", str(tmp_path / "cfg" / "kaggle.json") + alone)
    monkeypatch.delenv("KAGGLE_CONFIG_DIR")
    monkeypatch.delenv("KAGGLE_USERNAME")
    assert found() == ("basic", "home-key", "homer", str(home / ".kaggle" / "kaggle.json"))


def test_the_environment_key_counts_only_as_a_pair(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """kaggle-cli reads kaggle.json *instead of* the environment when KAGGLE_USERNAME or KAGGLE_KEY is
    missing (read_config_file replaces what read_config_environment found), and kagglehub takes the
    environment only when both are set: neither merges them key by key, so neither does zoo."""
    config = _write(tmp_path / "cfg" / "kaggle.json", json.dumps({"username": "conf", "key": "conf-key"}))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config.parent))
    monkeypatch.setenv("KAGGLE_KEY", "env-key")
    creds = find_kaggle_credentials()
    assert (creds.username, creds.secret) == ("conf", "conf-key")
    assert creds.origin == f"{config} (KAGGLE_KEY alone is ignored)"
    monkeypatch.setenv("KAGGLE_USERNAME", "envuser")
    creds = find_kaggle_credentials()
    assert (creds.username, creds.secret, creds.origin) == (
        "envuser",
        "env-key",
        "KAGGLE_USERNAME/KAGGLE_KEY",
    )
    # without the file, the lone variable is named in the one-line reason
    config.unlink()
    monkeypatch.delenv("KAGGLE_USERNAME")
    with pytest.raises(CredentialsError) as none:
        find_kaggle_credentials()
    assert "(KAGGLE_KEY is set but KAGGLE_USERNAME is not)" in str(none.value)
    assert "env-key" not in str(none.value)


def test_kaggle_api_token_may_be_the_token_or_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAGGLE_API_TOKEN", "kgat_literal")
    assert find_kaggle_credentials().header() == {"Authorization": "Bearer kgat_literal"}
    empty = _write(tmp_path / "empty-token", "\n")
    monkeypatch.setenv("KAGGLE_API_TOKEN", str(empty))
    # as in the official client, an empty token file ends the token lookup (~/.kaggle/access_token is
    # not read) and the legacy key is looked for
    _write(Path.home() / ".kaggle" / "access_token", "tok-home")
    with pytest.raises(CredentialsError) as none:
        find_kaggle_credentials()
    assert f"KAGGLE_API_TOKEN names {empty}, which holds no token" in str(none.value)
    monkeypatch.setenv("KAGGLE_USERNAME", "envuser")
    monkeypatch.setenv("KAGGLE_KEY", "env-key")
    assert find_kaggle_credentials().kind == "basic"


def test_kaggle_json_in_the_xdg_config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = Path.home()
    default_xdg = _write(home / ".config" / "kaggle" / "kaggle.json", '{"username": "dot", "key": "dot-key"}')
    assert find_kaggle_credentials().origin == str(default_xdg)
    custom = _write(tmp_path / "xdg" / "kaggle" / "kaggle.json", '{"username": "xdg", "key": "xdg-key"}')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert (find_kaggle_credentials().username, find_kaggle_credentials().origin) == ("xdg", str(custom))
    # the XDG place is only for those without ~/.kaggle (as the official client: for compatibility)
    (home / ".kaggle").mkdir()
    with pytest.raises(CredentialsError) as none:
        find_kaggle_credentials()
    assert str(home / ".kaggle") in str(none.value) and "access_token" in str(none.value)
    # and $KAGGLE_CONFIG_DIR wins over both
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "xdg" / "kaggle"))
    assert find_kaggle_credentials().username == "xdg"
    # on other systems there is no XDG place
    from crawler.sources.kaggle import kaggle_config_dir

    monkeypatch.delenv("KAGGLE_CONFIG_DIR")
    (home / ".kaggle").rmdir()
    assert kaggle_config_dir(platform="darwin") == home / ".kaggle"
    assert kaggle_config_dir(platform="linux") == tmp_path / "xdg" / "kaggle"


def test_cli_crawl_with_the_home_access_token_file(fake: FakeKaggle, db: str) -> None:
    assert fake.token is not None
    _write(Path.home() / ".kaggle" / "access_token", fake.token + "\n")
    result = runner.invoke(
        app, ["-v", "crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", db, *FAST_CLI]
    )
    assert result.exit_code == 0, result.output
    assert fake.requests and {r.authorization for r in fake.requests} == {f"Bearer {fake.token}"}
    assert fake.token not in result.output
    con = connect(db)
    con.execute("CHECKPOINT")
    con.close()
    assert fake.token.encode() not in Path(db).read_bytes()


def test_a_refused_token_file_is_named_not_shown(fake: FakeKaggle, db: str, tmp_path: Path) -> None:
    token_file = _write(tmp_path / "token", "kgat_revoked-token-42")
    creds = find_kaggle_credentials({"KAGGLE_API_TOKEN": str(token_file), "HOME": str(Path.home())})
    result = crawl(source(fake, credentials=creds), db)
    assert result.status == "failed"
    assert f"refused the credentials from {token_file} (KAGGLE_API_TOKEN) (HTTP 401)" in (result.error or "")
    assert "kgat_revoked" not in (result.error or "")


def test_params_hold_no_credentials(fake: FakeKaggle) -> None:
    creds = KaggleCredentials("basic", "the-secret-key", username="someone", origin="test")
    text = json.dumps(KaggleSource(fake.url, creds).params())
    for secret in creds.secrets():
        assert secret not in text
    assert fake.url in text


# ----------------------------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_without_credentials_exits_with_one_line_and_no_database(
    tmp_path: Path, fake: FakeKaggle
) -> None:
    db = tmp_path / "zoo.duckdb"
    result = runner.invoke(app, ["crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", str(db)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zoo: no Kaggle credentials")
    assert not db.exists() and not Path(str(db) + ".lock").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]
    assert fake.count() == 0


def test_cli_crawl_with_a_token_never_stores_or_logs_it(
    fake: FakeKaggle,
    kaggle_models,
    db: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    clock: VirtualClock,
) -> None:
    assert fake.token is not None
    monkeypatch.setenv("KAGGLE_API_TOKEN", fake.token)
    fake.faults.status_next.extend([429, 500])  # make the retry logging speak (virtual waits)
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(
        app, ["-v", "crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", db, *FAST_CLI]
    )
    assert result.exit_code == 0, result.output
    assert f"kaggle: run 1 complete, {N_MODELS:,} models" in result.stdout
    assert "rate limited" in caplog.text and "HTTP 500" in caplog.text
    assert len(clock.waits) == 2  # one wait before each request asked again
    assert all(r.authorization == f"Bearer {fake.token}" for r in fake.requests)
    assert all((r.user_agent or "").startswith("zoo-crawler/") for r in fake.requests)
    files = [p for p in Path(db).parent.iterdir() if p.is_file()]
    for text in [result.output, caplog.text, *(p.read_bytes().decode("latin-1") for p in files)]:
        assert fake.token not in text
    assert kaggle_rows(db, "select count(*) from models where hub='kaggle'")[0][0] == N_MODELS


def test_cli_basic_auth_key_never_reaches_the_database(
    fake: FakeKaggle, db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert fake.username and fake.key
    monkeypatch.setenv("KAGGLE_USERNAME", fake.username)
    monkeypatch.setenv("KAGGLE_KEY", fake.key)
    fake.faults.status_next.extend([502])  # make the retry logging speak
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(
        app, ["-v", "crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", db, *FAST_CLI]
    )
    assert result.exit_code == 0, result.output
    basic = KaggleCredentials("basic", fake.key, username=fake.username).secrets()
    assert all(r.authorization == f"Basic {basic[1]}" for r in fake.requests)
    assert "HTTP 502" in caplog.text
    stored = Path(db).read_bytes().decode("latin-1")
    for secret in basic:
        assert secret not in stored and secret not in result.output and secret not in caplog.text


def test_cli_failed_run_resumes_with_exact_counts(
    fake: FakeKaggle, kaggle_models, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fake.token is not None
    monkeypatch.setenv("KAGGLE_API_TOKEN", fake.token)
    args = ["crawl", "kaggle", "--kaggle-endpoint", fake.url, "--db", db, *FAST_CLI]
    fake.faults.fail_from_page = 3
    failed = runner.invoke(app, args)
    assert failed.exit_code == 1
    assert "kaggle: run 1 failed" in failed.stdout and "HTTP 500" in failed.stdout
    assert fake.token not in failed.output

    fake.faults.fail_from_page = None
    resumed = runner.invoke(app, args)
    assert resumed.exit_code == 0, resumed.output
    assert "kaggle: run 1 complete" in resumed.stdout and "resumed" in resumed.stdout
    assert fake.listing_pages_served() == list(range(math.ceil(len(kaggle_models) / 50)))
    assert kaggle_rows(db, "select count(*), count(distinct key) from models")[0] == (N_MODELS, N_MODELS)
    assert kaggle_rows(db, "select count(*) from kaggle_instances")[0][0] == n_instances(kaggle_models)
    runs = kaggle_rows(db, "select run_id, status, resumed, models from crawl_runs")
    assert runs == [(1, "complete", True, N_MODELS)]


def test_cli_endpoint_from_the_environment(
    fake: FakeKaggle, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fake.token is not None
    monkeypatch.setenv("KAGGLE_API_TOKEN", fake.token)
    monkeypatch.setenv("ZOO_KAGGLE_ENDPOINT", fake.url)
    result = runner.invoke(app, ["crawl", "kaggle", "--db", db, "--page-size", "20", *FAST_CLI])
    assert result.exit_code == 0, result.output
    assert all(r.body.get("pageSize") == 20 for r in fake.requests if r.path == LIST_MODELS)
    params = json.loads(kaggle_rows(db, "select params from crawl_runs")[0][0])
    assert params["endpoint"] == fake.url and params["pageSize"] == 20


def test_cli_help_has_an_example() -> None:
    result = runner.invoke(app, ["crawl", "kaggle", "--help"])
    assert result.exit_code == 0
    assert "Example: KAGGLE_API_TOKEN=... zoo crawl kaggle" in result.output
    assert "--kaggle-endpoint" in result.output


def test_crawl_starts_with_an_empty_token_and_sends_the_listing_body(fake: FakeKaggle, db: str) -> None:
    assert crawl(source(fake, search="", owner=""), db).status == "complete"
    first = next(r for r in fake.requests if r.path == LIST_MODELS)
    assert first.method == "POST"
    assert first.body == {
        "pageSize": 50,
        "pageToken": "",
        "sortBy": "LIST_MODELS_ORDER_BY_CREATE_TIME",
        "search": "",
        "owner": "",
    }
    tokens = [r.body["pageToken"] for r in fake.requests if r.path == LIST_MODELS]
    assert tokens[0] == "" and all(tokens[1:]) and len(set(tokens)) == len(tokens)


def test_a_filtered_crawl_marks_nothing_absent(fake: FakeKaggle, crawled_db: str) -> None:
    """--owner lists part of the hub: the models it did not list are not absent, let alone deleted,
    and keep their instances."""
    db = crawled_db  # its first crawl listed the same models, all of them
    instances = kaggle_rows(db, "SELECT count(*) FROM kaggle_instances")
    everything = kaggle_rows(db, "SELECT count(*) FROM current_models WHERE hub = 'kaggle'")[0][0]
    for _ in range(2):  # twice: with --delete-after 2 a full run would delete the others
        result = crawl(source(fake, owner="google"), db)
        assert result.status == "complete" and 0 < result.merge.models < everything
        assert result.merge.absent == 0 and result.merge.deleted == 0 and not result.merge.suspect
    assert kaggle_rows(db, "SELECT count(*) FROM model_absences") == [(0,)]
    assert kaggle_rows(db, "SELECT count(*) FROM kaggle_instances") == instances
    assert kaggle_rows(db, "SELECT full_listing FROM crawl_runs ORDER BY run_id") == [
        (True,),
        (False,),
        (False,),
    ]
    assert kaggle_rows(db, "SELECT count(*) FROM current_models WHERE hub = 'kaggle'") == [(everything,)]


# ------------------------------------------------------------------------------------- the hub contract


class _PagedKaggle(FakeKaggle):
    """The fake Kaggle, telling the page of each ListModels request and failing one page on demand."""

    def __init__(self, models: list[dict], **kwargs: Any) -> None:
        super().__init__(models, **kwargs)
        self.failing: int | None = None
        self.asked: list[int] = []

    def list_models(self, body: dict, legacy: bool = False) -> tuple[int, Any]:
        token = body.get("pageToken") or ""
        page = (_untoken(token)[1] if token else 0) + 1
        self.asked.append(page)
        if page == self.failing:
            return 400, {"code": 400, "message": "injected failure"}
        return super().list_models(body, legacy)

    def fail(self, page: int | None) -> None:
        self.failing = page

    def pages(self) -> list[int]:
        return list(self.asked)


class TestKaggleContract(HubContract):
    hub = "kaggle"

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        models = make_kaggle_models(25, seed=41, strip_share=0.0)
        with _PagedKaggle(models, token=SECRET) as fake:
            args = ["--kaggle-endpoint", fake.url, "--page-size", "10"]
            yield Served(args, len(visible(models)), fake.fail, fake.pages)
