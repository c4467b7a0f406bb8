"""Reading commands never change a file. A DuckDB file zoo did not make is refused in one line and left
byte for byte as it was (by writing commands too); a zoo database written by an older version is
answered with this version's views without being written, or, when a schema step is missing, refused
with the command that upgrades it (``zoo upgrade``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

import crawler
from crawler.store import StoreError, connect
from tests.conftest import model_hubs
from tests.fakes.faults import RecordingHub, has_traceback, query, zoo
from tests.fakes.hub import make_models


def digest(folder: Path) -> dict[str, str]:
    """Every file in the database's folder, by name, with the hash of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


READING = [
    ("stats", "hubs"),
    ("stats", "exclusivity"),
    ("sql", "select 1"),
    ("runs",),
    ("history", "some/model"),
    ("report", "--out", "{dir}/report.html"),
    ("export", "{dir}/export"),
]


def user_database(path: Path) -> None:
    """A user's own DuckDB file, with a view whose name clashes with one of zoo's."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements AS SELECT range AS i, range * 2 AS v FROM range(1000)")
    con.execute("CREATE VIEW stats_hubs AS SELECT 'mine' AS owner")
    con.close()


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c[:2]))
def test_reading_commands_refuse_a_duckdb_file_zoo_did_not_make(tmp_path: Path, command: tuple) -> None:
    db = tmp_path / "data" / "mine.duckdb"
    db.parent.mkdir()
    user_database(db)
    before = digest(db.parent)
    args = [a.format(dir=tmp_path) for a in command]
    done = zoo(*args, "--db", str(db))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert not has_traceback(output)
    assert output.strip() == (
        f"zoo: {db} is not a zoo database (a DuckDB file without zoo's tables; zoo leaves it unchanged): "
        "point --db / ZOO_DB at a database `zoo crawl` made"
    )
    assert digest(db.parent) == before  # byte for byte, and no WAL or spill folder beside it
    assert query(db, "SELECT * FROM stats_hubs") == [("mine",)]


def test_the_python_api_and_a_crawl_refuse_it_too(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    user_database(db)
    before = digest(tmp_path)
    with pytest.raises(StoreError, match="is not a zoo database"):
        crawler.hubs(db=str(db))
    with pytest.raises(StoreError, match="is not a zoo database"):
        crawler.connect(str(db))
    with RecordingHub(make_models(100, seed=3)) as hub:  # a writing command adds nothing to it either
        done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", str(db))
        assert hub.seen() == []
    assert done.returncode == 1 and "is not a zoo database" in done.stderr, done.stdout + done.stderr
    assert len((done.stdout + done.stderr).strip().splitlines()) == 1
    after = digest(tmp_path)
    after.pop("mine.duckdb.lock")  # the crawl's own lock file (empty), taken before the database is opened
    assert after == before  # no WAL, the database byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.duckdb", "mine.duckdb.lock"]


def test_an_empty_duckdb_file_is_not_read_but_can_become_a_zoo_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    before = digest(tmp_path)
    done = zoo("stats", "hubs", "--db", str(db))
    assert done.returncode == 1
    assert done.stderr.startswith(f"zoo: {db} is an empty DuckDB database, not a zoo database")
    assert digest(tmp_path) == before
    connect(str(db)).close()  # a writing command may start a zoo database in it
    assert zoo("stats", "hubs", "--db", str(db)).returncode == 0


@pytest.fixture
def older_db(tmp_path: Path) -> Path:
    """A zoo database as an older zoo left it: its schema complete, but an older `run_list` view and an
    older SQL fingerprint."""
    db = tmp_path / "zoo.duckdb"
    connect(str(db)).close()
    con = duckdb.connect(str(db))
    con.execute("CREATE OR REPLACE VIEW run_list AS SELECT run_id, source FROM crawl_runs")
    con.execute("UPDATE zoo_meta SET value = 'older' WHERE key = 'sql_fingerprint'")
    con.close()
    return db


def test_an_older_database_is_read_with_the_current_views_and_not_written(older_db: Path) -> None:
    before = digest(older_db.parent)
    runs = zoo("runs", "--db", str(older_db), "--format", "json")  # reads the view run_list
    assert runs.returncode == 0, runs.stderr
    assert json.loads(runs.stdout) == []
    columns = zoo("sql", "select * from run_list", "--db", str(older_db), "--format", "csv")
    assert columns.stdout.split()[0].startswith("run_id,source,status,started,finished")
    meta = zoo(
        "sql", "select value from zoo_meta where key = 'sql_fingerprint'", "--db", str(older_db), "-f", "csv"
    )
    assert meta.stdout.split()[1] != "older"  # the session says which definitions it answers with
    hubs = zoo("stats", "hubs", "--db", str(older_db), "--format", "json")
    assert hubs.returncode == 0, hubs.stderr
    assert {row["hub"]: row["status"] for row in json.loads(hubs.stdout)}["kaggle"] == "not crawled"
    assert crawler.connect(str(older_db)).sql("select * from run_list").columns[:3] == [
        "run_id",
        "source",
        "status",
    ]
    assert digest(older_db.parent) == before
    # the file itself still holds the old definitions, until a writing command upgrades it
    assert query(older_db, "SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'") == [("older",)]
    assert [c for (c,) in query(older_db, "SELECT column_name FROM (DESCRIBE run_list)")] == [
        "run_id",
        "source",
    ]
    up = zoo("upgrade", "--db", str(older_db))
    assert up.returncode == 0 and up.stdout.startswith(f"zoo: {older_db} is up to date"), (
        up.stdout + up.stderr
    )
    assert query(older_db, "SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'") == [
        (meta.stdout.split()[1],)
    ]
    assert len(query(older_db, "SELECT column_name FROM (DESCRIBE run_list)")) > 2


def test_a_missing_schema_step_asks_for_zoo_upgrade(older_db: Path) -> None:
    con = duckdb.connect(str(older_db))
    con.execute("DROP TABLE hubs")
    con.execute("DELETE FROM schema_migrations WHERE name = '005_hubs'")
    con.close()
    before = digest(older_db.parent)
    done = zoo("stats", "hubs", "--db", str(older_db))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"zoo: the database {older_db} was written by an older version of zoo (it lacks the schema steps "
        f"005_hubs); reading commands never change the file: run `zoo upgrade --db {older_db}` once (the "
        "next `zoo crawl` does it too), then read it"
    )
    assert digest(older_db.parent) == before
    assert zoo("upgrade", "--db", str(older_db)).returncode == 0
    again = zoo("stats", "hubs", "--db", str(older_db), "--format", "json")
    assert again.returncode == 0 and len(json.loads(again.stdout)) == len(model_hubs()), again.stderr
