"""A crawl as a person (or cron) watches it: a progress bar on a terminal, a log line every 100 pages in
a log file, a notice for every rate-limit wait, and one summary line at the end."""

from __future__ import annotations

import time

import duckdb
import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..crawl import Progress as CrawlProgress
from ..crawl import crawl as run_crawl
from ..sources.base import Meter, Source
from ..store import CrawlLocked, RunPolicy, RunResult, StoreError, resolve_db
from .common import EXIT_FAILED, EXIT_LOCKED, EXIT_SUSPECT, err, error, one_line


def summary(result: RunResult) -> str:
    """The one line a finished (or failed) run is reported with."""
    c = result.counters
    rate = c.items / result.seconds if result.seconds > 0 else 0.0
    rows_only = not result.models and c.items > 0  # a source that stores child rows only (papers)
    unit = "rows" if rows_only else "models"
    parts = [
        f"{result.source}: run {result.run_id} {result.status}",
        f"{c.items:,} rows"
        if rows_only
        else (f"{result.models:,} models" if result.models is not None else f"{c.items:,} items staged"),
        f"{c.pages:,} pages",
        f"{c.requests:,} requests",
        f"{c.warnings:,} warnings",
        f"{result.seconds:.1f} s ({rate:,.0f} {unit}/s)",
    ]
    if result.resumed:
        parts.append("resumed")
    if result.merge is not None and not rows_only:
        m = result.merge
        parts.insert(2, f"{m.new:,} new, {m.changed:,} changed, {m.absent:,} absent, {m.deleted:,} deleted")
    if result.suspect:
        parts.append(
            "SUSPECT: far fewer models than the previous complete run, so nothing was marked absent or deleted"
        )
    if c.notes:
        parts.append("; ".join(c.notes))
    line = ", ".join(parts)
    if result.error:
        line += f" — {result.error}"
    return one_line(line)  # a hub's words (an error body, a note) may hold newlines or terminal escapes


def run_with_progress(
    source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None
) -> RunResult:
    """Crawl with a progress bar on a terminal, or a log line every 100 pages when not on one.

    The run's meter tells of every rate-limit wait, whichever source reports it.
    """
    meter = Meter()
    interactive = err.is_terminal
    started = time.monotonic()
    if not interactive:
        meter.listeners.append(
            lambda kind, seconds: err.print(f"rate limited: waiting {seconds:.0f} s", highlight=False)
        )
    if interactive:
        # The bar starts with the first page, not before: work a source does before it (the Papers
        # with Code download shows huggingface_hub's own bar) writes to the terminal undisturbed. A
        # source that knows its total (an enrichment's work list) gets an ETA column too.
        columns: list[ProgressColumn] = [
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[pages]:>6,} pages  {task.completed:>10,.0f} models"),
            TextColumn("{task.fields[rate]:>8,.0f} models/s"),
            TextColumn("rate-limit waits: {task.fields[waits]} ({task.fields[wait_s]:.0f} s)"),
            TimeElapsedColumn(),
        ]
        bars: list[Progress] = []
        tasks: list[TaskID] = []

        def show(p: CrawlProgress) -> None:
            if not tasks:
                eta = [TextColumn("ETA"), TimeRemainingColumn()] if p.total_hint is not None else []
                bars.append(Progress(*columns, *eta, console=err, transient=False))
                bar = bars[0]
                bar.start()
                tasks.append(bar.add_task(source.name, total=None, pages=0, rate=0.0, waits=0, wait_s=0.0))
            elapsed = max(time.monotonic() - started, 1e-6)
            bars[0].update(
                tasks[0],
                completed=p.items,
                total=p.total_hint,
                pages=p.pages,
                rate=p.items / elapsed,
                waits=meter.waits,
                wait_s=meter.wait_seconds,
                description=f"{source.name} run {p.run_id}" + (" (resumed)" if p.resumed else ""),
            )

        try:
            return run_crawl(
                source, db, restart=restart, progress=show, policy=policy, meter=meter, notice=error
            )
        finally:
            if bars:
                bars[0].stop()

    def log(p: CrawlProgress) -> None:
        if p.pages % 100 == 0:
            elapsed = max(time.monotonic() - started, 1e-6)
            err.print(
                f"{source.name} run {p.run_id}: {p.pages:,} pages, {p.items:,} models, "
                f"{p.items / elapsed:,.0f} models/s",
                highlight=False,
            )

    return run_crawl(source, db, restart=restart, progress=log, policy=policy, meter=meter, notice=error)


def run_source(source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None) -> None:
    """Crawl one source for its own command: print its summary line; exit 1 if the run failed, 3 if the
    database is locked by another crawl, 4 if the run was suspect."""
    try:
        result = run_with_progress(source, db, restart, policy)
    except CrawlLocked as exc:
        error(exc)
        raise typer.Exit(EXIT_LOCKED) from None
    except StoreError as exc:
        error(exc)
        raise typer.Exit(EXIT_FAILED) from None
    except (duckdb.Error, OSError) as exc:
        # The store could not write the database, its lock or its staging file (disk full, read-only
        # file system, permissions). Pages saved before stay saved: the next crawl resumes from them.
        error(
            f"cannot write the database {resolve_db(db)} or the files next to it: {type(exc).__name__}: "
            f"{exc} (pages saved before are kept; the next crawl resumes from them)"
        )
        raise typer.Exit(EXIT_FAILED) from None
    print(summary(result))
    if result.status != "complete":
        raise typer.Exit(EXIT_FAILED)
    if result.suspect:
        raise typer.Exit(EXIT_SUSPECT)
