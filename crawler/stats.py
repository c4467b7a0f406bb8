"""Statistics over the database: thin Python over the SQL views of ``sql/views``.

Every figure is computed in DuckDB by the ``stats_*`` views and table macros; this module picks the
slice, names the columns, and states the definition and denominator in words (``caption``). Each function
returns a :class:`StatTable`: plain column names and rows (no pandas), so the CLI renders it and a
notebook API can wrap it::

    con = connect("zoo.duckdb", read_only=True)
    table = exclusivity(con, hub="huggingface", definition="tags", by="year")
    columns, rows = table                    # a StatTable unpacks like a (columns, rows) pair
    table.records()                          # [{"hub": ..., "period": ..., "class": ..., ...}, ...]
    headline(table)                          # the articles' PT-only ÷ (PT-only + TF-only) per period

Which models count (the same for every statistic): ``stats_models(as_of)``, i.e. the *public* models of
``current_models`` (seen by the latest *complete* crawl of their hub and not deleted; with ``as_of``,
``models_as_of(as_of)``); private models (listed when a token is set) are stored but never counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import duckdb

from .output import shown
from .papers import COUNTS, GRANULARITIES, SHARE_COLUMNS, SHARE_PAPER_COLUMNS, papers_share
from .sources import registry

if TYPE_CHECKING:
    from .store import StagedEnd


class Definition(str, Enum):
    """How a model's framework is decided (see ``sql/views/model_frameworks.sql``)."""

    tags = "tags"
    evidence = "evidence"


class Grain(str, Enum):
    """The period of ``exclusivity``: all models together, or per creation year or month."""

    none = "none"
    year = "year"
    month = "month"


class AdditionsGrain(str, Enum):
    """The period of ``additions``."""

    year = "year"
    month = "month"


DEFINITION_TEXT = {
    "tags": (
        "definition 'tags' (the articles' method): only the Hugging Face tags `pytorch` (from "
        "pytorch_model.bin) and `tf` (from tf_model.h5), matched exactly as the Hub's tag filter matches "
        "them (a card tag `PyTorch` does not count); on PyTorch Hub, TF Hub and Kaggle the hub's own "
        "declaration stands in (PyTorch Hub = PyTorch, TF Hub = TensorFlow, Kaggle instance frameworks). "
        "Classes: pytorch_only, tensorflow_only, both, neither"
    ),
    "evidence": (
        "definition 'evidence': tags (in any case: a card tag `PyTorch` counts), library_name, the repo's "
        "file names (*.pt, pytorch_model*.bin, saved_model.pb, *.tflite, flax_model*.msgpack, *.keras, "
        "*.safetensors, *.gguf, …), hub-declared formats and the hub itself (framework_evidence_map). "
        "Classes: pytorch_only / tensorflow_only / jax_only (the only one of PyTorch, TensorFlow, JAX, "
        "Keras 3), multi (two or more, or Keras 3), other (only another framework such as MLX), agnostic "
        "(only neutral weights: safetensors, ONNX, GGUF, …), none"
    ),
}
MODELS_TEXT = (
    "Models: the public ones seen by each hub's latest complete crawl and not deleted (private models "
    "are left out; view stats_models)"
)
PERIOD_TEXT = (
    "Period = creation date (UTC). 'legacy' = Hugging Face repos created before 2022-03-02 whose exact "
    "date is not known yet (the Hub shows a placeholder, 2022-03-02T23:29:04Z or 23:29:05Z, instead: a "
    "censored date, only 'on or before' is known): never counted in 2022; "
    "`zoo crawl hf-dates` dates them by their first commit, which puts them in their true period "
    "(view dated_models). "
    "'imported' = catalog entries whose date is an import, the commit their catalog's history starts "
    "with (tfhub.dev's 2020-08-26, or 2020-01-23 for models first seen in the folder of tensorflow/hub "
    "that held contributed models before): published on or before that date, never counted in a month "
    "or year. 'unknown' = no creation date"
)


class StatsError(ValueError):
    """A request the statistics cannot answer (an unknown hub, a bad date); the message says why."""


@dataclass
class StatTable:
    """A result: column names, rows, and the words that define it.

    ``caption`` states the definition and the denominator; ``notes`` are remarks about the data (a hub
    not crawled yet). Unpacks as ``columns, rows = table``.
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    title: str
    caption: str
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        yield self.columns
        yield self.rows

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame; title, caption and notes go to ``DataFrame.attrs``."""
        import pandas as pd

        frame = pd.DataFrame.from_records(self.rows, columns=self.columns)
        for i, name in enumerate(self.columns):  # integers with gaps (a hub not crawled) stay integers
            values = [row[i] for row in self.rows if row[i] is not None]
            if len(values) < len(self.rows) and values and all(type(v) is int for v in values):
                frame[name] = frame[name].astype("Int64")
        frame.attrs.update(title=self.title, caption=self.caption, notes=list(self.notes))
        return frame


@dataclass(frozen=True)
class Headline:
    """The articles' share for one (hub, period): PyTorch-only ÷ (PyTorch-only + TensorFlow-only)."""

    hub: str
    period: str
    pytorch_only: int
    tensorflow_only: int
    share: float | None  # None when neither class has a model

    def text(self) -> str:
        n = self.pytorch_only + self.tensorflow_only
        pct = "n/a" if self.share is None else f"{self.share * 100:.1f} %"
        return f"{self.hub} {self.period}: {self.pytorch_only:,} ÷ {n:,} = {pct}"


# ------------------------------------------------------------------------------------------- arguments


def parse_as_of(value: date | datetime | str | None) -> date | None:
    """``YYYY-MM-DD`` (or a date) → a date; the end of that day (UTC) is the moment counted."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise StatsError(f"as-of date {shown(value)} is not a date like 2024-01-31") from None


def enum_value(value: str | Enum, allowed: Sequence[str], what: str) -> str:
    text = value.value if isinstance(value, Enum) else str(value)
    if text not in allowed:
        raise StatsError(f"{what} must be one of {', '.join(allowed)}, not {shown(text)}")
    return text


def _hub(con: duckdb.DuckDBPyConnection, hub: str | None) -> str | None:
    if hub is None or hub == "":
        return None
    name = registry.resolve(hub)
    known = {h.name for h in registry.hubs("models")}
    known |= {r[0] for r in con.execute("SELECT DISTINCT source FROM crawl_runs").fetchall()}
    if name not in known:
        raise StatsError(f"unknown hub {shown(hub)}; known hubs: {', '.join(sorted(known))}")
    return name


def _checked(
    con: duckdb.DuckDBPyConnection,
    hub: str | None,
    definition: Definition | str,
    by: Enum | str,
    grains: type[Enum],
    as_of: date | str | None,
) -> tuple[str, str, date | None, str | None]:
    """A per-period statistic's arguments, checked in order: definition, period, date, hub."""
    return (
        enum_value(definition, [d.value for d in Definition], "definition"),
        enum_value(by, [g.value for g in grains], "by"),
        parse_as_of(as_of),
        _hub(con, hub),
    )


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_of_text(as_of: date | None) -> str:
    return "" if as_of is None else f", as of the end of {as_of.isoformat()} (UTC; view models_as_of)"


def crawl_notes(con: duckdb.DuckDBPyConnection, hub: str | None, as_of: date | None) -> list[str]:
    """Remarks about hubs whose figures are missing because they have no complete crawl."""
    rows = con.execute("SELECT hub, status FROM stats_hub_status_at(?::DATE)", [as_of]).fetchall()
    by_hub = dict(rows)
    when = "" if as_of is None else f" by {as_of.isoformat()}"
    if hub is not None:
        status = by_hub.get(hub, "not crawled")
        if status != "crawled":
            return [f"{hub}: {status}{when} — no figures (run `zoo crawl` for it first)"]
        return []
    if not any(s == "crawled" for s in by_hub.values()):
        return [f"no hub has a complete crawl{when} — no figures (run `zoo crawl hf` first)"]
    return []


def legacy_notes(con: duckdb.DuckDBPyConnection, hub: str | None, as_of: date | None) -> list[str]:
    """How many models of each hub's legacy cohort are not dated yet (view ``stats_legacy``), one note per
    hub that has any: they are the period 'legacy' of a per-period table."""
    try:
        rows = con.execute(
            "SELECT hub, undated, undatable FROM stats_legacy_at(?::DATE) WHERE undated > 0 "
            "AND (? IS NULL OR hub = ?) ORDER BY hub",
            [as_of, hub, hub],
        ).fetchall()
    except duckdb.CatalogException:  # a database older than the dates (opened read-only)
        return []
    notes = []
    for name, undated, undatable in rows:
        label = registry.label(name)
        dater = next((h for h in registry.hubs("enrichment") if name in h.depends_on), None)
        datable = int(undated) - int(undatable)
        if datable > 0:
            note = f"legacy: {undated:,} {label} models not yet dated" + (
                f" (run `zoo crawl {dater.command}`)" if dater is not None else ""
            )
            if undatable:
                note += f"; {undatable:,} of them cannot be dated (a history rewritten after 2022-03-02)"
        else:
            note = (
                f"legacy: {undated:,} {label} models cannot be dated (a history rewritten after 2022-03-02)"
            )
        notes.append(note)
    return notes


@dataclass(frozen=True)
class LegacyCohort:
    """How much of a hub's legacy cohort (placeholder creation dates) is dated (view ``stats_legacy``)."""

    hub: str
    cohort: int
    dated: int
    undated: int
    undatable: int

    @property
    def dated_share(self) -> float | None:
        return self.dated / self.cohort if self.cohort else None


def legacy_cohort(con: duckdb.DuckDBPyConnection, hub: str, as_of: date | str | None = None) -> LegacyCohort:
    """The hub's legacy cohort among the counted models (now, or ``as_of`` with the dates known now):
    how many there are, how many are dated by their first commit, and how many are not yet."""
    as_of_date = parse_as_of(as_of)
    try:
        row = con.execute(
            "SELECT cohort, dated, undated, undatable FROM stats_legacy_at(?::DATE) WHERE hub = ?",
            [as_of_date, hub],
        ).fetchone()
    except duckdb.CatalogException:  # a database older than the dates (opened read-only)
        row = None
    return LegacyCohort(hub, *(int(v) for v in row)) if row else LegacyCohort(hub, 0, 0, 0, 0)


# ---------------------------------------------------------------------------------------------- stats


def exclusivity(
    con: duckdb.DuckDBPyConnection,
    hub: str | None = None,
    definition: Definition | str = Definition.tags,
    by: Grain | str = Grain.none,
    as_of: date | str | None = None,
) -> StatTable:
    """Models per (hub, period, framework class) and their share (view ``stats_exclusivity``).

    ``share`` = models of the class ÷ all counted models of that hub in that period (the
    ``denominator`` column), a fraction 0–1. Period is ``'all'`` for ``by='none'``, else the creation
    year (``'2023'``) or month (``'2023-04'``), ``'legacy'``, ``'imported'`` or ``'unknown'``.

    Columns: hub, period, class, models, share, denominator, definition, as_of.
    """
    definition, grain, as_of_date, hub = _checked(con, hub, definition, by, Grain, as_of)
    rows = con.execute(
        "SELECT hub, period, class, models, share, denominator, definition, ?::DATE AS as_of "
        "FROM stats_exclusivity_at(?::DATE, ?, ?) WHERE ? IS NULL OR hub = ?",
        [as_of_date, as_of_date, definition, grain, hub, hub],
    ).fetchall()
    rows = [(*r[:6], r[6], r[7].isoformat() if r[7] else None) for r in rows]
    per = {"none": "all periods together", "year": "per creation year", "month": "per creation month"}
    caption = (
        f"Share = models in the class ÷ all counted models of that hub in that period (the denominator "
        f"column; the shares of a hub and period add up to 100 %). {MODELS_TEXT}{as_of_text(as_of_date)}. "
        f"{sentence(DEFINITION_TEXT[definition])}." + (f" {PERIOD_TEXT}." if grain != "none" else "")
    )
    return StatTable(
        ["hub", "period", "class", "models", "share", "denominator", "definition", "as_of"],
        rows,
        f"Framework exclusivity ({definition} definition, {per[grain]})",
        caption,
        crawl_notes(con, hub, as_of_date) + (legacy_notes(con, hub, as_of_date) if grain != "none" else []),
    )


def headline(table: StatTable) -> list[Headline]:
    """The articles' headline share per (hub, period) of an :func:`exclusivity` table:
    pytorch_only ÷ (pytorch_only + tensorflow_only), None if both are 0. The view ``stats_headline``
    computes the same in SQL."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for rec in table.records():
        counts.setdefault((rec["hub"], rec["period"]), {})[rec["class"]] = int(rec["models"])
    out = []
    for (hub_name, period), by_class in counts.items():
        pt, tf = by_class.get("pytorch_only", 0), by_class.get("tensorflow_only", 0)
        out.append(Headline(hub_name, period, pt, tf, pt / (pt + tf) if pt + tf else None))
    return out


def additions(
    con: duckdb.DuckDBPyConnection,
    hub: str | None = None,
    by: AdditionsGrain | str = AdditionsGrain.year,
    definition: Definition | str = Definition.tags,
    by_class: bool = False,
    as_of: date | str | None = None,
) -> StatTable:
    """Models added per period, from ``created_at`` (view ``stats_additions``).

    Without ``by_class`` one row per (hub, period) with class ``'all'``; with it one row per class of
    ``definition``. Models with the Hugging Face placeholder date (either instant) form the period
    ``'legacy'``; catalog entries dated by their catalog's import (``git_import``) form the
    period ``'imported'``.

    Columns: hub, period, class, models, definition (None without by_class), as_of.
    """
    definition, grain, as_of_date, hub = _checked(con, hub, definition, by, AdditionsGrain, as_of)
    rows = con.execute(
        "SELECT hub, period, class, models, CASE WHEN ? THEN definition END, ?::DATE "
        "FROM stats_additions_at(?::DATE, ?, ?, ?) WHERE ? IS NULL OR hub = ?",
        [by_class, as_of_date, as_of_date, definition, grain, by_class, hub, hub],
    ).fetchall()
    rows = [(*r[:5], r[5].isoformat() if r[5] else None) for r in rows]
    caption = (
        f"Models added per creation {grain} that still exist. {MODELS_TEXT}{as_of_text(as_of_date)}; "
        "models deleted before the crawl are not counted, so earlier periods are lower bounds. "
        f"{PERIOD_TEXT}." + (f" Classes by {DEFINITION_TEXT[definition]}." if by_class else "")
    )
    title = f"Models added per {grain}" + (f" and class ({definition} definition)" if by_class else "")
    return StatTable(
        ["hub", "period", "class", "models", "definition", "as_of"],
        rows,
        title,
        caption,
        crawl_notes(con, hub, as_of_date) + legacy_notes(con, hub, as_of_date),
    )


def hubs(con: duckdb.DuckDBPyConnection, as_of: date | str | None = None) -> StatTable:
    """Models per hub and the last complete crawl they come from (view ``stats_hubs``).

    Hubs without a complete crawl are listed with status ``'not crawled'`` or ``'no complete crawl'`` and
    ``models`` None — never 0.

    Columns: hub, status, models, last_complete_crawl, run_id, as_of.
    """
    as_of_date = parse_as_of(as_of)
    rows = con.execute(
        "SELECT hub, status, models, last_complete_crawl, run_id, ?::DATE FROM stats_hubs_at(?::DATE)",
        [as_of_date, as_of_date],
    ).fetchall()
    rows = [(*r[:5], r[5].isoformat() if r[5] else None) for r in rows]
    caption = (
        f"{MODELS_TEXT}{as_of_text(as_of_date)}. last_complete_crawl = when the crawl the count comes "
        "from finished (for catalog hubs dated by git history with --as-of: their latest crawl). "
        "A hub without a complete crawl shows no count."
    )
    return StatTable(
        ["hub", "status", "models", "last_complete_crawl", "run_id", "as_of"],
        rows,
        "Models per hub" + ("" if as_of_date is None else f" at the end of {as_of_date.isoformat()}"),
        caption,
    )


def headline_table(
    table: StatTable, definition: Definition | str, as_of: date | str | None = None
) -> StatTable:
    """The articles' share per (hub, period) of an :func:`exclusivity` table (made with ``definition``
    and ``as_of``): PyTorch-only ÷ (PyTorch-only + TensorFlow-only), the line ``zoo stats exclusivity``
    prints under its table; share None when both counts are 0.

    Columns: hub, period, pytorch_only, tensorflow_only, share, definition.
    """
    name = enum_value(definition, [d.value for d in Definition], "definition")
    rows = [(h.hub, h.period, h.pytorch_only, h.tensorflow_only, h.share, name) for h in headline(table)]
    return StatTable(
        ["hub", "period", "pytorch_only", "tensorflow_only", "share", "definition"],
        rows,
        f"Headline share ({name} definition)",
        "share = PyTorch-only ÷ (PyTorch-only + TensorFlow-only), the articles' share: models of both "
        "frameworks, of neither, of JAX and framework-neutral ones are left out of the denominator. "
        f"{MODELS_TEXT}{as_of_text(parse_as_of(as_of))}. {sentence(DEFINITION_TEXT[name])}.",
        list(table.notes),
    )


def hub_figures(con: duckdb.DuckDBPyConnection, hub: str) -> defaultdict[str, int]:
    """A hub's counts from the view ``hub_figures`` (models, live, removed, versions, links, …); a
    figure the hub has no rows for is 0."""
    rows = con.execute("SELECT figure, value FROM hub_figures WHERE hub = ?", [hub]).fetchall()
    return defaultdict(int, {str(name): int(value) for name, value in rows})


#: The hub whose instance frameworks ``kaggle_frameworks`` counts.
KAGGLE = "kaggle"


def kaggle_frameworks(con: duckdb.DuckDBPyConnection, as_of: date | str | None = None) -> StatTable:
    """Kaggle Models per instance framework (a model with two frameworks counts under both), from the
    view ``stats_formats``.

    Columns: framework (as Kaggle names it), family (the framework it is evidence for in
    framework_evidence_map, e.g. tensorFlow2 → tensorflow), models, share (÷ all counted Kaggle models,
    the denominator column), denominator, as_of.
    """
    as_of_date = parse_as_of(as_of)
    rows = con.execute(
        "SELECT framework, family, models, share, denominator, ?::DATE FROM stats_formats_at(?::DATE) "
        "WHERE hub = ? ORDER BY models DESC, framework",
        [as_of_date, as_of_date, KAGGLE],
    ).fetchall()
    rows = [(*r[:5], r[5].isoformat() if r[5] else None) for r in rows]
    return StatTable(
        ["framework", "family", "models", "share", "denominator", "as_of"],
        rows,
        "Kaggle Models per instance framework",
        "A model counts once under each framework of its instances (models.formats), so shares add up "
        "to more than 100 %. share = models with the framework ÷ all counted Kaggle models (the "
        f"denominator column). {MODELS_TEXT}{as_of_text(as_of_date)}. family = the "
        "framework it is evidence for (framework_evidence_map).",
        crawl_notes(con, KAGGLE, as_of_date),
    )


NOT_CRAWLED = "not crawled"


def papers_import(con: duckdb.DuckDBPyConnection) -> tuple[str, datetime | None]:
    """Whether the Papers with Code dumps were imported (``'crawled'`` or ``'not crawled'``) and when the
    import finished (view ``papers_import``)."""
    try:
        row = con.execute("SELECT status, last_import FROM papers_import").fetchone()
    except duckdb.CatalogException:  # a database older than the import (opened read-only)
        return NOT_CRAWLED, None
    return (str(row[0]), row[1]) if row else (NOT_CRAWLED, None)


def papers(
    con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False, count: str = "papers"
) -> StatTable:
    """Papers with Code's papers (``count="papers"``, the articles' unit) or code repositories
    (``count="repos"``) per framework and period (views papers_frameworks_papers, papers_frameworks).

    Columns: period, framework, papers, share, no_framework (or period, framework, repos, share). When
    the import has not run, no rows and the note "papers: not crawled" (never zeros).
    """
    by = enum_value(by, list(GRANULARITIES), "by")
    count = enum_value(count, list(COUNTS), "count")
    if count == "papers":
        unit = (
            "Papers with Code: share = papers with code of the framework ÷ the papers dated in that "
            f"{by} with code of any framework (a paper counted once per framework of its repositories, so "
            "shares may sum above 100 %; no_framework = papers whose code has none, apart; dated by the "
            "paper; crawler.papers.papers_share, view papers_frameworks_papers)"
        )
    else:
        unit = (
            "Papers with Code: share = the framework's code repositories ÷ all code repositories dated in "
            f"that {by} (framework 'none' included; each repository counted once, dated by its earliest "
            "paper; crawler.papers.papers_share, view papers_frameworks)"
        )
    caption = (
        unit
        + ("; official implementations only" if official_only else "; official and unofficial code")
        + "."
    )
    title = f"Research papers' code per framework and {by}" + (
        " (unit: papers)" if count == "papers" else " (unit: repositories)"
    )
    columns = SHARE_PAPER_COLUMNS if count == "papers" else SHARE_COLUMNS
    if papers_import(con)[0] != "crawled":
        return StatTable(
            list(columns), [], title, caption, ["papers: not crawled — run `zoo import pwc` first"]
        )
    columns, rows = papers_share(con, by=by, official_only=official_only, count=count)
    return StatTable(list(columns), [tuple(r) for r in rows], title, caption)


def runs(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    limit: int = 20,
    ends: Mapping[int, StagedEnd] | None = None,
) -> StatTable:
    """The newest ``limit`` crawl runs (of ``source``), as ``zoo runs`` lists them (view ``run_list``).

    ``ends`` (:func:`crawler.store.staged_ends`): how runs still marked ``running`` in the database
    really ended, as their staging files say (the database could not be told); those rows show it."""
    rel = con.execute(
        "SELECT * FROM run_list WHERE ? IS NULL OR source = ? ORDER BY run_id DESC LIMIT ?",
        [source, source, limit],
    )
    columns = [d[0] for d in rel.description]
    rows = rel.fetchall()
    if ends:
        at = {name: i for i, name in enumerate(columns)}
        for n, row in enumerate(rows):
            end = ends.get(row[at["run_id"]])
            if end is None or row[at["status"]] != "running":
                continue
            new = list(row)
            for column, value in (
                ("status", end.status),
                ("finished", end.ended_at),
                ("error", end.error),
                ("pages", end.pages),
                ("items", end.items),
                ("requests", end.requests),
                ("warnings", end.warnings),
            ):
                if column in at:
                    new[at[column]] = value
            rows[n] = tuple(new)
    return StatTable(columns, rows, "crawl runs", "")
