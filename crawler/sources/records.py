"""Plain records: what one hub says about one model, in one shape for every hub.

A source turns a hub's answers into these records and yields them a page at a time. It never touches the
database: the store (``crawler.store``) saves each page, its checkpoint and the run's counters in one
transaction, which is what makes every source resumable and traceable in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Any, get_args, get_type_hints

#: Quality of ``created_at``. ``exact`` is the hub's own timestamp; ``sentinel`` is the Hugging Face
#: placeholder for repos created before the Hub stored creation dates (the real date is unknown);
#: ``git_first_commit`` is the landing date of the entry on a catalog's default branch; ``git_import``
#: is a censored catalog date: the entry came with the commit its catalog's history starts with (an import
#: of a catalog that existed before), so it was created **on or before** ``created_at`` (never counted in
#: a month or year); ``git_prior_repo`` is the date an entry first landed in the repository that held
#: catalog documents before (tfhub.dev's contributed models in tensorflow/hub), a true landing date again;
#: ``unknown`` means no date could be read; ``out_of_range`` is a hub's own timestamp outside
#: :data:`PLAUSIBLE_SINCE` … crawl time + :data:`PLAUSIBLE_AHEAD` (kept as given when a ``datetime`` can
#: hold it in UTC, else NULL; never counted in a creation period, see :func:`check_page`).
CREATED_AT_QUALITIES = (
    "exact",
    "sentinel",
    "git_first_commit",
    "git_import",
    "git_prior_repo",
    "unknown",
    "out_of_range",
)
#: The qualities of dates read from a catalog's git history: the catalog itself says when each entry
#: existed, so a first crawl already knows the past (``models_as_of``, ``stats_hubs``).
GIT_CATALOG_QUALITIES = ("git_first_commit", "git_import", "git_prior_repo")
#: The window of believable model dates: no hub zoo knows existed before 2000, and no date lies more than a
#: day after the crawl (clock skew and time zones aside).
PLAUSIBLE_SINCE = datetime(2000, 1, 1, tzinfo=timezone.utc)
PLAUSIBLE_AHEAD = timedelta(days=1)


@dataclass(slots=True)
class ModelRecord:
    """One model as one hub describes it at crawl time.

    ``key`` is the identity that survives renames (the HF ``_id``, a catalog path or handle, a Kaggle id);
    ``id`` is the human name, which may change.
    """

    hub: str
    key: str
    id: str
    author: str | None = None
    created_at: datetime | None = None
    created_at_quality: str = "unknown"
    last_modified: datetime | None = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    tags: list[str] = field(default_factory=list)
    downloads: int | None = None
    downloads_all_time: int | None = None
    likes: int | None = None
    sha: str | None = None
    private: bool | None = None
    gated: str | None = None
    #: Hub-declared formats or frameworks (Kaggle instance frameworks, tfhub.dev formats), kept raw.
    formats: list[str] = field(default_factory=list)
    #: File names in the repo, when a source lists them (evidence for framework flags); ``None``: this
    #: crawl did not list them (the store keeps the names it has).
    files: list[str] | None = field(default_factory=list)
    #: When the hub itself says the model is gone (git catalogs know removal dates).
    deleted_at: datetime | None = None
    #: Anything else worth keeping, as a JSON-serialisable dict (hub-specific raw fields).
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Page:
    """One unit of progress: records, the checkpoint that resumes *after* them, and warnings.

    ``checkpoint`` is an opaque string (the HF next-page URL, a git commit, a page token). ``None`` means
    the source is finished. ``children`` holds rows for hub-specific child tables (``{"table": [row,
    ...]}``); the store knows those tables from the schema and replaces a hub's child rows when the run
    completes. ``requests`` is the number of HTTP requests (including retries) this page cost.
    """

    records: list[ModelRecord]
    checkpoint: str | None
    warnings: list[str] = field(default_factory=list)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: int = 1
    #: Optional total the source expects (for progress bars), if the hub tells it.
    total_hint: int | None = None
    #: What the run did differently from the plan, for people (``page size lowered from 1,000 to 500 (HTTP 504)``):
    #: stored on the run (``crawl_runs.notes``, shown by ``zoo runs``), prefixed with the page number.
    notes: list[str] = field(default_factory=list)
    #: The page's models already in columns, instead of ``records``: an Arrow table with the columns of
    #: ``MODEL_COLUMNS`` in their order (a source that lets DuckDB parse its pages hands these over).
    table: Any = None


#: Record fields logged in ``model_counters_log``: they change nearly every night.
COUNTER_FIELDS = ("downloads", "downloads_all_time", "likes")
#: Record fields logged in ``model_files_log``: long lists that change only with a commit, so other
#: attribute changes do not copy them.
FILE_FIELDS = ("files",)
#: Record fields that identify a model rather than describe it.
IDENTITY_FIELDS = ("hub", "key")
#: Record fields about presence, kept by the store's merge rather than logged.
STATE_FIELDS = ("deleted_at",)

#: Python type of a record field → its DuckDB type in ``models``.
_SQL_TYPES: dict[Any, str] = {
    str: "VARCHAR",
    int: "BIGINT",
    bool: "BOOLEAN",
    datetime: "TIMESTAMPTZ",
    list[str]: "VARCHAR[]",
    dict[str, Any]: "JSON",
}


@dataclass(frozen=True)
class Column:
    """One column of a model, as the record declares it."""

    name: str
    #: DuckDB type in ``models`` (``extra`` is JSON there, staged as text)
    sql: str
    #: ``identity`` (hub, key), ``attr`` (logged in model_attrs_log), ``counter`` (model_counters_log),
    #: ``files`` (model_files_log) or ``state`` (deleted_at)
    role: str


def _columns() -> tuple[Column, ...]:
    hints = get_type_hints(ModelRecord)
    out = []
    for f in fields(ModelRecord):
        kind = hints[f.name]
        args = [a for a in get_args(kind) if a is not type(None)]
        if type(None) in get_args(kind) and len(args) == 1:
            kind = args[0]  # X | None stores as X, NULL allowed
        role = (
            "identity"
            if f.name in IDENTITY_FIELDS
            else "counter"
            if f.name in COUNTER_FIELDS
            else "files"
            if f.name in FILE_FIELDS
            else "state"
            if f.name in STATE_FIELDS
            else "attr"
        )
        out.append(Column(f.name, _SQL_TYPES[kind], role))
    return tuple(out)


#: The model's columns, in the order of ``ModelRecord`` (= the order of ``models``' record columns).
#: This is the one definition: the store's staging table and Arrow schema, the merge's attribute and
#: counter lists and the history views' column lists all follow from it (``sql/schema`` is checked
#: against it by the tests).
MODEL_COLUMNS: tuple[Column, ...] = _columns()
ATTR_COLUMNS: tuple[str, ...] = tuple(c.name for c in MODEL_COLUMNS if c.role == "attr")
COUNTER_COLUMNS: tuple[str, ...] = tuple(c.name for c in MODEL_COLUMNS if c.role == "counter")
FILE_COLUMNS: tuple[str, ...] = tuple(c.name for c in MODEL_COLUMNS if c.role == "files")

# ------------------------------------------------------------------------------------------ value checks

#: The values a column's DuckDB type holds (and its Arrow staging type: BIGINT is int64).
_SQL_RANGES: dict[str, tuple[int, int]] = {"BIGINT": (-(2**63), 2**63 - 1)}
_INT_CHECKS = tuple((c.name, *_SQL_RANGES[c.sql]) for c in MODEL_COLUMNS if c.sql in _SQL_RANGES)
_TIME_COLUMNS = tuple(c.name for c in MODEL_COLUMNS if c.sql == "TIMESTAMPTZ")
_SHOWN = 60


def _shown(value: Any) -> str:
    """A value for a warning, at most ``_SHOWN`` characters (an integer of thousands of digits too)."""
    if type(value) is int and value.bit_length() > 128:  # 1e300 read as an integer: shown as 1e+300
        return (
            f"{float(value):g}" if value.bit_length() < 1000 else f"<an integer of {value.bit_length()} bits>"
        )
    text = value.isoformat() if isinstance(value, datetime) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _model(record: ModelRecord) -> str:
    """The model's name for a warning, at most twice ``_SHOWN`` characters."""
    name = record.id
    return name if len(name) <= 2 * _SHOWN else name[: 2 * _SHOWN - 1] + "…"


def in_utc(value: Any) -> datetime | None:
    """The instant in UTC, or ``None`` when a ``datetime`` cannot hold it (year 1 at +02:00 is year 0)."""
    if not isinstance(value, datetime):
        return None
    try:
        return (
            value.astimezone(timezone.utc) if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        )
    except OverflowError:
        return None


def check_page(page: Page, now: datetime | None = None) -> None:
    """Check every record of a page against its columns' ranges, in place; each finding is a warning.

    The one place where a value a hub sent meets the column that stores it, for every source:

    * a number column (``BIGINT``: downloads, downloads_all_time, likes) holds -2**63 … 2**63-1; a value
      outside (``2**70``, ``1e300`` read as an integer) or not an integer is stored as NULL. A negative
      count is in range and kept as sent: the column's type, not a guess about the hub, sets the range.
    * a date column holds what a ``datetime`` holds in UTC (years 1 … 9999); a date outside (year 1 at
      +02:00) is stored as NULL.
    * ``created_at`` outside :data:`PLAUSIBLE_SINCE` … ``now`` + :data:`PLAUSIBLE_AHEAD` is kept as
      given (when representable) with a warning; a hub's own date (quality ``exact``) there gets the
      quality ``out_of_range``, which the statistics never count in a creation period
      (``sql/views/period_macros.sql``). Other dates (``last_modified``: no statistic reads it) are
      stored as the hub gives them.

    Warnings name the model, the field and the value (shortened), so a bad value costs one field of one
    model, never the page or the run.
    """
    now = now or datetime.now(timezone.utc)
    until = now + PLAUSIBLE_AHEAD
    warnings = page.warnings
    for record in page.records:
        for name, low, high in _INT_CHECKS:
            value = getattr(record, name)
            if value is None or (type(value) is int and low <= value <= high):
                continue
            setattr(record, name, None)
            warnings.append(
                f"{_model(record)}: {name}={_shown(value)} is not an integer in the column's range "
                f"({low:,} … {high:,}); stored as NULL"
            )
        for name in _TIME_COLUMNS:
            value = getattr(record, name)
            if value is None:
                continue
            fits = type(value) is datetime and value.tzinfo is not None and 1 < value.year < 9999
            utc = value if fits else in_utc(value)
            if utc is None:
                setattr(record, name, None)
                if name == "created_at" and record.created_at_quality == "exact":
                    record.created_at_quality = "out_of_range"
                warnings.append(
                    f"{_model(record)}: {name}={_shown(value)} is not a representable date; stored as NULL"
                )
            elif name == "created_at" and not (PLAUSIBLE_SINCE <= utc <= until):
                flag = record.created_at_quality == "exact"
                if flag:
                    record.created_at_quality = "out_of_range"
                warnings.append(
                    f"{_model(record)}: created_at={_shown(value)} is outside {PLAUSIBLE_SINCE.date()} … the crawl + 1 "
                    f"day; stored as given{', quality out_of_range (in no creation period)' if flag else ''}"
                )
