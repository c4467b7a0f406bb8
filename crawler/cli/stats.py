"""``zoo stats …``: the statistics of :mod:`crawler.stats` (the SQL views ``stats_*``) as tables, CSV or
JSON, each with its definition and denominator."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from enum import Enum
from typing import Annotated, TypeVar

import duckdb
import typer

from .. import stats
from ..output import Format, render, shown
from ..sources import registry
from ..stats import AdditionsGrain, Definition, Grain, StatTable
from ..store import stats_memory_limit
from .common import EXIT_FAILED, EXIT_USAGE, AsOfOption, ReadDbOption, app, err, error, read

T = TypeVar("T")

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
        help="Only this hub: "
        + ", ".join(
            h.name + (f" (or {', '.join(h.aliases)})" if h.aliases else "") for h in registry.hubs("models")
        )
        + ". Example: --hub huggingface",
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
StatsFormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table (with a caption stating definition and denominator), csv or json (stdout stays "
        "machine-readable; notes and the headline go to stderr). Example: --format json",
    ),
]


def answer(db: str | None, compute: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """``compute`` on the database opened read-only; a question the statistics cannot answer (an
    unknown hub, a bad date) exits 2 with the reason.

    DuckDB may use :func:`~crawler.store.stats_memory_limit` of memory (``$ZOO_STATS_MEMORY_LIMIT``); a
    query that needs more spills into a temporary folder of its own, removed afterwards (never next to
    the database, which a reading command leaves untouched)."""
    con = read(db)
    try:
        with tempfile.TemporaryDirectory(prefix="zoo-stats-") as spill:
            try:
                try:
                    con.execute("SET memory_limit = ?", [stats_memory_limit()])
                except duckdb.Error:
                    error(
                        f"ZOO_STATS_MEMORY_LIMIT={stats_memory_limit()!r} is not a size DuckDB reads "
                        "(e.g. 200MB, 1GB)"
                    )
                    raise typer.Exit(EXIT_USAGE) from None
                con.execute("SET temp_directory = ?", [spill])
                return compute(con)
            finally:
                con.close()
    except stats.StatsError as exc:
        error(exc)
        raise typer.Exit(EXIT_USAGE) from None


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
            err.print(line, highlight=False, markup=False, soft_wrap=True)
    for note in table.notes:
        err.print(f"zoo: {note}", highlight=False, markup=False, soft_wrap=True)


@stats_app.command("exclusivity")
def stats_exclusivity(
    hub: StatsHubOption = None,
    definition: DefinitionOption = Definition.tags,
    by: Annotated[
        Grain,
        typer.Option(
            "--by",
            help="none = all models together; year or month = per creation period ('legacy' = HF repos "
            "created before 2022-03-02 and not dated yet by `zoo crawl hf-dates`). Example: --by year",
        ),
    ] = Grain.none,
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: ReadDbOption = None,
) -> None:
    """Models per framework class and their share, per hub (and period).

    One row per (hub, period, class) with models and share = models ÷ all counted models of that hub in
    that period. Also prints the articles' headline share, PyTorch-only ÷ (PyTorch-only +
    TensorFlow-only): below the table, or on stderr for csv/json so stdout stays machine-readable.
    Counts only public models seen by each hub's latest complete crawl (view stats_models; private models
    listed because a token was set are stored, never counted).

    Example: zoo stats exclusivity --hub huggingface --definition tags --by year --format json
    """
    table = answer(db, lambda con: stats.exclusivity(con, hub=hub, definition=definition, by=by, as_of=as_of))
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
    db: ReadDbOption = None,
) -> None:
    """Models added per creation year or month, per hub (optionally per framework class).

    Models with the Hugging Face placeholder date (2022-03-02T23:29:04Z or 23:29:05Z: created on or
    before it, exact date unknown) form the period 'legacy' and are never counted in 2022, until `zoo
    crawl hf-dates` dates them by their first commit and they count in their true year (a note says how
    many are left). TF Hub models dated
    by an import (tfhub.dev's import of Google's catalog on 2020-08-26, or the first commit of the
    tensorflow/hub folder that held contributed models before) form the period 'imported' (published
    on or before that date), never 2020. Only models that still exist are counted.

    Example: zoo stats additions --hub huggingface --by year --by-class
    """
    table = answer(
        db,
        lambda con: stats.additions(
            con, hub=hub, by=by, definition=definition, by_class=by_class, as_of=as_of
        ),
    )
    _show(table, fmt)


@stats_app.command("hubs")
def stats_hubs(
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: ReadDbOption = None,
) -> None:
    """Models per hub now (or --as-of a date), with the date of the complete crawl they come from.

    Hubs never crawled are marked 'not crawled' (no count, never 0).

    Example: zoo stats hubs --as-of 2024-12-31 --format json
    """
    table = answer(db, lambda con: stats.hubs(con, as_of=as_of))
    _show(table, fmt)


@stats_app.command("downloads")
def stats_downloads(
    models: Annotated[list[str], typer.Argument(help="Model names (current or former) or keys.")],
    hub: StatsHubOption = None,
    db: ReadDbOption = None,
    fmt: StatsFormatOption = Format.table,
) -> None:
    """Each night's downloads and likes of the given models, from the change-only history.

    downloads is the hub's rolling 30-day count, downloads_all_time its running total, likes the likes;
    one row per complete crawl ("night") that saw the model. downloads_per_day is an ESTIMATE: the
    difference of downloads_all_time between two nights divided by the days between them (the Hub
    publishes no daily figure). Views: model_counters_nightly, downloads_per_day.

    Example: zoo stats downloads google-bert/bert-base-uncased openai/whisper-large-v3 --format csv
    """
    from ..history import find_models, nightly_counters

    con = read(db)
    try:
        mids: list[int] = []
        for name in models:
            found = find_models(con, name, registry.resolve(hub) if hub else None)
            if not found:
                error(f"no model is or was called {shown(name)}")
                raise typer.Exit(EXIT_FAILED)
            mids += found
        columns, rows = nightly_counters(con, mids)
    finally:
        con.close()
    render(
        columns,
        rows,
        fmt,
        title="downloads and likes per night",
        caption="downloads: rolling 30 days (as the hub reports it); downloads_per_day: estimated from "
        "the change of downloads_all_time between nights",
    )


class PapersGrain(str, Enum):
    year = "year"
    quarter = "quarter"
    month = "month"


class PapersCount(str, Enum):
    papers = "papers"
    repos = "repos"


@stats_app.command("papers")
def stats_papers(
    by: Annotated[
        PapersGrain,
        typer.Option("--by", help="Period of the paper: year, quarter or month. Example: --by month"),
    ] = PapersGrain.year,
    count: Annotated[
        PapersCount,
        typer.Option(
            "--count",
            help="papers = each paper once per framework of its code (the articles' unit: \"68 % of papers "
            'with code use PyTorch"); repos = each code repository once, dated by its earliest paper. '
            "Example: --count repos",
        ),
    ] = PapersCount.papers,
    official_only: Annotated[
        bool,
        typer.Option(
            "--official-only", help="Count only official implementations (code by the paper's authors)."
        ),
    ] = False,
    compare_archive: Annotated[
        bool,
        typer.Option(
            "--compare-archive",
            help="Instead: on the papers (or repositories, with --count repos) whose code both the archive "
            "and `zoo crawl papers` classified, how often zoo's framework equals Papers with Code's, and "
            "each year's shares both ways side by side.",
        ),
    ] = False,
    db: ReadDbOption = None,
    fmt: StatsFormatOption = Format.table,
) -> None:
    """Share of papers with code (or of their code repositories) by framework, per year, quarter or month,
    through the present.

    --count papers (the default, the articles' unit): each paper counted once per framework among its
    code repositories' (pytorch, tensorflow, jax, mxnet, other), in the period of the paper's date; share
    = papers of the framework ÷ the period's papers with code of any framework, so a paper with PyTorch
    and TensorFlow code counts for both and shares may sum above 100 %; no_framework = papers whose code
    uses none, apart. --count repos: each code repository counted once, in the period of its earliest
    paper, with one framework (none included); share = repos ÷ all dated and classified repositories (the
    six shares sum to 1). Until July 2025 the papers, repositories and frameworks come from the frozen
    Papers with Code dumps (`zoo import pwc`); after it from `zoo crawl papers` (arXiv and Hugging Face
    Papers links, frameworks from each repository's dependency files or imports). The source column says
    which: archive, live or archive+live. unclassified = live papers (repositories) not classified yet.
    --compare-archive prints the agreement of the two methods where both classified the code instead.

    Example: zoo stats papers --by month --count repos --format json
    """
    from ..papers import papers_compare, papers_series

    unit = "papers" if count is PapersCount.papers else "repositories"
    if compare_archive:
        columns, rows = answer(db, lambda con: papers_compare(con, count=count.value))
        agreement = next((r[5] for r in rows if r[0] == "all"), None)
        if not rows:
            err.print(
                "zoo: no repository is classified by both Papers with Code and `zoo crawl papers` yet (run "
                "`zoo import pwc`, then `zoo crawl papers --archive-sample N`)",
                highlight=False,
            )
        shares = ("archive_share", "zoo_share", "agreement")
        shown = [
            tuple(
                f"{v * 100:.1f} %" if columns[i] in shares and v is not None else v for i, v in enumerate(r)
            )
            for r in rows
        ]
        if count is PapersCount.papers:
            caption = (
                "papers = the archive's papers of the year with a repository both classified; archive_share / "
                "zoo_share = the papers with code of the framework ÷ those with code of any framework, by "
                "each method (a paper counts once per framework; shares may sum above 100 %); agreement = "
                "the share of the papers given the same frameworks (views papers_compare_papers, "
                "papers_compare_repos)."
            )
        else:
            caption = (
                "repos = repositories of the year (of their earliest paper in the archive) that both "
                "classified; archive_share / zoo_share = the framework's share of them by each method; "
                "agreement = the share of them given the same framework (views papers_compare, "
                "papers_compare_repos)."
            )
        render(
            columns,
            shown if fmt is Format.table else rows,
            fmt,
            title=f"zoo's framework vs Papers with Code's, on the {unit} both classified (unit: {unit})",
            caption=caption,
        )
        if agreement is not None:
            line = (
                f"Agreement on {next(r[2] for r in rows if r[0] == 'all'):,} {unit}: {agreement * 100:.1f} %"
            )
            if fmt is Format.table:
                print(line)
            else:
                err.print(line, highlight=False)
        return
    columns, rows = answer(
        db, lambda con: papers_series(con, by=by.value, official_only=official_only, count=count.value)
    )
    if not rows:
        err.print(
            "zoo: Papers with Code: not imported (run `zoo import pwc`), and no live papers (`zoo crawl papers`)",
            highlight=False,
        )
    if fmt is Format.table:
        share = columns.index("share")
        shown = [
            tuple(f"{v * 100:.1f} %" if i == share and v is not None else v for i, v in enumerate(r))
            for r in rows
        ]
        if count is PapersCount.papers:
            caption = (
                "Each paper counted once per framework of its code, dated by the paper; share = papers of the "
                "framework ÷ the period's papers with code of any framework (may sum above 100 %); "
                "no_framework = papers whose code uses none, apart; source: the Papers with Code archive, the "
                "live crawl, or both (view papers_series_papers)."
            )
        else:
            caption = (
                "Each code repository linked to a paper counted once, dated by its earliest paper; share = "
                "repositories of the framework ÷ all dated and classified repositories of the period; source: "
                "the Papers with Code archive, the live crawl, or both (view papers_series)."
            )
        render(
            columns,
            shown,
            fmt,
            title=f"Paper implementations by framework, per {by.value} (unit: {unit})"
            + (" (official only)" if official_only else ""),
            caption=caption,
        )
    else:
        render(columns, rows, fmt)
