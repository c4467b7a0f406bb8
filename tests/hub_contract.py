"""What every hub's crawl command must do against its fake: a base class its test module subclasses.

``tests/test_source_contract.py`` checks, for every registered hub, what needs no fake (help with an
example, declared options and endpoints, secrets not shown). What needs one is here: a hub's test module
adds ::

    class TestExampleZooContract(HubContract):
        hub = "example-zoo"

        @contextmanager
        def serve(self, tmp_path: Path) -> Iterator[Served]:
            with ExampleZooFake() as fake:  # the hub's fake, on 127.0.0.1
                yield Served(args=["--endpoint", fake.url], models=6, fail=fake.fail, asked=fake.pages)

and pytest runs this test for it: a run whose second page fails for good fails after saving the first
(one line, exit 1, the secrets it was given never printed or stored), and the next command resumes that run
from there, asks no page twice and prints the hub's summary line (``<hub>: run 1 complete, N models, …,
resumed``).

A "page" is the hub's resumable unit of work: what one saved checkpoint covers. ``fail(n)`` and
``asked()`` number those units from 1, and each hub's ``serve`` says what they are for it:

* a paged listing (``huggingface``, ``kaggle``, the README's example): a page of the listing, one request;
* an enrichment over a work list (``huggingface-dates``): the models of one saved page of the work list,
  several requests (``asked()`` lists a unit once each time the hub starts on it); ``prepare`` first
  stores the listing it walks, so its run is not run 1 and it stores rows (``tables``), not models;
* a frozen dump read a page of items at a time (``paperswithcode``): a page of items of the file; the
  dump is a local file whose ``fail(n)`` damages one item of page ``n`` in place (the same size, so the
  next import takes it for the same file and resumes); a resumed import parses the items before its
  checkpoint again by design (a gzip stream cannot seek), so what counts is that it saves them once;
* papers from several APIs (``papers-live``): a day of ``--since`` .. ``--until``, its requests to arXiv,
  Hugging Face Papers and GitHub; it stores rows in several tables;
* a git catalog (``pytorch-hub``, ``tf-hub``): it reads everything it needs (clone or fetch, history,
  blobs, hubconf.py files) before it saves its first page, and its pages are cut from what it read, so
  nothing can fail between two pages: it cannot fail "page 2 for good". Such a hub sets
  ``failing_unit = 1``, its unit being the catalog's sync: ``fail(1)`` makes the catalog repository
  unreadable for good (moved away), and the contract checks the closest thing that could fail: the run
  fails in one line (exit 1, no secret) having saved nothing, and the next command resumes that run (its
  staging file holds it), saves each page once, completes and prints the summary line. Its ``prepare``
  makes a first crawl, so the failing sync is a fetch into the cached clone, and its ``serve`` checks
  afterwards that the clone was kept (fetched into, not made again): the work such a hub saves.

A hub whose requests cannot be counted (a local file, git on a local repository) gives ``asked=None``
and ``pages``, how many pages a complete run saves: the contract reads the run's pages from its summary
lines instead (those saved before the failure; all, each once, at the end).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import duckdb
from typer.testing import CliRunner

from crawler.cli import app
from crawler.sources import registry

#: The value every declared secret of the hub gets during the contract's crawls.
SECRET = "zooCONTRACTsecret0123456789"


@dataclass
class Served:
    """A hub's fake, serving, as the contract uses it."""

    #: options that point the hub's command at the fake (``["--endpoint", url]``)
    args: list[str]
    #: how many models a complete crawl lists (at least two pages' worth); for a hub that stores rows
    #: of its own ``tables`` instead, how many of those
    models: int
    #: ``fail(n)``: from now on the fake answers the request for page ``n`` (1 = the first) with an error
    #: the source gives up on at once (an HTTP 4xx such as 400); ``fail(None)``: no more errors
    fail: Callable[[int | None], None]
    #: the page numbers asked so far, in order (1 = the first); None for a hub that asks nothing that
    #: could be counted (a local file), which gives ``pages`` instead
    asked: Callable[[], list[int]] | None
    #: more environment for the command (credentials the hub needs to run at all); every variable of the
    #: hub's ``secrets`` is set to :data:`SECRET` unless given here
    env: dict[str, str] = field(default_factory=dict)
    #: what the hub's runs need in the database first (an enrichment: the listing it walks), given the
    #: database's path; the contract's runs are then the runs after those it made
    prepare: Callable[[str], None] | None = None
    #: where a complete crawl stores what ``models`` counts (the rows whose ``hub`` is the hub's name):
    #: ``models``, which the summary line counts as "N models", or the hub's own tables, every row the
    #: run stored in them ("N rows")
    tables: tuple[str, ...] = ("models",)
    #: how many pages a complete crawl saves, for a hub without ``asked``: the contract then reads the
    #: run's pages from its summary lines (those saved before the failure; all, each once, at the end)
    pages: int | None = None


class HubContract:
    """Subclass it in the hub's test module (its name starting with ``Test``); set ``hub`` and ``serve``."""

    hub: ClassVar[str]
    #: the unit whose failure fails the first run: 2, the run saves the first page and fails at the second;
    #: 1 for a hub that reads everything before its first page is saved (see the module's documentation)
    failing_unit: ClassVar[int] = 2

    def serve(self, tmp_path: Path) -> AbstractContextManager[Served]:
        raise NotImplementedError

    def _invoke(self, served: Served, db: str) -> Any:
        entry = registry.get(self.hub)
        assert entry is not None, f"{self.hub} is not registered"
        env = dict.fromkeys(entry.secrets, SECRET) | served.env
        return CliRunner().invoke(app, [entry.group, entry.command, *served.args, "--db", db], env=env)

    def test_contract_resume_after_a_failed_page(self, tmp_path: Path, db: str) -> None:
        """``db``: a new, migrated database (``tests/conftest.py``)."""
        failing = self.failing_unit
        with self.serve(tmp_path) as served:
            if served.prepare is not None:
                served.prepare(db)
            run = 1 + len(_runs(db, None))
            earlier = len(_runs(db, self.hub))  # the hub's runs in prepare
            served.fail(failing)
            failed = self._invoke(served, db)
            assert failed.exit_code == 1, failed.output
            assert "Traceback" not in failed.output
            lines = failed.output.strip().splitlines()
            assert lines[-1].startswith(f"{self.hub}: run {run} failed"), failed.output
            if served.asked is not None:
                assert served.asked() == list(range(1, failing + 1))
            served.fail(None)
            done = self._invoke(served, db)
            assert done.exit_code == 0, done.output
            # the summary line of the run, now complete (the hub's own line may follow it)
            summary = next(line for line in done.output.splitlines() if line.startswith(f"{self.hub}: run"))
            what = "models" if served.tables == ("models",) else "rows"
            assert summary.startswith(f"{self.hub}: run {run} complete, {served.models:,} {what}"), summary
            assert summary.endswith("resumed"), summary
            if served.asked is not None:
                asked = served.asked()[failing:]
                # resumed at the failed unit, after the saved ones
                assert asked and asked[0] == failing and not set(asked) & set(range(1, failing))
                assert len(set(asked)) == len(asked)
            else:
                assert served.pages is not None, "a hub without asked() says how many pages it saves"
                # the run's pages, across its processes: those saved before the failure, then the rest
                # (a page saved again would be counted again)
                assert _pages(lines[-1]) == failing - 1, lines[-1]
                assert _pages(summary) == served.pages, summary
        output = failed.output + done.output
        assert SECRET not in output
        con = duckdb.connect(db, read_only=True)
        try:
            counts = [
                con.execute(f"SELECT count(*) FROM {table} WHERE hub = ?", [self.hub]).fetchone()
                for table in served.tables
            ]
        finally:
            con.close()
        stored = _runs(db, self.hub)
        assert sum(c[0] for c in counts if c) == served.models
        assert [r[:2] for r in stored[earlier:]] == [("complete", True)]
        assert SECRET not in json.dumps(stored, default=str)


def _pages(line: str) -> int:
    """The pages a run's summary line says it saved (``…, 3 pages, …``: a resumed run's count goes on
    from the pages it saved before)."""
    match = re.search(r", ([\d,]+) pages,", line)
    assert match is not None, line
    return int(match.group(1).replace(",", ""))


def _runs(db: str, source: str | None) -> list[tuple[Any, ...]]:
    """The runs of ``source`` (None: of every source): (status, resumed, params, error, notes,
    warning_samples)."""
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(
            "SELECT status, resumed, params, error, notes, warning_samples FROM crawl_runs "
            "WHERE ? IS NULL OR source = ? ORDER BY run_id",
            [source, source],
        ).fetchall()
    finally:
        con.close()
