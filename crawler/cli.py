"""The ``zoo`` command: a thin typer app over ``crawler.crawl``, ``crawler.store`` and the SQL views."""

from __future__ import annotations

import logging
import sys
import time
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__, stats
from .crawl import Progress as CrawlProgress
from .crawl import crawl as run_crawl
from .output import Format, render
from .sources.records import Source
from .stats import AdditionsGrain, Definition, Grain, StatTable
from .store import CrawlLocked, RunResult, StoreError, connect, resolve_db

app = typer.Typer(
    help="zoo: crawl the model zoos into one DuckDB database and compute defined statistics.\n\n"
    "Examples:\n\n"
    "  zoo crawl hf                      # crawl the Hugging Face listing into ./zoo.duckdb\n\n"
    "  zoo runs                          # list crawl runs\n\n"
    '  zoo sql "select count(*) from models"',
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
crawl_app = typer.Typer(
    help="Crawl a hub into the database. Resumes an interrupted run of the same hub unless --restart.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(crawl_app, name="crawl")

err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_LOCKED = 3

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to use (default: $ZOO_DB, else ./zoo.duckdb).",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, csv or json.")]
RestartOption = Annotated[
    bool,
    typer.Option("--restart", help="Abandon an interrupted run of this hub and start from the beginning."),
]


def _version(value: bool) -> None:
    if value:
        print(f"zoo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log HTTP retries and waits.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


# ----------------------------------------------------------------------------------------------- crawl


def _summary(result: RunResult) -> str:
    c = result.counters
    rate = c.items / result.seconds if result.seconds > 0 else 0.0
    parts = [
        f"{result.source}: run {result.run_id} {result.status}",
        f"{result.models:,} models" if result.models is not None else f"{c.items:,} items staged",
        f"{c.pages:,} pages",
        f"{c.requests:,} requests",
        f"{c.warnings:,} warnings",
        f"{result.seconds:.1f} s ({rate:,.0f} models/s)",
    ]
    if result.resumed:
        parts.append("resumed")
    line = ", ".join(parts)
    if result.error:
        line += f" — {result.error}"
    return line


def run_with_progress(source: Source, db: str | None, restart: bool) -> RunResult:
    """Crawl with a progress bar on a terminal, or a log line every 100 pages when not on one."""
    from .sources.huggingface import STATS

    interactive = err.is_terminal
    started = time.monotonic()
    waits = {"n": 0, "s": 0.0}

    def on_rate_limit(kind: str, seconds: float) -> None:
        waits["n"] += 1
        waits["s"] += seconds
        if not interactive:
            err.print(f"rate limited: waiting {seconds:.0f} s", highlight=False)

    STATS.listeners.append(on_rate_limit)
    try:
        if interactive:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[pages]:>6,} pages  {task.completed:>10,.0f} models"),
                TextColumn("{task.fields[rate]:>8,.0f} models/s"),
                TextColumn("rate-limit waits: {task.fields[waits]} ({task.fields[wait_s]:.0f} s)"),
                TimeElapsedColumn(),
                console=err,
                transient=False,
            ) as bar:
                task = bar.add_task(source.name, total=None, pages=0, rate=0.0, waits=0, wait_s=0.0)

                def show(p: CrawlProgress) -> None:
                    elapsed = max(time.monotonic() - started, 1e-6)
                    bar.update(
                        task,
                        completed=p.items,
                        total=p.total_hint,
                        pages=p.pages,
                        rate=p.items / elapsed,
                        waits=waits["n"],
                        wait_s=waits["s"],
                        description=f"{source.name} run {p.run_id}" + (" (resumed)" if p.resumed else ""),
                    )

                return run_crawl(source, db, restart=restart, progress=show)

        def log(p: CrawlProgress) -> None:
            if p.pages % 100 == 0:
                elapsed = max(time.monotonic() - started, 1e-6)
                err.print(
                    f"{source.name} run {p.run_id}: {p.pages:,} pages, {p.items:,} models, "
                    f"{p.items / elapsed:,.0f} models/s",
                    highlight=False,
                )

        return run_crawl(source, db, restart=restart, progress=log)
    finally:
        STATS.listeners.remove(on_rate_limit)


def _run_source(source: Source, db: str | None, restart: bool) -> None:
    try:
        result = run_with_progress(source, db, restart)
    except CrawlLocked as exc:
        err.print(f"zoo: {exc}", highlight=False)
        raise typer.Exit(EXIT_LOCKED) from None
    except StoreError as exc:
        err.print(f"zoo: {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    print(_summary(result))
    if result.status != "complete":
        raise typer.Exit(EXIT_FAILED)


@crawl_app.command("hf")
def crawl_hf(
    db: DbOption = None,
    hf_endpoint: Annotated[
        str | None,
        typer.Option(
            "--hf-endpoint",
            envvar="HF_ENDPOINT",
            help="Hub to crawl (default: $HF_ENDPOINT, else https://huggingface.co).",
            show_default=False,
        ),
    ] = None,
    restart: RestartOption = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before a request times out.")] = 60.0,
) -> None:
    """Crawl every public model of the Hugging Face Hub (GET /api/models, pages of 1,000).

    HF_TOKEN is sent as huggingface_hub sends it. An interrupted crawl (kill, crash, failure) resumes from
    its last saved page the next time; --restart abandons it. Exit code 0 means the run completed.

    Example: zoo crawl hf --db zoo.duckdb
    """
    from .sources.huggingface import HuggingFaceSource

    _run_source(HuggingFaceSource(hf_endpoint, timeout=timeout), db, restart)


# ------------------------------------------------------------------------------------------ inspection


def _read(db: str | None) -> duckdb.DuckDBPyConnection:
    try:
        return connect(db, read_only=True)
    except StoreError as exc:
        err.print(f"zoo: {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


@app.command("runs")
def runs(
    db: DbOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Only runs of this hub.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show the newest N runs.")] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """List crawl runs, newest first: status, dates, counters, and whether a run was resumed.

    Example: zoo runs --source huggingface --format json
    """
    con = _read(db)
    try:
        rel = con.execute(
            "SELECT run_id, source, status, started_at AS started, finished_at AS finished, pages, "
            "coalesce(models, items) AS models, requests, warnings, resumed, error "
            "FROM crawl_runs WHERE ? IS NULL OR source = ? ORDER BY run_id DESC LIMIT ?",
            [source, source, limit],
        )
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    render(columns, rows, fmt, title=f"crawl runs in {resolve_db(db)}")


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query; tables and views can be named directly.")],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run a read-only SQL query against the database (the file is opened read-only).

    Example: zoo sql "select hub, count(*) from models group by hub" --format csv
    """
    con = _read(db)
    try:
        try:
            rel = con.execute(query)
        except duckdb.Error as exc:
            err.print(f"zoo: query failed: {exc}", highlight=False)
            raise typer.Exit(EXIT_FAILED) from None
        if rel.description is None:
            return
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    render(columns, rows, fmt)


# ----------------------------------------------------------------------------------------------- stats

stats_app = typer.Typer(
    help="Framework statistics (PyTorch vs TensorFlow) computed by the SQL views stats_*; every table "
    "states its definition and denominator.\n\n"
    "Examples:\n\n"
    "  zoo stats hubs\n\n"
    "  zoo stats exclusivity --hub huggingface --by year\n\n"
    "  zoo stats additions --by year --by-class --definition evidence --format csv",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(stats_app, name="stats")

StatsHubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        help="Only this hub: huggingface (or hf), pytorch-hub, tf-hub, kaggle. Example: --hub huggingface",
        show_default=False,
    ),
]
DefinitionOption = Annotated[
    Definition,
    typer.Option(
        "--definition",
        help="tags = the articles' method (only the pytorch and tf tags); evidence = tags, library, files, "
        "formats and hub. Example: --definition evidence",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Count the models that existed at the end of that day (UTC): catalogs by their git dates, "
        "other hubs by the crawls finished by then. Example: --as-of 2024-12-31",
        show_default=False,
    ),
]
StatsDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to read (default: $ZOO_DB, else ./zoo.duckdb); opened read-only. "
        "Example: --db ~/zoo.duckdb",
        show_default=False,
    ),
]
StatsFormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table (with a caption stating definition and denominator), csv or json (stdout stays "
        "machine-readable; notes and the headline go to stderr). Example: --format json",
    ),
]


def _stats_fail(exc: Exception) -> typer.Exit:
    err.print(f"zoo: {exc}", highlight=False)
    return typer.Exit(2)


def _show(table: StatTable, fmt: Format, extra_lines: list[str] | None = None) -> None:
    """Render a stats table; in table mode with its caption and without the constant columns."""
    extra_lines = extra_lines or []
    if fmt is Format.table:
        keep = [i for i, c in enumerate(table.columns) if c not in ("definition", "as_of")]
        share = table.columns.index("share") if "share" in table.columns else None
        rows = [
            tuple(
                (f"{row[i] * 100:.1f} %" if row[i] is not None else "") if i == share else row[i]
                for i in keep
            )
            for row in table.rows
        ]
        render([table.columns[i] for i in keep], rows, fmt, title=table.title, caption=table.caption)
        for line in extra_lines:
            print(line)
    else:
        render(table.columns, table.rows, fmt)
        for line in extra_lines:
            err.print(line, highlight=False, soft_wrap=True)
    for note in table.notes:
        err.print(f"zoo: {note}", highlight=False, soft_wrap=True)


@stats_app.command("exclusivity")
def stats_exclusivity(
    hub: StatsHubOption = None,
    definition: DefinitionOption = Definition.tags,
    by: Annotated[
        Grain,
        typer.Option(
            "--by",
            help="none = all models together; year or month = per creation period ('legacy' = HF repos "
            "of unknown date before 2022-03-02). Example: --by year",
        ),
    ] = Grain.none,
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models per framework class and their share, per hub (and period).

    One row per (hub, period, class) with models and share = models ÷ all counted models of that hub in
    that period. Also prints the articles' headline share, PyTorch-only ÷ (PyTorch-only +
    TensorFlow-only): below the table, or on stderr for csv/json so stdout stays machine-readable.
    Counts only models seen by each hub's latest complete crawl (view current_models).

    Example: zoo stats exclusivity --hub huggingface --definition tags --by year --format json
    """
    con = _read(db)
    try:
        try:
            table = stats.exclusivity(con, hub=hub, definition=definition, by=by, as_of=as_of)
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    heads = stats.headline(table)
    lines = [
        f"Headline ({definition.value} definition): PyTorch-only ÷ (PyTorch-only + TensorFlow-only)"
        + (f" = {heads[0].text()}" if len(heads) == 1 else "")
    ]
    if len(heads) > 1:
        lines += [f"  {h.text()}" for h in heads]
    if not heads:
        lines = []
    _show(table, fmt, lines)


@stats_app.command("additions")
def stats_additions(
    hub: StatsHubOption = None,
    by: Annotated[
        AdditionsGrain,
        typer.Option("--by", help="Period of created_at: year or month. Example: --by month"),
    ] = AdditionsGrain.year,
    definition: DefinitionOption = Definition.tags,
    by_class: Annotated[
        bool,
        typer.Option(
            "--by-class",
            help="One row per framework class of --definition instead of one total. "
            "Example: --by-class --definition evidence",
        ),
    ] = False,
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models added per creation year or month, per hub (optionally per framework class).

    Models with the Hugging Face placeholder date (created before 2022-03-02, exact date unknown) form
    the period 'legacy' and are never counted in 2022. Only models that still exist are counted.

    Example: zoo stats additions --hub huggingface --by year --by-class
    """
    con = _read(db)
    try:
        try:
            table = stats.additions(
                con, hub=hub, by=by, definition=definition, by_class=by_class, as_of=as_of
            )
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    _show(table, fmt)


@stats_app.command("hubs")
def stats_hubs(
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models per hub now (or --as-of a date), with the date of the complete crawl they come from.

    Hubs never crawled are marked 'not crawled' (no count, never 0).

    Example: zoo stats hubs --as-of 2024-12-31 --format json
    """
    con = _read(db)
    try:
        try:
            table = stats.hubs(con, as_of=as_of)
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    _show(table, fmt)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
