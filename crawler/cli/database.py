"""``zoo runs``, ``zoo sql``, ``zoo history`` and ``zoo export``: reading the database as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from .. import __version__, stats
from ..output import Format, render, shown
from ..settings import MAX_COUNT, MAX_SECONDS
from ..sources import registry
from ..store import (
    QueryTimeout,
    StoreError,
    connect,
    pending_migrations,
    record_staged_ends,
    resolve_db,
    sql_memory_limit,
    staged_ends,
    user_query,
)
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, DbOption, FormatOption, app, error, read


@app.command("runs")
def runs(
    db: DbOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Only runs of this hub.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Show the newest N runs (1 or more). Example: --limit 5")
    ] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """List crawl runs, newest first: status, dates, counters, whether a run was resumed or is suspect.

    models is the number of distinct models a complete run saw (items staged so far for others); new,
    changed, absent and deleted say what the run changed in the database. A run whose end only its
    staging file knows (it failed while another process kept the database open) is shown as it
    ended; the next crawl writes that into the database.

    Example: zoo runs --source huggingface --format json
    """
    if limit < 1:
        error(f"--limit must be 1 or more (got {limit})")
        raise typer.Exit(EXIT_USAGE)
    if limit > MAX_COUNT:
        error(f"--limit must be at most {MAX_COUNT:,} (got {shown(limit)})")
        raise typer.Exit(EXIT_USAGE)
    con = read(db)
    try:
        table = stats.runs(con, source, limit, ends=staged_ends(resolve_db(db)))
    finally:
        con.close()
    render(table.columns, table.rows, fmt, title=f"crawl runs in {resolve_db(db)}")


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query; tables and views can be named directly.")],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            envvar="ZOO_SQL_TIMEOUT",
            metavar="SECONDS",
            help="Stop the query after this many seconds (0 = no limit). Example: --timeout 60",
        ),
    ] = 300.0,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            envvar="ZOO_SQL_MEMORY_LIMIT",
            metavar="SIZE",
            help="DuckDB memory for the query (default 1GB); more spills to a private temporary folder "
            "deleted afterwards. Example: --memory-limit 4GB",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a read-only SQL query against the database.

    The file is opened read-only and the query cannot read or write other files (no COPY TO, no
    read_csv): it sees the database's tables and views only. It is stopped after --timeout seconds
    and at Ctrl-C (exit code 130); while it runs, a crawl that wants to merge waits for it (up to
    ZOO_MERGE_WAIT seconds).

    Example: zoo sql "select hub, count(*) from models group by hub" --format csv
    """
    if not 0 <= timeout <= MAX_SECONDS:  # nan too
        error(f"--timeout must be 0 (no limit) or more seconds, at most {MAX_SECONDS:,.0f} (got {timeout:g})")
        raise typer.Exit(EXIT_USAGE)
    con = read(db)
    try:
        try:
            answer = user_query(con, query, timeout=timeout, memory_limit=memory_limit or sql_memory_limit())
        except ValueError as exc:
            error(f"--memory-limit {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        except QueryTimeout as exc:
            error(exc)
            raise typer.Exit(EXIT_FAILED) from None
        except KeyboardInterrupt:
            error("query interrupted (Ctrl-C)")
            raise typer.Exit(EXIT_INTERRUPTED) from None
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
            error(f"no model is or was called {shown(model)}")
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


@app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Bring a database written by an older zoo up to this version: schema steps, views, the hubs table.

    Reading commands (stats, sql, runs, history, export, report, the Python API) never write the file:
    with views of an older zoo they answer with this version's in memory; when a schema step is
    missing they ask for this command. Every crawl upgrades the database too. It waits up to
    ZOO_LOCK_WAIT seconds for other processes that have the file open.

    Example: zoo upgrade --db /var/lib/zoo/zoo.duckdb
    """
    path = resolve_db(db)
    if not Path(path).exists():
        error(f"no database at {path}: run `zoo crawl` first, or point --db / ZOO_DB at one")
        raise typer.Exit(EXIT_FAILED)
    try:
        con = connect(path)
    except StoreError as exc:
        error(exc)
        raise typer.Exit(EXIT_FAILED) from None
    try:
        record_staged_ends(con, path)
        missing = pending_migrations(con)
        (steps,) = con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0]
    finally:
        con.close()
    assert not missing
    print(f"zoo: {path} is up to date ({steps} schema steps; views and hubs of zoo {__version__})")
