"""Change-only history over simulated nights of a fake Hub: additions, deletions, renames, counters,
as-of answers, suspect and failed runs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import RunPolicy, connect
from tests.conftest import copy_template
from tests.fakes.hub import FakeHub, Faults, evolve, make_models
from tests.fakes.isolation import isolated

runner = CliRunner()
NIGHT0 = date(2026, 11, 1)


#: the Hugging Face policy with short waits
FAST = replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)


def night_date(n: int) -> date:
    return NIGHT0 + timedelta(days=n)


def crawl_night(hub: FakeHub, db: str, night: int, **kw):
    """Crawl as the nightly job would on ``night``; the run's dates are set to that night."""
    result = crawl(HuggingFaceSource(hub.url, **{"policy": FAST, **kw.pop("src", {})}), db, **kw)
    when = datetime.combine(night_date(night), datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=3)
    con = connect(db)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = CASE WHEN finished_at IS NULL THEN NULL ELSE ? END "
        "WHERE run_id = ?",
        [when, when + timedelta(minutes=30), result.run_id],
    )
    con.close()
    return result


def served(models: list[dict]) -> dict[str, tuple]:
    return {
        m["_id"]: (
            m["id"],
            m["downloads"],
            m["downloads_all_time"] if "downloads_all_time" in m else m["downloadsAllTime"],
            m["likes"],
            m["tags"],
        )
        for m in models
    }


def as_of(db: str, day: date) -> dict[str, tuple]:
    con = connect(db, read_only=True)
    rows = con.execute(
        "SELECT key, id, downloads, downloads_all_time, likes, tags FROM models_as_of(?) WHERE hub = 'huggingface'",
        [day],
    ).fetchall()
    con.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def log_counts(db: str) -> tuple[int, int, int]:
    con = connect(db, read_only=True)
    out = tuple(
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("model_counters_log", "model_attrs_log", "model_absences")
    )
    con.close()
    return out  # type: ignore[return-value]


@pytest.fixture(scope="module")
def nights():
    """Night 0 and three evolutions of it: (models served that night, what changed). Only read."""
    base = make_models(3000, seed=17)
    out = [(base, None)]
    for n in range(1, 4):
        out.append(evolve(out[-1][0], n, seed=17))
    return out


@pytest.fixture(scope="module")
def night0(nights, tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """A database holding night 0's complete crawl, made once for the module and only copied."""
    db = tmp_path_factory.mktemp("night0") / "zoo.duckdb"
    copy_template(template_db, db)
    with isolated(db.parent), FakeHub(nights[0][0]) as hub:
        assert crawl_night(hub, str(db), 0).status == "complete"
    return db


@pytest.fixture
def night0_db(night0: Path, new_db: str) -> str:
    """The test's own copy of night 0's database."""
    copy_template(night0, Path(new_db))
    return new_db


def test_nightly_history_is_change_only_and_answers_as_of(nights, db):
    with FakeHub(nights[0][0]) as hub:
        before = (0, 0, 0)
        for n, (models, changes) in enumerate(nights):
            hub.set_models(models)
            result = crawl_night(hub, db, n)
            assert result.status == "complete" and not result.suspect
            after = log_counts(db)
            added = [a - b for a, b in zip(after, before, strict=True)]
            if changes is None:
                assert added == [3000, 3000, 0]
            else:
                # exactly the changes: counters rows for new + changed counters; attrs rows for new +
                # renamed + pushed (a new sha)
                assert added[0] == len(changes.added) + len(changes.counters_changed)
                assert added[1] == len(changes.added) + len(set(changes.renamed) | changes.pushed)
                assert added[2] == len(changes.deleted)  # absences opened
                assert result.merge.new == len(changes.added)
            before = after

    # as-of answers for each night match the data served that night
    for n, (models, _) in enumerate(nights):
        got = as_of(db, night_date(n))
        want = {
            m["_id"]: (m["id"], m["downloads"], m["downloadsAllTime"], m["likes"], m["tags"]) for m in models
        }
        assert got == want, f"night {n}"
    assert as_of(db, night_date(-1)) == {}

    con = connect(db, read_only=True)
    # deletions only after N=2 complete runs: night-1 deletions are deleted by night 2's run, not before
    deleted_run = dict(
        con.execute("SELECT key, deleted_run FROM models WHERE deleted_at IS NOT NULL").fetchall()
    )
    runs = [r[0] for r in con.execute("SELECT run_id FROM crawl_runs ORDER BY run_id").fetchall()]
    assert set(deleted_run) == set(nights[1][1].deleted) | set(nights[2][1].deleted)
    assert {deleted_run[k] for k in nights[1][1].deleted} == {runs[2]}
    assert {deleted_run[k] for k in nights[2][1].deleted} == {runs[3]}
    # renames keep identity: same key, one row, the new name
    old_id, new_id = next(iter(nights[1][1].renamed.values()))
    key = next(iter(nights[1][1].renamed))
    assert con.execute("SELECT id, count(*) FROM models WHERE key = ? GROUP BY id", [key]).fetchall() == [
        (new_id, 1)
    ]
    # current state and history never disagree
    disagree = con.execute(
        "SELECT count(*) FROM models m JOIN models_as_of(?) a USING (mid) "
        "WHERE m.id <> a.id OR m.downloads IS DISTINCT FROM a.downloads OR m.tags <> a.tags "
        "OR m.likes IS DISTINCT FROM a.likes",
        [night_date(3)],
    ).fetchone()[0]
    assert disagree == 0
    assert con.execute(
        "SELECT count(*), count(DISTINCT key), count(DISTINCT mid) FROM models"
    ).fetchone() == ((len(nights[3][0]) + len(deleted_run) + len(nights[3][1].deleted),) * 3)
    con.close()

    # `zoo history` finds the model by its old name and shows the rename
    out = runner.invoke(app, ["history", old_id, "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    events = json.loads(out.output)
    renames = [e for e in events if e["event"] == "renamed"]
    assert renames and renames[0]["id"] == new_id and renames[0]["previous_id"] == old_id
    assert events[0]["event"] == "first seen"
    out = runner.invoke(app, ["history", "no/such-model", "--db", db])
    assert out.exit_code == 1 and "no model" in out.output


def test_a_night_without_changes_adds_no_rows(db):
    models = make_models(1500, seed=3)
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        before = log_counts(db)
        result = crawl_night(hub, db, 1)
    assert result.status == "complete"
    assert log_counts(db) == before
    assert result.merge.new == result.merge.changed == result.merge.absent == 0


def test_failed_middle_night_deletes_nothing(nights, night0_db):
    db = night0_db
    faults = Faults()
    with FakeHub(nights[1][0], faults=faults) as hub:
        # night 1 fails after its first page: nothing of it is merged
        faults.status_next.extend([500] * 50)
        failed = crawl_night(hub, db, 1, src={"policy": replace(FAST, max_attempts=2)}, prefetch=False)
        assert failed.status == "failed"
        con = connect(db, read_only=True)
        assert (
            con.execute(
                "SELECT count(*) FROM models WHERE absent_since_run IS NOT NULL OR deleted_at IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
        con.close()
        faults.status_next.clear()
        # the next night resumes it and completes: one absence pass, still no deletion (N = 2)
        done = crawl_night(hub, db, 2)
        assert done.status == "complete" and done.resumed
        assert done.merge.absent == len(nights[1][1].deleted) and done.merge.deleted == 0


def test_suspect_run_marks_nothing_and_exits_4(db):
    models = make_models(2000, seed=8)
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        hub.set_models(models[:1800])  # 10 % vanished at once: more likely a broken listing
        out = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", db])
    assert out.exit_code == 4, out.output
    assert "SUSPECT" in out.output
    con = connect(db, read_only=True)
    assert con.execute("SELECT suspect FROM crawl_runs ORDER BY run_id").fetchall() == [(False,), (True,)]
    assert con.execute("SELECT count(*) FROM model_absences").fetchone()[0] == 0
    runs = json.loads(runner.invoke(app, ["runs", "--db", db, "-f", "json"]).output)
    assert runs[0]["suspect"] is True


def test_a_model_that_comes_back_is_undeleted_and_the_gap_stays(db):
    models = make_models(1000, seed=9)
    gone, rest = models[0], models[1:]
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        hub.set_models(rest)
        crawl_night(hub, db, 1, policy=RunPolicy(delete_after=1))
        con = connect(db, read_only=True)
        assert con.execute(
            "SELECT deleted_at IS NOT NULL FROM models WHERE key = ?", [gone["_id"]]
        ).fetchone() == (True,)
        con.close()
        hub.set_models(models)
        crawl_night(hub, db, 2, policy=RunPolicy(delete_after=1))
    con = connect(db, read_only=True)
    assert con.execute(
        "SELECT deleted_at, absent_since_run FROM models WHERE key = ?", [gone["_id"]]
    ).fetchone() == (None, None)
    runs = [r[0] for r in con.execute("SELECT run_id FROM crawl_runs ORDER BY 1").fetchall()]
    assert con.execute("SELECT from_run, to_run FROM model_absences").fetchall() == [(runs[1], runs[2])]
    con.close()
    assert gone["_id"] not in as_of(db, night_date(1)) and gone["_id"] in as_of(db, night_date(2))
    events = json.loads(runner.invoke(app, ["history", gone["id"], "--db", db, "-f", "json"]).output)
    assert [e["event"] for e in events] == ["first seen", "absent", "deleted", "back"]


def test_export_writes_only_new_partitions_readable_in_place(nights, night0_db, tmp_path):
    import duckdb

    db = night0_db
    out = tmp_path / "parquet"
    first = runner.invoke(app, ["export", str(out), "--db", db])
    assert first.exit_code == 0, first.output
    assert "3 partition files written, 0 already there" in first.output
    with FakeHub(nights[1][0]) as hub:
        crawl_night(hub, db, 1)
    mtime = (
        (out / "models" / "hub=huggingface" / "snapshot_date=2026-11-01" / "data.parquet").stat().st_mtime_ns
    )
    second = runner.invoke(app, ["export", str(out), "--db", db])
    assert "3 partition files written, 3 already there" in second.output
    assert (out / "models/hub=huggingface/snapshot_date=2026-11-01/data.parquet").stat().st_mtime_ns == mtime
    con = duckdb.connect()
    per_day = dict(
        con.execute(
            f"SELECT snapshot_date::VARCHAR, count(*) FROM read_parquet('{out}/models/*/*/*.parquet', "
            "hive_partitioning = true) WHERE hub = 'huggingface' GROUP BY 1"
        ).fetchall()
    )
    assert per_day == {"2026-11-01": len(nights[0][0]), "2026-11-02": len(nights[1][0])}
    changes = nights[1][1]
    obs = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/observations/*/*/*.parquet', hive_partitioning = true) "
        "WHERE snapshot_date = '2026-11-02'"
    ).fetchone()[0]
    assert obs == len(set(changes.added) | changes.counters_changed | set(changes.renamed) | changes.pushed)
    runs = con.execute(f"SELECT count(*) FROM read_parquet('{out}/runs/*/*/*.parquet')").fetchone()[0]
    assert runs == 2


def test_stats_downloads_gives_each_night_and_a_daily_estimate(db):
    models = make_models(300, seed=4)
    target = models[5]
    with FakeHub(models) as hub:
        for night in range(3):
            if night:
                target = dict(
                    target,
                    downloadsAllTime=target["downloadsAllTime"] + 70,
                    downloads=target["downloads"] + 7,
                )
                models = [target if m["_id"] == target["_id"] else m for m in models]
                hub.set_models(models)
            crawl_night(hub, db, night)
    out = runner.invoke(app, ["stats", "downloads", target["id"], "--db", db, "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["downloads_all_time"] for r in rows] == [
        target["downloadsAllTime"] - 140 + 70 * i for i in range(3)
    ]
    assert rows[0]["downloads_per_day"] is None
    assert [round(r["downloads_per_day"]) for r in rows[1:]] == [70, 70]
    assert runner.invoke(app, ["stats", "downloads", "nobody/nothing", "--db", db]).exit_code == 1


def test_a_value_that_became_null_is_null_as_of_then(db):
    """models_as_of takes each value of the latest log row, NULL included (a removed pipeline_tag)."""
    models = make_models(200, seed=14)
    target = next(m for m in models if "pipeline_tag" in m)
    with FakeHub(models) as hub:
        crawl_night(hub, db, 0)
        changed = {k: v for k, v in target.items() if k != "pipeline_tag"}
        hub.set_models([changed if m is target else m for m in models])
        crawl_night(hub, db, 1)
    con = connect(db, read_only=True)
    got = [
        con.execute(
            "SELECT pipeline_tag FROM models_as_of(?) WHERE key = ?", [night_date(n), target["_id"]]
        ).fetchone()
        for n in (0, 1)
    ]
    current = con.execute("SELECT pipeline_tag FROM models WHERE key = ?", [target["_id"]]).fetchone()
    con.close()
    assert got == [(target["pipeline_tag"],), (None,)]
    assert current == (None,)


def test_deletion_counts_nights_not_runs(db):
    """A second full run on the same night (a rerun after a crash that came once the merge had committed)
    does not count twice: a model is deleted after --delete-after distinct UTC days of absence."""
    models = make_models(1000, seed=12)
    gone, rest = models[0], models[1:]
    with FakeHub(models) as hub:
        assert crawl(HuggingFaceSource(hub.url), db).status == "complete"
        hub.set_models(rest)
        first = crawl(HuggingFaceSource(hub.url), db)
        rerun = crawl(HuggingFaceSource(hub.url), db)  # the same night, again
        assert (first.merge.absent, first.merge.deleted) == (1, 0)
        assert (rerun.merge.absent, rerun.merge.deleted) == (0, 0)  # two runs, but one night
        con = connect(db)
        assert con.execute("SELECT deleted_at FROM models WHERE key = ?", [gone["_id"]]).fetchone() == (None,)
        # those runs were last night; tonight's run is the second night of absence
        con.execute(
            "UPDATE crawl_runs SET started_at = started_at - INTERVAL 1 DAY, "
            "finished_at = finished_at - INTERVAL 1 DAY"
        )
        con.close()
        tonight = crawl(HuggingFaceSource(hub.url), db)
    assert tonight.merge.deleted == 1
    con = connect(db, read_only=True)
    assert con.execute(
        "SELECT deleted_run FROM models WHERE key = ? AND deleted_at IS NOT NULL", [gone["_id"]]
    ).fetchone() == (tonight.run_id,)
    con.close()
    help_text = runner.invoke(app, ["crawl", "hf", "--help"], env={"COLUMNS": "300"}).output
    assert "distinct UTC days" in " ".join(help_text.split())
