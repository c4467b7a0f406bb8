"""The report's sections: for each figure, the articles' value next to ours, the definition and
denominator, the crawl it comes from, the numbers behind it and a plot. Every number comes from
:mod:`crawler.stats`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

import duckdb

from .. import stats
from ..stats import StatTable
from . import figures
from .articles import ARTICLE_ADDITIONS_YEAR, HUGGING_FACE, KAGGLE, PYTORCH_HUB, article_value
from .formatting import (
    CLASS_LABELS,
    LEGACY_TEXT,
    NOT_CRAWLED,
    cell,
    fmt_int,
    fmt_pct,
    fmt_when,
    hub_label,
    hub_unit,
    period_key,
)
from .papers_live import papers_live_tables
from .tables import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
class Section:
    key: str
    title: str
    comparisons: list[Comparison]
    text: list[str] = field(default_factory=list)  # explanation paragraphs
    tables: list[Table] = field(default_factory=list)
    draw: Callable[[], Figure] | None = field(default=None, repr=False, compare=False)  # the plot
    alt: str = ""
    notes: list[str] = field(default_factory=list)
    _png: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def png(self) -> bytes | None:
        """The plot as PNG bytes (None without one), drawn when first asked for: building a report draws
        nothing, so its numbers cost no plotting (about a second of CPU for the five plots)."""
        if self._png is None and self.draw is not None:
            self._png = figures.figure_png(self.draw())
        return self._png


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
        [[cell(row[i], st.columns[i]) for i in keep] for row in st.rows],
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
                f"{_models_text(as_of)}; {hub_unit(r['hub'])}",
                crawls.when(r["hub"]),
                crawled,
                summary=True,
            )
        )
    counts = stats.hub_figures(con, PYTORCH_HUB)
    if as_of is None and crawls.crawled(PYTORCH_HUB) and counts["entrypoints"]:
        comparisons.append(
            Comparison(
                f"{hub_label(PYTORCH_HUB)}: entrypoints",
                "—",
                "",
                fmt_int(counts["entrypoints"]),
                f"public callables of hubconf.py in {counts['entrypoint_repositories']:,} repositories, "
                "parsed (an approximation of torch.hub.list()); `zoo crawl pytorch-hub --entrypoints`",
                crawls.when(PYTORCH_HUB),
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
        lambda: figures.figure_hubs(hubs_table),
        "Bar chart: models per hub on a log scale, with the articles' values as black diamonds.",
    )


def _section_exclusivity(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = HUGGING_FACE
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
    per_period = {d: figures.headline_by_period(t) for d, t in by_year.items()}
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
        lambda: figures.figure_exclusivity(by_year),
        "Line chart: PyTorch's share of the framework-exclusive Hugging Face models per creation year, "
        "both definitions; stacked bars: every class per year.",
        notes,
    )


def _section_additions(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = HUGGING_FACE
    year = ARTICLE_ADDITIONS_YEAR
    tables = {
        d: stats.additions(con, hub=hub, by="year", definition=d, by_class=True, as_of=as_of)
        for d in ("tags", "evidence")
    }
    got = {(d, r["period"], r["class"]): int(r["models"]) for d, t in tables.items() for r in t.records()}
    crawled = crawls.crawled(hub)
    legacy = stats.legacy_cohort(con, hub, as_of)
    if legacy.cohort == 0:
        dating = "there is no legacy cohort (no placeholder creation date)"
    elif legacy.undated == 0:
        dating = (
            f"all {legacy.cohort:,} legacy models are dated by their first commit and counted in their "
            "true year"
        )
    else:
        dating = (
            f"{legacy.dated:,} of the {legacy.cohort:,} legacy models ({fmt_pct(legacy.dated_share)}) are "
            f"dated by their first commit and counted in their true year; the {legacy.undated:,} not yet "
            f"dated are not in it, so {year} is a lower bound (`zoo crawl hf-dates` dates them)"
        )
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
                    f"{definition} definition; models created in {year} (UTC) that still exist; {dating}",
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
                f"{definition} definition; repositories created before 2022-03-02 whose date is not known "
                f"yet ({legacy.undated:,} of the cohort of {legacy.cohort:,}; shown apart, never in 2022)",
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
        lambda: figures.figure_additions(tables["tags"], hub),
        "Grouped bars: PyTorch-only and TensorFlow-only models added per creation year (tags definition), "
        "the legacy cohort hatched at the left, the articles' 2022 values as black diamonds.",
        list(tables["tags"].notes),
    )


def _latest_pytorch_share(table: StatTable) -> tuple[str, float, int] | None:
    """(period, share, count) of PyTorch in the latest period of a papers table (count: its papers, or
    repositories for a table counted by repository)."""
    recs = [r for r in table.records() if str(r["framework"]).lower() in ("pytorch", "torch")]
    if not recs:
        return None
    last = max(recs, key=lambda r: str(r["period"]))
    return str(last["period"]), float(last["share"] or 0), int(last.get("papers", last.get("repos")) or 0)


def _section_papers(con: duckdb.DuckDBPyConnection) -> Section:
    quarterly = stats.papers(con, by="quarter")
    art = article_value("papers", "pytorch")
    status, imported = stats.papers_import(con)
    crawled = status == "crawled"
    latest = _latest_pytorch_share(quarterly) if crawled else None
    when = fmt_when(imported) if crawled else NOT_CRAWLED
    comparisons = [
        Comparison(
            "Research papers whose code uses PyTorch" + (f" ({latest[0]})" if latest else ""),
            art.text if art else "—",
            art.wording if art else "",
            (f"{fmt_pct(latest[1])} ({latest[2]:,} papers)" if latest else "n/a") if crawled else NOT_CRAWLED,
            "The latest quarter, counted by paper as the articles count. " + quarterly.caption,
            when or "date unknown",
            crawled,
        )
    ]
    tables = []
    if crawled:
        yearly = stats.papers(con, by="year")
        tables.append(_table_of(yearly))

    tables += papers_live_tables(con)  # past the archive: the live series, and the two methods compared
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
        (lambda: figures.figure_papers(quarterly)) if crawled else None,
        "Line chart: each framework's share of papers' code per quarter, with the articles' value.",
        list(quarterly.notes),
    )


def _section_kaggle(con: duckdb.DuckDBPyConnection, crawls: _Crawls, as_of: date | None) -> Section:
    hub = KAGGLE
    crawled = crawls.crawled(hub)
    frameworks = stats.kaggle_frameworks(con, as_of)
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
        (lambda: figures.figure_kaggle(frameworks)) if crawled else None,
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
