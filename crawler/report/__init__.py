"""``zoo report``: every figure the "PyTorch vs TensorFlow" articles cite, next to ours, dated and defined.

For each figure the report shows, side by side, the article's value (with its wording), our value today or
``as_of`` a date, the definition and denominator used, and the date of the crawl the value comes from;
then a plot. Every number comes from :mod:`crawler.stats` (the SQL views), the same functions that
``zoo stats`` and the Python API (:mod:`crawler.api`) call; this module only picks, compares and draws.

The articles' values live in ONE place, :data:`ARTICLE` (``articles``). A hub (or the Papers with Code import) that was
never crawled is shown as "not crawled", never as 0.

Output: one self-contained HTML file (plots embedded as base64 PNG data URIs), or Markdown with
``fmt="md"``, whose plots are written as PNG files into a folder next to it (``<name>-figures/``,
linked relatively), because most Markdown viewers (GitHub among them) do not show data-URI images.

Plots use matplotlib's object API with the Agg canvas (no pyplot, no global backend switch), so the figure
functions (``figure_hubs`` …) also return plain :class:`matplotlib.figure.Figure` objects for notebooks.

Modules: ``articles`` (the articles' values and the hubs they are about), ``formatting`` (numbers, dates,
labels), ``figures`` (the plots), ``sections`` (one section per figure, :func:`build_report`; a section
draws its plot only when its ``png`` is first read, so the numbers alone cost no plotting) and ``render``
(HTML and Markdown, :func:`write_report`).
"""

from __future__ import annotations

from ..stats import kaggle_frameworks  # formerly defined here; now a statistic (view stats_formats)
from .articles import ARTICLE, ARTICLE_ADDITIONS_YEAR, ArticleValue, article_value
from .figures import (
    figure_additions,
    figure_exclusivity,
    figure_hubs,
    figure_kaggle,
    figure_papers,
    figure_png,
)
from .formatting import CLASS_COLORS, CLASS_LABELS, LEGACY_TEXT, fmt_int, fmt_pct, fmt_when, hub_label
from .render import ReportFormat, render_html, render_markdown, write_report
from .sections import Comparison, Report, Section, Table, build_report

__all__ = [
    "ARTICLE",
    "ARTICLE_ADDITIONS_YEAR",
    "CLASS_COLORS",
    "CLASS_LABELS",
    "LEGACY_TEXT",
    "ArticleValue",
    "Comparison",
    "Report",
    "ReportFormat",
    "Section",
    "Table",
    "article_value",
    "build_report",
    "figure_additions",
    "figure_exclusivity",
    "figure_hubs",
    "figure_kaggle",
    "figure_papers",
    "figure_png",
    "fmt_int",
    "fmt_pct",
    "fmt_when",
    "hub_label",
    "kaggle_frameworks",
    "render_html",
    "render_markdown",
    "write_report",
]
