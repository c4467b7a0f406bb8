"""``zoo crawl papers`` keeps the hub contract (``tests/hub_contract.py``) against its fakes (arXiv,
Hugging Face Papers, GitHub: tests/fakes/arxiv.py, hf_papers.py, github.py).

Its unit of work is a day of ``--since`` .. ``--until``: the day's arXiv listing, its daily papers, then
the GitHub repositories first linked that day, each saved as pages; a run that fails at a day resumes at
that day. A day fails for good when arXiv answers its listing with a 4xx (400, given up on at once). The
GitHub token (the hub's secret) is the one the fake GitHub accepts, so it goes with every GitHub request
of the contract's runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from tests.fakes._server import Answer, Request
from tests.fakes.arxiv import FakeArxiv, Paper
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.hf_papers import FakeHfPapers
from tests.hub_contract import SECRET, HubContract, Served

FIRST = date(2025, 7, 29)
DAYS = 3
#: where a request falls in its day's work: arXiv, the daily papers, GitHub
ARXIV, HF, GITHUB = 0, 1, 2
#: where the hub's runs store their rows
TABLES = ("papers_live_links", "papers_live_days", "papers_repo_checks", "papers_repo_looks")


def _day(n: int) -> date:
    return FIRST + timedelta(days=n - 1)


def _number(day: date) -> int:
    return (day - FIRST).days + 1


class _Log:
    """The requests of the three fakes in the order they came, each as (day, step), and the failing day."""

    def __init__(self, repo_day: dict[str, int]) -> None:
        self.repo_day = repo_day
        self.entries: list[tuple[int, int] | None] = []  # None: the contract's next run starts
        self.failing: int | None = None
        self.lock = threading.Lock()

    def add(self, day: int, step: int) -> None:
        with self.lock:
            self.entries.append((day, step))

    def fail(self, day: int | None) -> None:
        """Called by the contract before each of its runs."""
        self.failing = day
        with self.lock:
            self.entries.append(None)

    def asked(self) -> list[int]:
        """The days asked, in order: a day once each time a run starts on it (its first request in the
        run, or a step of it asked again after a later step of it)."""
        out: list[int] = []
        last: tuple[int, int] | None = None
        for entry in list(self.entries):
            if entry is not None and (last is None or entry[0] != last[0] or entry[1] < last[1]):
                out.append(entry[0])
            last = entry
        return out


class _Arxiv(FakeArxiv):
    def __init__(self, papers: list[Paper], log: _Log) -> None:
        super().__init__(papers)
        self.log = log

    def answer(self, request: Request) -> Answer:
        # submittedDate:[YYYYMMDD0000 TO …]
        stamp = request.query["search_query"].split("submittedDate:[")[1][:8]
        day = _number(datetime.strptime(stamp, "%Y%m%d").date())
        self.log.add(day, ARXIV)
        if day == self.log.failing:
            return Answer(400, b"Bad Request", {"Content-Type": "text/plain"})
        return super().answer(request)


class _HfPapers(FakeHfPapers):
    def __init__(self, log: _Log) -> None:
        super().__init__([])  # no daily papers: the days' links come from arXiv
        self.log = log

    def answer(self, request: Request) -> Answer:
        self.log.add(_number(date.fromisoformat(request.query["date"])), HF)
        return super().answer(request)


class _GitHub(FakeGitHub):
    def __init__(self, repos: list[Repo], log: _Log) -> None:
        super().__init__(repos, limit=1000)
        self.log = log

    def answer(self, request: Request) -> Answer:
        owner, name = request.path.split("/")[2:4]  # /repos/{owner}/{name}/…
        self.log.add(self.log.repo_day[f"{owner}/{name}"], GITHUB)
        return super().answer(request)


class TestPapersLiveContract(HubContract):
    hub = "papers-live"

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        # a paper a day on arXiv, each linking its own repository
        names = {n: f"lab{n}/model{n}" for n in range(1, DAYS + 1)}
        log = _Log({name: n for n, name in names.items()})
        papers = [
            Paper(
                f"2507.3000{n}",
                datetime.combine(_day(n), datetime.min.time(), timezone.utc).replace(hour=12),
                f"Paper {n}",
                f"Code: https://github.com/{name}",
            )
            for n, name in names.items()
        ]
        repos = [Repo(name, {"requirements.txt": b"torch\n"}) for name in names.values()]
        github = _GitHub(repos, log)
        github.token = SECRET
        with _Arxiv(papers, log) as arxiv, _HfPapers(log) as hf, github:
            args = [
                "--since", _day(1).isoformat(), "--until", _day(DAYS).isoformat(),
                "--arxiv-endpoint", arxiv.url, "--hf-endpoint", hf.url, "--github-endpoint", github.url,
                "--arxiv-delay", "0", "--archive-sample", "0",
            ]  # fmt: skip
            # a row a day in papers_live_links, two in papers_live_days (arXiv, the daily papers), and a
            # row a repository in papers_repo_checks and papers_repo_looks
            yield Served(args, 5 * DAYS, log.fail, log.asked, tables=TABLES)
