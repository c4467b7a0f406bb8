"""zoo: crawl the model zoos into one DuckDB database, with history and defined statistics."""

from __future__ import annotations

__version__ = "0.1.0"
