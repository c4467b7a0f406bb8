"""zoo: crawl the model zoos into one DuckDB database, with history and defined statistics.

``import crawler`` stays light (the CLI imports it): the Python API of :mod:`crawler.api` — pandas
DataFrames for notebooks — is loaded on first use (PEP 562)::

    import crawler
    crawler.hubs()                          # = crawler.api.hubs()
    crawler.exclusivity(hub="hf", by="year")
    crawler.history("google-bert/bert-base-uncased")

``crawler.history`` and ``crawler.papers`` are also submodules; calling them calls the API function of
the same name (the submodules stay importable as usual).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

#: Names served by crawler.api.
_API = frozenset(
    {
        "additions",
        "connect",
        "downloads",
        "exclusivity",
        "headline",
        "history",
        "hubs",
        "kaggle_frameworks",
        "papers",
        "papers_compare",
        "papers_series",
        "write_report",
    }
)
#: API names that are also submodules of the package.
_CALLABLE_SUBMODULES = frozenset({"history", "papers"})


class _CallableModule(types.ModuleType):
    """A submodule that, called, calls the API function of its name: ``crawler.history("name")``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        api = importlib.import_module(f"{__name__}.api")
        return getattr(api, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


class _Package(types.ModuleType):
    """The package's module type: makes ``history`` and ``papers`` callable when they are imported."""

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            name in _CALLABLE_SUBMODULES
            and type(value) is types.ModuleType
            and value.__name__ == f"{__name__}.{name}"
        ):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_SUBMODULES:
        try:
            return importlib.import_module(f"{__name__}.{name}")  # made callable as it is set
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    if name in _API:
        return getattr(importlib.import_module(f"{__name__}.api"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _API)
