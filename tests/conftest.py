"""Shared fixtures: a fake Hub on 127.0.0.1 and a fresh database path per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Set before huggingface_hub is imported (it reads these once): no telemetry or registry look-ups
# leave this machine during tests.
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

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
        "ZOO_ARXIV_ENDPOINT",
        "ZOO_GITHUB_ENDPOINT",
        "ZOO_PAPERS_BUDGET",
    ):
        monkeypatch.delenv(name, raising=False)
    # The TF Hub crawl reads a second repository (tensorflow/hub) to date the catalog's imported models;
    # its default is GitHub, so every test turns it off unless it names a local one (--history-repo).
    monkeypatch.setenv("ZOO_TF_HUB_HISTORY_REPO", "none")
    # `zoo crawl all` runs `zoo crawl papers` against arXiv, Hugging Face and GitHub with this budget:
    # none in tests (and in their subprocesses), so no test reaches a real host; a test wanting it sets it
    monkeypatch.setenv("ZOO_PAPERS_BUDGET", "0")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ZOO_LOCK_WAIT", "10")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "zoo.duckdb")


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
