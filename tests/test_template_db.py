"""The ``db`` fixture's copy of the template database is the state a new database gets from migrating."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawler import store
from crawler.store import schema as sql_files  # the SQL files and how many views they make
from tests.conftest import built_once


def state(path: str) -> dict[str, Any]:
    """Everything the database file at ``path`` holds (see :func:`con_state`)."""
    con = duckdb.connect(path, read_only=True)
    try:
        return con_state(con)
    finally:
        con.close()


def con_state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything a connection's database holds: its objects with their definitions, and every table's rows
    (the time a migration was applied aside: it differs by when the database was made)."""
    out: dict[str, Any] = {}
    for kind, query in {
        "tables": "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database()",
        "columns": "SELECT table_name, column_name, data_type, column_default, is_nullable "
        "FROM duckdb_columns() WHERE database_name = current_database()",
        "views": "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal",
        "macros": "SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions() "
        "WHERE database_name = current_database() AND NOT internal",
        "sequences": "SELECT sequence_name, start_value, increment_by, last_value "
        "FROM duckdb_sequences() WHERE database_name = current_database()",
        "indexes": "SELECT index_name, table_name, sql FROM duckdb_indexes() "
        "WHERE database_name = current_database()",
        "constraints": "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
        "WHERE database_name = current_database()",
    }.items():
        rows = con.execute(query).fetchall()
        if kind == "macros":  # DuckDB prints a macro's REPLACE and EXCLUDE lists in no fixed order
            rows = [(*row[:3], "".join(sorted(row[3] or ""))) for row in rows]
        out[kind] = sorted(map(repr, rows))
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall():
        rel = con.table(table)
        columns = [c for c in rel.columns if not (table == "schema_migrations" and c == "applied_at")]
        rows = con.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall()
        out[f"rows of {table}"] = sorted(map(repr, rows))
    return out


def test_the_copy_is_the_state_migrating_gives(db: str, tmp_path: Path) -> None:
    fresh = str(tmp_path / "migrated.duckdb")
    store.connect(fresh).close()
    copied, migrated = state(db), state(fresh)
    assert copied == migrated
    # the comparison saw a whole zoo database: every migration, view, macro and hub
    assert len(eval(copied["rows of schema_migrations"][-1])) == 2
    assert len(copied["rows of schema_migrations"]) == len(sql_files._schema_files())
    assert (
        len(copied["views"]) + len({eval(m)[0] for m in copied["macros"]}) == sql_files._expected_view_count()
    )
    assert copied["rows of hubs"] and copied["rows of zoo_meta"]


def test_the_copy_opens_without_migrating_again(db: str) -> None:
    con = store.connect(db)
    try:
        assert store.pending_migrations(con) == []
        assert con.execute("SELECT count(*) FROM models").fetchone() == (0,)
    finally:
        con.close()


def test_new_db_is_only_a_path(new_db: str) -> None:
    assert not Path(new_db).exists()


def test_built_once_builds_once_and_again_after_a_failed_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    built: list[Path] = []

    def build(folder: Path) -> None:
        built.append(folder)
        (folder / "data").write_text("complete")

    first = built_once(tmp_path_factory, "probe", build)
    assert built_once(tmp_path_factory, "probe", build) == first
    assert built == [first] and (first / "data").read_text() == "complete"

    def broken(folder: Path) -> None:
        (folder / "half").write_text("")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        built_once(tmp_path_factory, "probe-broken", broken)
    again = built_once(tmp_path_factory, "probe-broken", build)  # built afresh, not taken half-built
    assert built == [first, again] and sorted(p.name for p in again.iterdir()) == ["data"]
