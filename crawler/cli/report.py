"""``zoo report``: the articles' figures next to ours, as one HTML page or Markdown with plots."""

from __future__ import annotations

from typing import Annotated

import typer

from ..output import shown
from ..report import ReportFormat
from ..store import resolve_db
from .common import EXIT_FAILED, AsOfOption, ReadDbOption, app, error
from .stats import answer


@app.command("report")
def report_cmd(
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write (default: report.html, or report.md with --format md). "
            "Example: --out ~/zoo-report.html",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="html = one self-contained file, plots embedded; md = Markdown, plots as PNG files in "
            "<name>-figures/ next to it. Example: --format md",
        ),
    ] = ReportFormat.html,
    db: ReadDbOption = None,
) -> None:
    """Write the articles' figures next to ours: one HTML page (or Markdown) with plots.

    For every figure the "PyTorch vs TensorFlow" articles cite (models per hub, Hugging Face
    PyTorch-/TensorFlow-exclusive shares under both definitions, exclusive models added per year with the
    legacy cohort apart, the Papers with Code share, Kaggle Models by framework) it shows the article's
    value, ours today or --as-of a date, the definition and denominator, and the date of the crawl it comes
    from, then a plot. A hub never crawled is shown as "not crawled", never as 0.

    Example: zoo report --out report.html --as-of 2024-12-31
    """
    from ..report import write_report

    try:
        path, report = answer(db, lambda con: write_report(con, out, fmt, as_of, db=resolve_db(db)))
    except OSError as exc:  # the file or its figures folder cannot be written
        error(f"cannot write the report {shown(out or 'report.' + fmt.value)}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_FAILED) from None
    missing = report.not_crawled
    print(
        f"zoo report: wrote {path} ({len(report.sections)} figures"
        + (f"; not crawled: {', '.join(missing)}" if missing else "")
        + ")"
    )
