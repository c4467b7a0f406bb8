"""The environment a test gets, for a module fixture.

A module fixture is set up before the first of its tests' own fixtures, so before the autouse
``_isolated_env`` of tests/conftest.py: a crawl it makes would see the user's tokens, endpoints and cache
folders. ``isolated(folder)`` gives it, for a ``with`` block, what that fixture gives a test (the same
settings, and ``HOME`` and the cache folders under ``folder``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def isolated(folder: Path) -> Iterator[None]:
    from tests.conftest import isolated_settings

    with pytest.MonkeyPatch.context() as patch:
        for name, value in isolated_settings().items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        patch.setenv("HOME", str(folder / "home"))
        patch.setenv("HF_HOME", str(folder / "hf_home"))
        patch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        patch.setenv("ZOO_LOCK_WAIT", "10")
        yield
