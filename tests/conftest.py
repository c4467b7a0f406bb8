"""Shared fixtures: a fake Hub on 127.0.0.1, a fresh database path per test, an environment that holds
none of the user's settings and points every hub at a local server that answers 404, and a snapshot of
the hub registry.

The environment variables come from the hub registry (``Hub.endpoints``, ``secrets``, ``env`` and the
options' ``envvar``), so a new hub's are handled without naming them here: each is removed, and each
endpoint variable is set to :data:`NO_FAKE_ENDPOINT`, a server on 127.0.0.1 that answers every request
with HTTP 404 and a body saying that no fake was given (an error every source and git give up on at
once; a closed port would be retried for 30 s as an unreachable server). A test that forgets to point a
hub at its fake, or a ``zoo crawl all`` that runs a new hub with a public default, then fails on
127.0.0.1 instead of asking a real host. This is done once when the tests start (session fixtures and
subprocesses inherit it) and again around every test.

Migrating a new database costs about a second of CPU (DuckDB binds every view), so the test session
migrates one template database once and every ``db`` is a byte copy of it: the same state a first
``zoo crawl`` makes (``tests/test_template_db.py`` checks that). With parallel workers the first worker
that needs it builds it and the others wait for it and copy it (:func:`built_once`, which the demo
database of the report tests uses too). A test that needs the path of a database that does not exist yet
uses ``new_db``; one that compares two crawls gets more databases from ``more_dbs``. The ``clock``
fixture makes the network code's waits virtual.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Callable, Iterator, MutableMapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Set before huggingface_hub is imported (it reads these once): no telemetry or registry look-ups
# leave this machine during tests.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from crawler.sources import registry  # noqa: E402 (after the variables huggingface_hub reads)
from tests.clock import VirtualClock  # noqa: E402
from tests.fakes.hub import FakeHub, make_models  # noqa: E402


class _NoFake(BaseHTTPRequestHandler):
    """Every request: 404, "no fake here"."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _refuse(self) -> None:
        body = b"the test set-up's endpoint: this hub was not pointed at a fake"
        self.send_response(404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _refuse  # noqa: N815 (http.server's naming)


_NO_FAKE = ThreadingHTTPServer(("127.0.0.1", 0), _NoFake)
_NO_FAKE.daemon_threads = True
threading.Thread(target=_NO_FAKE.serve_forever, daemon=True).start()
#: Where every hub's endpoint variable points during the tests (see the module's documentation).
NO_FAKE_ENDPOINT = f"http://127.0.0.1:{_NO_FAKE.server_address[1]}"

#: Variables of the user's setup that belong to no hub (the database).
OTHER_VARS = ("ZOO_DB",)


def isolated_settings() -> dict[str, str | None]:
    """What the test set-up does to the environment: variable → value (None: removed)."""
    settings: dict[str, str | None] = dict.fromkeys((*OTHER_VARS, *registry.env_vars()))
    settings.update(dict.fromkeys(registry.endpoint_vars(), NO_FAKE_ENDPOINT))
    settings.update(registry.offline_settings())  # what keeps a hub from asking of its own accord
    return settings


def isolate(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """``env`` with :func:`isolated_settings` applied (for a subprocess's or a session's environment)."""
    for name, value in isolated_settings().items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


isolate(os.environ)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's token, endpoint or database, or writes to their cache."""
    for name, value in isolated_settings().items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ZOO_LOCK_WAIT", "10")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """Virtual time for the network code's waits (see ``tests/clock.py``)."""
    from crawler.sources import _clock

    virtual = VirtualClock()
    monkeypatch.setattr(_clock, "clock", virtual)
    return virtual


def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this test session shares: with xdist each worker's base folder is
    ``<the session's base folder>/popen-gwN``, so their parent; in one process its own base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``name`` of :func:`session_dir`, filled by ``build(folder)`` once per test session:
    the first process that asks builds it while holding a lock file and then marks it complete; the
    others wait for the lock and find it complete (one left half-built by a failed build is built again).
    What it holds must only be read (or copied) by the tests: every worker sees the same files."""
    root = session_dir(tmp_path_factory)
    folder, complete = root / name, root / f"{name}.complete"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, also when build raises
        if not complete.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            complete.touch()
    return folder


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database migrated by ``store.connect``, once per test session (:func:`built_once`)."""
    from crawler import store

    def migrate(folder: Path) -> None:
        store.connect(str(folder / "zoo.duckdb")).close()

    return built_once(tmp_path_factory, "template", migrate) / "zoo.duckdb"


def copy_template(template: Path, target: Path) -> None:
    """Copy the closed template database (and its write-ahead log, if DuckDB left one) to ``target``."""
    shutil.copyfile(template, target)
    wal = template.with_name(template.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))


@pytest.fixture
def new_db(tmp_path: Path) -> str:
    """The path of a database that does not exist yet."""
    return str(tmp_path / "zoo.duckdb")


@pytest.fixture
def db(new_db: str, template_db: Path) -> str:
    """A fresh, migrated, empty database of this test (a copy of the template)."""
    copy_template(template_db, Path(new_db))
    return new_db


@pytest.fixture
def more_dbs(tmp_path: Path, template_db: Path) -> Callable[[str], str]:
    """``more_dbs(name)``: another fresh, migrated, empty database of this test, ``<name>.duckdb`` (a copy
    of the template), for a test that compares two crawls."""

    def make(name: str) -> str:
        path = tmp_path / f"{name}.duckdb"
        assert not path.exists(), path
        copy_template(template_db, path)
        return str(path)

    return make


@pytest.fixture
def hub_models() -> list[dict]:
    return make_models(3500, seed=7)


@pytest.fixture
def fake_hub(hub_models: list[dict]) -> Iterator[FakeHub]:
    with FakeHub(hub_models) as hub:
        yield hub


@pytest.fixture
def saved_registry() -> Iterator[None]:
    """Hubs a test registers (a throwaway hub) are gone after it, and hubs it removed are back."""
    saved = registry.snapshot()
    try:
        yield
    finally:
        registry.restore(saved)


def model_hubs() -> list[str]:
    """The registered model hubs' names, in display order (what ``zoo stats hubs`` lists)."""
    return [h.name for h in registry.hubs("models")]


def crawl_all_failed(*failed: str, set_up: tuple[str, ...]) -> str:
    """The last line of a ``zoo crawl all`` whose hubs ``failed`` failed, in a test that pointed the hubs
    ``set_up`` somewhere: every other nightly hub (one added later) is at :data:`NO_FAKE_ENDPOINT`, so it
    fails too (at once), unless it cannot run here (it is skipped), follows a hub (an enrichment) or its
    offline settings give it a budget of 0 requests (:attr:`Hub.offline`, applied by the set-up: it runs
    and asks nothing)."""
    others = {
        h.name
        for h in registry.hubs()
        if h.nightly
        and h.name not in set_up
        and not h.depends_on
        and "0" not in dict(h.offline).values()
        and h.why_unavailable() is None
    }
    names = [h.name for h in registry.hubs() if h.name in {*failed, *others}]
    return f"zoo crawl all: {len(names)} hub(s) failed: {', '.join(names)}"


def env_for_subprocess(**extra: str) -> dict[str, str]:
    """This process's environment, isolated (:func:`isolate`), plus ``extra``."""
    env = dict(isolate(dict(os.environ)))
    env.update(extra)
    return env
