"""The report's small tables, apart from the sections that build them (so a module that makes one table,
such as :mod:`crawler.report.papers_live`, needs nothing of the sections)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Table:
    """A small table shown under a figure."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
