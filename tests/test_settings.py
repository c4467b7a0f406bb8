"""Settings come from the environment when they are used, not when zoo is imported: a cron job, a
notebook or a test that sets a variable after ``import crawler`` is obeyed."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from crawler import store


def test_run_policy_defaults_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_DELETE_AFTER", "5")
    monkeypatch.setenv("ZOO_MAX_DROP", "0.2")
    policy = store.RunPolicy()
    assert (policy.delete_after, policy.max_drop) == (5, 0.2)
    monkeypatch.setenv("ZOO_DELETE_AFTER", "3")
    assert store.RunPolicy().delete_after == 3


@pytest.mark.parametrize(("limit", "reported"), [("64MB", "61.0 MiB"), ("96MB", "91.5 MiB")])
def test_the_memory_limit_is_read_when_the_database_is_opened(
    monkeypatch: pytest.MonkeyPatch, db: str, limit: str, reported: str
) -> None:
    monkeypatch.setenv("ZOO_MEMORY_LIMIT", limit)
    con = store.connect(db)
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [(reported,)]
    finally:
        con.close()
    monkeypatch.setenv("ZOO_MERGE_MEMORY_LIMIT", limit)
    assert store.merge_memory_limit() == limit


def test_the_lock_wait_is_read_when_the_database_is_opened(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    store.connect(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "time.sleep(60)",
            db,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("ZOO_LOCK_WAIT", "0.3")
        started = time.monotonic()
        with pytest.raises(store.StoreError, match="stayed busy for 0 s"):
            store.connect(db, read_only=True)
        assert time.monotonic() - started < 5  # not the 60 s default, nor the 10 s the fixtures set
    finally:
        holder.kill()
        holder.wait()
