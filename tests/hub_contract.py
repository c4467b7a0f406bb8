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

and pytest runs these tests for it: a run whose second page fails for good fails after saving the first
(one line, exit 1, the secrets it was given never printed or stored), and the next command resumes that run
from there, asks no page twice and prints the hub's summary line (``<hub>: run 1 complete, N models, …,
resumed``).
"""

from __future__ import annotations

import json
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
    #: how many models a complete crawl lists (at least two pages' worth)
    models: int
    #: ``fail(n)``: from now on the fake answers the request for page ``n`` (1 = the first) with an error
    #: the source gives up on at once (an HTTP 4xx such as 400); ``fail(None)``: no more errors
    fail: Callable[[int | None], None]
    #: the page numbers asked so far, in order (1 = the first)
    asked: Callable[[], list[int]]
    #: more environment for the command (credentials the hub needs to run at all); every variable of the
    #: hub's ``secrets`` is set to :data:`SECRET` unless given here
    env: dict[str, str] = field(default_factory=dict)


class HubContract:
    """Subclass it in the hub's test module (its name starting with ``Test``); set ``hub`` and ``serve``."""

    hub: ClassVar[str]

    def serve(self, tmp_path: Path) -> AbstractContextManager[Served]:
        raise NotImplementedError

    def _invoke(self, served: Served, db: str) -> Any:
        entry = registry.get(self.hub)
        assert entry is not None, f"{self.hub} is not registered"
        env = dict.fromkeys(entry.secrets, SECRET) | served.env
        return CliRunner().invoke(app, [entry.group, entry.command, *served.args, "--db", db], env=env)

    def test_contract_resume_after_a_failed_page(self, tmp_path: Path) -> None:
        db = str(tmp_path / "contract.duckdb")
        with self.serve(tmp_path) as served:
            served.fail(2)
            failed = self._invoke(served, db)
            assert failed.exit_code == 1, failed.output
            assert "Traceback" not in failed.output
            lines = failed.output.strip().splitlines()
            assert lines[-1].startswith(f"{self.hub}: run 1 failed"), failed.output
            assert served.asked() == [1, 2]
            served.fail(None)
            done = self._invoke(served, db)
            assert done.exit_code == 0, done.output
            # the summary line of the run, now complete (the hub's own line may follow it)
            summary = next(line for line in done.output.splitlines() if line.startswith(f"{self.hub}: run"))
            assert summary.startswith(f"{self.hub}: run 1 complete, {served.models:,} models"), summary
            assert summary.endswith("resumed"), summary
            asked = served.asked()[2:]
            assert asked and asked[0] == 2 and 1 not in asked  # resumed after the saved page
            assert len(set(asked)) == len(asked)
        output = failed.output + done.output
        assert SECRET not in output
        con = duckdb.connect(db, read_only=True)
        try:
            models = con.execute("SELECT count(*) FROM models WHERE hub = ?", [self.hub]).fetchone()
            stored = con.execute(
                "SELECT status, resumed, params, error, notes, warning_samples FROM crawl_runs ORDER BY run_id"
            ).fetchall()
        finally:
            con.close()
        assert models == (served.models,)
        assert [r[:2] for r in stored] == [("complete", True)]
        assert SECRET not in json.dumps(stored, default=str)
