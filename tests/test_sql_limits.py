"""``zoo sql`` within bounds, in a real ``zoo`` process: a time-out, Ctrl-C, a memory limit with spilling
to a private folder, and no way to write into ``<db>.tmp/`` (DuckDB's default spill folder, which it
lets a query write into even with external access off)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from crawler.store import connect
from tests.fakes.faults import has_traceback, spawn_zoo, zoo, zoo_env

ENDLESS = "select sum(hash(i)) from range(10000000000000) t(i)"
#: a sort of 3 million strings: more than 64 MB of working memory
BIG = "select count(*), max(s) from (select i, hash(i)::varchar as s from range(3000000) t(i) order by s)"
BIG_ANSWER = "3000000,9999996953040128728"


@pytest.fixture
def zoo_db(new_db: str) -> str:
    # Made here, not copied from the template database: on a copy, a Ctrl-C to a running `zoo sql` went
    # unanswered in test_ctrl_c_stops_the_query (not understood yet; see the development notes).
    connect(new_db).close()
    return new_db


def lines(done) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_query_that_runs_too_long_is_stopped(zoo_db: str, how: str) -> None:
    started = time.monotonic()
    if how == "option":
        done = zoo("sql", ENDLESS, "--timeout", "1", "--db", zoo_db)
    else:
        done = zoo("sql", ENDLESS, "--db", zoo_db, env=zoo_env(ZOO_SQL_TIMEOUT="1"))
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines(done) == [
        "zoo: the query ran longer than 1 s and was stopped; allow more time with --timeout or "
        "ZOO_SQL_TIMEOUT (0 = no limit)"
    ]
    ok = zoo("sql", "select 42 as answer", "--timeout", "1", "--db", zoo_db, "-f", "csv")
    assert ok.returncode == 0 and ok.stdout.split() == ["answer", "42"]


def test_ctrl_c_stops_the_query(zoo_db: str) -> None:
    proc = spawn_zoo("sql", ENDLESS, "--timeout", "0", "--db", zoo_db)
    try:
        deadline = time.monotonic() + 30
        target = str(Path(zoo_db).resolve())
        while not any(f.path == target for f in psutil.Process(proc.pid).open_files()):
            assert time.monotonic() < deadline, "zoo sql never opened the database"
            time.sleep(0.05)
        time.sleep(0.5)  # the query is running
        stopped = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert time.monotonic() - stopped < 10
    assert proc.returncode == 130, out + err
    assert not has_traceback(out + err)
    assert (out + err).strip() == "zoo: query interrupted (Ctrl-C)"


def test_the_spill_folder_beside_the_database_cannot_be_written(zoo_db: str) -> None:
    spill = Path(zoo_db + ".tmp")
    spill.mkdir()
    (spill / "secret.csv").write_text("a\n1\n")
    for statement in (
        f"COPY (select 42 as x) TO '{spill}/x.csv'",
        f"COPY (select 42 as x) TO '{spill}/x.parquet' (FORMAT parquet)",
        f"select * from read_csv('{spill}/secret.csv')",
    ):
        done = zoo("sql", statement, "--db", zoo_db)
        assert done.returncode == 1, (statement, done.stdout + done.stderr)
        assert len(lines(done)) == 1 and "query failed" in done.stderr and "disabled" in done.stderr
    assert sorted(p.name for p in spill.iterdir()) == ["secret.csv"]
    # the query spills into a private folder, deleted afterwards
    where = zoo("sql", "select current_setting('temp_directory') as t", "--db", zoo_db, "-f", "csv")
    assert where.returncode == 0, where.stderr
    folder = where.stdout.split()[1]
    assert folder != str(spill) and "zoo-sql-" in folder and not Path(folder).exists()


def test_a_large_query_spills_within_the_memory_limit(zoo_db: str) -> None:
    # the control: without a place to spill, this query does not fit in 64 MB
    con = duckdb.connect(config={"memory_limit": "64MB", "temp_directory": ""})
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(BIG).fetchall()
    con.close()
    for done in (
        zoo("sql", BIG, "--memory-limit", "64MB", "--db", zoo_db, "-f", "csv"),
        zoo("sql", BIG, "--db", zoo_db, "-f", "csv", env=zoo_env(ZOO_SQL_MEMORY_LIMIT="64MB")),
    ):
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[1] == BIG_ANSWER
    limit = zoo("sql", "select current_setting('memory_limit') as m", "--db", zoo_db, "-f", "csv")
    assert limit.stdout.splitlines()[1] == "953.6 MiB"  # the default, 1GB
    small = zoo(
        "sql", "select current_setting('memory_limit') as m", "--memory-limit", "64MB", "--db", zoo_db
    )
    assert "61.0 MiB" in small.stdout
    bad = zoo("sql", "select 1", "--memory-limit", "lots", "--db", zoo_db)
    assert bad.returncode == 2 and lines(bad) == [
        "zoo: --memory-limit 'lots' is not a size DuckDB reads (e.g. 512MB, 2GB)"
    ]


def test_no_progress_bar_of_duckdb_in_the_output(zoo_db: str) -> None:
    """DuckDB draws a progress bar on standard output for a query past two seconds, terminal or not; zoo's
    output (a CSV piped to a file) must carry the answer or the error and nothing else."""
    # a process of its own: DuckDB writes its bar to file descriptor 1 from C, below Python's sys.stdout
    done = zoo("sql", ENDLESS, "--timeout", "3.5", "--db", zoo_db, "-f", "csv", process=True)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "▕" not in done.stderr and "%" not in done.stderr
