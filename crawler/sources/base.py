"""The source contract: what a hub source is, what it may leave out, and what the runner gives it.

A source fetches one hub (an HTTP API, a git catalog, a dump file), normalises what it gets into
:class:`~crawler.sources.records.ModelRecord` rows (and child-table rows), and yields them a
:class:`~crawler.sources.records.Page` at a time. It **never** touches the database: the runner
(:func:`crawler.crawl.crawl`) saves each page with the checkpoint that resumes after it, so every source
gets provenance, resumability, progress and secret scrubbing from that one place.

Subclass :class:`Source`. Required: the class attribute ``name``, :meth:`Source.params` and
:meth:`Source.pages`. Every other member has a default that suits a plain listing:

=====================  ==========================================================================
member                 default and meaning
=====================  ==========================================================================
``secrets()``          ``[]``. Values the source sends that must never be stored or printed (a
                       token, a key). The runner replaces them, and their base64 forms, by
                       ``***`` in every error and warning it stores or prints; a source does not
                       scrub anything itself.
``full_listing``       ``True``. ``False`` when a run lists only part of the hub (a search, one
                       owner): such a run marks no model absent or deleted.
``child_tables``       ``()``. Child tables the source owns (``kaggle_instances``, …): the store
                       replaces the hub's rows in them when a run completes, and empties them for
                       the hub when the run sent none.
``meter``              A :class:`Meter` of its own. The runner hands each source the meter of its
                       run before asking for pages; the source counts every HTTP request (retries
                       included) and reports every wait (rate limit, pacing) through it, so
                       progress displays and ``Page.requests`` need no module globals.
``work_query``         ``None``. An *enrichment* source (one that walks models the database
                       already holds, such as the first-commit dates of Hugging Face's legacy
                       cohort) names here a query (``SELECT … FROM <a view> ORDER BY <key>``) over
                       the main database. The runner reads it once, read-only, before the first
                       page, and hands the rows over as ``work`` (a list of tuples, in the query's
                       order). The source still never opens the database; its checkpoint is
                       typically the key of the last row done, so a resumed run skips what its
                       saved pages covered, and a budget (``--max-requests``) ends the run by
                       yielding a last page with ``checkpoint=None``.
``work``               ``[]``; set by the runner when ``work_query`` is set.
``keep_child_rows``    ``False``. ``True`` for facts that never change once found (a creation
                       date): the store then adds a child row only for a ``key`` its table does
                       not hold yet for the source, never replaces or deletes one, so a later run
                       (or a row staged twice across an interruption) cannot overwrite a fact.
``previous_models``    ``None``; set by the runner before it asks for pages: the number of models
                       the hub's latest complete, full, non-suspect run saw (``crawl_runs.models``),
                       ``None`` when there is none. A listing that announces no total bounds itself
                       with it (the Hugging Face listing fails a run that has asked for more than
                       4 × that many models plus 100 pages), so a pagination that never ends stops.
``read_ahead``         ``False``. ``True`` when the source itself asks for its next page while the
                       page before it is read and stored (the Hugging Face listing sends the request
                       for page *n+1* as soon as page *n*'s headers name it). The runner then reads
                       the source in its own thread, without a prefetch thread, so no more than two
                       pages are ever answered and not yet saved (what a kill can lose). The
                       runner sets it ``False`` when asked for no prefetch (``crawl(…,
                       prefetch=False)``): one page at a time.
=====================  ==========================================================================

An enrichment source yields pages **without records** (``Page.records`` is for the hub's own listing,
which the store merges into ``models`` under the run's source name): its facts go to a child table of its
own (a migration in ``sql/schema``, named in ``child_tables``), one row per model with ``hub`` = the
enrichment source's name and ``key`` = the model's key, and views join them to ``models``. It sets
``full_listing = False``, so a run adds its rows and keeps those of earlier runs (and
``keep_child_rows = True`` when a fact, once found, must never be replaced), and its registry entry
has ``kind="enrichment"``, so ``zoo stats hubs`` does not list it as a hub, and ``depends_on`` naming
the hub whose models it walks, so ``zoo crawl all`` runs it only after that hub's crawl completed.
Its work query should leave out what earlier runs settled, so a new run never asks for it again; a
child table with a ``run_id`` column gets the id of the run that stored each row.
``crawler/sources/huggingface_dates.py`` is the example: the first-commit dates of Hugging Face's
legacy cohort, a page of a few dozen models at a time, with a request budget.

Checkpoints never repeat within a run: the runner fails a run whose source yields a checkpoint one of
the run's saved pages already ended on (across resumes too), because such a listing goes round in
circles. ``Page.notes`` tells of what the run did differently from the plan (a smaller page size, say):
the runner keeps them on the run (``crawl_runs.notes``, ``zoo runs``).

Errors: raise :class:`SourceError` (or a subclass) with a one-line message that tells the user what to
do. ``requests`` is the number of HTTP requests spent on work no page reported (the failing page's), so
the run's counter stays honest; the HTTP layer (:mod:`crawler.sources._http`) fills it in for its own
errors. Any other exception also fails the run, with its type and text as the message.

A source is registered for the CLI, the statistics and the report by a :class:`~crawler.sources.registry.Hub`
entry in the same module (see the README's "Adding a hub").
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from .records import Page

#: A listener told of every wait: ``(kind, seconds)``; kind is ``rate_limited`` (the hub answered 429)
#: or ``paced`` (the source waited for the quota window before asking).
WaitListener = Callable[[str, float], None]


class SourceError(RuntimeError):
    """A source failed for good; the message says why (one line) and what to do.

    ``requests`` counts the HTTP requests (retries included) spent on work that no page reported.
    """

    def __init__(self, message: str, *, requests: int = 0) -> None:
        super().__init__(message)
        self.requests = requests


class NotConfigured(SourceError):
    """The hub cannot be crawled here as things are (no credentials, a missing tool); the message is the
    one-line reason and how to fix it."""


class Meter:
    """What a running source reports: requests sent and waits taken. Thread-safe.

    The runner gives one to each run (``source.meter``) and listens to it (a progress bar shows the
    waits); the source calls :meth:`request` for every HTTP attempt and :meth:`waited` for every wait,
    and takes the requests of a page with :meth:`take` when it yields it.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.waits = 0
        self.wait_seconds = 0.0
        self.rate_limited = 0  # 429 answers seen
        self.paced = 0  # waits for the quota window taken before asking
        self.listeners: list[WaitListener] = []
        self._lock = threading.Lock()
        self._untaken = 0

    def request(self, n: int = 1) -> None:
        """Count ``n`` HTTP requests (or other remote operations) sent."""
        with self._lock:
            self.requests += n
            self._untaken += n

    def take(self, at_most: int | None = None) -> int:
        """The requests counted since the last call (what the page being yielded cost).

        ``at_most``: take only that many (a page's own requests, when those of the next page, already
        asked, are being counted too); the rest stays for the next call."""
        with self._lock:
            n = self._untaken if at_most is None else max(0, min(at_most, self._untaken))
            self._untaken -= n
        return n

    def waited(self, kind: str, seconds: float) -> None:
        """Record a wait of ``seconds`` (``rate_limited`` or ``paced``) and tell the listeners."""
        with self._lock:
            self.waits += 1
            self.wait_seconds += seconds
            if kind == "rate_limited":
                self.rate_limited += 1
            elif kind == "paced":
                self.paced += 1
        for listener in list(self.listeners):
            listener(kind, seconds)


class Source(ABC):
    """The contract every hub source fulfils; see the module documentation for each member."""

    #: The hub's name: ``crawl_runs.source`` and ``models.hub`` (``huggingface``, ``kaggle``, …).
    name: ClassVar[str]
    full_listing: bool = True
    child_tables: tuple[str, ...] = ()
    work_query: ClassVar[str | None] = None
    keep_child_rows: ClassVar[bool] = False
    read_ahead: bool = False
    previous_models: int | None = None

    _meter: Meter | None = None
    _work: list[tuple[Any, ...]] | None = None

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """What was asked (endpoint, options), JSON-serialisable, never a secret."""

    @abstractmethod
    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        """Yield pages, starting after ``checkpoint`` (``None`` starts from the beginning).

        The last page has ``checkpoint=None``: the run is complete.
        """

    def secrets(self) -> list[str]:
        """Values that must never be stored or printed; the runner scrubs them."""
        return []

    @property
    def meter(self) -> Meter:
        if self._meter is None:
            self._meter = Meter()
        return self._meter

    @meter.setter
    def meter(self, meter: Meter) -> None:
        self._meter = meter

    @property
    def work(self) -> list[tuple[Any, ...]]:
        return self._work if self._work is not None else []

    @work.setter
    def work(self, rows: list[tuple[Any, ...]]) -> None:
        self._work = rows
