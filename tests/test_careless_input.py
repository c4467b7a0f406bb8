"""Careless input gets one line: a bad ``ZOO_*`` setting, option, endpoint or database path is refused with
``zoo: <what is wrong>`` and exit 2, before any file is opened or any request sent: never a traceback,
never a wait that does not end, never a failed run recorded for a typo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler import settings
from crawler.cli import app
from tests.fakes.faults import has_traceback, zoo, zoo_env
from tests.fakes.hub import FakeHub, make_models

runner = CliRunner()


def refused(args: list[str], env: dict[str, str] | None = None) -> str:
    """``zoo ARGS`` in this process: exit 2 with one line, no traceback; returns the line."""
    done = runner.invoke(app, args, env=env)
    output = done.output.strip()
    assert done.exit_code == 2, (done.exit_code, output[-2000:], done.exception)
    assert not has_traceback(output), output[-2000:]
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert len(output.splitlines()) == 1, output
    assert output.startswith("zoo: "), output
    return output


@pytest.fixture
def zoo_db(db: str) -> str:
    """A zoo database (the ``db`` fixture: a copy of the migrated template)."""
    return db


# ------------------------------------------------------------------------------ settings from the environment


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ZOO_LOCK_WAIT", "abc"),
        ("ZOO_LOCK_WAIT", "nan"),
        ("ZOO_LOCK_WAIT", "-1"),
        ("ZOO_MERGE_WAIT", "abc"),
        ("ZOO_MERGE_WAIT", "nan"),
        ("ZOO_MERGE_WAIT", "inf"),
        ("ZOO_SQL_TIMEOUT", "nan"),
        ("ZOO_REQUEST_DEADLINE", "1e308"),
        ("ZOO_GIT_TIMEOUT", "0"),
        ("ZOO_DELETE_AFTER", "abc"),
        ("ZOO_DELETE_AFTER", "1.5"),
        ("ZOO_MAX_DROP", "nan"),
        ("ZOO_HF_DATES_BUDGET", "-3"),
        ("ZOO_MEMORY_LIMIT", "lots"),
        ("ZOO_STATS_MEMORY_LIMIT", "-1GB"),
        ("ZOO_HF_FILES", "maybe"),
        ("ZOO_KAGGLE_ENDPOINT", "ftp://mirror"),
        ("ZOO_ARXIV_ENDPOINT", "not a url"),
        ("ZOO_GITHUB_ENDPOINT", "ftp://mirror"),
        ("ZOO_PAPERS_BUDGET", "many"),
        ("ZOO_MAX_RATE_WAIT", "nan"),
        ("ZOO_MAX_RATE_WAIT", "0"),
        ("ZOO_MAX_ANSWER_MB", "-5"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(zoo_db: str, name: str, value: str) -> None:
    for args in (
        ["runs", "--db", zoo_db],
        ["sql", "select 1", "--db", zoo_db],
        ["stats", "hubs", "--db", zoo_db],
    ):
        line = refused(args, env={name: value})
        assert line.startswith(f"zoo: {name} ") and repr(value) in line, line


def test_help_is_shown_whatever_the_settings(zoo_db: str) -> None:
    for args in (["crawl", "hf", "--help"], ["sql", "-h"], ["stats", "hubs", "--help"]):
        shown = runner.invoke(app, args, env={"ZOO_MAX_RATE_WAIT": "nan"})
        assert shown.exit_code == 0 and shown.output.startswith("Usage: "), shown.output[:300]
    # a "--help" after "--" is a value, not a request for help: the setting is still checked
    line = refused(["sql", "--db", zoo_db, "--", "--help"], env={"ZOO_MAX_RATE_WAIT": "nan"})
    assert line.startswith("zoo: ZOO_MAX_RATE_WAIT ")


def test_a_bad_setting_refuses_a_crawl_before_anything_is_sent(tmp_path: Path) -> None:
    db = tmp_path / "zoo.duckdb"
    with FakeHub(make_models(5, seed=1)) as hub:
        line = refused(
            ["crawl", "hf", "--hf-endpoint", hub.url, "--db", str(db)], env={"ZOO_MERGE_WAIT": "nan"}
        )
        assert hub.requests == []
    assert "ZOO_MERGE_WAIT" in line
    assert list(tmp_path.iterdir()) == []  # no database, lock or staging file


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ZOO_LOCK_WAIT", "", 60.0),
        ("ZOO_LOCK_WAIT", " 0.5 ", 0.5),
        ("ZOO_MERGE_WAIT", "0", 0.0),
        ("ZOO_DELETE_AFTER", "3", 3.0),
        ("ZOO_MAX_DROP", "1", 1.0),
    ],
)
def test_good_settings_are_read(name: str, value: str, expected: float) -> None:
    assert settings.env_number(name, {name: value}) == expected
    settings.check_environment({name: value})


def test_the_store_reads_checked_settings(monkeypatch: pytest.MonkeyPatch, db: str) -> None:
    """The Python API gets the same one-line reason (a ValueError naming the variable), never a wait
    that does not end."""
    from crawler import store

    monkeypatch.setenv("ZOO_LOCK_WAIT", "nan")
    with pytest.raises(settings.SettingError, match="ZOO_LOCK_WAIT must be a number of seconds"):
        store.connect(db)
    monkeypatch.setenv("ZOO_LOCK_WAIT", "1")
    monkeypatch.setenv("ZOO_MERGE_WAIT", "abc")
    with pytest.raises(settings.SettingError, match="ZOO_MERGE_WAIT"):
        store.merge_wait_seconds()
    monkeypatch.setenv("ZOO_DELETE_AFTER", "abc")
    with pytest.raises(settings.SettingError, match="ZOO_DELETE_AFTER"):
        store.RunPolicy()


# --------------------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["crawl", "hf", "--timeout", "-5"], "--timeout must be a number of seconds more than 0"),
        (["crawl", "hf", "--timeout", "nan"], "--timeout must be"),
        (["crawl", "hf", "--request-deadline", "1e308"], "--request-deadline must be a number of seconds"),
        (["crawl", "hf", "--request-deadline", "0"], "--request-deadline must be"),
        (["crawl", "hf-dates", "--max-requests", "-1"], "--max-requests must be a whole number"),
        (["crawl", "kaggle", "--page-size", "1180591620717411303424"], "--page-size must be a whole number"),
        (["crawl", "hf", "--max-drop", "nan"], "--max-drop must be a share from 0 to 1"),
        (["crawl", "hf", "--delete-after", "0"], "--delete-after must be a whole number of days"),
        (["crawl", "all", "--max-drop", "inf"], "--max-drop must be"),
        (["crawl", "pytorch-hub", "--git-timeout", "-1"], "--git-timeout must be"),
    ],
)
def test_a_bad_number_refuses_a_crawl_before_anything_is_sent(
    tmp_path: Path, args: list[str], says: str
) -> None:
    db = tmp_path / "zoo.duckdb"
    with FakeHub(make_models(5, seed=1)) as hub:
        extra = ["--hf-endpoint", hub.url] if args[1] in ("hf", "hf-dates", "all") else []
        line = refused([*args, *extra, "--db", str(db)], env={"KAGGLE_API_TOKEN": "t0ken"})
        assert hub.requests == []
    assert says in line, line
    assert list(tmp_path.iterdir()) == []  # no run recorded, nothing opened


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["runs", "--limit", "1180591620717411303424"], "--limit must be at most 1,000,000,000"),
        (["sql", "select 1", "--timeout", "nan"], "--timeout must be 0 (no limit) or more seconds"),
        (["sql", "select 1", "--timeout", "1e308"], "--timeout must be 0 (no limit) or more seconds"),
    ],
)
def test_a_bad_number_to_a_reading_command(zoo_db: str, args: list[str], says: str) -> None:
    assert says in refused([*args, "--db", zoo_db])


# ------------------------------------------------------------------------------------------- endpoints


@pytest.mark.parametrize(
    "endpoint", ["http://[::1", "ftp://mirror.example.org", "not a url", "http://", "http://h:99999"]
)
@pytest.mark.parametrize("command", [["crawl", "hf"], ["crawl", "hf-dates"], ["crawl", "all"]])
def test_an_endpoint_that_is_no_http_url_is_refused_at_once(
    tmp_path: Path, command: list[str], endpoint: str
) -> None:
    db = tmp_path / "zoo.duckdb"
    line = refused([*command, "--hf-endpoint", endpoint, "--db", str(db)])
    assert line.startswith(f"zoo: --hf-endpoint {endpoint!r} "), line
    assert list(tmp_path.iterdir()) == []


def test_a_kaggle_endpoint_that_is_no_url(tmp_path: Path) -> None:
    line = refused(
        ["crawl", "kaggle", "--kaggle-endpoint", "ftp://x", "--db", str(tmp_path / "z.duckdb")],
        env={"KAGGLE_API_TOKEN": "t0ken"},
    )
    assert "--kaggle-endpoint 'ftp://x' is not an http:// or https:// URL" in line


def test_hf_endpoint_from_the_environment_is_named_and_never_a_traceback(tmp_path: Path) -> None:
    """huggingface_hub itself parses $HF_ENDPOINT on import: the real command, in its own process."""
    db = tmp_path / "zoo.duckdb"
    for command in (["crawl", "hf"], ["crawl", "all"]):  # process=True: the imports are what is tested
        done = zoo(*command, "--db", str(db), env=zoo_env(HF_ENDPOINT="http://[::1"), process=True)
        output = (done.stdout + done.stderr).strip()
        assert done.returncode == 2, output[-2000:]
        assert not has_traceback(output), output[-2000:]
        assert output == "zoo: HF_ENDPOINT 'http://[::1' is not a URL (Invalid IPv6 URL)"
    assert list(tmp_path.iterdir()) == []
    done = zoo(
        "runs", "--db", str(db), env=zoo_env(HF_ENDPOINT="http://[::1"), process=True
    )  # not its business
    assert done.returncode == 1 and "no database at" in done.stderr and not has_traceback(done.stderr)


def test_credentials_in_a_bad_endpoint_are_never_shown(tmp_path: Path) -> None:
    line = refused(["crawl", "hf", "--hf-endpoint", "http://alice:hunter2@[::1", "--db", str(tmp_path / "z")])
    assert "hunter2" not in line and "alice" not in line and "***@" in line


# -------------------------------------------------------------------------------------------- --db paths


def test_a_database_path_too_long(tmp_path: Path) -> None:
    long = str(tmp_path / ("x" * 5000))
    for args in (["runs"], ["crawl", "hf", "--hf-endpoint", "http://127.0.0.1:9"], ["stats", "hubs"]):
        line = refused([*args, "--db", long])
        assert "cannot be used: File name too long" in line and len(line) < 400


@pytest.mark.parametrize("path", ["/proc/self/status", "/dev/null"])
def test_a_database_path_that_is_not_a_database(tmp_path: Path, path: str) -> None:
    with FakeHub(make_models(5, seed=1)) as hub:
        line = refused(["crawl", "hf", "--hf-endpoint", hub.url, "--db", path])
        assert hub.requests == []
    assert "another crawl" not in line
    assert line in (f"zoo: --db {path!r} is not a DuckDB database", f"zoo: --db {path!r} is not a file")
    assert refused(["runs"], env={"ZOO_DB": path}).startswith(f"zoo: ZOO_DB {path!r} is not")


def test_a_folder_or_a_text_file_as_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("these are not the models you are looking for\n")
    assert refused(["runs", "--db", str(tmp_path)]) == f"zoo: --db {str(tmp_path)!r} is not a file"
    assert refused(["sql", "select 1", "--db", str(text)]).endswith("is not a DuckDB database")
    assert text.read_text().startswith("these are")  # untouched
    assert not os.path.exists(f"{text}.lock")


def test_a_folder_where_no_lock_file_can_be_made_is_not_another_crawl() -> None:
    with FakeHub(make_models(5, seed=1)) as hub:
        done = runner.invoke(app, ["crawl", "hf", "--hf-endpoint", hub.url, "--db", "/proc/self/zoo.duckdb"])
        assert hub.requests == []
    assert done.exit_code == 1, done.output
    assert "another crawl" not in done.output
    assert done.output.startswith("zoo: cannot create the lock file /proc/self/zoo.duckdb.lock: ")
