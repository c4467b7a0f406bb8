"""Hostile and unreachable servers: zoo's requests go to the endpoint only, pagination cannot loop, a
trickling server cannot hold a crawl, an unreachable hub fails fast, and failed runs count their requests.

Every server is a real one on 127.0.0.1 (``tests/fakes/hostile.py``, ``tests/fakes/faults.py``). The "no
network" case runs zoo in a network namespace of its own (``unshare -rn``), where a name lookup fails
at once because no packet can leave: nothing is sent off the machine, and the case is skipped where
namespaces are not allowed. (A name under ``.invalid`` is no use here: the resolver of this kind of
machine still sends the query to its name server.)
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.crawl import crawl
from crawler.sources import registry
from crawler.sources._client import CONNECT_TIMEOUT
from crawler.sources._net import HF_POLICY, UNREACHABLE_SECONDS
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from tests.conftest import crawl_all_failed
from tests.fakes.faults import (
    RecordingHub,
    all_text,
    has_traceback,
    model_rows,
    query,
    runs,
    staged_state,
    zoo,
    zoo_env,
)
from tests.fakes.gitrepo import GitRepo
from tests.fakes.hostile import EndlessHub, EndlessKaggle, LinkHub, TrickleServer, cursor_of
from tests.fakes.hub import is_legacy, make_models
from tests.fakes.kaggle import make_kaggle_models
from tests.fakes.virtual_zoo import virtual_zoo

TOKEN = "hf_zooHOSTILEtoken0123456789abcdef"
KAGGLE_TOKEN = "kgat_zooHOSTILEtoken0123456789"


#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.01, json_retry_wait=0.01)


def fast(url: str, **kw) -> HuggingFaceSource:
    kw.setdefault("policy", FAST)
    return HuggingFaceSource(url, **kw)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line(done: subprocess.CompletedProcess) -> str:
    """The summary line a failed crawl printed (stdout), checked to be the only output."""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout + done.stderr
    assert not has_traceback(done.stdout + done.stderr)
    return lines[0]


# ------------------------------------------------------------------------ 17.1: other hosts get nothing


def test_a_next_link_to_another_host_is_not_followed(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(500, seed=8)) as foreign:

        def elsewhere(n: int, link: str) -> str:
            return link.replace(hub.url, foreign.url) if n == 2 else link

        with LinkHub(make_models(3000, seed=7), next_link=elsewhere) as hub:
            done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=zoo_env(HF_TOKEN=TOKEN))
            seen = hub.seen()
        assert foreign.seen() == []  # no request, so no Authorization header either
    line = one_line(done)
    assert done.returncode == 1
    port = foreign.url.rsplit(":", 1)[1]
    assert f"points to another host (http://127.0.0.1:{port})" in line and "nothing was sent there" in line
    assert TOKEN not in done.stdout + done.stderr
    assert [s.authorization for s in seen] == [f"Bearer {TOKEN}"] * 2  # the token went to its hub only
    [run] = runs(db)
    assert run["status"] == "failed" and run["pages"] == 1
    assert run["requests"] == len(seen) == 2
    assert query(db, "SELECT count(*) FROM models") == [(0,)]
    # only the endpoint's first page is staged for the resume; nothing of the foreign host
    state = staged_state(Path(db + ".staging") / "huggingface.duckdb")
    assert state is not None and (state["rows"], state["pages"]) == (1000, 1)
    assert cursor_of(state["checkpoint"]) is not None and state["checkpoint"].startswith(hub.url)


@pytest.mark.parametrize("where", ["foreign", "same host"])
def test_redirects_are_followed_on_the_endpoint_only(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    models = make_models(2500, seed=9)
    with RecordingHub(make_models(100, seed=10)) as foreign, LinkHub(models) as hub:
        clean = crawl(fast(hub.url), str(tmp_path / "clean.duckdb"))
        assert clean.status == "complete"
        start = len(hub.seen())
        page2 = hub.seen()[1].path  # the second page of the clean crawl: a cursor link
        target = (foreign.url if where == "foreign" else hub.url) + page2
        hub.answer_at = {start + 1: (302, {"Location": target})}
        db = str(tmp_path / "zoo.duckdb")
        result = crawl(fast(hub.url), db)
        seen = hub.seen()[start:]
    assert foreign.seen() == []
    [run] = runs(db)
    assert run["requests"] == len(seen)
    if where == "foreign":
        assert result.status == "failed"
        assert "redirected a request to another host" in (result.error or "")
        assert [s.status for s in seen] == [200, 302]
        return
    assert result.status == "complete", result.error
    assert [s.status for s in seen] == [200, 302, 200, 200]
    assert all(s.authorization == f"Bearer {TOKEN}" for s in seen)
    assert model_rows(db) == model_rows(str(tmp_path / "clean.duckdb"))


def test_a_resumed_run_never_asks_another_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    db = str(tmp_path / "zoo.duckdb")
    with LinkHub(make_models(3000, seed=11), answer_at={2: (500, {})}) as first:
        failed = crawl(
            fast(first.url, policy=replace(FAST, max_attempts=1)), db, prefetch=False
        )  # pages 1-2, then a 500
    assert failed.status == "failed" and runs(db)[0]["pages"] == 2
    with RecordingHub(make_models(100, seed=12)) as other:
        result = crawl(fast(other.url), db)
        assert other.seen() == []  # the saved cursor (and the token) never went to the other hub
    assert result.status == "failed"
    assert "the interrupted run was listing" in (result.error or "") and "--restart" in (result.error or "")


# --------------------------------------------------------------------------- 17.2: pagination loops


def test_a_repeated_cursor_fails_the_run_instead_of_looping(tmp_path: Path) -> None:
    links: dict[int, str] = {}

    def back(n: int, link: str) -> str:
        links[n] = link
        return links[2] if n == 3 else link  # page 3 sends page 2's next link again

    db = str(tmp_path / "zoo.duckdb")
    with LinkHub(make_models(6000, seed=13), next_link=back) as hub:
        result = crawl(fast(hub.url), db)
        seen = hub.seen()
    assert result.status == "failed"
    assert "repeats a cursor this run already followed" in (result.error or "")
    assert len(seen) == 3  # it did not go round even once
    [run] = runs(db)
    assert run["status"] == "failed" and run["pages"] == 2 and run["requests"] == 3


def test_a_cursor_repeated_across_a_resume_fails_the_run(tmp_path: Path) -> None:
    links: dict[int, str] = {}

    def back(n: int, link: str) -> str:
        links.setdefault(n, link)
        return links[1] if n == 4 else link  # page 4 points back to where page 1 pointed

    db = str(tmp_path / "zoo.duckdb")
    # the first session: pages 1-3, then the 4th request fails (no retries); the second resumes at page 4
    with LinkHub(make_models(8000, seed=14), next_link=back, answer_at={3: (500, {})}) as hub:
        first = crawl(fast(hub.url, policy=replace(FAST, max_attempts=1)), db, prefetch=False)
        assert first.status == "failed" and runs(db)[0]["pages"] == 3
        result = crawl(fast(hub.url), db, prefetch=False)
        seen = hub.seen()
    # that session never followed page 1's link itself: the run's saved checkpoints tell
    assert result.status == "failed", result.error
    assert "came back to a position this run already passed" in (result.error or "")
    [run] = runs(db)
    assert run["status"] == "failed" and run["pages"] == 3 and run["resumed"]
    assert run["requests"] == len(seen) == 5


def test_far_more_pages_than_announced_fails_the_run(tmp_path: Path) -> None:
    items = make_models(10, seed=15)
    db = str(tmp_path / "zoo.duckdb")
    with EndlessHub(items, total=25) as hub:
        result = crawl(fast(hub.url, page_size=10), db)
        seen = hub.seen()
    assert result.status == "failed"
    assert "announced 25 models (X-Total-Count)" in (result.error or "")
    # 4 × the announced total plus 4 pages of slack: 140 slots, so the 15th page stops it
    assert len(seen) == 15
    [run] = runs(db)
    assert run["status"] == "failed" and run["requests"] == 15 and run["pages"] == 14


def test_kaggle_far_more_pages_than_announced_fails_the_run(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with EndlessKaggle(make_kaggle_models(10, seed=3), token=KAGGLE_TOKEN) as fake:
        creds = KaggleCredentials("bearer", KAGGLE_TOKEN, origin="test")
        result = crawl(KaggleSource(fake.url, creds), db)
        listed = fake.count(path="/v1/models.ModelApiService/ListModels")
        total = len(fake.requests)
    assert result.status == "failed"
    assert "Kaggle announced 10 models (totalResults)" in (result.error or "")
    assert listed == 15  # 4 × the pages 10 models need, plus 10
    [run] = runs(db)
    assert run["status"] == "failed" and run["requests"] == total


# ------------------------------------------------------------------- 17.7: a total deadline per request


@pytest.mark.parametrize("where", ["body", "status"])
def test_a_trickling_server_fails_the_hf_crawl_after_a_bounded_number_of_attempts(
    where: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with TrickleServer(where=where, interval=0.2) as server:
        if where == "body":  # the option
            args, env = ["--request-deadline", "0.5"], zoo_env()
        else:  # the environment variable
            args, env = [], zoo_env(ZOO_REQUEST_DEADLINE="0.5")
        done = zoo("crawl", "hf", "--hf-endpoint", server.url, "--db", db, *args, env=env, timeout=120)
        connections = server.wait_closed(4, 10)
    line = one_line(done)
    assert done.returncode == 1
    assert "gave no complete answer to 4 requests in a row" in line
    assert "the last one was still incomplete after 0.5 s" in line and "--request-deadline" in line
    assert len(connections) == 4
    for c in connections:  # each attempt was abandoned at its deadline, though bytes kept coming
        assert c["closed"] is not None and 0.4 <= c["closed"] - c["opened"] < 3.0
    # a time-out on a listing page also asks the next attempt with a smaller page
    limits = [c["request"].split(b"limit=", 1)[1].split(b"&", 1)[0] for c in connections]
    assert limits == [b"1000", b"500", b"250", b"100"]
    assert (
        "page size lowered from 1,000 to 500 (still incomplete after 0.5 s)" in line
        and "from 500 to 250" in line
        and "from 250 to 100" in line
    )
    [run] = runs(db)
    assert run["status"] == "failed" and run["requests"] == 4


def listed(db: str, n: int = 300, seed: int = 19) -> list[dict]:
    """A database with a complete Hugging Face listing whose legacy models ``zoo crawl hf-dates`` asks
    about; returns those legacy models."""
    models = make_models(n, seed=seed, sentinel_share=0.3)
    for m in models:  # a gated repo is not asked without a token, as on the Hub: none here
        m["gated"] = False
    with RecordingHub(models) as hub:
        done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
    old = [m for m in models if is_legacy(m)]
    assert old
    return old


@pytest.mark.parametrize("where", ["body", "status"])
def test_a_trickling_server_fails_hf_dates_after_a_bounded_number_of_attempts(
    where: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "zoo.duckdb")
    old = listed(db)
    with TrickleServer(where=where, interval=0.2) as server:
        if where == "body":  # the option
            args, env = ["--request-deadline", "0.5"], zoo_env()
        else:  # the environment variable
            args, env = [], zoo_env(ZOO_REQUEST_DEADLINE="0.5")
        # virtual waits: the backoffs between attempts pass at once; each attempt's deadline stays real
        done, waits = virtual_zoo(
            "crawl", "hf-dates", "--hf-endpoint", server.url, "--db", db, *args, env=env, timeout=120
        )
        connections = server.wait_closed(4, 10)
    line = one_line(done)
    assert done.returncode == 1
    assert line.startswith("huggingface-dates: run 2 failed")
    assert "HubTooSlow" in line and "gave no complete answer to 4 requests in a row" in line
    assert "the last one was still incomplete after 0.5 s" in line and "--request-deadline" in line
    assert len(connections) == 4
    first = min(old, key=lambda m: m["_id"])  # the work list's first model, asked four times
    for c in connections:  # each attempt was abandoned at its deadline, though bytes kept coming
        assert c["closed"] is not None and 0.4 <= c["closed"] - c["opened"] < 3.0
        assert c["request"].startswith(f"GET /api/models/{first['id']}/commits/{first['sha']}?".encode())
    assert waits == [1.0, 2.0, 4.0]  # the backoff before each attempt again
    [_, run] = runs(db)
    assert (run["source"], run["status"], run["requests"]) == ("huggingface-dates", "failed", 4)
    assert query(db, "SELECT count(*) FROM hf_first_commits") == [(0,)]


def test_a_trickling_server_fails_the_kaggle_crawl(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with TrickleServer(interval=0.2) as server:
        done = zoo(
            "crawl",
            "kaggle",
            "--kaggle-endpoint",
            server.url,
            "--db",
            db,
            "--request-deadline",
            "1",
            "--max-attempts",
            "10",
            "--backoff",
            "0.01",
            env=zoo_env(KAGGLE_API_TOKEN=KAGGLE_TOKEN),
            timeout=120,
        )
        connections = server.wait_closed(4, 10)
    line = one_line(done)
    assert done.returncode == 1
    assert "failed after 4 attempts: DeadlineExceeded: no complete answer within 1 s" in line
    assert "--request-deadline" in line and KAGGLE_TOKEN not in done.stdout + done.stderr
    assert len(connections) == 4  # the time-outs in a row end it, though 10 attempts were allowed
    for c in connections:
        assert c["closed"] is not None and 0.8 <= c["closed"] - c["opened"] < 3.0
    [run] = runs(db)
    assert run["status"] == "failed" and run["requests"] == 4


# ------------------------------------------------------------------- 11: an unreachable hub fails fast


def tf_catalog(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write("assets/docs/google/models/tiny/1.md", "# Module google/tiny/1\nA tiny model.\n")
    repo.commit("one model", "2021-05-01T10:00:00+00:00")
    return repo


def run_seconds(line: str) -> float:
    """The duration a summary line reports (``…, 15.9 s (0 models/s) — …``)."""
    match = re.search(r", ([0-9.]+) s \(", line)
    assert match, line
    return float(match.group(1))


def test_crawl_all_goes_on_after_hubs_that_refuse_connections(tmp_path: Path) -> None:
    """Virtual waits (tests/fakes/virtual_zoo.py): each refusing hub is tried again after the backoffs it
    asked for, within its unreachable window, without the test sitting through them
    (``test_a_refused_hub_is_tried_again_in_real_time_until_its_window_is_over`` waits for real)."""
    db = str(tmp_path / "zoo.duckdb")
    hf, git, kaggle = closed_port(), closed_port(), closed_port()
    env = zoo_env(
        ZOO_PYTORCH_HUB_REPO=f"http://127.0.0.1:{git}/pytorch/hub.git",
        ZOO_TF_HUB_REPO=str(tf_catalog(tmp_path / "tfhub.dev").path),
        ZOO_KAGGLE_ENDPOINT=f"http://127.0.0.1:{kaggle}",
        KAGGLE_API_TOKEN=KAGGLE_TOKEN,
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        NO_PROXY="127.0.0.1",
    )
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    done, waits = virtual_zoo(
        "crawl", "all", "--db", db, "--hf-endpoint", f"http://127.0.0.1:{hf}", env=env, timeout=300
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert not has_traceback(done.stdout + done.stderr)
    lines = done.stdout.strip().splitlines()
    by_hub = {line.split(":", 1)[0]: line for line in lines}
    assert by_hub["huggingface"].endswith(f"cannot reach http://127.0.0.1:{hf}: connection refused")
    assert by_hub["pytorch-hub"].startswith("pytorch-hub: run 2 failed")
    assert by_hub["tf-hub"].startswith("tf-hub: run 3 complete, 1 models")  # the next hub ran
    assert by_hub["kaggle"].startswith("kaggle: run 4 failed")
    assert f"cannot reach http://127.0.0.1:{kaggle}: connection refused" in by_hub["kaggle"]
    set_up = ("huggingface", "pytorch-hub", "tf-hub", "kaggle")
    assert lines[-1] == crawl_all_failed("huggingface", "pytorch-hub", "kaggle", set_up=set_up)
    assert run_seconds(by_hub["huggingface"]) < 30 and run_seconds(by_hub["kaggle"]) < 30
    # every failed run counts the requests it sent (it did try again, briefly), the git clone included
    counted = {r["source"]: r["requests"] for r in runs(db)}
    assert counted["huggingface"] >= 2 and counted["kaggle"] >= 2 and counted["pytorch-hub"] == 1
    # one wait before each attempt again, and each hub's waits end within its unreachable window
    assert len(waits) == counted["huggingface"] - 1 + counted["kaggle"] - 1, waits
    hf_waits, kaggle_waits = waits[: counted["huggingface"] - 1], waits[counted["huggingface"] - 1 :]
    assert hf_waits == [1.0, 2.0, 4.0, 8.0]  # the Hugging Face backoff, doubling from 1 s
    for asked in (hf_waits, kaggle_waits):
        assert 0 < sum(asked) <= UNREACHABLE_SECONDS - CONNECT_TIMEOUT, asked


def test_hf_dates_against_a_hub_that_refuses_connections_fails_fast(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    listed(db)
    port = closed_port()
    env = zoo_env(NO_PROXY="127.0.0.1")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    done, waits = virtual_zoo(
        "crawl", "hf-dates", "--hf-endpoint", f"http://127.0.0.1:{port}", "--db", db, env=env
    )
    line = one_line(done)
    assert done.returncode == 1
    assert line.startswith("huggingface-dates: run 2 failed")
    assert line.endswith(f"cannot reach http://127.0.0.1:{port}: connection refused")
    assert run_seconds(line) < 30
    [_, run] = runs(db)
    assert (run["source"], run["status"]) == ("huggingface-dates", "failed")
    assert run["requests"] >= 2  # it did try again, briefly, and counted each attempt
    assert len(waits) == run["requests"] - 1 and 0 < sum(waits) <= UNREACHABLE_SECONDS - CONNECT_TIMEOUT
    assert query(db, "SELECT count(*) FROM hf_first_commits") == [(0,)]


def test_a_refused_hub_is_tried_again_in_real_time_until_its_window_is_over(tmp_path: Path) -> None:
    """The unreachable window in real time (the other unreachable tests make the waits virtual): a
    window of 1.5 s and a connect time-out of 0.5 s (the deadline caps it) leave room for backoffs of
    0.2 and 0.4 s; a third backoff (0.8 s) can never be over in time, so the run fails after 3 attempts
    (2 on a machine so busy that the second backoff starts more than 0.6 s after the first failure)."""
    policy = replace(FAST, backoff_base=0.2, unreachable_after=1.5, deadline=0.5)
    db = str(tmp_path / "zoo.duckdb")
    port = closed_port()
    started = time.monotonic()
    result = crawl(fast(f"http://127.0.0.1:{port}", policy=policy), db)
    took = time.monotonic() - started
    assert result.status == "failed"
    assert f"cannot reach http://127.0.0.1:{port}: connection refused" in (result.error or "")
    [run] = runs(db)
    assert 2 <= run["requests"] <= 3
    assert took >= sum(0.2 * 2**n for n in range(run["requests"] - 1))  # the backoffs were waited for real


def _netns_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _netns_works(), reason="no network namespaces here (unshare -rn)")
def test_with_no_network_every_hub_fails_fast_with_the_dns_reason(tmp_path: Path) -> None:
    """In a network namespace of its own zoo has no route anywhere: every name lookup of the real
    endpoints fails at once, without a packet leaving the machine."""
    db = str(tmp_path / "zoo.duckdb")
    env = zoo_env(KAGGLE_API_TOKEN=KAGGLE_TOKEN, XDG_CACHE_HOME=str(tmp_path / "cache"))
    for name in registry.endpoint_vars():  # every hub at its real default
        env.pop(name, None)
    # virtual waits (tests/fakes/virtual_zoo.py): the unreachable window passes without the test waiting
    done, waits = virtual_zoo("crawl", "all", "--db", db, env=env, timeout=300, wrap=("unshare", "-rn"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert not has_traceback(done.stdout + done.stderr)
    by_hub = {line.split(":", 1)[0]: line for line in done.stdout.strip().splitlines()}
    for hub, host in (("huggingface", "https://huggingface.co"), ("kaggle", "https://api.kaggle.com")):
        assert f"cannot reach {host}: the name does not resolve" in by_hub[hub], by_hub[hub]
        assert run_seconds(by_hub[hub]) < 30
    assert "Could not resolve host: github.com" in by_hub["pytorch-hub"]  # git says so itself
    counted = {r["source"]: r["requests"] for r in runs(db)}
    assert counted["huggingface"] >= 2 and counted["kaggle"] >= 2  # tried again, within the window
    assert 0 < sum(waits) <= len(counted) * (UNREACHABLE_SECONDS - CONNECT_TIMEOUT), waits


# ------------------------------------------------------ 17.8: credentials in an endpoint are refused


@pytest.mark.parametrize("how", ["option", "environment", "kaggle", "pwc", "crawl all", "hf-dates"])
def test_credentials_in_an_endpoint_are_refused_and_never_shown(how: str, tmp_path: Path) -> None:
    secret = "zooPASSWORD0123456789"
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(50, seed=16)) as hub:
        endpoint = hub.url.replace("http://", f"http://alice:{secret}@")
        if how == "option":
            done = zoo("crawl", "hf", "--hf-endpoint", endpoint, "--db", db)
        elif how == "environment":
            done = zoo("crawl", "hf", "--db", db, env=zoo_env(HF_ENDPOINT=endpoint))
        elif how == "pwc":
            done = zoo("import", "pwc", "--hf-endpoint", endpoint, "--db", db)
        elif how == "hf-dates":
            done = zoo("crawl", "hf-dates", "--hf-endpoint", endpoint, "--db", db)
        elif how == "kaggle":
            done = zoo(
                "crawl", "kaggle", "--kaggle-endpoint", endpoint, "--db", db,
                env=zoo_env(KAGGLE_API_TOKEN=KAGGLE_TOKEN),
            )  # fmt: skip
        else:
            env = zoo_env(ZOO_TF_HUB_REPO=str(tf_catalog(tmp_path / "tfhub.dev").path))
            env["ZOO_PYTORCH_HUB_REPO"] = env["ZOO_TF_HUB_REPO"]
            env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
            done = zoo("crawl", "all", "--hf-endpoint", endpoint, "--db", db, env=env, timeout=300)
        seen = hub.seen()
    output = done.stdout + done.stderr
    assert done.returncode == 1
    assert seen == []  # nothing was asked with them
    assert secret not in output and "alice" not in output
    assert "***@127.0.0.1" in output and "refuses credentials in an endpoint URL" in output
    assert not has_traceback(output)
    if how == "crawl all":
        assert "huggingface: failed before its run could start" in done.stdout
        assert "tf-hub: run" in done.stdout and "complete" in done.stdout  # the others ran
        assert [v for _, _, v in all_text(db) if secret in v or "alice" in v] == []
    else:
        assert not Path(db).exists()  # refused before the database was opened


def test_credentials_stored_by_an_older_version_are_removed_on_upgrade(tmp_path: Path) -> None:
    import duckdb

    secret = "zooOLDpassword0123"
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(50, seed=18)) as hub:
        assert zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db).returncode == 0
    # what an older version left: the endpoint with its credentials, in params and an error text
    con = duckdb.connect(db)
    con.execute("DELETE FROM schema_migrations WHERE version = 8")
    con.execute("ALTER TABLE crawl_runs DROP COLUMN notes")
    con.execute("DROP VIEW run_list")
    con.execute("UPDATE zoo_meta SET value = 'older' WHERE key = 'sql_fingerprint'")
    endpoint = hub.url.replace("http://", f"http://alice:{secret}@")
    con.execute(
        "UPDATE crawl_runs SET params = json_merge_patch(params, ?), error = ?, warning_samples = [?]",
        [
            json.dumps({"endpoint": endpoint}),
            f"GET {endpoint}/api/models failed",
            f"odd answer from {endpoint}",
        ],
    )
    con.close()
    assert [v for _, _, v in all_text(db) if secret in v]  # it was there
    refused = zoo("runs", "--db", db, "--format", "json")  # reading commands never change the file
    assert refused.returncode != 0 and "zoo upgrade" in refused.stderr
    assert secret not in refused.stdout + refused.stderr
    assert zoo("upgrade", "--db", db).returncode == 0
    shown = zoo("runs", "--db", db, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert secret not in shown.stdout and "alice" not in shown.stdout
    assert [v for _, _, v in all_text(db) if secret in v or "alice" in v] == []
    [run] = runs(db)
    assert json.loads(run["params"])["endpoint"] == hub.url.replace("http://", "http://***@")
    assert run["notes"] is None


# ----------------------------------------------------------------- zoo runs: the notes key is added


def test_runs_json_keeps_its_keys_and_adds_notes(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    with RecordingHub(make_models(1200, seed=17)) as hub:
        assert zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db).returncode == 0
    shown = zoo("runs", "--db", db, "--format", "json")
    [row] = json.loads(shown.stdout)
    assert list(row) == [
        "run_id", "source", "status", "started", "finished", "pages", "models", "items", "requests",
        "warnings", "resumed", "suspect", "new", "changed", "absent", "deleted", "error", "notes",
    ]  # fmt: skip
    assert row["notes"] == []


def test_crawl_all_over_hostile_hubs_crawls_the_others_and_names_each_failure(tmp_path: Path) -> None:
    """A night with two hostile hubs: the Hugging Face listing asks (on a 200) for a wait of 11.6 days
    in its ``RateLimit`` header, Kaggle answers 200 with an error body. Both fail at once, in one line
    each, the catalogs in between are crawled, and the exit code is 1."""
    from tests.fakes.hub import FakeHub, Faults
    from tests.fakes.kaggle import FakeKaggle, KaggleFaults

    db = str(tmp_path / "zoo.duckdb")
    catalog = tf_catalog(tmp_path / "tfhub.dev")
    hostile_hf = Faults(page_headers={"RateLimit": '"api";r=0;t=1000000'})
    kaggle_faults = KaggleFaults()
    kaggle_faults.error_body_next.append(403)
    with (
        FakeHub(make_models(2500, seed=5), faults=hostile_hf) as hub,
        FakeKaggle(make_kaggle_models(5), faults=kaggle_faults) as kaggle,
    ):
        env = zoo_env(
            ZOO_PYTORCH_HUB_REPO=str(catalog.path),
            ZOO_TF_HUB_REPO=str(catalog.path),
            ZOO_KAGGLE_ENDPOINT=kaggle.url,
            KAGGLE_API_TOKEN=kaggle.token or "",
            XDG_CACHE_HOME=str(tmp_path / "cache"),
        )
        done = zoo("crawl", "all", "--db", db, "--hf-endpoint", hub.url, env=env, timeout=300)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert not has_traceback(text)
    lines = done.stdout.strip().splitlines()
    by_hub = {line.split(":", 1)[0]: line for line in lines}
    assert by_hub["huggingface"].startswith("huggingface: run 1 failed")
    assert "RateLimit" in by_hub["huggingface"] and "1,000,000 s" in by_hub["huggingface"]
    assert by_hub["tf-hub"].startswith("tf-hub: run 3 complete, 1 models")
    assert by_hub["kaggle"].startswith("kaggle: run 4 failed")
    assert lines[-1].startswith("zoo crawl all: ") and "huggingface" in lines[-1] and "kaggle" in lines[-1]
    statuses = {r["source"]: r["status"] for r in runs(db)}
    assert statuses["huggingface"] == "failed" and statuses["tf-hub"] == "complete"
