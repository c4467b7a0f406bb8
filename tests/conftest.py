"""Shared fixtures: a fake Hub on 127.0.0.1 and a fresh, migrated, empty database per test.

Migrating a new database costs about a second of CPU (DuckDB binds every view), so each test process
migrates one template database once and every ``db`` is a byte copy of it: the same state a first
``zoo crawl`` makes (``tests/test_template_db.py`` checks that). A test that needs the path of a database
that does not exist yet uses ``new_db``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Set before huggingface_hub is imported (it reads these once): no telemetry or registry look-ups
# leave this machine during tests.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from tests.clock import VirtualClock
from tests.fakes.hub import FakeHub, make_models


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's token, endpoint or database, or writes to their cache."""
    for name in (
        "HF_TOKEN",
        "HF_ENDPOINT",
        "ZOO_DB",
        "KAGGLE_API_TOKEN",
        "KAGGLE_USERNAME",
        "KAGGLE_KEY",
        "KAGGLE_CONFIG_DIR",
        "KAGGLE_API_V1_TOKEN",
        "KAGGLE_KERNEL_RUN_TYPE",
        "KAGGLE_DATA_PROXY_URL",
        "XDG_CONFIG_HOME",
        "ZOO_KAGGLE_ENDPOINT",
        "ZOO_PYTORCH_HUB_REPO",
        "ZOO_TF_HUB_REPO",
        "GITHUB_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
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


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database migrated by ``store.connect``, once per test process (each xdist worker has its own)."""
    from crawler import store

    path = tmp_path_factory.mktemp("template") / "zoo.duckdb"
    store.connect(str(path)).close()
    return path


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
def hub_models() -> list[dict]:
    return make_models(3500, seed=7)


@pytest.fixture
def fake_hub(hub_models: list[dict]) -> Iterator[FakeHub]:
    with FakeHub(hub_models) as hub:
        yield hub


def env_for_subprocess(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT", "ZOO_DB")}
    env.update(extra)
    return env
