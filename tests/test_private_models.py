"""Private models: stored with ``private`` true, never counted.

With ``HF_TOKEN`` set the Hub's listing also holds the token owner's private repos (the fake Hub lists them
only to a request carrying that owner's token, as the Hub does); Kaggle credentials show their owner's
private models. Statistics are about public models: every statistic reads ``stats_models``, which leaves
private ones out, so a crawl with a token gives the same figures as one without.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crawler
from crawler import report, stats
from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from crawler.store import connect
from tests.fakes.hub import FakeHub, make_models
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models, visible

runner = CliRunner()
ALICE_TOKEN = "hf_aliceSECRETtoken0123456789"
N = 400


@pytest.fixture
def hub_models() -> list[dict]:
    """400 public models, 4 of them alice's, plus 6 private ones: 5 of alice's (PyTorch-only, so they
    would move the shares if counted) and 1 of bob's."""
    models = make_models(N, seed=5)
    for i, m in enumerate(models[:4]):
        m["author"], m["id"] = "alice", f"alice/public-{i}"
    private = make_models(6, seed=6)
    for i, m in enumerate(private):
        owner = "alice" if i < 5 else "bob"
        m.update(author=owner, id=f"{owner}/private-{i}", private=True, tags=["pytorch", "en"])
        m["_id"] = m["_id"][:-6] + f"{0x900000 + i:06x}"  # no clash with a public model's _id
    return models + private


def figures(db: str) -> dict[str, list[tuple]]:
    """Every statistic, as rows (the run ids and crawl times left out: the crawls differ, not the counts)."""
    con = connect(db, read_only=True)
    today = datetime.now(timezone.utc).date().isoformat()
    try:
        return {
            "hubs": con.execute("SELECT hub, status, models FROM stats_hubs ORDER BY ALL").fetchall(),
            "hubs_as_of": con.execute(
                "SELECT hub, status, models FROM stats_hubs_at(?::DATE) ORDER BY ALL", [today]
            ).fetchall(),
            "exclusivity": con.execute("SELECT * FROM stats_exclusivity ORDER BY ALL").fetchall(),
            "exclusivity_as_of": con.execute(
                "SELECT * FROM stats_exclusivity_at(?::DATE, NULL, NULL) ORDER BY ALL", [today]
            ).fetchall(),
            "additions": con.execute("SELECT * FROM stats_additions ORDER BY ALL").fetchall(),
            "headline": con.execute("SELECT * FROM stats_headline ORDER BY ALL").fetchall(),
            "api_hubs": [(r["hub"], r["status"], r["models"]) for r in stats.hubs(con).records()],
        }
    finally:
        con.close()


def test_the_fake_lists_private_models_to_their_owner_only(
    hub_models: list[dict], more_dbs: Callable[[str], str]
) -> None:
    with FakeHub(hub_models, tokens={ALICE_TOKEN: "alice", "hf_bob": "bob"}) as hub:
        anonymous = crawl(HuggingFaceSource(hub.url), more_dbs("a"))
        alice = crawl(HuggingFaceSource(hub.url, token=ALICE_TOKEN), more_dbs("b"))
        wrong = crawl(HuggingFaceSource(hub.url, token="hf_unknown"), more_dbs("c"))
    assert (anonymous.models, alice.models) == (N, N + 5)
    assert wrong.status == "failed" and "401" in (wrong.error or "")


def test_private_models_are_stored_but_never_counted(
    hub_models: list[dict], more_dbs: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    without, with_token = more_dbs("anonymous"), more_dbs("token")
    with FakeHub(hub_models, tokens={ALICE_TOKEN: "alice"}) as hub:
        assert runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", without]).exit_code == 0
        monkeypatch.setenv("HF_TOKEN", ALICE_TOKEN)
        result = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", with_token])
        assert result.exit_code == 0, result.output
        assert any(a == f"Bearer {ALICE_TOKEN}" for a in hub.authorizations)

    # stored: alice's five private models, with private = true (bob's are not listed to alice)
    con = connect(with_token, read_only=True)
    try:
        stored = con.execute("SELECT private, count(*) FROM models GROUP BY ALL ORDER BY ALL").fetchall()
        ids = {r[0] for r in con.execute("SELECT id FROM models WHERE private").fetchall()}
    finally:
        con.close()
    assert stored == [(False, N), (True, 5)]
    assert ids == {f"alice/private-{i}" for i in range(5)}

    # never counted: every statistic with the token equals the one without it
    counted, reference = figures(with_token), figures(without)
    assert counted == reference
    assert ("huggingface", "crawled", N) in counted["hubs"] and ("huggingface", "crawled", N) in counted[
        "hubs_as_of"
    ]
    denominators = {r[6] for r in counted["exclusivity"] if r[2] == "huggingface" and r[1] == "none"}
    assert denominators == {N}

    # the CLI and the Python API read the same views
    out = runner.invoke(app, ["stats", "hubs", "--db", with_token, "--format", "csv"])
    assert out.exit_code == 0 and f"huggingface,crawled,{N}," in out.stdout
    assert int(crawler.hubs(db=with_token).set_index("hub").loc["huggingface", "models"]) == N
    assert "public" in stats.MODELS_TEXT and "private" in stats.MODELS_TEXT


def test_private_kaggle_models_are_not_in_the_kaggle_figures(db: str, tmp_path: Path) -> None:
    models = make_kaggle_models(30, seed=8, hidden_share=0.0)
    private = [m for m in visible(models) if m["instances"]][:3]
    for m in private:
        m["isPrivate"] = True  # the credentials' owner sees their own private models
    with FakeKaggle(models) as fake:
        result = crawl(KaggleSource(fake.url, KaggleCredentials("bearer", fake.token or "")), db)
    assert result.status == "complete" and result.models == 30
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM models WHERE hub = 'kaggle' AND private").fetchone() == (3,)
        assert con.execute("SELECT models FROM stats_hubs WHERE hub = 'kaggle'").fetchone() == (27,)
        table = report.kaggle_frameworks(con)
    finally:
        con.close()
    assert {row[4] for row in table.rows} == {27}  # the denominator: the public Kaggle models
