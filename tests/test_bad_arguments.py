"""Bad arguments to the real ``zoo`` command: one clear line (exit code 2, as for every bad argument),
never a traceback, and a huge argument is not printed back whole (echoed values are cut after 200
characters with "…")."""

from __future__ import annotations

import re

import pytest

from tests.fakes.faults import has_traceback, zoo

HUGE = "x" * 100_000
HUGE_WORDS = "model " * 20_000  # 120 KB with spaces


@pytest.fixture
def zoo_db(db: str) -> str:
    return db  # a new zoo database (a copy of the migrated template)


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_runs_limit_below_one(zoo_db: str, limit: str) -> None:
    done = zoo("runs", "--limit", limit, "--db", zoo_db)
    assert done.returncode == 2
    assert not has_traceback(done.stdout + done.stderr)
    assert (done.stdout + done.stderr).strip() == f"zoo: --limit must be 1 or more (got {limit})"
    assert zoo("runs", "--limit", "1", "--db", zoo_db).returncode == 0


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("stats", "exclusivity", "--hub", HUGE), 2, "unknown hub 'xxx"),
        (("stats", "exclusivity", "--hub", HUGE_WORDS), 2, "unknown hub 'model model"),
        (("stats", "hubs", "--as-of", HUGE), 2, "is not a date"),
        (("stats", "exclusivity", "--by", HUGE), 2, "Invalid value for '--by'"),
        (("runs", "--limit", HUGE), 2, "Invalid value for '--limit'"),
        (("runs", "--" + HUGE), 2, "No such option"),
        (("history", HUGE), 1, "no model is or was called"),
        (("sql", HUGE), 1, "query failed"),
        (("sql", "select " + HUGE_WORDS), 1, "query failed"),
        (("export", "/" + HUGE + "/out"), 1, "export to /xxx"),
        (("report", "--out", "/" + HUGE + "/report.html"), 1, "cannot write the report"),
    ],
    ids=lambda v: v[:2] if isinstance(v, tuple) else None,
)
def test_a_huge_argument_is_not_echoed_whole(zoo_db: str, args: tuple, code: int, says: str) -> None:
    done = zoo(*args, "--db", zoo_db)
    output = done.stdout + done.stderr
    assert done.returncode == code, output[:2000]
    assert not has_traceback(output), output[:2000]
    assert says in output
    assert len(output) < 1500, output[:2000]
    for run in re.finditer(r"x{100,}", output):  # each echo of the value: cut, and saying so
        assert len(run.group()) <= 200 and output[run.end()] == "…", output[:2000]
