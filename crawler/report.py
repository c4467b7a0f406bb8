"""``zoo report``: every figure the "PyTorch vs TensorFlow" articles cite, next to ours, dated and defined.

For each figure the report shows, side by side, the article's value (with its wording), our value today or
``as_of`` a date, the definition and denominator used, and the date of the crawl the value comes from;
then a plot. Every number comes from :mod:`crawler.stats` (the SQL views), the same functions that
``zoo stats`` and the Python API (:mod:`crawler.api`) call; this module only picks, compares and draws.

The articles' values live in ONE place, :data:`ARTICLE`. A hub (or the Papers with Code import) that was
never crawled is shown as "not crawled", never as 0.

Output: one self-contained HTML file (plots embedded as base64 PNG data URIs), or Markdown with
``fmt="md"``, whose plots are written as PNG files into a folder next to it (``<name>-figures/``,
linked relatively), because most Markdown viewers (GitHub among them) do not show data-URI images.

Plots use matplotlib's object API with the Agg canvas (no pyplot, no global backend switch), so the figure
functions (``figure_hubs`` …) also return plain :class:`matplotlib.figure.Figure` objects for notebooks.
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from . import __version__, stats
from .stats import StatTable

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    from matplotlib.figure import Figure


# ------------------------------------------------------------------------------------ the articles


@dataclass(frozen=True)
class ArticleValue:
    """One number an article cites, with its own words."""

    figure: str  # the report section it belongs to: hubs, exclusivity, additions, papers, kaggle
    measure: str  # what it counts inside that figure: a hub, a framework class, a framework
    value: float  # the number (shares as fractions 0–1), for plots
    text: str  # the number as the article writes it
    wording: str  # the article's sentence
    source: str


ARTICLES = "“PyTorch vs TensorFlow” articles (figures as they circulate; no single source named)"
PWC = "Papers with Code trends, as quoted by the “PyTorch vs TensorFlow” articles"

#: Every article value the report compares with, in ONE place. Edit here to check another article.
ARTICLE: tuple[ArticleValue, ...] = (
    ArticleValue(
        "hubs", "pytorch-hub", 49, "49", "PyTorch Hub: 49 models; TensorFlow Hub: about 1,300", ARTICLES
    ),
    ArticleValue(
        "hubs", "tf-hub", 1300, "about 1,300", "PyTorch Hub: 49 models; TensorFlow Hub: about 1,300", ARTICLES
    ),
    ArticleValue(
        "exclusivity",
        "pytorch_only",
        0.92,
        "92 %",
        "92 % of HF models are PyTorch-exclusive, 8 % TensorFlow-exclusive",
        ARTICLES,
    ),
    ArticleValue(
        "exclusivity",
        "tensorflow_only",
        0.08,
        "8 %",
        "92 % of HF models are PyTorch-exclusive, 8 % TensorFlow-exclusive",
        ARTICLES,
    ),
    ArticleValue(
        "additions",
        "pytorch_only",
        45000,
        "over 45,000",
        "in 2022 over 45,000 PyTorch-exclusive and 4,000 TensorFlow-exclusive models were added",
        ARTICLES,
    ),
    ArticleValue(
        "additions",
        "tensorflow_only",
        4000,
        "4,000",
        "in 2022 over 45,000 PyTorch-exclusive and 4,000 TensorFlow-exclusive models were added",
        ARTICLES,
    ),
    ArticleValue("papers", "pytorch", 0.68, "68 %", "68 % of research papers use PyTorch", PWC),
)
#: The year the articles' "models added" figure is about.
ARTICLE_ADDITIONS_YEAR = "2022"


def article_value(figure: str, measure: str) -> ArticleValue | None:
    """The article's value for ``measure`` of ``figure``, or None when the articles cite none."""
    return next((a for a in ARTICLE if a.figure == figure and a.measure == measure), None)


# ------------------------------------------------------------------------ data the stats lack

PAPERS_COLUMNS = ["period", "framework", "repos", "share"]
NOT_CRAWLED = "not crawled"


def papers_status(con: duckdb.DuckDBPyConnection) -> str:
    """``'crawled'`` when the Papers with Code import (``crawler.papers``, table ``pwc_links``) has rows,
    else ``'not crawled'``: the code is missing, the table is missing, or it is empty."""
    try:
        module = importlib.import_module(f"{__package__}.papers")
    except ImportError:
        return NOT_CRAWLED
    if not callable(getattr(module, "papers_share", None)):
        return NOT_CRAWLED
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pwc_links' AND NOT temporary"
    ).fetchone()
    if not exists or not exists[0]:
        return NOT_CRAWLED
    rows = con.execute("SELECT count(*) FROM pwc_links").fetchone()
    return "crawled" if rows and rows[0] else NOT_CRAWLED


def papers_table(con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False) -> StatTable:
    """Papers' code repositories per framework and period, from ``crawler.papers.papers_share``.

    Columns: period, framework, repos, share. When the import has not run, no rows and the note
    "papers: not crawled" (never zeros).
    """
    by = stats._enum_value(by, ["year", "quarter"], "by")
    caption = (
        "Papers with Code: share = the framework's code repositories ÷ all code repositories dated in that "
        f"{by} (framework 'none' included; each repository counted once, dated by its earliest paper; "
        "crawler.papers.papers_share, view papers_frameworks)"
        + ("; official implementations only" if official_only else "; official and unofficial code")
        + "."
    )
    title = f"Research papers' code per framework and {by}"
    if papers_status(con) != "crawled":
        return StatTable(
            list(PAPERS_COLUMNS), [], title, caption, ["papers: not crawled — run `zoo import pwc` first"]
        )
    papers = importlib.import_module(f"{__package__}.papers")
    columns, rows = papers.papers_share(con, by=by, official_only=official_only)
    return StatTable(list(columns), [tuple(r) for r in rows], title, caption)


def papers_crawl_date(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the Papers with Code data was imported: the latest complete run of a source named like it."""
    row = con.execute(
        "SELECT max(finished_at) FROM crawl_runs WHERE status = 'complete' "
        "AND (source ILIKE '%pwc%' OR source ILIKE '%paper%')"
    ).fetchone()
    return row[0] if row else None


def kaggle_frameworks(con: duckdb.DuckDBPyConnection, as_of: date | str | None = None) -> StatTable:
    """Kaggle Models per instance framework (a model with two frameworks counts under both).

    Columns: framework (as Kaggle names it), family (the framework it is evidence for in
    framework_evidence_map, e.g. tensorFlow2 → tensorflow), models, share (÷ all counted Kaggle models,
    the denominator column), denominator, as_of.
    """
    as_of_date = stats.parse_as_of(as_of)
    rows = con.execute(
        """
        WITH k AS (
            SELECT key, formats FROM stats_models($as_of::DATE) WHERE hub = 'kaggle'
        ),
        n AS (SELECT count(*) AS total FROM k),
        f AS (
            SELECT key, unnest(CASE WHEN coalesce(len(formats), 0) = 0 THEN ['(none)'] ELSE formats END)
                   AS framework
            FROM k
        )
        SELECT f.framework,
               CASE WHEN f.framework = '(none)' THEN NULL ELSE coalesce(any_value(m.framework), 'unmapped') END,
               count(DISTINCT f.key) AS models, count(DISTINCT f.key) / any_value(n.total),
               any_value(n.total), $as_of::DATE
        FROM f CROSS JOIN n
        LEFT JOIN framework_evidence_map m ON m.kind = 'format' AND lower(m.value) = lower(f.framework)
        GROUP BY f.framework
        ORDER BY models DESC, f.framework
        """,
        {"as_of": as_of_date},
    ).fetchall()
    rows = [(*r[:5], r[5].isoformat() if r[5] else None) for r in rows]
    return StatTable(
        ["framework", "family", "models", "share", "denominator", "as_of"],
        rows,
        "Kaggle Models per instance framework",
        "A model counts once under each framework of its instances (models.formats), so shares add up "
        "to more than 100 %. share = models with the framework ÷ all counted Kaggle models (the "
        f"denominator column). {stats.MODELS_TEXT}{stats._as_of_text(as_of_date)}. family = the "
        "framework it is evidence for (framework_evidence_map).",
        stats._crawl_notes(con, "kaggle", as_of_date),
    )


# ------------------------------------------------------------------------------------- formatting

HUB_LABELS = {
    "huggingface": "Hugging Face",
    "pytorch-hub": "PyTorch Hub",
    "tf-hub": "TensorFlow Hub",
    "kaggle": "Kaggle Models",
}
CLASS_COLORS = {
    "pytorch_only": "#ee4c2c",
    "tensorflow_only": "#1f6fb4",
    "both": "#8e63b5",
    "neither": "#c8c8c8",
    "jax_only": "#2ca02c",
    "multi": "#8c564b",
    "other": "#e377c2",
    "agnostic": "#17becf",
    "none": "#e0e0e0",
}
CLASS_LABELS = {
    "pytorch_only": "PyTorch-only",
    "tensorflow_only": "TensorFlow-only",
    "both": "both",
    "neither": "neither",
    "jax_only": "JAX-only",
    "multi": "multi",
    "other": "other",
    "agnostic": "agnostic",
    "none": "none",
}
LEGACY_TEXT = (
    "'legacy' = Hugging Face repositories created before 2022-03-02 whose exact date is unknown: the Hub "
    "shows the placeholder 2022-03-02T23:29:04Z for all of them. zoo never counts them in 2022; a count "
    "that reads that placeholder as a date puts the whole legacy cohort into 2022."
)


def hub_label(hub: str) -> str:
    return HUB_LABELS.get(hub, hub)


def fmt_int(value: Any) -> str:
    return "" if value is None else f"{int(value):,}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.{digits}f} %"


def fmt_when(value: Any) -> str:
    """A crawl time as ``YYYY-MM-DD HH:MM UTC``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if column == "share" or column.endswith("share"):
        return fmt_pct(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, datetime):
        return fmt_when(value)
    return str(value)


def period_key(period: str) -> tuple[int, str]:
    """Sort order of periods: 'legacy' first, then dates, then 'unknown'."""
    return (0 if period == "legacy" else 2 if period == "unknown" else 1, period)


def _records(data: StatTable | Any) -> list[dict[str, Any]]:
    """Rows as dicts from a StatTable, a pandas DataFrame or a list of dicts."""
    if isinstance(data, StatTable):
        return data.records()
    if hasattr(data, "to_dict"):  # a pandas DataFrame: its missing values (NaN, NA, NaT) become None
        import pandas as pd

        return [{k: None if _missing(v, pd) else v for k, v in r.items()} for r in data.to_dict("records")]
    return list(data)


def _missing(value: Any, pd: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays are values
        return False


# ----------------------------------------------------------------------------------------- figures


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#777", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def figure_hubs(hubs_table: StatTable | Any) -> Figure:
    """Models per hub (log scale): ours as solid bars, the articles' values as outlined bars beside them;
    a hub without a complete crawl gets no bar but its status ("not crawled")."""
    from matplotlib.patches import Patch

    recs = _records(hubs_table)
    fig = _figure(9, 4.2)
    ax = fig.add_subplot()
    xs = list(range(len(recs)))
    counts = [r["models"] for r in recs]
    arts = [article_value("hubs", r["hub"]) for r in recs]
    if not any(c is not None for c in counts) and not any(arts):
        _empty(ax, "no hub has a complete crawl yet")
        return fig
    top = max([c for c in counts if c] + [a.value for a in arts if a] + [1])
    ax.set_yscale("log")
    ax.set_ylim(0.8, top * 12)
    width = 0.38
    for x, r, art in zip(xs, recs, arts, strict=True):
        ours_x = x - width / 2 if art else x
        if r["models"] is None:
            ax.text(ours_x, 1.1, r["status"].replace(" ", "\n"), ha="center", va="bottom", color="#777",
                    fontsize=9, style="italic")  # fmt: skip
        else:
            height = max(r["models"], 1)
            ax.bar(ours_x, height, color="#4c72b0", width=width if art else 0.6)
            ax.text(ours_x, height * 1.15, f"{r['models']:,}", ha="center", va="bottom", fontsize=9)
        if art is not None:
            ax.bar(x + width / 2, art.value, width=width, facecolor="white", edgecolor="black", hatch="..")
            ax.text(x + width / 2, art.value * 1.15, art.text, ha="center", va="bottom", fontsize=9)
    handles: list[Any] = [Patch(color="#4c72b0", label="zoo (this database)")]
    if any(arts):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="..", label="the articles"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xticks(xs, [hub_label(r["hub"]) for r in recs])
    ax.set_ylabel("models (log scale)")
    ax.set_title("Models per hub")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _headline_by_period(table: StatTable | Any) -> dict[str, tuple[int, int, float | None]]:
    """{period: (pytorch_only, tensorflow_only, share)} of one hub's exclusivity rows."""
    counts: dict[str, dict[str, int]] = {}
    for r in _records(table):
        counts.setdefault(r["period"], {})[r["class"]] = int(r["models"])
    out = {}
    for period, by_class in counts.items():
        pt, tf = by_class.get("pytorch_only", 0), by_class.get("tensorflow_only", 0)
        out[period] = (pt, tf, pt / (pt + tf) if pt + tf else None)
    return out


def figure_exclusivity(by_year: dict[str, StatTable | Any]) -> Figure:
    """Left: the articles' headline share (PyTorch-only ÷ (PyTorch-only + TensorFlow-only)) per creation
    year, one line per definition, with the articles' 92 %. Right: all classes' shares per year (first
    definition given). ``by_year`` maps a definition to a one-hub ``exclusivity(by='year')`` table."""
    fig = _figure(11, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1])
    periods = sorted(
        {r["period"] for t in by_year.values() for r in _records(t) if r["period"] != "unknown"},
        key=period_key,
    )
    if not periods:
        _empty(left, "not crawled")
        _empty(right, "not crawled")
        return fig
    xs = list(range(len(periods)))
    styles = {"tags": ("-", "o"), "evidence": ("--", "s")}
    for definition, table in by_year.items():
        heads = _headline_by_period(table)
        ys = [heads.get(p, (0, 0, None))[2] for p in periods]
        ys = [None if y is None else y * 100 for y in ys]
        line, marker = styles.get(definition, ("-", "^"))
        left.plot(
            xs, [float("nan") if y is None else y for y in ys], linestyle=line, marker=marker,
            label=f"{definition} definition",
        )  # fmt: skip
    art = article_value("exclusivity", "pytorch_only")
    if art is not None:
        left.axhline(art.value * 100, color="black", linewidth=0.8, linestyle=":")
        left.text(
            xs[-1], art.value * 100 + 1, f"the articles: {art.text}", ha="right", va="bottom", fontsize=9
        )
    left.set_ylim(0, 105)
    left.set_xticks(xs, periods)
    left.set_ylabel("PyTorch-only ÷ (PyTorch-only + TF-only), %")
    left.set_xlabel("creation year of the models")
    left.set_title("PyTorch's share of the framework-exclusive models")
    left.legend(frameon=False, loc="lower left")
    if "legacy" in periods:
        left.axvspan(-0.5, 0.5, color="#f2f2f2", zorder=0)
    left.spines[["top", "right"]].set_visible(False)

    first = next(iter(by_year))
    recs = [r for r in _records(by_year[first]) if r["period"] in periods]
    classes = list(dict.fromkeys(r["class"] for r in recs))
    share = {(r["period"], r["class"]): (r["share"] or 0) * 100 for r in recs}
    bottom = [0.0] * len(periods)
    for cls in classes:
        heights = [share.get((p, cls), 0.0) for p in periods]
        right.bar(
            xs, heights, bottom=bottom, color=CLASS_COLORS.get(cls, "#999"), label=CLASS_LABELS.get(cls, cls),
            width=0.7,
        )  # fmt: skip
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    right.set_xticks(xs, periods)
    right.set_ylim(0, 100)
    right.set_ylabel("share of all models of the period, %")
    right.set_xlabel("creation year of the models")
    right.set_title(f"All classes ({first} definition)")
    right.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    right.spines[["top", "right"]].set_visible(False)
    return fig


def figure_additions(table: StatTable | Any, hub: str = "huggingface") -> Figure:
    """PyTorch-only and TensorFlow-only models added per creation year (bars), with the legacy cohort
    apart (hatched, left of the line) and the articles' values for 2022 as markers. ``table`` is
    ``additions(by='year', by_class=True)`` for one definition."""
    recs = [r for r in _records(table) if r["hub"] == hub and r["period"] != "unknown"]
    fig = _figure(10, 4.2)
    ax = fig.add_subplot()
    periods = sorted({r["period"] for r in recs}, key=period_key)
    if not periods:
        _empty(ax, f"{hub_label(hub)}: not crawled")
        return fig
    got = {(r["period"], r["class"]): int(r["models"]) for r in recs}
    xs = list(range(len(periods)))
    width = 0.38
    for offset, cls in ((-width / 2, "pytorch_only"), (width / 2, "tensorflow_only")):
        heights = [got.get((p, cls), 0) for p in periods]
        bars = ax.bar([x + offset for x in xs], heights, width=width, color=CLASS_COLORS[cls])
        for bar, p in zip(bars, periods, strict=True):
            if p == "legacy":
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        for x, h in zip(xs, heights, strict=True):
            ax.text(x + offset, h, f"{h:,}", ha="center", va="bottom", fontsize=8)
    ours_max = max([got.get((p, c), 0) for p in periods for c in ("pytorch_only", "tensorflow_only")] + [1])
    pt_art, tf_art = (article_value("additions", c) for c in ("pytorch_only", "tensorflow_only"))
    if hub == "huggingface" and ARTICLE_ADDITIONS_YEAR in periods and pt_art and tf_art:
        if max(pt_art.value, tf_art.value) <= 3 * ours_max:  # on the same scale: markers
            x = periods.index(ARTICLE_ADDITIONS_YEAR)
            for offset, art in zip((-width / 2, width / 2), (pt_art, tf_art), strict=True):
                ax.plot([x + offset], [art.value], marker="D", color="black", linestyle="none")
            ax.plot(
                [],
                [],
                marker="D",
                color="black",
                linestyle="none",
                label=f"the articles ({ARTICLE_ADDITIONS_YEAR})",
            )
        else:  # far off this database's scale: say it in words rather than squash the bars
            ax.text(
                1.02, 0.62,
                f"the articles, {ARTICLE_ADDITIONS_YEAR}:\n{pt_art.text} PyTorch-only\n"
                f"{tf_art.text} TensorFlow-only\n(off this database's scale)",
                transform=ax.transAxes, ha="left", va="top", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "#f7f7f7", "edgecolor": "#ccc"},
            )  # fmt: skip
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    if "legacy" in periods:
        ax.axvline(0.5, color="#888", linewidth=0.8, linestyle="--")
        ax.text(0, 0.97, "legacy: before\n2022-03-02,\ndate unknown", ha="center", va="top", fontsize=8,
                color="#555", transform=ax.get_xaxis_transform())  # fmt: skip
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xticks(xs, periods)
    ax.set_ylabel("models added (that still exist)")
    ax.set_xlabel("creation year")
    definition = next((r.get("definition") for r in recs if r.get("definition")), "tags")
    ax.set_title(f"{hub_label(hub)}: framework-exclusive models added per year ({definition} definition)")
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(color=CLASS_COLORS[c], label=CLASS_LABELS[c]) for c in ("pytorch_only", "tensorflow_only")
    ]
    if "legacy" in periods:
        handles.append(Patch(facecolor="#999", hatch="//", edgecolor="white", label="legacy cohort"))
    handles += [h for h in ax.get_legend_handles_labels()[0]]
    ax.legend(handles=handles, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_papers(table: StatTable | Any) -> Figure:
    """Each framework's share of papers' code per period (lines), with the articles' 68 %."""
    recs = _records(table)
    fig = _figure(10, 4)
    ax = fig.add_subplot()
    if not recs:
        _empty(ax, "papers: not crawled")
        return fig
    periods = sorted({str(r["period"]) for r in recs})
    xs = {p: i for i, p in enumerate(periods)}
    for framework in dict.fromkeys(str(r["framework"]) for r in recs):
        pts = sorted(
            (xs[str(r["period"])], (r["share"] or 0) * 100) for r in recs if str(r["framework"]) == framework
        )
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=framework)
    art = article_value("papers", "pytorch")
    if art is not None:
        ax.axhline(art.value * 100, color="black", linewidth=0.8, linestyle=":")
        ax.text(len(periods) - 1, art.value * 100 + 1, f"the articles: {art.text}", ha="right", fontsize=9)
    step = max(1, len(periods) // 12)
    ax.set_xticks(list(range(0, len(periods), step)), periods[::step], rotation=45, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of papers' code, %")
    ax.set_title("Research papers' code per framework")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_kaggle(table: StatTable | Any) -> Figure:
    """Kaggle Models per instance framework (horizontal bars, coloured by the framework's family)."""
    recs = _records(table)
    fig = _figure(8.5, max(2.5, 0.32 * len(recs) + 1.2))
    ax = fig.add_subplot()
    if not recs:
        _empty(ax, "Kaggle Models: not crawled")
        return fig
    family_colors = {
        "pytorch": CLASS_COLORS["pytorch_only"],
        "tensorflow": CLASS_COLORS["tensorflow_only"],
        "jax": CLASS_COLORS["jax_only"],
        "keras": CLASS_COLORS["multi"],
    }
    recs = list(reversed(recs))
    ys = list(range(len(recs)))
    ax.barh(
        ys, [r["models"] for r in recs], color=[family_colors.get(r["family"] or "", "#999") for r in recs]
    )
    for y, r in zip(ys, recs, strict=True):
        ax.text(r["models"], y, f" {r['models']:,} ({fmt_pct(r['share'], 0)})", va="center", fontsize=8)
    ax.set_yticks(ys, [f"{r['framework']}" + (f"  [{r['family']}]" if r["family"] else "") for r in recs])
    ax.set_xlabel("models with an instance of the framework")
    ax.set_title("Kaggle Models per instance framework")
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


# ---------------------------------------------------------------------------------- the report


@dataclass
class Comparison:
    """One line of the side-by-side table."""

    claim: str
    article: str  # the article's value as it writes it, or "—"
    wording: str  # the article's sentence ("" when the articles cite nothing here)
    ours: str  # our value, or the hub's status ("not crawled")
    definition: str  # definition and denominator
    crawl: str  # the crawl the value comes from
    crawled: bool = True
    summary: bool | None = None  # in the summary table; default: when the articles cite it

    def __post_init__(self) -> None:
        if self.summary is None:
            self.summary = bool(self.wording)


@dataclass
class Table:
    """A small table shown under a figure."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Section:
    key: str
    title: str
    comparisons: list[Comparison]
    text: list[str] = field(default_factory=list)  # explanation paragraphs
    tables: list[Table] = field(default_factory=list)
    png: bytes | None = None
    alt: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    db: str
    generated_at: datetime
    as_of: date | None
    hubs: StatTable
    sections: list[Section]

    @property
    def not_crawled(self) -> list[str]:
        """Hubs (and 'papers') shown as not crawled."""
        out = [r["hub"] for r in self.hubs.records() if r["status"] != "crawled"]
        papers = next((s for s in self.sections if s.key == "papers"), None)
        if papers is not None and not any(c.crawled for c in papers.comparisons):
            out.append("papers")
        return out


def _table_of(st: StatTable, drop: Iterable[str] = ("as_of", "definition")) -> Table:
    keep = [i for i, c in enumerate(st.columns) if c not in set(drop)]
    return Table(
        st.title,
        [st.columns[i] for i in keep],
        [[_cell(row[i], st.columns[i]) for i in keep] for row in st.rows],
        st.caption,
    )


class _Crawls:
    """Status and crawl date per hub, from one ``stats.hubs`` table."""

    def __init__(self, hubs_table: StatTable) -> None:
        self.by_hub = {r["hub"]: r for r in hubs_table.records()}

    def crawled(self, hub: str) -> bool:
        return self.by_hub.get(hub, {}).get("status") == "crawled"

    def status(self, hub: str) -> str:
        return self.by_hub.get(hub, {}).get("status") or NOT_CRAWLED

    def when(self, hub: str) -> str:
        r = self.by_hub.get(hub)
        if not r or r["status"] != "crawled":
            return self.status(hub)
        return f"{fmt_when(r['last_complete_crawl'])} (run {r['run_id']})"


def _models_text(as_of: date | None) -> str:
    if as_of is None:
        return "public models seen by the hub's latest complete crawl, not deleted (stats_models)"
    return f"public models that existed at the end of {as_of.isoformat()} UTC (stats_models, models_as_of)"


def _section_hubs(
    con: duckdb.DuckDBPyConnection, hubs_table: StatTable, crawls: _Crawls, as_of: date | None
) -> Section:
    comparisons = []
    for r in hubs_table.records():
        art = article_value("hubs", r["hub"])
        crawled = r["status"] == "crawled"
        comparisons.append(
            Comparison(
                f"{hub_label(r['hub'])}: models",
                art.text if art else "—",
                art.wording if art else "",
                fmt_int(r["models"]) if crawled else r["status"],
                f"{_models_text(as_of)}; "
                + {
                    "huggingface": "one model = one public model repository",
                    "pytorch-hub": "one model = one catalog entry (a page of pytorch/hub; one entry may "
                    "expose several entrypoints)",
                    "tf-hub": "one model = one handle without its version (variants and versions apart)",
                    "kaggle": "one model = one Kaggle model (its instances and variations apart)",
                }.get(r["hub"], "one model = one row of models"),
                crawls.when(r["hub"]),
                crawled,
                summary=True,
            )
        )
    if as_of is None and crawls.crawled("pytorch-hub"):
        row = con.execute(
            "SELECT count(DISTINCT (lower(github_id), name)), count(DISTINCT lower(github_id)) "
            "FROM pytorch_hub_entrypoints WHERE hub = 'pytorch-hub'"
        ).fetchone()
        if row and row[0]:
            comparisons.append(
                Comparison(
                    "PyTorch Hub: entrypoints",
                    "—",
                    "",
                    fmt_int(row[0]),
                    f"public callables of hubconf.py in {row[1]:,} repositories, parsed (an approximation of "
                    "torch.hub.list()); `zoo crawl pytorch-hub --entrypoints`",
                    crawls.when("pytorch-hub"),
                )
            )
    return Section(
        "hubs",
        "Models per hub",
        comparisons,
        [
            "How many models each zoo lists. A hub without a complete crawl shows its status instead of a "
            "count: “not crawled” is not zero.",
            hubs_table.caption,
        ],
        [],
        figure_png(figure_hubs(hubs_table)),
        "Bar chart: models per hub on a log scale, with the articles' values as black diamonds.",
    )


def _section_exclusivity(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = "huggingface"
    comparisons: list[Comparison] = []
    by_year: dict[str, StatTable] = {}
    per_def: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for definition in ("tags", "evidence"):
        overall = stats.exclusivity(con, hub=hub, definition=definition, by="none", as_of=as_of)
        by_year[definition] = stats.exclusivity(con, hub=hub, definition=definition, by="year", as_of=as_of)
        notes += [n for n in overall.notes if n not in notes]
        heads = [h for h in stats.headline(overall) if h.hub == hub]
        recs = {r["class"]: r for r in overall.records()}
        per_def[definition] = {"head": heads[0] if heads else None, "recs": recs}
    crawled = crawls.crawled(hub)
    for definition in ("tags", "evidence"):
        head = per_def[definition]["head"]
        recs = per_def[definition]["recs"]
        n = None if head is None else head.pytorch_only + head.tensorflow_only
        for cls, label in (
            ("pytorch_only", "PyTorch-exclusive"),
            ("tensorflow_only", "TensorFlow-exclusive"),
        ):
            art = article_value("exclusivity", cls)
            if not crawled or head is None:
                ours = crawls.status(hub)
            elif head.share is None:
                ours = "n/a (no exclusive model)"
            else:
                count = head.pytorch_only if cls == "pytorch_only" else head.tensorflow_only
                share = head.share if cls == "pytorch_only" else 1 - head.share
                ours = f"{fmt_pct(share)} ({count:,} of {n:,})"
            comparisons.append(
                Comparison(
                    f"Hugging Face: {label} share ({definition})",
                    art.text if art else "—",
                    art.wording if art else "",
                    ours,
                    f"{definition} definition; denominator = PyTorch-only + TensorFlow-only models (the "
                    "articles' shares add up to 100 %, so theirs is this one)",
                    crawls.when(hub),
                    crawled,
                )
            )
        pt = recs.get("pytorch_only")
        comparisons.append(
            Comparison(
                f"Hugging Face: PyTorch-only share of all models ({definition})",
                "—",
                "",
                f"{fmt_pct(pt['share'])} ({pt['models']:,} of {pt['denominator']:,})"
                if crawled and pt and pt["denominator"]
                else crawls.status(hub),
                f"{definition} definition; denominator = all counted models, whatever their framework",
                crawls.when(hub),
                crawled,
            )
        )
    rows = []
    per_period = {d: _headline_by_period(t) for d, t in by_year.items()}
    for period in sorted({p for h in per_period.values() for p in h}, key=period_key):
        row = [period]
        for definition in ("tags", "evidence"):
            pt, tf, share = per_period[definition].get(period, (0, 0, None))
            row += [fmt_int(pt), fmt_int(tf), fmt_pct(share)]
        rows.append(row)
    table = Table(
        "Headline share per creation year",
        [
            "period",
            "PT-only (tags)",
            "TF-only (tags)",
            "share (tags)",
            "PT-only (evidence)",
            "TF-only (evidence)",
            "share (evidence)",
        ],
        rows,
        "share = PyTorch-only ÷ (PyTorch-only + TensorFlow-only) of the models created in that year. "
        + LEGACY_TEXT,
    )
    return Section(
        "exclusivity",
        "Hugging Face: PyTorch-exclusive vs TensorFlow-exclusive",
        comparisons,
        [
            "The articles' shares add up to 100 %: they are PyTorch-only ÷ (PyTorch-only + TensorFlow-only), "
            "leaving out models of both frameworks, of neither, of JAX, and framework-neutral weights. "
            "zoo computes them under two definitions:",
            "tags — " + stats.DEFINITION_TEXT["tags"] + ".",
            "evidence — " + stats.DEFINITION_TEXT["evidence"] + ".",
            "The share of all models (last line per definition) shows how much the denominator matters.",
        ],
        [table] if rows else [],
        figure_png(figure_exclusivity(by_year)),
        "Line chart: PyTorch's share of the framework-exclusive Hugging Face models per creation year, "
        "both definitions; stacked bars: every class per year.",
        notes,
    )


def _section_additions(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = "huggingface"
    year = ARTICLE_ADDITIONS_YEAR
    tables = {
        d: stats.additions(con, hub=hub, by="year", definition=d, by_class=True, as_of=as_of)
        for d in ("tags", "evidence")
    }
    got = {(d, r["period"], r["class"]): int(r["models"]) for d, t in tables.items() for r in t.records()}
    crawled = crawls.crawled(hub)
    comparisons = []
    for definition in ("tags", "evidence"):
        for cls, label in (
            ("pytorch_only", "PyTorch-exclusive"),
            ("tensorflow_only", "TensorFlow-exclusive"),
        ):
            art = article_value("additions", cls)
            comparisons.append(
                Comparison(
                    f"Hugging Face: {label} models added in {year} ({definition})",
                    art.text if art else "—",
                    art.wording if art else "",
                    fmt_int(got.get((definition, year, cls), 0)) if crawled else crawls.status(hub),
                    f"{definition} definition; models created in {year} (UTC) that still exist; the legacy "
                    "cohort is not in it",
                    crawls.when(hub),
                    crawled,
                )
            )
        comparisons.append(
            Comparison(
                f"Hugging Face: legacy cohort, PyTorch-only / TensorFlow-only ({definition})",
                "—",
                "",
                (
                    f"{got.get((definition, 'legacy', 'pytorch_only'), 0):,} / "
                    f"{got.get((definition, 'legacy', 'tensorflow_only'), 0):,}"
                )
                if crawled
                else crawls.status(hub),
                f"{definition} definition; repositories created before 2022-03-02, exact date unknown "
                "(shown apart, never in 2022)",
                crawls.when(hub),
                crawled,
            )
        )
    periods = sorted({p for (_, p, _) in got}, key=period_key)
    totals = {
        (r["period"]): int(r["models"])
        for r in stats.additions(con, hub=hub, by="year", as_of=as_of).records()
    }
    rows = [
        [
            p,
            fmt_int(got.get(("tags", p, "pytorch_only"), 0)),
            fmt_int(got.get(("tags", p, "tensorflow_only"), 0)),
            fmt_int(got.get(("evidence", p, "pytorch_only"), 0)),
            fmt_int(got.get(("evidence", p, "tensorflow_only"), 0)),
            fmt_int(totals.get(p, 0)),
        ]
        for p in periods
    ]
    table = Table(
        "Hugging Face models added per creation year",
        [
            "period",
            "PT-only (tags)",
            "TF-only (tags)",
            "PT-only (evidence)",
            "TF-only (evidence)",
            "all models",
        ],
        rows,
        tables["tags"].caption,
    )
    return Section(
        "additions",
        f"Hugging Face: framework-exclusive models added per year (the articles: {year})",
        comparisons,
        [
            "Models are counted in the year of their creation date, if they still exist: models deleted "
            "before the crawl are gone from the Hub's listing, so every year is a lower bound and older years "
            "shrink over time.",
            LEGACY_TEXT,
        ],
        [table] if rows else [],
        figure_png(figure_additions(tables["tags"], hub)),
        "Grouped bars: PyTorch-only and TensorFlow-only models added per creation year (tags definition), "
        "the legacy cohort hatched at the left, the articles' 2022 values as black diamonds.",
        list(tables["tags"].notes),
    )


def _latest_pytorch_share(table: StatTable) -> tuple[str, float, int] | None:
    """(period, share, repos) of PyTorch in the latest period of a papers table."""
    recs = [r for r in table.records() if str(r["framework"]).lower() in ("pytorch", "torch")]
    if not recs:
        return None
    last = max(recs, key=lambda r: str(r["period"]))
    return str(last["period"]), float(last["share"] or 0), int(last["repos"] or 0)


def _section_papers(con: duckdb.DuckDBPyConnection) -> Section:
    quarterly = papers_table(con, by="quarter")
    art = article_value("papers", "pytorch")
    crawled = papers_status(con) == "crawled"
    latest = _latest_pytorch_share(quarterly) if crawled else None
    when = fmt_when(papers_crawl_date(con)) if crawled else NOT_CRAWLED
    comparisons = [
        Comparison(
            "Research papers whose code uses PyTorch" + (f" ({latest[0]})" if latest else ""),
            art.text if art else "—",
            art.wording if art else "",
            (f"{fmt_pct(latest[1])} ({latest[2]:,} repositories)" if latest else "n/a")
            if crawled
            else NOT_CRAWLED,
            "The latest quarter. " + quarterly.caption,
            when or "date unknown",
            crawled,
        )
    ]
    tables = []
    if crawled:
        yearly = papers_table(con, by="year")
        tables.append(_table_of(yearly))
    return Section(
        "papers",
        "Research papers: PyTorch's share (Papers with Code)",
        comparisons,
        [
            "The articles take this share from Papers with Code, which links papers to their code "
            "repositories and tags each repository with its framework. zoo imports those links with "
            "`zoo import pwc`; until it has run, this figure is “not crawled”."
        ],
        tables,
        figure_png(figure_papers(quarterly)) if crawled else None,
        "Line chart: each framework's share of papers' code per quarter, with the articles' value.",
        list(quarterly.notes),
    )


def _section_kaggle(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = "kaggle"
    crawled = crawls.crawled(hub)
    frameworks = kaggle_frameworks(con, as_of)
    comparisons = []
    if crawled:
        overall = stats.exclusivity(con, hub=hub, definition="tags", as_of=as_of)
        recs = {r["class"]: r for r in overall.records()}
        for cls in ("pytorch_only", "tensorflow_only", "both", "neither"):
            r = recs.get(cls)
            comparisons.append(
                Comparison(
                    f"Kaggle Models: {CLASS_LABELS[cls]}",
                    "—",
                    "",
                    f"{r['models']:,} ({fmt_pct(r['share'])})" if r else "0",
                    "tags definition (Kaggle instance frameworks stand in for tags); denominator = all "
                    "counted Kaggle models",
                    crawls.when(hub),
                    summary=cls in ("pytorch_only", "tensorflow_only"),
                )
            )
    else:
        comparisons.append(
            Comparison(
                "Kaggle Models by framework",
                "—",
                "",
                crawls.status(hub),
                _models_text(as_of),
                crawls.when(hub),
                False,
                summary=True,
            )
        )
    return Section(
        "kaggle",
        "Kaggle Models by framework",
        comparisons,
        [
            "Kaggle Models is TF Hub's successor; each model has instances, one per framework and variation. "
            "The articles cite no Kaggle figure."
        ],
        [_table_of(frameworks)] if crawled else [],
        figure_png(figure_kaggle(frameworks)) if crawled else None,
        "Horizontal bars: Kaggle Models per instance framework.",
        list(frameworks.notes),
    )


def build_report(con: duckdb.DuckDBPyConnection, as_of: date | str | None = None, db: str = "") -> Report:
    """Compute every figure of the report (no file written)."""
    as_of_date = stats.parse_as_of(as_of)
    hubs_table = stats.hubs(con, as_of=as_of_date)
    crawls = _Crawls(hubs_table)
    sections = [
        _section_hubs(con, hubs_table, crawls, as_of_date),
        _section_exclusivity(con, crawls, as_of_date),
        _section_additions(con, crawls, as_of_date),
        _section_papers(con),
        _section_kaggle(con, crawls, as_of_date),
    ]
    return Report(db, datetime.now(timezone.utc), as_of_date, hubs_table, sections)


# -------------------------------------------------------------------------------------- rendering


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       max-width: 1200px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
a { color: #1f5fa0; text-decoration: none; }
.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
table.cmp { width: 100%; table-layout: fixed; }
col.c-claim { width: 25%; } col.c-art { width: 10%; } col.c-ours { width: 18%; } col.c-def { width: 32%; }
col.c-when { width: 15%; }
th, td { border: 1px solid #d8d8d8; padding: 0.35em 0.55em; text-align: left; vertical-align: top; }
th { background: #f4f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.art { background: #fbfbf4; } td.ours { font-weight: 600; background: #f4f8fc; }
td.na { color: #888; font-style: italic; font-weight: normal; }
td.def { font-size: 0.86em; color: #444; } td.when { font-size: 0.86em; }

caption { caption-side: bottom; text-align: left; font-size: 0.85em; color: #555; padding-top: 0.4em; }
blockquote { margin: 0.8em 0; padding: 0.3em 0.9em; border-left: 4px solid #c9c9c9; color: #333;
             font-style: italic; background: #fafafa; }
blockquote cite { display: block; font-size: 0.85em; color: #666; font-style: normal; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
.note { color: #8a5300; font-size: 0.9em; } p.small { font-size: 0.9em; color: #444; max-width: 75em; }
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _code(text: str) -> str:
    """Escape, then show `backticked` words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _esc(text))


def _comparison_rows(comparisons: Sequence[Comparison], link: str | None = None) -> list[str]:
    out = []
    for c in comparisons:
        ours_cls = "num ours" + ("" if c.crawled else " na")
        claim = _esc(c.claim) if link is None else f"<a href='#{_esc(link)}'>{_esc(c.claim)}</a>"
        out.append(
            f"<tr><td class='claim'>{claim}</td><td class='num art'>{_esc(c.article)}</td>"
            f"<td class='{ours_cls}'>{_esc(c.ours)}</td>"
            f"<td class='def'>{_code(c.definition)}</td><td class='when'>{_esc(c.crawl)}</td></tr>"
        )
    return out


def _comparison_table(when: str, rows: list[str]) -> str:
    return (
        "<table class='cmp'><colgroup><col class='c-claim'><col class='c-art'><col class='c-ours'>"
        "<col class='c-def'><col class='c-when'></colgroup>"
        f"<tr><th>figure</th><th>the articles</th><th>zoo ({_esc(when)})</th>"
        "<th>definition and denominator</th><th>crawl it comes from</th></tr>" + "".join(rows) + "</table>"
    )


_NUMBER = re.compile(r"^[\d,.]+( %)?$")


def _data_cell(value: Any, align: bool = True) -> str:
    cls = " class='num'" if align and _NUMBER.match(str(value)) else ""
    return f"<td{cls}>{_esc(value)}</td>"


def _quotes(comparisons: Sequence[Comparison]) -> list[tuple[str, str]]:
    """The articles' sentences behind these comparisons, each once: (wording, source)."""
    seen: dict[str, str] = {}
    for c in comparisons:
        if c.wording and c.wording not in seen:
            art = next((a for a in ARTICLE if a.wording == c.wording), None)
            seen[c.wording] = art.source if art else ""
    return list(seen.items())


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (plots as data URIs)."""
    when = "today" if report.as_of is None else f"as of {report.as_of.isoformat()}"
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>zoo report — PyTorch vs TensorFlow, {_esc(when)}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>PyTorch vs TensorFlow: the articles' figures, regenerated</h1>",
        "<p class='meta'>"
        f"Database <code>{_esc(report.db)}</code> · counts {_esc(when)}"
        + ("" if report.as_of is None else " (end of that day, UTC)")
        + f" · generated {_esc(fmt_when(report.generated_at))} by zoo {__version__}</p>",
        "<p class='small'>Every figure the “PyTorch vs TensorFlow” articles cite, next to the value this "
        "database gives, with the definition and denominator used and the crawl it comes from. A hub that "
        "was never crawled is shown as “not crawled”, never as 0. Regenerate with <code>zoo report</code>; "
        "the same numbers come from <code>zoo stats</code> and the Python API (<code>import crawler</code>).</p>",
        "<h2 id='summary'>Summary</h2>",
        _comparison_table(
            when,
            [
                row
                for s in report.sections
                for row in _comparison_rows([c for c in s.comparisons if c.summary], s.key)
            ],
        ),
        "<p class='small'>Each figure below has its own section: every line the database gives, the "
        "articles' own words, the definitions, a plot and the numbers behind it.</p>",
    ]
    for s in report.sections:
        parts.append(f"<h2 id='{_esc(s.key)}'>{_esc(s.title)}</h2>")
        for wording, source in _quotes(s.comparisons):
            parts.append(f"<blockquote>“{_esc(wording)}”<cite>— {_esc(source)}</cite></blockquote>")
        parts.append(_comparison_table(when, _comparison_rows(s.comparisons)))
        for note in s.notes:
            parts.append(f"<p class='note'>{_code(note)}</p>")
        for text in s.text:
            parts.append(f"<p class='small'>{_code(text)}</p>")
        if s.png is not None:
            data = base64.b64encode(s.png).decode("ascii")
            parts.append(f"<img src='data:image/png;base64,{data}' alt='{_esc(s.alt)}'>")
        for t in s.tables:
            parts.append(f"<table class='data'><caption>{_code(t.caption)}</caption>")
            parts.append("<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in t.columns) + "</tr>")
            for row in t.rows:
                parts.append("<tr>" + "".join(_data_cell(v, i > 0) for i, v in enumerate(row)) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return out


def render_markdown(report: Report, figures_dir: str) -> tuple[str, dict[str, bytes]]:
    """The report as Markdown, and the PNG files it links to: ``{relative path: bytes}`` under
    ``figures_dir`` (a folder name relative to the Markdown file)."""
    when = "today" if report.as_of is None else f"as of {report.as_of.isoformat()}"
    columns = ["figure", "the articles", f"zoo ({when})", "definition and denominator", "crawl it comes from"]

    def rows(comparisons: Sequence[Comparison]) -> list[list[str]]:
        return [[c.claim, c.article, c.ours, c.definition, c.crawl] for c in comparisons]

    lines = [
        "# PyTorch vs TensorFlow: the articles' figures, regenerated",
        "",
        f"Database `{report.db}` · counts {when} · generated {fmt_when(report.generated_at)} by zoo "
        f"{__version__}. A hub that was never crawled is shown as “not crawled”, never as 0.",
        "",
        "## Summary",
        "",
        *_md_table(columns, rows([c for s in report.sections for c in s.comparisons if c.summary])),
    ]
    files: dict[str, bytes] = {}
    for s in report.sections:
        lines += ["", f"## {s.title}", ""]
        for wording, source in _quotes(s.comparisons):
            lines += [f"> “{wording}” — {source}", ""]
        lines += [*_md_table(columns, rows(s.comparisons)), ""]
        lines += [p for note in s.notes for p in (f"**Note:** {note}", "")]
        lines += [p for text in s.text for p in (text, "")]
        if s.png is not None:
            rel = f"{figures_dir}/{s.key}.png"
            files[rel] = s.png
            lines += [f"![{s.alt}]({rel})", ""]
        for t in s.tables:
            lines += [f"**{t.title}**", "", *_md_table(t.columns, t.rows), "", t.caption, ""]
    return "\n".join(lines).rstrip() + "\n", files


def write_report(
    con: duckdb.DuckDBPyConnection,
    out: str | Path | None = None,
    fmt: ReportFormat | str = ReportFormat.html,
    as_of: date | str | None = None,
    db: str = "",
) -> tuple[Path, Report]:
    """Build the report and write it to ``out`` (default ``report.html`` / ``report.md``).

    HTML is one self-contained file. Markdown links its PNG plots from ``<out stem>-figures/`` next to it.
    Returns the path written and the report.
    """
    fmt = ReportFormat(stats._enum_value(fmt, [f.value for f in ReportFormat], "format"))
    path = Path(out) if out else Path(f"report.{fmt.value}")
    report = build_report(con, as_of, db)
    if path.parent and not path.parent.exists():
        raise stats.StatsError(f"the folder of {path} does not exist")
    if fmt is ReportFormat.html:
        path.write_text(render_html(report), encoding="utf-8")
    else:
        figures_dir = f"{path.stem}-figures"
        text, files = render_markdown(report, figures_dir)
        (path.parent / figures_dir).mkdir(exist_ok=True)
        for rel, data in files.items():
            (path.parent / rel).write_bytes(data)
        path.write_text(text, encoding="utf-8")
    return path, report
