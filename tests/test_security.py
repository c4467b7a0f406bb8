"""Secrets stay secret, and ``zoo sql`` cannot write.

* ``HF_TOKEN`` and the Kaggle key/token are sent to their hubs (the fakes check the header) but appear in
  no table of the database (every column of every table, and the file's bytes after CHECKPOINT), no log
  line (``zoo -v``, with retries so the HTTP layer logs), no exported file, and no error message — also
  when a server echoes the ``Authorization`` header back in a 401/403/500 answer.
* ``zoo sql`` refuses every statement that writes, reads or writes other files, loads code, or changes
  the settings that enforce this.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import _summary, app
from crawler.crawl import crawl
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from tests.conftest import copy_template
from tests.fakes.faults import RecordingHub, all_text, query, runs, zoo, zoo_env
from tests.fakes.hub import Faults, make_models
from tests.fakes.kaggle import FakeKaggle, KaggleFaults, make_kaggle_models
from tests.fakes.virtual_zoo import virtual_zoo

runner = CliRunner()

HF_SECRET = "hf_zooSECRETtoken0123456789abcdefXYZ"
KAGGLE_TOKEN = "kgat_zooSECRETbearer0123456789abcdef"
KAGGLE_USER = "alice"
KAGGLE_KEY = "zooSECRETkey0123456789abcdef"


def forms(secret: str, username: str | None = None) -> list[str]:
    """The secret and the encodings it could leak in."""
    out = [secret, base64.b64encode(secret.encode()).decode()]
    if username:
        out.append(base64.b64encode(f"{username}:{secret}".encode()).decode())
    return out


def leaks(text: str | bytes, secrets: list[str]) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [s for s in secrets if s.encode() in data]


def assert_db_clean(db: str, secrets: list[str]) -> None:
    """No value of any column of any table holds a secret, nor do the bytes of any file beside it."""
    assert [(t, c) for t, c, v in all_text(db) if leaks(v, secrets)] == []
    con = duckdb.connect(db)
    con.execute("CHECKPOINT")
    con.close()
    folder = Path(db).parent
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert Path(db) in files
    assert [p.name for p in files if leaks(p.read_bytes(), secrets)] == []


def assert_export_clean(db: str, out_dir: Path, env: dict[str, str], secrets: list[str]) -> None:
    done = zoo("export", str(out_dir), "--db", db, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not leaks(done.stdout + done.stderr, secrets)
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".parquet" for p in files)
    assert [p for p in files if leaks(p.read_bytes(), secrets)] == []
    # Parquet pages are compressed: read every value back as text as well
    con = duckdb.connect()
    try:
        for p in files:
            rel = con.execute("SELECT * FROM read_parquet(?)", [str(p)])
            columns = [d[0] for d in rel.description]
            for row in rel.fetchall():
                for column, value in zip(columns, row, strict=True):
                    assert not leaks(str(value), secrets), (p, column)
    finally:
        con.close()


# ------------------------------------------------------------------------------------- Hugging Face


def test_hf_token_is_sent_but_never_stored_logged_or_exported(tmp_path: Path, template_db: Path) -> None:
    db = str(tmp_path / "data" / "zoo.duckdb")
    Path(db).parent.mkdir()
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    env = zoo_env(HF_TOKEN=HF_SECRET)
    # a 503 and a truncated body make the HTTP layer log its retries
    with RecordingHub(make_models(2500, seed=31), faults=Faults(status_next=[503], truncate_next=1)) as hub:
        # with virtual waits (tests/fakes/virtual_zoo.py): the retries go through at once
        done, waits = virtual_zoo("-v", "crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=env)
        seen = hub.seen()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert waits == [1.0, 1.0]  # the backoff after the 503, the wait before asking for the bad body again
    assert {s.authorization for s in seen} == {f"Bearer {HF_SECRET}"}  # the token was really in play
    assert "INFO" in done.stderr and "503" in done.stderr  # -v really logged requests and the retry
    assert leaks(output, forms(HF_SECRET)) == []
    assert_db_clean(db, forms(HF_SECRET))
    for command in (["runs", "-f", "json"], ["sql", "select * from crawl_runs", "-f", "json"]):
        shown = zoo(*command, "--db", db, env=env)
        assert shown.returncode == 0 and not leaks(shown.stdout + shown.stderr, forms(HF_SECRET))
    assert_export_clean(db, tmp_path / "export", env, forms(HF_SECRET))


@pytest.mark.parametrize("status", [401, 403])
def test_hf_token_is_not_in_the_error_when_the_server_echoes_it(
    status: int, tmp_path: Path, template_db: Path
) -> None:
    db = str(tmp_path / "zoo.duckdb")
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    with RecordingHub([], echo_status=status) as hub:
        done = zoo("-v", "crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=zoo_env(HF_TOKEN=HF_SECRET))
        seen = hub.seen()
    assert done.returncode == 1
    assert seen and all(s.authorization == f"Bearer {HF_SECRET}" for s in seen)
    [run] = runs(db)
    assert run["status"] == "failed" and str(status) in run["error"]
    assert leaks(done.stdout + done.stderr, forms(HF_SECRET)) == []
    assert leaks(run["error"], forms(HF_SECRET)) == []
    assert_db_clean(db, forms(HF_SECRET))


def test_hf_token_is_not_in_the_error_of_a_500_that_echoes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template_db: Path
) -> None:
    # a 500 is retried: run in-process with short waits, and print the line the CLI would print
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    db = str(tmp_path / "zoo.duckdb")
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    with RecordingHub([], echo_status=500) as hub:
        result = crawl(
            HuggingFaceSource(hub.url, policy=replace(HF_POLICY, max_attempts=3, backoff_base=0.01)), db
        )
        seen = hub.seen()
    assert result.status == "failed" and len(seen) == 3
    assert all(s.authorization == f"Bearer {HF_SECRET}" for s in seen)
    assert leaks(_summary(result), forms(HF_SECRET)) == []
    assert_db_clean(db, forms(HF_SECRET))


# ------------------------------------------------------------------------------------------- Kaggle


class EchoKaggle(FakeKaggle):
    """A fake Kaggle whose error answers repeat the request's Authorization header."""

    def _handler_class(self) -> type:
        base = super()._handler_class()

        class Handler(base):  # type: ignore[misc, valid-type]
            def _send(
                self, status: int, payload: Any, path: str, body: Any, raw: bytes | None = None
            ) -> None:
                if status >= 400:
                    auth = self.headers.get("Authorization")
                    payload, raw = {"code": status, "message": f"request with {auth} refused"}, None
                super()._send(status, payload, path, body, raw)

        return Handler


def kaggle_env(kind: str) -> tuple[dict[str, str], list[str], str]:
    """Environment with one kind of Kaggle credentials, their secret forms, and the header sent."""
    if kind == "bearer":
        return zoo_env(KAGGLE_API_TOKEN=KAGGLE_TOKEN), forms(KAGGLE_TOKEN), f"Bearer {KAGGLE_TOKEN}"
    pair = base64.b64encode(f"{KAGGLE_USER}:{KAGGLE_KEY}".encode()).decode()
    env = zoo_env(KAGGLE_USERNAME=KAGGLE_USER, KAGGLE_KEY=KAGGLE_KEY)
    return env, forms(KAGGLE_KEY, KAGGLE_USER), f"Basic {pair}"


KAGGLE_FAST = ["--max-attempts", "3", "--backoff", "0.01", "--timeout", "10"]


@pytest.fixture
def kaggle_server() -> Iterator[FakeKaggle]:
    models = make_kaggle_models(60, seed=41)
    faults = KaggleFaults(status_next=deque([503, 429]))  # retries, so the HTTP layer logs
    with EchoKaggle(models, token=KAGGLE_TOKEN, username=KAGGLE_USER, key=KAGGLE_KEY, faults=faults) as fake:
        yield fake


@pytest.mark.parametrize("kind", ["bearer", "basic"])
def test_kaggle_key_is_sent_but_never_stored_logged_or_exported(
    kind: str, kaggle_server: FakeKaggle, tmp_path: Path, template_db: Path
) -> None:
    env, secrets, header = kaggle_env(kind)
    kaggle_server.faults.retry_after = "0"
    db = str(tmp_path / "data" / "zoo.duckdb")
    Path(db).parent.mkdir()
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    done = zoo(
        "-v", "crawl", "kaggle", "--kaggle-endpoint", kaggle_server.url, "--db", db, *KAGGLE_FAST, env=env
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert {r.authorization for r in kaggle_server.requests} == {header}
    assert "503" in done.stderr or "429" in done.stderr  # -v really logged the retries
    assert leaks(output, secrets) == []
    assert_db_clean(db, secrets)
    assert_export_clean(db, tmp_path / "export", env, secrets)


@pytest.mark.parametrize("kind", ["bearer", "basic"])
@pytest.mark.parametrize("status", [401, 500])
def test_kaggle_key_is_not_in_the_error_when_the_server_echoes_it(
    status: int, kind: str, kaggle_server: FakeKaggle, tmp_path: Path, template_db: Path
) -> None:
    env, secrets, header = kaggle_env(kind)
    if status == 401:  # the server knows other credentials: ours are refused, and echoed
        kaggle_server.token, kaggle_server.key = "kgat_someone-else", "someone-elses-key"
    else:
        kaggle_server.faults.fail_from_page = 0
        kaggle_server.faults.fail_status = 500
    kaggle_server.faults.status_next.clear()
    db = str(tmp_path / "zoo.duckdb")
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    done = zoo(
        "-v", "crawl", "kaggle", "--kaggle-endpoint", kaggle_server.url, "--db", db, *KAGGLE_FAST, env=env
    )
    assert done.returncode == 1
    assert kaggle_server.requests and all(r.authorization == header for r in kaggle_server.requests)
    [run] = runs(db)
    assert run["status"] == "failed" and run["error"]
    assert leaks(done.stdout + done.stderr, secrets) == []
    assert leaks(run["error"], secrets) == []
    assert_db_clean(db, secrets)


# ----------------------------------------------------------------------------------------- zoo sql


@pytest.fixture
def crawled_db(tmp_path: Path, template_db: Path) -> str:
    db = str(tmp_path / "data" / "zoo.duckdb")
    Path(db).parent.mkdir()
    copy_template(template_db, Path(db))  # migrating it is not what is tested
    with RecordingHub(make_models(300, seed=51)) as hub:
        assert crawl(HuggingFaceSource(hub.url), db).status == "complete"
    return db


REFUSED = [
    "DROP TABLE models",
    "DROP VIEW current_models",
    "DELETE FROM models",
    "INSERT INTO crawl_runs (source, started_at, status) VALUES ('x', now(), 'running')",
    "UPDATE models SET id = 'x'",
    "CREATE TABLE t (a INTEGER)",
    "CREATE VIEW v AS SELECT 1",
    "ALTER TABLE models ADD COLUMN x INTEGER",
    "TRUNCATE models",
    "COPY models TO '{out}/models.csv'",
    "COPY (SELECT * FROM crawl_runs) TO '{out}/runs.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '{out}/dump'",
    "ATTACH '{out}/other.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_external_access = true",
    "SET lock_configuration = false",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{db}')",
    "SELECT * FROM glob('/etc/*')",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "SELECT 1; DROP TABLE models",
]


def test_sql_is_read_only(crawled_db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    digest = hashlib.sha256(Path(crawled_db).read_bytes()).hexdigest()
    beside = sorted(str(p) for p in Path(crawled_db).parent.rglob("*"))
    tables = query(crawled_db, "SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY 1")
    ok = runner.invoke(app, ["sql", "select count(*) as n from models", "--db", crawled_db, "-f", "json"])
    assert ok.exit_code == 0 and json.loads(ok.output) == [{"n": 300}]  # the control: reading works
    for statement in REFUSED:
        sql = statement.format(out=out, db=crawled_db)
        result = runner.invoke(app, ["sql", sql, "--db", crawled_db])
        assert result.exit_code == 1, (sql, result.output)
        assert "query failed" in result.output, (sql, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output  # one line, no traceback
    assert list(out.iterdir()) == []  # no file written anywhere
    assert sorted(str(p) for p in Path(crawled_db).parent.rglob("*")) == beside
    assert hashlib.sha256(Path(crawled_db).read_bytes()).hexdigest() == digest
    assert query(crawled_db, "SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY 1") == tables
    assert query(crawled_db, "SELECT count(*) FROM models") == [(300,)]
