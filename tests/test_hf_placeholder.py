"""Hugging Face's legacy placeholder is two instants (2022-03-02T23:29:04Z and 23:29:05Z): one definition in
the Python code and the same instants in SQL; ``zoo upgrade`` re-marks a database an older zoo wrote (which
knew only :04); ``hf-dates`` treats a commit at the placeholder itself as before it."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import (
    PLACEHOLDER_CREATED_AT,
    PLACEHOLDER_DTS,
    PLACEHOLDER_ID_PREFIXES,
    PLACEHOLDER_LATEST,
    HuggingFaceSource,
    is_placeholder,
)
from crawler.sources.huggingface_dates import DATES_POLICY, HuggingFaceDatesSource
from tests.fakes.hub import PLACEHOLDERS, FakeHub, is_legacy, make_models, true_created_at

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = ROOT / "sql" / "schema" / "010_hf_placeholder_two_seconds.sql"
runner = CliRunner()
AT_04 = datetime(2022, 3, 2, 23, 29, 4, tzinfo=timezone.utc)
AT_05 = datetime(2022, 3, 2, 23, 29, 5, tzinfo=timezone.utc)


def query(db: str, sql: str) -> list[tuple]:
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def additions(db: str) -> dict[str, int]:
    result = runner.invoke(
        app, ["stats", "additions", "--hub", "huggingface", "--by", "year", "--db", db, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return {r["period"]: r["models"] for r in json.loads(result.stdout)}


def crawl_hf(hub: FakeHub, db: str):
    result = crawl(
        HuggingFaceSource(hub.url, policy=replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)), db
    )
    assert result.status == "complete", result.error
    return result


def test_one_definition_two_instants_and_sql_agrees() -> None:
    assert PLACEHOLDER_DTS == {AT_04, AT_05} and PLACEHOLDER_LATEST == AT_05
    assert {datetime.fromisoformat(p) for p in PLACEHOLDER_CREATED_AT} == PLACEHOLDER_DTS
    assert PLACEHOLDER_ID_PREFIXES == ("621ffdc0", "621ffdc1")  # the recorded legacy _id prefixes
    # the instant counts, not its spelling; a fraction of a second is a real date
    assert is_placeholder(datetime.fromisoformat("2022-03-03T00:29:05+01:00"))
    assert not is_placeholder(datetime.fromisoformat("2022-03-02T23:29:05.001+00:00"))
    assert not is_placeholder(datetime.fromisoformat("2022-03-02T23:29:06+00:00"))
    assert not is_placeholder(None)
    # the migration that re-marks stored rows names exactly these instants
    text = MIGRATION.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    literals = re.findall(r"TIMESTAMPTZ '([^']+)'", code)
    assert literals
    con = duckdb.connect()
    try:
        instants = {con.execute(f"SELECT TIMESTAMPTZ '{v}'").fetchone()[0] for v in literals}  # type: ignore[index]
    finally:
        con.close()
    assert instants == PLACEHOLDER_DTS
    assert set(PLACEHOLDERS) == set(PLACEHOLDER_CREATED_AT)  # the fake serves the same two


def _as_an_older_zoo_wrote_it(db: str) -> int:
    """Make the database what a zoo that knew only :04 wrote: the :05 rows 'exact' (models, their
    attrs_hash as the merge computed it then, and the history), and migration 010 not applied."""
    con = duckdb.connect(db)
    try:
        where = "hub = 'huggingface' AND created_at = TIMESTAMPTZ '2022-03-02 23:29:05+00'"
        (n,) = con.execute(f"SELECT count(*) FROM models WHERE {where}").fetchone()  # type: ignore[misc]
        con.execute(
            "UPDATE model_attrs_log SET created_at_quality = 'exact' "
            f"WHERE mid IN (SELECT mid FROM models WHERE {where})"
        )
        con.execute(
            "UPDATE models SET created_at_quality = 'exact', attrs_hash = hash(id, author, created_at, 'exact', "
            "last_modified, library_name, pipeline_tag, tags, sha, private, gated, formats, []::VARCHAR[], "
            f"extra::VARCHAR) WHERE {where}"
        )
        con.execute("DELETE FROM schema_migrations WHERE version = 10")
    finally:
        con.close()
    return int(n)


def test_upgrade_moves_an_older_databases_05_models_into_the_legacy_cohort(db: str, tmp_path: Path) -> None:
    models = make_models(400, seed=31, sentinel_share=0.4)
    for m in models:  # a gated repo's commits are refused without a token, as on the Hub: none here
        m["gated"] = False
    legacy = [m for m in models if is_legacy(m)]
    at_05 = [m for m in legacy if m["createdAt"] == "2022-03-02T23:29:05.000Z"]
    assert len(at_05) > len(legacy) / 2
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        n = _as_an_older_zoo_wrote_it(db)
        assert n == len(at_05)
        # what the older zoo's database says: the read-only stats ask for the upgrade first
        old = runner.invoke(app, ["stats", "additions", "--hub", "huggingface", "--db", db])
        assert old.exit_code != 0 and "zoo upgrade" in old.output
        upgraded = runner.invoke(app, ["upgrade", "--db", db])
        assert upgraded.exit_code == 0, upgraded.output
        got = additions(db)
        assert got["legacy"] == len(legacy)
        assert got.get("2022", 0) == sum(1 for m in models if not is_legacy(m) and m["createdAt"] < "2023")
        assert query(
            db,
            "SELECT count(*) FROM model_attrs_log l JOIN models m USING (mid) "
            "WHERE l.created_at_quality = 'exact' AND l.created_at = TIMESTAMPTZ '2022-03-02 23:29:05+00'",
        ) == [(0,)]
        assert query(db, "SELECT count(*) FROM hf_dates_todo") == [(len(legacy),)]
        # the next listing brings 'sentinel' for them too: nothing changed, nothing logged
        logged = query(db, "SELECT count(*) FROM model_attrs_log")
        again = crawl_hf(hub, db)
        assert query(db, "SELECT count(*) FROM model_attrs_log") == logged
        assert query(db, f"SELECT changed_models FROM crawl_runs WHERE run_id = {again.run_id}") == [(0,)]
        # hf-dates dates them all, and each counts in its true year
        dated = crawl(
            HuggingFaceDatesSource(
                hub.url, policy=replace(DATES_POLICY, backoff_base=0.05, json_retry_wait=0.05)
            ),
            db,
        )
        assert dated.status == "complete", dated.error
    after = additions(db)
    assert "legacy" not in after
    assert after == dict(Counter(str(true_created_at(m).year) for m in models))


def test_the_older_databases_stats_put_05_models_in_2022(db: str, tmp_path: Path) -> None:
    """The state the upgrade fixes is real: read with the current views, the older zoo's :05 rows count
    in 2022 (the bug), which the upgrade test above then removes."""
    models = make_models(120, seed=32, sentinel_share=0.5)
    for m in models:  # a gated repo's commits are refused without a token, as on the Hub: none here
        m["gated"] = False
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
    n = _as_an_older_zoo_wrote_it(db)
    con = duckdb.connect(db)
    try:
        con.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (10, '010_hf_placeholder_two_seconds')"
        )
    finally:
        con.close()
    got = additions(db)
    assert n > 0 and got["2022"] >= n
    assert got["legacy"] == sum(1 for m in models if m["createdAt"] == "2022-03-02T23:29:04.000Z")


def test_a_commit_at_the_placeholder_itself_dates_the_repo(db: str, tmp_path: Path) -> None:
    """The two instants are one migration a second apart: an oldest commit at :05 is not after the
    placeholder (a repo created right then), one a second later is."""
    models = make_models(60, seed=33, sentinel_share=0.5)
    for m in models:  # a gated repo's commits are refused without a token, as on the Hub: none here
        m["gated"] = False
    legacy = [m for m in models if is_legacy(m)]
    on_04 = next(m for m in legacy if m["createdAt"].endswith("04.000Z"))
    on_05 = next(m for m in legacy if m["createdAt"].endswith("05.000Z"))
    later = next(m for m in legacy if m is not on_05 and m["createdAt"].endswith("05.000Z"))
    on_04.update(_first_date="2022-03-02T23:29:05.000Z")
    on_05.update(_first_date="2022-03-02T23:29:05.000Z")
    later.update(_first_date="2022-03-02T23:29:06.000Z")
    with FakeHub(models) as hub:
        crawl_hf(hub, db)
        dated = crawl(
            HuggingFaceDatesSource(
                hub.url, policy=replace(DATES_POLICY, backoff_base=0.05, json_retry_wait=0.05)
            ),
            db,
        )
        assert dated.status == "complete", dated.error
    rows = dict(
        (k, (c, q))
        for k, c, q in query(db, "SELECT key, created_at, created_at_quality FROM hf_first_commits")
    )
    assert rows[on_04["_id"]] == (AT_05, "first_commit")
    assert rows[on_05["_id"]] == (AT_05, "first_commit")
    assert rows[later["_id"]] == (None, "after_placeholder")


def test_upgrade_dates_a_first_commit_stored_as_after_the_placeholder_at_05(db: str, tmp_path: Path) -> None:
    """An older zoo stored an oldest commit at :05 as 'after_placeholder' (after :04), without a date; the
    upgrade gives it its date, as hf-dates does now. One a second later stays undated."""
    con = duckdb.connect(db)
    try:
        con.execute("DELETE FROM schema_migrations WHERE version = 10")
        for key, date, title in [
            ("a", "2022-03-02 23:29:05+00", "initial commit"),
            ("b", "2022-03-02 23:29:05+00", "Upload folder"),
            ("c", "2022-03-02 23:29:06+00", "initial commit"),
        ]:
            con.execute(
                "INSERT INTO hf_first_commits (hub, key, repo_id, revision, created_at, created_at_quality, "
                "commit_id, commit_title, commit_date) VALUES ('huggingface-dates', ?, ?, 'main', NULL, "
                "'after_placeholder', 'c0ffee', ?, ?::TIMESTAMPTZ)",
                [key, f"org/{key}", title, date],
            )
    finally:
        con.close()
    assert runner.invoke(app, ["upgrade", "--db", db]).exit_code == 0
    assert query(db, "SELECT key, created_at, created_at_quality FROM hf_first_commits ORDER BY key") == [
        ("a", AT_05, "first_commit"),
        ("b", AT_05, "oldest_commit"),
        ("c", None, "after_placeholder"),
    ]
