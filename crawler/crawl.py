"""Run a source into the store: lock, begin or resume the run, save every page, then merge or fail.

This is the one place that gives every source provenance, resumability, progress and secret scrubbing
(see :mod:`crawler.sources.base` for the contract a source fulfils). Pages are fetched one ahead in a
background thread, so the network and the store work at the same time; a source that asks for its next
page itself (``Source.read_ahead``, the Hugging Face listing) is read in the crawl's own thread instead.
"""

from __future__ import annotations

import base64
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from .sources.base import Meter, Source, SourceError
from .sources.records import Page, check_page
from .store import CrawlLock, RunPolicy, RunResult, StoreError, begin_run, read_work, resolve_db


@dataclass
class Progress:
    """What a progress display is told after each page."""

    run_id: int
    source: str
    pages: int
    items: int
    warnings: int
    requests: int
    resumed: bool
    total_hint: int | None = None


ProgressCallback = Callable[[Progress], None]

_DONE = object()
#: Seconds a finished crawl waits for its prefetch worker to leave the page it is fetching.
PREFETCH_JOIN = 10.0
#: How many times one crawl asks again for pages whose staged parts were damaged before it gives up.
MAX_REWINDS = 2


def _prefetch(pages: Iterator[Page]) -> Iterator[Page]:
    """Iterate ``pages`` in a worker thread that fetches one page ahead, never more.

    While the caller stores page *n*, the worker fetches page *n+1*; it starts on *n+2* only once the
    caller has taken *n+1*. So an interruption loses at most the page being stored and the one fetched
    ahead. Errors raised by the source surface in the caller.
    """
    slot: queue.Queue[Any] = queue.Queue(maxsize=1)
    taken = threading.Semaphore(0)
    stop = threading.Event()

    def work() -> None:
        try:
            for page in pages:
                slot.put(page)
                while not taken.acquire(timeout=0.2):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
            slot.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            slot.put(exc)

    thread = threading.Thread(target=work, name="zoo-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = slot.get()
            taken.release()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        # Wait for the worker to leave the page it is on: a thread still inside DuckDB's C++ code (the
        # page reader) when the interpreter exits aborts the process ("exception not rethrown"). A page
        # takes milliseconds; a worker stuck in a hung request is left behind after PREFETCH_JOIN.
        while True:
            try:
                slot.get_nowait()
            except queue.Empty:
                break
        thread.join(PREFETCH_JOIN)


class RepeatedCheckpoint(SourceError):
    """A source yielded a checkpoint its run had already saved: its listing loops."""


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _secrets(source: Source) -> list[str]:
    try:
        return [v for v in source.secrets() if v]
    except Exception:  # finding the secrets must never be why a failure goes unreported
        return []


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every secret, and its base64 forms, replaced by ``***``."""
    for secret in secrets:
        for form in {secret, base64.b64encode(secret.encode()).decode()}:
            text = text.replace(form, "***")
    return text


def crawl(
    source: Source,
    db: str | None = None,
    *,
    restart: bool = False,
    progress: ProgressCallback | None = None,
    prefetch: bool = True,
    policy: RunPolicy | None = None,
    meter: Meter | None = None,
    notice: Callable[[str], None] | None = None,
) -> RunResult:
    """Crawl ``source`` into ``db`` and return how the run ended (it never raises for a source failure).

    ``prefetch``: fetch the next page while this one is stored, in a thread (a source that asks for its
    next page itself, ``Source.read_ahead``, is read in this one); ``False``: one page at a time, and the
    source is told not to read ahead either. ``meter`` is handed to the source (a new one if not given):
    a progress display listens to it for rate-limit waits. ``notice`` is told, in one line, when the run
    waits for a reader that has the database open (at its start or its merge, up to ``$ZOO_MERGE_WAIT``). Every error message and
    warning is scrubbed of the source's secrets here, once. Raises
    :class:`~crawler.store.CrawlLocked` at once, touching nothing, if another crawl holds the DB.
    """
    db = resolve_db(db)
    started = time.monotonic()
    # The fetch thread and the store take turns on the GIL many times a page; a shorter switch
    # interval keeps the store from queueing 5 ms behind every JSON parse.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.001))
    try:
        source.meter = meter or Meter()
        return _crawl(source, db, restart, progress, prefetch, policy, started, notice)
    finally:
        sys.setswitchinterval(switch)


def _crawl(
    source: Source,
    db: str,
    restart: bool,
    progress: ProgressCallback | None,
    prefetch: bool,
    policy: RunPolicy | None,
    started: float,
    notice: Callable[[str], None] | None = None,
) -> RunResult:
    policy = policy or RunPolicy()
    if not prefetch:  # nothing is asked before the runner took the page before it
        source.read_ahead = False
    if not source.full_listing:  # a partial listing judges no absences
        policy = replace(policy, full=False)
    secrets = _secrets(source)
    with CrawlLock(db):
        run = begin_run(
            db,
            source.name,
            source.params(),
            restart=restart,
            policy=policy,
            child_tables=tuple(source.child_tables),
            notice=notice,
            keep_child_rows=source.keep_child_rows,
        )
        c = run.counters
        unsaved = 0  # requests of a page taken from the source but not saved (yet)

        def fetch() -> None:
            """Fetch and save the pages from the run's checkpoint on."""
            nonlocal unsaved
            if not run.done:
                if source.work_query is not None:  # an enrichment source: its work list, read-only
                    source.work = read_work(db, source.work_query)
                source.previous_models = run.previous_models  # a bound for a listing with no total
                passed = run.checkpoints()  # every checkpoint of this run so far, across resumes
                pages = source.pages(run.checkpoint)
                # a source that asks for its next page itself is read here: its request for page n+1
                # is out while page n is read and stored, and at most those two are not yet saved
                ahead = prefetch and not source.read_ahead
                for page in _prefetch(pages) if ahead else pages:
                    unsaved = page.requests
                    if page.checkpoint is not None:
                        if page.checkpoint in passed:
                            raise RepeatedCheckpoint(
                                f"the listing came back to a position this run already passed "
                                f"(checkpoint {_short(page.checkpoint)}); stopped instead of going round in "
                                "circles"
                            )
                        passed.add(page.checkpoint)
                    check_page(page)  # a value its column cannot hold is a warning, never a failed run
                    if secrets:
                        page.warnings = [scrub(w, secrets) for w in page.warnings]
                        page.notes = [scrub(n, secrets) for n in page.notes]
                    run.save_page(page)
                    unsaved = 0
                    if progress is not None:
                        progress(
                            Progress(
                                run.run_id,
                                source.name,
                                c.pages,
                                c.items,
                                c.warnings,
                                c.requests,
                                run.resumed,
                                page.total_hint,
                            )
                        )

        try:
            fetch()
            # before the merge, every part must be the one its page wrote: a damaged one sets the run back
            # to the checkpoint before it, and those pages are asked again
            rewinds = 0
            while not run.check_parts():
                c = run.counters  # as the rewind left them
                rewinds += 1
                if rewinds > MAX_REWINDS:
                    raise StoreError(
                        f"the staged parts in {run.parts} were damaged again after their pages were asked "
                        f"{MAX_REWINDS} times; something else writes into that folder"
                    )
                fetch()
            merged = run.finish()
        except KeyboardInterrupt:
            run.add_requests(unsaved + source.meter.take())
            run.fail("interrupted by the user; the next crawl resumes from the last saved page")
            raise
        except Exception as exc:  # the run ends failed, its checkpoint kept
            # A server may echo the request (its Authorization header) in its error text.
            message = scrub(f"{type(exc).__name__}: {exc}", secrets)
            # requests spent on the page that failed: the meter counted them (a source that does not
            # meter its requests may still say how many on its error)
            spent = exc.requests if isinstance(exc, SourceError) else 0
            run.add_requests(unsaved + max(source.meter.take(), spent))
            run.fail(message)
            if not run.recorded:  # say so, after the error that made the run fail
                message += (
                    f" (the failure could not be recorded either: {scrub(run.unrecorded or '', secrets)}; "
                    "the next crawl resumes the run)"
                )
            return RunResult(
                run.run_id, source.name, "failed", run.resumed, c, None, message, time.monotonic() - started
            )
    return RunResult(
        run.run_id,
        source.name,
        "complete",
        run.resumed,
        c,
        merged.models,
        None,
        time.monotonic() - started,
        merged,
    )
