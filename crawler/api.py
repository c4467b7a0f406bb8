"""The Python API for notebooks: every ``zoo stats`` figure as a pandas DataFrame.

    import crawler
    crawler.hubs()                                         # models per hub, with the crawl dates
    crawler.exclusivity(hub="hf", definition="evidence", by="year")
    crawler.additions(hub="huggingface", by_class=True)
    crawler.headline(by="year")                            # PyTorch-only ÷ (PyTorch-only + TF-only)
    crawler.history("google-bert/bert-base-uncased")
    crawler.downloads(["org/a", "org/b"])
    crawler.papers(by="quarter")                           # empty, attrs["status"] "not crawled", until imported
    crawler.papers_series(by="month", count="papers")      # archive, then `zoo crawl papers`
    crawler.papers_compare()                               # zoo's frameworks vs the archive's

Each function takes the arguments of the CLI command of the same name and calls the same code
(:mod:`crawler.stats`, :mod:`crawler.history`): nothing is computed twice, and every figure comes from
the SQL views. ``write_report`` writes what ``zoo report`` writes. The
DataFrame's ``attrs`` hold the ``title``, the ``caption`` (definition and denominator) and ``notes``
(e.g. a hub that was not crawled: its rows are absent, never 0).

The database: pass a connection as ``con``, or ``db`` (a path), or neither: then ``$ZOO_DB``, else
``./zoo.duckdb`` (like ``--db``). Each call opens the file read-only and closes it again when it
returns, so a notebook left open overnight never keeps the nightly crawl from merging.
``crawler.connect()`` gives a :class:`Connection` for your own SQL that does the same for every
statement (see there).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from . import _API as _API_NAMES
from . import stats
from .history import find_models, model_timeline, nightly_counters
from .store import connect as _store_connect
from .store import resolve_db

if TYPE_CHECKING:
    import pandas as pd

#: The names ``import crawler`` serves (listed once, in the package, which must not import this module).
__all__ = sorted(_API_NAMES)


class Connection:
    """A read-only connection to a zoo database that holds the file only while a statement runs.

    A DuckDB file that one process has open cannot be written by another, so a plain DuckDB connection
    left open in a notebook would keep the nightly crawl from merging its run. This one opens the file
    (read-only) for each statement, reads the whole answer into memory, and closes the file again
    before it returns. What it returns are ordinary DuckDB objects over that in-memory answer:

    * ``con.execute(sql, params)`` — a DuckDB connection holding the answer: ``.fetchone()``,
      ``.fetchall()``, ``.df()``, ``.description`` …;
    * ``con.sql(sql)`` (or ``con.query``) — a DuckDB relation: shown as a table in a notebook,
      ``.df()``, ``.fetchall()``, ``.filter(…)``, ``.aggregate(…)`` … (None for a statement without rows).

    Each statement sees the database as it is when it runs (a crawl merged in between shows up), in a
    session of its own: ``SET`` and TEMP objects do not carry over. For statements that must share a
    session, ``with con.session() as raw:`` gives a plain read-only DuckDB connection that holds the file
    until the block ends. Answers live in memory: aggregate in SQL instead of fetching every model.
    ``close()`` (or leaving ``with crawler.connect() as con:``) only stops further statements; answers
    already returned stay usable.
    """

    def __init__(self, db: str | None = None) -> None:
        self.db = resolve_db(db)
        self._closed = False
        _store_connect(self.db, read_only=True).close()  # no zoo database there: raise now

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A plain read-only DuckDB connection to the database, closed (releasing the file) at the end
        of the ``with`` block."""
        if self._closed:
            raise duckdb.ConnectionException("Connection already closed")
        raw = _store_connect(self.db, read_only=True)
        try:
            yield raw
        finally:
            raw.close()

    def _answer(self, query: str, parameters: object) -> pa.Table | None:
        with self.session() as raw:
            result = raw.sql(query, params=parameters)  # a statement without rows has run: None
            return None if result is None else result.to_arrow_table()

    def execute(self, query: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        """Run one statement; its answer, fetched, as a DuckDB connection holding it as its result."""
        answer = self._answer(query, parameters)
        cursor = _answers().cursor()
        if answer is not None:
            cursor.register("zoo_answer", answer)
            cursor.execute("SELECT * FROM zoo_answer")
        return cursor

    def sql(self, query: str, params: object = None) -> duckdb.DuckDBPyRelation | None:
        """Run one statement; its answer, fetched, as a DuckDB relation (None if it has no rows)."""
        answer = self._answer(query, params)
        return None if answer is None else _answers().cursor().from_arrow(answer)

    query = sql

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<crawler.Connection {self.db!r}{' (closed)' if self._closed else ''}>"


_ANSWERS: list[duckdb.DuckDBPyConnection] = []


def _answers() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB database that holds the answers :class:`Connection` returns (one per
    process: each answer gets a cursor of its own, a few kilobytes)."""
    if not _ANSWERS:
        _ANSWERS.append(duckdb.connect(":memory:"))
    return _ANSWERS[0]


def connect(db: str | None = None) -> Connection:
    """A read-only :class:`Connection` to ``db``, else ``$ZOO_DB``, else ``./zoo.duckdb``, which holds
    the file only while a statement runs.

    Raises :class:`crawler.store.StoreError` if there is no zoo database there.
    """
    return Connection(db)


Con = duckdb.DuckDBPyConnection | Connection


@contextmanager
def _using(con: Con | None, db: str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection a function reads: the caller's (a :class:`Connection` opens the file for the
    call), else the database opened read-only for the call."""
    if isinstance(con, Connection):
        with con.session() as raw:
            yield raw
        return
    if con is not None:
        yield con
        return
    own = _store_connect(db, read_only=True)
    try:
        yield own
    finally:
        own.close()


def _frame(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    title: str = "",
    caption: str = "",
    notes: Sequence[str] = (),
) -> pd.DataFrame:
    return stats.StatTable(list(columns), [tuple(r) for r in rows], title, caption, list(notes)).to_pandas()


def exclusivity(
    con: Con | None = None,
    hub: str | None = None,
    definition: str = "tags",
    by: str = "none",
    as_of: date | str | None = None,
    db: str | None = None,
) -> pd.DataFrame:
    """Models per (hub, period, framework class) and their share, like ``zoo stats exclusivity``.

    Columns: hub, period, class, models, share (0–1), denominator, definition, as_of.
    """
    with _using(con, db) as c:
        return stats.exclusivity(c, hub=hub, definition=definition, by=by, as_of=as_of).to_pandas()


def additions(
    con: Con | None = None,
    hub: str | None = None,
    by: str = "year",
    definition: str = "tags",
    by_class: bool = False,
    as_of: date | str | None = None,
    db: str | None = None,
) -> pd.DataFrame:
    """Models added per creation year or month, like ``zoo stats additions`` (period 'legacy' = HF repos
    created before 2022-03-02 with an unknown date, never counted in 2022; period 'imported' = catalog
    entries dated by an import, such as tfhub.dev's of 2020-08-26: published on or before it).

    Columns: hub, period, class, models, definition, as_of.
    """
    with _using(con, db) as c:
        return stats.additions(
            c, hub=hub, by=by, definition=definition, by_class=by_class, as_of=as_of
        ).to_pandas()


def hubs(con: Con | None = None, as_of: date | str | None = None, db: str | None = None) -> pd.DataFrame:
    """Models per hub and the complete crawl they come from, like ``zoo stats hubs``; a hub without a
    complete crawl has status 'not crawled' (or 'no complete crawl') and models None, never 0.

    Columns: hub, status, models, last_complete_crawl, run_id, as_of.
    """
    with _using(con, db) as c:
        return stats.hubs(c, as_of=as_of).to_pandas()


def headline(
    con: Con | None = None,
    hub: str | None = None,
    *,
    db: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """The articles' share per (hub, period): PyTorch-only ÷ (PyTorch-only + TensorFlow-only), the line
    ``zoo stats exclusivity`` prints under its table. share is None when both counts are 0. Takes the
    options of :func:`exclusivity`: ``definition`` ("tags"), ``by`` ("none") and ``as_of``.

    Columns: hub, period, pytorch_only, tensorflow_only, share, definition.
    """
    with _using(con, db) as c:
        table = stats.exclusivity(c, hub=hub, **options)
    definition = options.get("definition", stats.Definition.tags)
    return stats.headline_table(table, definition, options.get("as_of")).to_pandas()


def history(name: str, hub: str | None = None, con: Con | None = None, db: str | None = None) -> pd.DataFrame:
    """A model's history, like ``zoo history``: first sighting, renames, weight files added or removed,
    tag and counter changes, gaps and deletion, oldest first. ``name`` may be a former name or the hub's key.

    Raises LookupError if no model is or was called ``name``.
    """
    with _using(con, db) as c:
        mids = find_models(c, name, hub)
        if not mids:
            raise LookupError(f"no model is or was called {name!r}")
        columns, rows = model_timeline(c, mids)
    return _frame(columns, rows, title=f"history of {name}")


def downloads(
    names: str | Sequence[str],
    hub: str | None = None,
    con: Con | None = None,
    db: str | None = None,
) -> pd.DataFrame:
    """Each night's downloads of the given models (current or former names, or keys): 30-day and
    all-time downloads, likes, and downloads_per_day, an ESTIMATE from the all-time counter.

    Columns: hub, id, run_id, observed_at, downloads, downloads_all_time, likes, downloads_per_day.
    Raises LookupError if a name matches no model.
    """
    wanted = [names] if isinstance(names, str) else list(names)
    with _using(con, db) as c:
        mids: list[int] = []
        for name in wanted:
            found = find_models(c, name, hub)
            if not found:
                raise LookupError(f"no model is or was called {name!r}")
            mids += [m for m in found if m not in mids]
        columns, rows = nightly_counters(c, mids)
    return _frame(
        columns,
        rows,
        title="nightly counters",
        caption="downloads = the Hub's rolling 30-day count; downloads_per_day = difference of "
        "downloads_all_time between two consecutive nights ÷ the days between them (an estimate; None "
        "on a model's first night).",
    )


def papers(
    con: Con | None = None,
    by: str = "year",
    official_only: bool = False,
    db: str | None = None,
    count: str = "papers",
) -> pd.DataFrame:
    """Research papers' code per framework and period, from the Papers with Code archive alone
    (``zoo import pwc``), by year or quarter.

    count="papers" (the articles' unit): each paper once per framework of its code, share ÷ the
    period's papers with code of any framework (may sum above 1), no_framework apart; columns period,
    framework, papers, share, no_framework. count="repos": each repository once, dated by its earliest
    paper; columns period, framework, repos, share. Until ``zoo import pwc`` has run: no rows, and
    ``attrs["status"] == "not crawled"`` (never zeros). :func:`papers_series` continues past the archive.
    """
    with _using(con, db) as c:
        status, _ = stats.papers_import(c)
        frame = stats.papers(c, by=by, official_only=official_only, count=count).to_pandas()
    frame.attrs["status"] = status
    return frame


def papers_series(
    con: Con | None = None,
    by: str = "year",
    official_only: bool = False,
    count: str = "papers",
    db: str | None = None,
) -> pd.DataFrame:
    """The papers series through the present, like ``zoo stats papers``: the Papers with Code archive,
    then ``zoo crawl papers`` (``source``: archive, live, archive+live), per year, quarter or month.

    count="papers" (the default, the articles' unit; view papers_series_papers): columns period,
    source, framework, papers, share, no_framework, unclassified. count="repos" (view papers_series):
    period, source, framework, repos, share, unclassified. No rows before an import or a live crawl.
    """
    from . import papers as _papers

    with _using(con, db) as c:
        columns, rows = _papers.papers_series(c, by=by, official_only=official_only, count=count)
    unit = "papers" if count == "papers" else "repositories"
    caption = (
        "share = papers of the framework ÷ the period's papers with code of any framework (a paper "
        "counted once per framework of its code, dated by the paper; shares may sum above 1); "
        "no_framework = papers whose code uses none, apart; unclassified = live papers whose code is not "
        "classified yet (view papers_series_papers)."
        if count == "papers"
        else "share = repositories of the framework ÷ all dated and classified repositories of the period "
        "(each repository counted once, dated by its earliest paper, 'none' included); unclassified = "
        "live repositories not classified yet (view papers_series)."
    )
    return _frame(
        columns, rows, title=f"Paper implementations by framework, per {by} (unit: {unit})", caption=caption
    )


def papers_compare(con: Con | None = None, count: str = "papers", db: str | None = None) -> pd.DataFrame:
    """zoo's framework against Papers with Code's where both classified the code, like ``zoo stats
    papers --compare-archive``: per year (and 'all'), each framework's share by each method and the
    agreement. count="papers" (default; view papers_compare_papers) or "repos" (view papers_compare).

    Columns: year, framework, papers (or repos), archive_share, zoo_share, agreement.
    """
    from . import papers as _papers

    with _using(con, db) as c:
        columns, rows = _papers.papers_compare(c, count=count)
    unit = "papers" if count == "papers" else "repositories"
    caption = (
        "papers = the archive's papers of the year with a repository both classified; archive_share / "
        "zoo_share = papers with code of the framework ÷ those with code of any framework, by each method; "
        "agreement = the share of the papers given the same frameworks (view papers_compare_papers)."
        if count == "papers"
        else "repos = repositories both classified, by the year of their earliest paper in the archive; "
        "archive_share / zoo_share = the framework's share of them by each method; agreement = the share "
        "given the same framework (view papers_compare)."
    )
    return _frame(
        columns, rows, title=f"zoo's framework vs Papers with Code's (unit: {unit})", caption=caption
    )


def kaggle_frameworks(
    con: Con | None = None, as_of: date | str | None = None, db: str | None = None
) -> pd.DataFrame:
    """Kaggle Models per instance framework (a model counts under each of its frameworks).

    Columns: framework, family, models, share, denominator, as_of. No rows until Kaggle is crawled.
    """
    with _using(con, db) as c:
        return stats.kaggle_frameworks(c, as_of=as_of).to_pandas()


def write_report(
    out: str | None = None,
    fmt: str = "html",
    as_of: date | str | None = None,
    con: Con | None = None,
    db: str | None = None,
) -> str:
    """Write the report ``zoo report`` writes; returns the path written."""
    from .report import write_report as write

    with _using(con, db) as c:
        path, _ = write(c, out, fmt, as_of, db=resolve_db(db))
    return str(path)
