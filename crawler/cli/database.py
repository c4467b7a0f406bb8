"""``zoo runs``, ``zoo sql``, ``zoo history`` and ``zoo export``: reading the database as it is."""

from __future__ import annotations

from typing import Annotated

import duckdb
import typer

from .. import stats
from ..output import Format, render
from ..sources import registry
from ..store import resolve_db, user_query
from .common import EXIT_FAILED, DbOption, FormatOption, app, err, error, read


@app.command("runs")
def runs(
    db: DbOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Only runs of this hub.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show the newest N runs.")] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """List crawl runs, newest first: status, dates, counters, whether a run was resumed or is suspect.

    models is the number of distinct models a complete run saw (items staged so far for others); new,
    changed, absent and deleted say what the run changed in the database.

    Example: zoo runs --source huggingface --format json
    """
    con = read(db)
    try:
        table = stats.runs(con, source, limit)
    finally:
        con.close()
    render(table.columns, table.rows, fmt, title=f"crawl runs in {resolve_db(db)}")


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query; tables and views can be named directly.")],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run a read-only SQL query against the database.

    The file is opened read-only and the query cannot read or write other files (no COPY TO, no
    read_csv): it sees the database's tables and views only.

    Example: zoo sql "select hub, count(*) from models group by hub" --format csv
    """
    con = read(db)
    try:
        try:
            answer = user_query(con, query)
        except duckdb.Error as exc:
            error(f"query failed: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
    finally:
        con.close()
    if answer is not None:
        render(*answer, fmt)


@app.command("history")
def history(
    model: Annotated[str, typer.Argument(help="A model's name (current or former) or key.")],
    db: DbOption = None,
    hub: Annotated[str | None, typer.Option("--hub", help="Only this hub (huggingface, kaggle, …).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show a model's history: first sighting, renames, weight files added or removed (event files, with
    files_added and files_removed), tag and counter changes, gaps and deletion.

    A former name finds the model too, because identity is the hub's key, not the name.

    Example: zoo history google-bert/bert-base-uncased
    """
    from ..history import find_models, model_timeline

    con = read(db)
    try:
        mids = find_models(con, model, registry.resolve(hub) if hub else None)
        if not mids:
            err.print(f"zoo: no model is or was called {model!r}", highlight=False)
            raise typer.Exit(EXIT_FAILED)
        columns, rows = model_timeline(con, mids)
    finally:
        con.close()
    render(columns, rows, fmt, title=f"history of {model}")


@app.command("export")
def export_cmd(
    out_dir: Annotated[str, typer.Argument(help="Folder to write the Parquet datasets into.")],
    db: DbOption = None,
) -> None:
    """Export models, observations and runs as Hive-partitioned Parquet (hub=…/snapshot_date=…/).

    Only partitions that are new or out of date are written, so running it after every nightly crawl adds
    one day; a day that got a later complete run is rewritten. `models` carries the columns counted,
    tags_class, evidence_class, created_period, created_month and framework flags, so Spark, Trino or
    DuckDB compute zoo's figures with a plain GROUP BY (see examples/spark_stats.py).

    Example: zoo export ./zoo-parquet   then   duckdb -c "select * from read_parquet('zoo-parquet/models/*/*/*.parquet', hive_partitioning=true)"
    """
    from ..export import ExportError, export

    con = read(db)
    try:
        result = export(con, out_dir)
    except ExportError as exc:
        error(f"export to {out_dir} failed: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    except Exception as exc:  # a cron log gets one line, never a traceback; whole partitions stay
        error(
            f"export to {out_dir} failed: {type(exc).__name__}: {exc} "
            "(partitions written before are kept; the next export continues)"
        )
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        con.close()
    print(
        f"export to {out_dir}: {len(result.written)} partition files written, {result.skipped} already there, "
        f"{len(result.rewritten)} rewritten"
    )
