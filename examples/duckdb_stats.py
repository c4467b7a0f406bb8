"""zoo's figures with DuckDB's ``read_parquet`` over the folder ``zoo export`` writes — no zoo database,
no zoo macros: the same plain SQL as ``spark_stats.py`` (``zoo_sql.py``).

    zoo export ./zoo-parquet
    python examples/duckdb_stats.py ./zoo-parquet           # or s3://bucket/zoo with DuckDB's httpfs

prints the exclusivity table (all periods, then per year), the headline share and the models added per
year, as ``zoo stats`` does. ``--as-of YYYY-MM-DD`` and ``--definition evidence`` work as in ``zoo stats``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from zoo_sql import additions_sql, exclusivity_sql, headline_sql  # noqa: E402


def load(con: duckdb.DuckDBPyConnection, root: str) -> None:
    """The export's ``models`` dataset as the view ``zoo_models`` (hub, snapshot_date from the folders)."""
    files = f"{root.rstrip('/')}/models/*/*/*.parquet"
    con.read_parquet(files, hive_partitioning=True).create_view("zoo_models", replace=True)


def exclusivity(
    con: duckdb.DuckDBPyConnection, definition: str = "tags", by: str = "none", as_of: str | None = None
) -> duckdb.DuckDBPyRelation:
    return con.sql(exclusivity_sql(definition, by, as_of))


def additions(
    con: duckdb.DuckDBPyConnection, by: str = "year", definition: str | None = None, as_of: str | None = None
) -> duckdb.DuckDBPyRelation:
    return con.sql(additions_sql(by, definition, as_of))


def headline(
    con: duckdb.DuckDBPyConnection, definition: str = "tags", by: str = "none", as_of: str | None = None
) -> duckdb.DuckDBPyRelation:
    return con.sql(headline_sql(definition, by, as_of))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", help="the folder zoo export wrote")
    parser.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help="count the state of that day")
    parser.add_argument("--definition", default="tags", choices=["tags", "evidence"])
    args = parser.parse_args(argv)
    con = duckdb.connect()
    load(con, args.root)
    d, as_of = args.definition, args.as_of
    print(f"Framework exclusivity ({d} definition, all periods together)")
    exclusivity(con, d, "none", as_of).show(max_rows=100)
    print("Headline: PyTorch-only ÷ (PyTorch-only + TensorFlow-only)")
    headline(con, d, "none", as_of).show(max_rows=100)
    print(f"Framework exclusivity ({d} definition, per creation year)")
    exclusivity(con, d, "year", as_of).show(max_rows=1000)
    print("Models added per year")
    additions(con, "year", None, as_of).show(max_rows=1000)


if __name__ == "__main__":
    main()
