"""Where the database and a crawl's staging are on disk (the layout: see :mod:`crawler.store`)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "zoo.duckdb"


def resolve_db(db: str | os.PathLike[str] | None = None) -> str:
    """The database path: ``--db``, else ``$ZOO_DB``, else ``./zoo.duckdb``."""
    if db is not None and str(db) != "":
        return str(db)
    return os.environ.get("ZOO_DB") or DEFAULT_DB


def staging_path(db: str, source: str) -> Path:
    return Path(db + ".staging") / f"{source}.duckdb"


def parts_folder(stage_file: str | os.PathLike[str]) -> Path:
    """The folder of a staging file's Parquet parts (``<source>.parts`` beside ``<source>.duckdb``)."""
    return Path(stage_file).with_suffix(".parts")
