"""The ``zoo`` command: a thin typer app over ``crawler.crawl``, ``crawler.store``, ``crawler.stats`` and
``crawler.report``, one module per command group:

``common``    the app, the error console, exit codes and the options every command shares
``crawl``     ``zoo crawl <hub>``, ``zoo crawl all`` and ``zoo import <source>``, generated from the
              source registry (``crawler.sources.registry``)
``progress``  a running crawl's progress bar or log lines, and its summary line
``stats``     ``zoo stats …``
``database``  ``zoo runs``, ``zoo sql``, ``zoo history``, ``zoo export``
``report``    ``zoo report``

Run it as ``zoo`` (the console script) or ``python -m crawler.cli``.
"""

from __future__ import annotations

from . import crawl, database, report, stats  # noqa: F401  (each module adds its commands to the app)
from .common import app
from .progress import summary as _summary

__all__ = ["_summary", "app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
