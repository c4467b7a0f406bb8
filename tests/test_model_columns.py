"""The model's columns are defined once, by ``ModelRecord`` (``crawler/sources/records.py``): the
migrations that created the tables, the staging table and the as-of view must agree with it."""

from __future__ import annotations

import duckdb

from crawler.sources.records import ATTR_COLUMNS, COUNTER_COLUMNS, FILE_COLUMNS, MODEL_COLUMNS
from crawler.store import connect


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()


def test_the_tables_have_the_records_columns(db: str) -> None:
    con = connect(db)
    try:
        models = dict(columns(con, "models"))
        attrs = columns(con, "model_attrs_log")
        counters = columns(con, "model_counters_log")
        files = columns(con, "model_files_log")
        as_of = [d[0] for d in con.execute("SELECT * FROM models_as_of(DATE '2025-01-01')").description]
        table_order = [name for name, _ in columns(con, "models")]
        declared = {
            c.name: con.execute(f"SELECT typeof(CAST(NULL AS {c.sql}))").fetchall()[0][0]
            for c in MODEL_COLUMNS
        }
    finally:
        con.close()
    for column in MODEL_COLUMNS:
        assert models[column.name] == declared[column.name], column
    # model_attrs_log: the attributes, then the cache of their framework evidence
    assert [name for name, _ in attrs] == ["mid", "run_id", *ATTR_COLUMNS, "attr_bits", "attr_bits_rules"]
    assert [name for name, _ in counters] == ["mid", "run_id", *COUNTER_COLUMNS]
    assert FILE_COLUMNS == ("files",)  # model_files_log: the names, the sha they were listed at, the cache
    assert [name for name, _ in files] == [
        "mid",
        "run_id",
        "sha",
        *FILE_COLUMNS,
        "file_bits",
        "file_bits_rules",
    ]
    assert set(ATTR_COLUMNS) | set(COUNTER_COLUMNS) | set(FILE_COLUMNS) | {"hub", "key", "deleted_at"} == {
        c.name for c in MODEL_COLUMNS
    }
    assert as_of == table_order  # models_as_of keeps the columns of models, in their order
