"""The ``zoo`` command: a thin typer app over ``crawler.crawl``, ``crawler.store`` and the SQL views."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .crawl import Progress as CrawlProgress
from .crawl import crawl as run_crawl
from .output import Format, render
from .sources.records import Source
from .store import CrawlLocked, RunPolicy, RunResult, StoreError, connect, resolve_db

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
import_app = typer.Typer(
    help="Import a frozen source (a dump that no longer changes) into the database, recorded as a run.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")

err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_LOCKED = 3
EXIT_SUSPECT = 4

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

DeleteAfterOption = Annotated[
    int,
    typer.Option(
        "--delete-after",
        envvar="ZOO_DELETE_AFTER",
        min=1,
        help="Mark a model deleted once it is missing from this many consecutive complete full runs.",
    ),
]
MaxDropOption = Annotated[
    float,
    typer.Option(
        "--max-drop",
        envvar="ZOO_MAX_DROP",
        min=0.0,
        max=1.0,
        help="A run that sees this share fewer models than the previous one is suspect: it marks nothing "
        "absent or deleted, and the crawl exits with code 4.",
    ),
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
    from huggingface_hub.utils import logging as hf_logging

    if verbose:
        hf_logging.set_verbosity_info()
    else:
        hf_logging.set_verbosity_error()


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
    if result.merge is not None:
        m = result.merge
        parts.insert(2, f"{m.new:,} new, {m.changed:,} changed, {m.absent:,} absent, {m.deleted:,} deleted")
    if result.suspect:
        parts.append(
            "SUSPECT: far fewer models than the previous complete run, so nothing was marked absent or deleted"
        )
    line = ", ".join(parts)
    if result.error:
        line += f" — {result.error}"
    return line


def run_with_progress(
    source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None
) -> RunResult:
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

                return run_crawl(source, db, restart=restart, progress=show, policy=policy)

        def log(p: CrawlProgress) -> None:
            if p.pages % 100 == 0:
                elapsed = max(time.monotonic() - started, 1e-6)
                err.print(
                    f"{source.name} run {p.run_id}: {p.pages:,} pages, {p.items:,} models, "
                    f"{p.items / elapsed:,.0f} models/s",
                    highlight=False,
                )

        return run_crawl(source, db, restart=restart, progress=log, policy=policy)
    finally:
        STATS.listeners.remove(on_rate_limit)


def _run_source(source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None) -> None:
    try:
        result = run_with_progress(source, db, restart, policy)
    except CrawlLocked as exc:
        err.print(f"zoo: {exc}", highlight=False)
        raise typer.Exit(EXIT_LOCKED) from None
    except StoreError as exc:
        err.print(f"zoo: {exc}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    print(_summary(result))
    if result.status != "complete":
        raise typer.Exit(EXIT_FAILED)
    if result.suspect:
        raise typer.Exit(EXIT_SUSPECT)


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
    delete_after: DeleteAfterOption = 2,
    max_drop: MaxDropOption = 0.05,
) -> None:
    """Crawl every public model of the Hugging Face Hub (GET /api/models, pages of 1,000).

    HF_TOKEN is sent as huggingface_hub sends it. An interrupted crawl (kill, crash, failure) resumes from
    its last saved page the next time; --restart abandons it. Exit code 0 means the run completed.

    Example: zoo crawl hf --db zoo.duckdb
    """
    from .sources.huggingface import HuggingFaceSource

    policy = RunPolicy(delete_after=delete_after, max_drop=max_drop)
    _run_source(HuggingFaceSource(hf_endpoint, timeout=timeout), db, restart, policy)


@import_app.command("pwc")
def import_pwc(
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            metavar="PATH",
            help="A local copy of a dump (gzipped or plain JSON), links or papers, recognised by content; "
            "repeat for both. Without --file both are downloaded. "
            "Example: --file jul-28-links-between-papers-and-code.json.gz --file papers-with-abstracts.json.gz",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="ZOO_DB",
            help="DuckDB file to use (default: $ZOO_DB, else ./zoo.duckdb). Example: --db zoo.duckdb",
            show_default=False,
        ),
    ] = None,
    hf_endpoint: Annotated[
        str | None,
        typer.Option(
            "--hf-endpoint",
            envvar="HF_ENDPOINT",
            metavar="URL",
            help="Hub to download pwc-archive/files from (default: $HF_ENDPOINT, else https://huggingface.co). "
            "Example: --hf-endpoint https://hf-mirror.example.org",
            show_default=False,
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            metavar="PATH",
            help="huggingface_hub cache for the downloads (default: $HF_HUB_CACHE, else $HF_HOME/hub, else "
            "~/.cache/huggingface/hub). Example: --cache-dir /data/hf-cache",
            show_default=False,
        ),
    ] = None,
    force_download: Annotated[
        bool,
        typer.Option(
            "--force-download",
            help="Download the dumps again even if cached (after a corrupt download). "
            "Example: zoo import pwc --force-download --restart",
        ),
    ] = False,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Abandon an interrupted import and start from the first file. Example: zoo import pwc --restart",
        ),
    ] = False,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size",
            min=1,
            help="Items parsed and staged per page (each page is one saved step of progress). "
            "Example: --page-size 50000",
        ),
    ] = 10_000,
) -> None:
    """Import the frozen Papers with Code dumps: paper-code links with frameworks, and paper dates.

    Papers with Code shut down in July 2025; its last dumps are files of the Hugging Face dataset
    pwc-archive/files. By default jul-28-links-between-papers-and-code.json.gz and
    papers-with-abstracts.json.gz are downloaded from there through huggingface_hub (cached; HF_TOKEN is
    sent as huggingface_hub sends it); --file imports local copies instead. The files are streamed, a
    page at a time, into the tables pwc_links and pwc_papers (no abstracts), recorded as a run of
    source paperswithcode (see zoo runs). Re-importing replaces those rows: same files, same contents.

    An interrupted import resumes the next time: it re-reads the file it stopped in, skips the items
    already saved and carries on; if the files changed meanwhile it asks for --restart. Exit code 0
    means the import completed.

    Example: zoo import pwc --db zoo.duckdb

    Example: zoo import pwc --file links.json.gz --file papers-with-abstracts.json.gz
    """
    from .sources.paperswithcode import PapersWithCodeSource

    source = PapersWithCodeSource(
        [str(f) for f in files or []],
        endpoint=hf_endpoint,
        cache_dir=cache_dir,
        force_download=force_download,
        page_size=page_size,
    )
    _run_source(source, db, restart)
    con = _read(db)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM pwc_links WHERE hub = 'paperswithcode'), "
            "(SELECT count(DISTINCT repo) FROM papers_links WHERE hub = 'paperswithcode'), "
            "(SELECT count(*) FROM pwc_papers WHERE hub = 'paperswithcode'), "
            "(SELECT count(paper_date) FROM pwc_papers WHERE hub = 'paperswithcode')"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    print(
        f"paperswithcode: {row[0]:,} links to {row[1]:,} repositories, {row[2]:,} papers "
        f"({row[3]:,} with a date) stored"
    )


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
    """List crawl runs, newest first: status, dates, counters, whether a run was resumed or is suspect.

    models is the number of distinct models a complete run saw (items staged so far for others); new,
    changed, absent and deleted say what the run changed in the database.

    Example: zoo runs --source huggingface --format json
    """
    con = _read(db)
    try:
        rel = con.execute(
            "SELECT run_id, source, status, started_at AS started, finished_at AS finished, pages, "
            "coalesce(models, items) AS models, requests, warnings, resumed, suspect, "
            "new_models AS new, changed_models AS changed, absent_models AS absent, "
            "deleted_models AS deleted, error "
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
    """Run a read-only SQL query against the database.

    The file is opened read-only and the query cannot read or write other files (no COPY TO, no
    read_csv): it sees the database's tables and views only.

    Example: zoo sql "select hub, count(*) from models group by hub" --format csv
    """
    con = _read(db)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
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


@app.command("history")
def history(
    model: Annotated[str, typer.Argument(help="A model's name (current or former) or key.")],
    db: DbOption = None,
    hub: Annotated[str | None, typer.Option("--hub", help="Only this hub (huggingface, kaggle, …).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show a model's history: first sighting, renames, tag and counter changes, gaps and deletion.

    A former name finds the model too, because identity is the hub's key, not the name.

    Example: zoo history google-bert/bert-base-uncased
    """
    from .history import find_models, model_timeline

    con = _read(db)
    try:
        mids = find_models(con, model, hub)
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

    Only partitions that are not there yet are written, so running it after every nightly crawl adds
    one day. DuckDB, pandas, polars, Spark and Trino read the folder in place.

    Example: zoo export ./zoo-parquet   then   duckdb -c "select * from read_parquet('zoo-parquet/models/*/*/*.parquet', hive_partitioning=true)"
    """
    from .export import export

    con = _read(db)
    try:
        result = export(con, out_dir)
    finally:
        con.close()
    print(
        f"export to {out_dir}: {len(result.written)} partition files written, {result.skipped} already there"
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
