"""zoo's figures as plain SQL over a ``zoo export`` folder: one GROUP BY over one snapshot per hub.

The same text runs in Spark SQL and DuckDB (tested) and is written for Trino too (not tested there);
``spark_stats.py`` and ``duckdb_stats.py`` run it. It reads a table (a view) named ``zoo_models`` with the
columns of the export's ``models`` dataset, whose partition columns ``hub`` and ``snapshot_date`` come from
the folder names.

* The snapshot in force on a day is, for each hub, its latest ``snapshot_date`` on or before that day
  (``as_of`` None: its latest one). zoo's ``--as-of DAY`` answers the same, as long as the folder holds
  the partitions of the days up to DAY.
* Only rows with ``counted`` are in the statistics (models seen by the hub's complete runs, not deleted).
* ``share`` = models of the class ÷ all counted models of that hub and period (``denominator``).

zoo lists every class of a (hub, period) even with 0 models; a GROUP BY lists only the classes that occur.
"""

from __future__ import annotations

from datetime import date

CLASS_COLUMNS = {"tags": "tags_class", "evidence": "evidence_class"}
PERIOD_COLUMNS = {"none": None, "year": "created_period", "month": "created_month"}


def _counted(as_of: str | date | None, table: str) -> str:
    """``WITH`` clauses: the snapshot in force per hub, and its counted models."""
    when = "" if as_of is None else f"WHERE snapshot_date <= DATE '{date.fromisoformat(str(as_of))}'"
    return f"""
WITH snapshots AS (
    SELECT hub, max(snapshot_date) AS snapshot_date FROM {table} {when} GROUP BY hub
),
counted AS (
    SELECT m.*
    FROM {table} AS m
    JOIN snapshots AS s ON m.hub = s.hub AND m.snapshot_date = s.snapshot_date
    WHERE m.counted
)"""


#: zoo's display order (on the output columns): hub; 'legacy' first, the periods, 'unknown' last; the
#: classes as zoo lists them (framework_classes), any other after them
ORDER = "ORDER BY hub, CASE period WHEN 'legacy' THEN 0 WHEN 'unknown' THEN 2 ELSE 1 END, period"
CLASS_ORDER = (
    "CASE class WHEN 'pytorch_only' THEN 1 WHEN 'tensorflow_only' THEN 2 WHEN 'jax_only' THEN 3 "
    "WHEN 'both' THEN 4 WHEN 'multi' THEN 4 WHEN 'neither' THEN 5 WHEN 'other' THEN 5 "
    "WHEN 'agnostic' THEN 6 WHEN 'none' THEN 7 ELSE 8 END, class"
)


def exclusivity_sql(
    definition: str = "tags", by: str = "none", as_of: str | date | None = None, table: str = "zoo_models"
) -> str:
    """``zoo stats exclusivity --definition D --by B [--as-of DAY]``: hub, period, class, models,
    denominator, share."""
    cls = CLASS_COLUMNS[definition]
    period = PERIOD_COLUMNS[by]
    group = f"hub, {period}, {cls}" if period else f"hub, {cls}"
    period_expr = period or "'all'"
    return f"""{_counted(as_of, table)}
SELECT
    hub,
    {period_expr} AS period,
    {cls} AS class,
    count(*) AS models,
    CAST(sum(count(*)) OVER (PARTITION BY hub, {period_expr}) AS BIGINT) AS denominator,
    CAST(count(*) AS DOUBLE) / sum(count(*)) OVER (PARTITION BY hub, {period_expr}) AS share
FROM counted
GROUP BY {group}
{ORDER}, {CLASS_ORDER}"""


def additions_sql(
    by: str = "year",
    definition: str | None = None,
    as_of: str | date | None = None,
    table: str = "zoo_models",
) -> str:
    """``zoo stats additions --by B [--by-class --definition D] [--as-of DAY]``: hub, period, class,
    models. ``definition`` None gives the 'all' rows (no ``--by-class``)."""
    period = PERIOD_COLUMNS[by]
    if period is None:
        raise ValueError("additions are per year or per month")
    cls = CLASS_COLUMNS[definition] if definition else None
    return f"""{_counted(as_of, table)}
SELECT hub, {period} AS period, {cls or "'all'"} AS class, count(*) AS models
FROM counted
GROUP BY hub, {period}{", " + cls if cls else ""}
{ORDER}, {CLASS_ORDER}"""


def headline_sql(definition: str = "tags", by: str = "none", as_of: str | date | None = None) -> str:
    """The articles' share per hub and period: pytorch_only ÷ (pytorch_only + tensorflow_only)."""
    return f"""
SELECT
    hub,
    period,
    CAST(sum(CASE WHEN class = 'pytorch_only' THEN models ELSE 0 END) AS BIGINT) AS pytorch_only,
    CAST(sum(CASE WHEN class = 'tensorflow_only' THEN models ELSE 0 END) AS BIGINT) AS tensorflow_only,
    CAST(sum(CASE WHEN class = 'pytorch_only' THEN models ELSE 0 END) AS DOUBLE)
        / nullif(sum(CASE WHEN class IN ('pytorch_only', 'tensorflow_only') THEN models ELSE 0 END), 0)
        AS headline_share
FROM ({exclusivity_sql(definition, by, as_of)}) AS e
GROUP BY hub, period
{ORDER}"""
