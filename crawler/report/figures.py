"""The report's plots: matplotlib's object API on the Agg canvas (no pyplot, no global backend switch), so
each function also returns a plain :class:`matplotlib.figure.Figure` for notebooks."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ..stats import StatTable
from .articles import ARTICLE_ADDITIONS_YEAR, HUGGING_FACE, article_value
from .formatting import CLASS_COLORS, CLASS_LABELS, fmt_pct, hub_label, period_key, records

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    from matplotlib.figure import Figure


def plain(text: object) -> str:
    """``text`` as matplotlib shows it literally: a name from a hub (a Kaggle framework ``$x^{$``) is
    never read as math text, whose parser fails on it (``$`` escaped, so no pair of them opens math)."""
    return str(text).replace("$", r"\$")


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

    recs = records(hubs_table)
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
            ax.text(ours_x, 1.1, plain(r["status"]).replace(" ", "\n"), ha="center", va="bottom", color="#777",
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
    ax.set_xticks(xs, [plain(hub_label(r["hub"])) for r in recs])
    ax.set_ylabel("models (log scale)")
    ax.set_title("Models per hub")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def headline_by_period(table: StatTable | Any) -> dict[str, tuple[int, int, float | None]]:
    """{period: (pytorch_only, tensorflow_only, share)} of one hub's exclusivity rows."""
    counts: dict[str, dict[str, int]] = {}
    for r in records(table):
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
        {r["period"] for t in by_year.values() for r in records(t) if r["period"] != "unknown"},
        key=period_key,
    )
    if not periods:
        _empty(left, "not crawled")
        _empty(right, "not crawled")
        return fig
    xs = list(range(len(periods)))
    styles = {"tags": ("-", "o"), "evidence": ("--", "s")}
    for definition, table in by_year.items():
        heads = headline_by_period(table)
        ys = [heads.get(p, (0, 0, None))[2] for p in periods]
        ys = [None if y is None else y * 100 for y in ys]
        line, marker = styles.get(definition, ("-", "^"))
        left.plot(
            xs, [float("nan") if y is None else y for y in ys], linestyle=line, marker=marker,
            label=plain(f"{definition} definition"),
        )  # fmt: skip
    art = article_value("exclusivity", "pytorch_only")
    if art is not None:
        left.axhline(art.value * 100, color="black", linewidth=0.8, linestyle=":")
        left.text(
            xs[-1], art.value * 100 + 1, f"the articles: {art.text}", ha="right", va="bottom", fontsize=9
        )
    left.set_ylim(0, 105)
    left.set_xticks(xs, [plain(p) for p in periods])
    left.set_ylabel("PyTorch-only ÷ (PyTorch-only + TF-only), %")
    left.set_xlabel("creation year of the models")
    left.set_title("PyTorch's share of the framework-exclusive models")
    left.legend(frameon=False, loc="lower left")
    if "legacy" in periods:
        left.axvspan(-0.5, 0.5, color="#f2f2f2", zorder=0)
    left.spines[["top", "right"]].set_visible(False)

    first = next(iter(by_year))
    recs = [r for r in records(by_year[first]) if r["period"] in periods]
    classes = list(dict.fromkeys(r["class"] for r in recs))
    share = {(r["period"], r["class"]): (r["share"] or 0) * 100 for r in recs}
    bottom = [0.0] * len(periods)
    for cls in classes:
        heights = [share.get((p, cls), 0.0) for p in periods]
        right.bar(
            xs, heights, bottom=bottom, color=CLASS_COLORS.get(cls, "#999"), label=plain(CLASS_LABELS.get(cls, cls)),
            width=0.7,
        )  # fmt: skip
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    right.set_xticks(xs, [plain(p) for p in periods])
    right.set_ylim(0, 100)
    right.set_ylabel("share of all models of the period, %")
    right.set_xlabel("creation year of the models")
    right.set_title(plain(f"All classes ({first} definition)"))
    right.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    right.spines[["top", "right"]].set_visible(False)
    return fig


def figure_additions(table: StatTable | Any, hub: str = HUGGING_FACE) -> Figure:
    """PyTorch-only and TensorFlow-only models added per creation year (bars), with the legacy cohort
    apart (hatched, left of the line) and the articles' values for 2022 as markers. ``table`` is
    ``additions(by='year', by_class=True)`` for one definition."""
    recs = [r for r in records(table) if r["hub"] == hub and r["period"] != "unknown"]
    fig = _figure(10, 4.2)
    ax = fig.add_subplot()
    periods = sorted({r["period"] for r in recs}, key=period_key)
    if not periods:
        _empty(ax, plain(f"{hub_label(hub)}: not crawled"))
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
    if hub == HUGGING_FACE and ARTICLE_ADDITIONS_YEAR in periods and pt_art and tf_art:
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
        ax.text(0, 0.97, "legacy: before\n2022-03-02,\nnot dated yet", ha="center", va="top", fontsize=8,
                color="#555", transform=ax.get_xaxis_transform())  # fmt: skip
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xticks(xs, [plain(p) for p in periods])
    ax.set_ylabel("models added (that still exist)")
    ax.set_xlabel("creation year")
    definition = next((r.get("definition") for r in recs if r.get("definition")), "tags")
    ax.set_title(
        plain(f"{hub_label(hub)}: framework-exclusive models added per year ({definition} definition)")
    )
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
    recs = records(table)
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
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3, label=plain(framework))
    art = article_value("papers", "pytorch")
    if art is not None:
        ax.axhline(art.value * 100, color="black", linewidth=0.8, linestyle=":")
        ax.text(len(periods) - 1, art.value * 100 + 1, f"the articles: {art.text}", ha="right", fontsize=9)
    step = max(1, len(periods) // 12)
    ax.set_xticks(
        list(range(0, len(periods), step)), [plain(p) for p in periods[::step]], rotation=45, ha="right"
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("share of papers' code, %")
    ax.set_title("Research papers' code per framework")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_kaggle(table: StatTable | Any) -> Figure:
    """Kaggle Models per instance framework (horizontal bars, coloured by the framework's family)."""
    recs = records(table)
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
    ax.set_yticks(
        ys, [plain(f"{r['framework']}" + (f"  [{r['family']}]" if r["family"] else "")) for r in recs]
    )
    ax.set_xlabel("models with an instance of the framework")
    ax.set_title("Kaggle Models per instance framework")
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
