"""``zoo crawl papers`` (arXiv, Hugging Face Papers, GitHub) and the continuous papers series, against
fakes on 127.0.0.1 (tests/fakes/arxiv.py, hf_papers.py, github.py; papers_README.md says what they copy)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.papers import papers_compare, papers_series
from crawler.sources._net import RetryPolicy
from crawler.sources.papers_live import (
    PapersLiveSource,
    imports_in,
    packages_in,
    repo_links,
)
from crawler.sources.paperswithcode import LINKS_FILE, PAPERS_FILE
from crawler.store import connect
from tests.conftest import copy_template
from tests.fakes.arxiv import FakeArxiv, Paper
from tests.fakes.github import FakeGitHub, Repo
from tests.fakes.hf_papers import DailyPaper, FakeHfPapers
from tests.fakes.hub import FakeHub, make_models
from tests.test_pwc import link, paper, write_gz

runner = CliRunner()
GH = "https://github.com/"
FAST = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, retry_after_max=0.05, timeout=5)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00").replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------------- fixtures

#: the archive: repositories dated 2024 to July 2025, with Papers with Code's framework
ARCHIVE_PAPERS = [
    paper("torch-one", "2403.00001", "2024-03-05"),
    paper("tf-one", "2405.00002", "2024-05-06"),
    paper("jax-one", "2503.00003", "2025-03-07"),
    paper("mislabeled", "2505.00004", "2025-05-08"),
    paper("july", "2507.00005", "2025-07-10"),
]
ARCHIVE_LINKS = [
    link("torch-one", "2403.00001", GH + "arch/torch1", "pytorch", True),
    link("tf-one", "2405.00002", GH + "arch/tf1", "tf", True),
    link("jax-one", "2503.00003", GH + "arch/jax1", "jax", True),
    link("mislabeled", "2505.00004", GH + "arch/mislabeled", "tensorflow", True),
    link("july", "2507.00005", GH + "arch/july", "pytorch", True),
]

ARXIV = [
    Paper("2507.20001", at("2025-07-29"), "Torchy", "We do it. Code: https://github.com/alice/torchy."),
    Paper(
        "2507.20002",
        at("2025-07-29"),
        "TfNet",
        "A net.",
        "Code is available at https://github.com/Bob/tfnet.git",
        ["cs.CV"],
    ),  # fmt: skip
    Paper("2507.20003", at("2025-07-30"), "No code", "Nothing to link.", None, ["cs.CL"]),
    Paper("2507.20004", at("2025-07-30"), "Math", "See https://github.com/math/graphs", None, ["math.CO"]),
    Paper("2507.20005", at("2025-07-30"), "Jaxy", "https://github.com/carol/jaxy", None, ["cs.AI"]),
    Paper("2507.20006", at("2025-07-31"), "Gone", "https://github.com/dave/gone", None, ["stat.ML"]),
    Paper("2507.20007", at("2025-07-31"), "Renamed", "https://github.com/eve/oldname/tree/main/src"),
    Paper(
        "2507.20008",
        at("2025-07-31"),
        "Not repos",
        "Our page https://frank.github.io/x and https://github.com/frank and https://github.com/topics/ml",
    ),  # fmt: skip
    Paper("2507.20009", at("2025-07-31"), "Empty", "https://github.com/gina/empty"),
    Paper("2507.20010", at("2025-07-31"), "Huge", "https://github.com/hank/huge"),
    Paper("2612.00011", at("2026-12-01"), "Recent", "https://github.com/ivy/recent"),
]
HF = [
    DailyPaper("2507.20012", date(2025, 7, 30), date(2025, 7, 29), "Paddle", GH + "jo/paddle"),
    DailyPaper("2507.20013", date(2025, 7, 30), date(2025, 7, 29), "No repo"),
    DailyPaper("2507.20001", date(2025, 7, 30), date(2025, 7, 29), "Torchy", GH + "alice/torchy"),
    # an old paper on the daily feed: stored, but in no period of the series (the archive's era)
    DailyPaper("2402.00099", date(2025, 7, 31), date(2024, 2, 1), "Old", GH + "old/paper"),
]


def repos() -> list[Repo]:
    return [
        Repo(
            "alice/torchy",
            {"requirements.txt": b"# deps\ntorch>=2.1\nnumpy\n-e .\n", "train.py": b"import os"},
        ),
        Repo(
            "Bob/tfnet",
            {"setup.py": b"setup(name='tfnet', install_requires=['tensorflow-gpu==2.10', 'README.md'])"},
        ),
        Repo(
            "carol/jaxy",
            {"pyproject.toml": b'[project]\nname="jaxy"\ndependencies=["jax[cuda]>=0.4", "optax"]\n'},
        ),
        Repo(
            "eve/newname",
            {"src/model.py": b"import numpy as np\nimport torch.nn as nn\n", "README.md": b"hi"},
        ),
        Repo("gina/empty", {}),
        Repo(
            "hank/huge",
            {
                "requirements.txt": b"tensorflow\n" * 40_000,  # over the size cap: not read
                "environment.yml": b"\x00\x01binary",
                "setup.cfg": b"[options]\ninstall_requires =\n    mxnet-cu101\n    scipy\n",
            },
        ),
        Repo(
            "jo/paddle", {"Pipfile": b'[packages]\npaddlepaddle = "*"\n[requires]\npython_version = "3.9"\n'}
        ),
        Repo("old/paper", {"requirements.txt": b"torch\n"}),
        Repo(
            "ivy/recent", {"environment.yml": b"dependencies:\n  - python=3.10\n  - pytorch::pytorch=2.3\n"}
        ),
        # the archive's repositories
        Repo("arch/torch1", {"requirements.txt": b"torch\ntorchvision\n"}),
        Repo("arch/tf1", {"requirements.txt": b"keras==2.3\nnumpy\n"}),
        Repo("arch/jax1", {"requirements.txt": b"flax\n"}),
        Repo("arch/mislabeled", {"requirements.txt": b"torch\n"}),
    ]


@dataclass
class World:
    arxiv: FakeArxiv
    hf: FakeHfPapers
    github: FakeGitHub
    tmp: Path

    def source(self, **kw: Any) -> PapersLiveSource:
        options: dict[str, Any] = dict(
            since=date(2025, 7, 29), until=date(2025, 7, 31), arxiv_endpoint=self.arxiv.url,
            hf_endpoint=self.hf.url, github_endpoint=self.github.url, arxiv_delay=0, policy=FAST,
            arxiv_page=2, hf_page=2,
        )  # fmt: skip
        return PapersLiveSource(**(options | kw))

    def cli(self, db: str, *extra: str) -> list[str]:
        return [
            "crawl", "papers", "--db", db, "--since", "2025-07-29", "--until", "2025-07-31",
            "--arxiv-endpoint", self.arxiv.url, "--hf-endpoint", self.hf.url,
            "--github-endpoint", self.github.url, "--arxiv-delay", "0", *extra,
        ]  # fmt: skip


@contextlib.contextmanager
def fakes(tmp: Path) -> Iterator[World]:
    """The three fake services, started, with the papers and repositories above."""
    github = FakeGitHub(repos(), limit=1000)
    github.renamed["eve/oldname"] = "eve/newname"
    with FakeArxiv(ARXIV) as arxiv, FakeHfPapers(HF) as hf, github:
        yield World(arxiv, hf, github, tmp)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with fakes(tmp_path) as w:
        yield w


def archive(db: str, tmp: Path) -> None:
    links = write_gz(tmp / LINKS_FILE, ARCHIVE_LINKS)
    papers = write_gz(tmp / PAPERS_FILE, ARCHIVE_PAPERS)
    result = runner.invoke(app, ["import", "pwc", "--db", db, "--file", str(links), "--file", str(papers)])
    assert result.exit_code == 0, result.output


def query(db: str, sql: str) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def frameworks(db: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in query(db, "SELECT repo, status, framework, evidence FROM papers_live_repos")}


# ------------------------------------------------------------------------------------------- parsing


def test_links_in_text_are_repositories_only() -> None:
    text = (
        "Code: https://github.com/Owner/Repo.git, also github.com/owner/repo/tree/main and "
        "https://github.com/owner (an owner), https://owner.github.io/site, https://github.com/topics/x, "
        "https://gist.github.com/someone/abc123, https://notgithub.com/a/b, https://www.github.com/Owner/repo."
    )
    assert repo_links(text) == [("github.com/owner/repo", "https://github.com/Owner/Repo")]


def test_dependency_files_are_read_as_text() -> None:
    assert packages_in(
        "requirements-dev.txt", "Torch_Vision>=0.1 # c\n-r base.txt\ngit+https://x#egg=Flax\n"
    ) == [
        "flax",
        "torch-vision",
    ]
    assert "tensorflow" in packages_in("setup.py", "import os\nsetup(install_requires=['tensorflow>=2'])")
    assert packages_in("pyproject.toml", "[tool.poetry.dependencies]\npython='^3.9'\njax='*'\n") == ["jax"]
    assert packages_in("environment.yml", "dependencies:\n  - pytorch=2.1\n  - pip:\n    - timm\n") == [
        "pytorch",
        "timm",
    ]
    assert packages_in("pyproject.toml", "not [valid toml") == []
    assert imports_in("import os, torch.nn as nn\nfrom jax.numpy import x\n  import keras\n") == [
        "jax",
        "keras",
        "os",
        "torch",
    ]


# ----------------------------------------------------------------------------------------- the crawl


def test_crawl_finds_papers_links_and_frameworks(world: World, db: str) -> None:
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0"))
    assert result.exit_code == 0, result.output
    links = query(
        db, "SELECT source, link_source, arxiv_id, repo, paper_date FROM papers_live_links ORDER BY 1, 3, 4"
    )
    assert ("arxiv", "comment", "2507.20002", "github.com/bob/tfnet", date(2025, 7, 29)) in links
    assert ("hf_papers", "githubRepo", "2507.20012", "github.com/jo/paddle", date(2025, 7, 29)) in links
    assert not any(
        r[3].startswith(("github.com/math", "github.com/frank", "github.com/topics")) for r in links
    )
    assert len(links) == 10  # 7 from arXiv, 3 from Hugging Face (torchy is linked from both)
    got = frameworks(db)
    assert got["github.com/alice/torchy"] == ("ok", "pytorch", "dependencies")
    assert got["github.com/bob/tfnet"] == ("ok", "tensorflow", "dependencies")
    assert got["github.com/carol/jaxy"] == ("ok", "jax", "dependencies")
    assert got["github.com/eve/oldname"] == ("ok", "pytorch", "imports")  # renamed: the 301 was followed
    assert got["github.com/dave/gone"] == ("gone", None, "gone")
    assert got["github.com/gina/empty"] == ("empty", "none", "empty")
    assert got["github.com/hank/huge"] == ("ok", "mxnet", "dependencies")  # the huge and binary files unread
    assert got["github.com/jo/paddle"] == ("ok", "other", "dependencies")
    files = dict(query(db, "SELECT repo, files FROM papers_repo_checks"))
    assert files["github.com/hank/huge"] == ["setup.cfg"]
    assert query(db, "SELECT full_name FROM papers_repo_checks WHERE repo = 'github.com/eve/oldname'") == [
        ("eve/newname",)
    ]
    days = query(db, "SELECT source, day FROM papers_live_days ORDER BY 1, 2")
    assert len(days) == 6
    assert "renamed to eve/newname" in result.output or "papers-live:" in result.output


def test_a_second_run_asks_nothing_again(world: World, db: str) -> None:
    assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0
    before = len(world.arxiv.seen) + len(world.hf.seen) + len(world.github.seen)
    assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0
    assert len(world.arxiv.seen) + len(world.hf.seen) + len(world.github.seen) == before


def test_a_killed_run_resumes_where_it_stopped(world: World, db: str, clean_run: dict[str, tuple]) -> None:
    class Killed(Exception):
        pass

    class Dies(PapersLiveSource):
        pages_left = 5

        def pages(self, checkpoint: str | None) -> Iterator[Any]:
            for page in super().pages(checkpoint):
                yield page
                Dies.pages_left -= 1
                if Dies.pages_left == 0:
                    raise Killed

    with contextlib.suppress(Killed, Exception):
        crawl(Dies(**_opts(world)), db)
    assert query(db, "SELECT status FROM crawl_runs") != [("complete",)]
    crawl(world.source(archive_sample=0), db)  # resumes the interrupted run: no --restart, no question
    assert query(db, "SELECT status, resumed FROM crawl_runs ORDER BY run_id")[-1] == ("complete", True)
    asked = [(r.query["search_query"][-26:], r.query.get("start")) for r in world.arxiv.queries()]
    assert asked.count(asked[0]) == 1  # the first day's first page was not asked again
    assert frameworks(db) == clean_run


def _opts(world: World) -> dict[str, Any]:
    return dict(
        since=date(2025, 7, 29), until=date(2025, 7, 31), arxiv_endpoint=world.arxiv.url, hf_endpoint=world.hf.url,
        github_endpoint=world.github.url, arxiv_delay=0, policy=FAST, arxiv_page=2, hf_page=2, archive_sample=0,
    )  # fmt: skip


@contextlib.contextmanager
def own_home(tmp: Path) -> Iterator[None]:
    """HOME and the caches in ``tmp`` for a module fixture (the per-test isolation does not reach it)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("HOME", "HF_HOME", "XDG_CACHE_HOME"):
            mp.setenv(name, str(tmp / name.lower()))
        yield


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> dict[str, tuple]:
    """What one uninterrupted crawl of the untouched fakes finds (the frameworks of its repositories):
    crawled once, into a fresh database of its own, for the tests that compare an interrupted crawl
    with it (they only read it)."""
    tmp = tmp_path_factory.mktemp("clean_run")
    other = tmp / "clean.duckdb"
    copy_template(template_db, other)
    with own_home(tmp), fakes(tmp) as untouched:
        assert crawl(untouched.source(archive_sample=0), str(other)).status == "complete"
    found = frameworks(str(other))
    assert found["github.com/alice/torchy"] == ("ok", "pytorch", "dependencies")  # a crawl that found them
    return found


@pytest.fixture(scope="module")
def sampled(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    """A database with the archive imported and then the three days crawled with an archive sample of
    10, built once for the module's tests that read it (a test that writes copies it)."""
    tmp = tmp_path_factory.mktemp("sampled")
    path = tmp / "zoo.duckdb"
    copy_template(template_db, path)
    with own_home(tmp), fakes(tmp) as untouched:
        archive(str(path), tmp)
        assert runner.invoke(app, untouched.cli(str(path), "--archive-sample", "10")).exit_code == 0
    return str(path)


@pytest.fixture(scope="module")
def through_the_present(tmp_path_factory: pytest.TempPathFactory, sampled: str) -> str:
    """:func:`sampled`, then a crawl of a day in 2026 (the live series through the present); read only."""
    tmp = tmp_path_factory.mktemp("present")
    path = tmp / "zoo.duckdb"
    copy_template(Path(sampled), path)
    with own_home(tmp), fakes(tmp) as untouched:
        more = untouched.cli(str(path))
        more[more.index("--since") + 1], more[more.index("--until") + 1] = "2026-12-01", "2026-12-01"
        assert runner.invoke(app, more).exit_code == 0
    return str(path)


def test_the_budget_holds_and_the_next_run_goes_on(
    world: World, db: str, clean_run: dict[str, tuple]
) -> None:
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0", "--max-requests", "7"))
    assert result.exit_code == 0, result.output
    assert "stopped at its budget of 7 requests" in result.output
    sent = len(world.arxiv.seen) + len(world.hf.seen) + len(world.github.seen)
    assert sent <= 7 + 1  # a redirect followed inside a request counts as one more
    assert query(db, "SELECT status, requests FROM crawl_runs") == [("complete", sent)]
    for _ in range(12):  # nightly runs until everything is done
        assert (
            runner.invoke(app, world.cli(db, "--archive-sample", "0", "--max-requests", "7")).exit_code == 0
        )
        [(days, pending)] = query(
            db, "SELECT (SELECT count(*) FROM papers_live_days), (SELECT count(*) FROM papers_live_pending)"
        )
        if days == 6 and pending == 0:
            break
    assert all(r[1] <= 7 + 1 for r in query(db, "SELECT status, requests FROM crawl_runs"))
    assert frameworks(db) == clean_run


def test_crawl_all_runs_it_with_its_budget(world: World, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_ARXIV_ENDPOINT", world.arxiv.url)
    monkeypatch.setenv("ZOO_GITHUB_ENDPOINT", world.github.url)
    monkeypatch.setenv("ZOO_PAPERS_BUDGET", "0")
    with FakeHub(make_models(20, seed=7)) as hub:  # the Hugging Face hubs of `crawl all` need one
        result = runner.invoke(app, ["crawl", "all", "--db", db, "--hf-endpoint", hub.url])
    assert "papers-live:" in result.output, result.output
    assert world.arxiv.seen == [] and world.github.seen == []  # budget 0: nothing asked
    assert not any(r.path.startswith("/api/daily_papers") for r in world.hf.seen)


def test_the_github_token_goes_to_github_only_and_is_never_stored(world: World, db: str, monkeypatch) -> None:
    world.github.token = "ghp_secret_token_123"
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret_token_123")
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0"))
    assert result.exit_code == 0, result.output
    assert world.github.seen and all(
        r.headers.get("authorization") == "Bearer ghp_secret_token_123" for r in world.github.seen
    )
    assert not any("authorization" in r.headers for r in world.arxiv.seen + world.hf.seen)
    con = connect(db, read_only=True)
    try:
        dump = json.dumps(con.execute("SELECT * FROM crawl_runs").fetchall(), default=str)
    finally:
        con.close()
    assert "ghp_secret" not in dump and "ghp_secret" not in result.output


@pytest.mark.parametrize("status", [403, 429])
def test_a_spent_github_quota_stops_the_checks_not_the_run(world: World, db: str, status: int) -> None:
    world.github.limit, world.github.quota_status = 4, status
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0"))
    assert result.exit_code == 0, result.output
    assert "GitHub's quota was spent" in result.output
    assert len(world.github.seen) == 4 + 1  # the answer saying so is not asked again
    assert len(query(db, "SELECT * FROM papers_live_days")) == 6  # arXiv and Hugging Face went on
    pending = query(db, "SELECT count(*) FROM papers_live_pending")[0][0]
    assert pending > 0
    world.github.limit = 1000
    world.github.used.clear()
    assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0
    assert query(db, "SELECT count(*) FROM papers_live_pending")[0][0] == 0


# ------------------------------------------------------------------------------------ the statistics


def test_one_series_through_the_present_and_the_comparison(through_the_present: str) -> None:
    db = through_the_present
    args = ["stats", "papers", "--by", "year", "--count", "repos", "--db", db, "--format", "json"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    by_year = {r["period"]: r["source"] for r in rows}
    assert by_year == {"2024": "archive", "2025": "archive+live", "2026": "live"}
    assert ("2024", "pytorch") in {(r["period"], r["framework"]) for r in rows if r["repos"] == 1}
    assert {r["unclassified"] for r in rows if r["period"] == "2024"} == {0}
    assert frameworks(db)["github.com/old/paper"] == ("ok", "pytorch", "dependencies")
    share = {(r["period"], r["framework"]): (r["repos"], r["share"]) for r in rows}
    # 2025: archive jax1, mislabeled (tensorflow), july (pytorch); live: torchy, tfnet, jaxy, oldname,
    # empty (none), huge (mxnet), paddle (other); dave/gone is unclassified
    assert share[("2025", "pytorch")] == (3, pytest.approx(3 / 10))
    assert share[("2026", "pytorch")] == (1, 1.0)
    assert {r["unclassified"] for r in rows if r["period"] == "2025"} == {1}
    con = connect(db, read_only=True)
    try:
        columns, compare = papers_compare(con, count="repos")
        monthly = papers_series(con, by="month", count="repos")[1]
    finally:
        con.close()
    table = {(r[0], r[1]): r for r in compare}
    assert table[("all", "pytorch")][2] == 4  # torch1, tf1, jax1, mislabeled (july is not on GitHub)
    assert table[("all", "pytorch")][5] == pytest.approx(3 / 4)  # mislabeled disagrees
    assert table[("2025", "tensorflow")][3:5] == (pytest.approx(0.5), 0.0)
    assert [m[0] for m in monthly if m[2] == "pytorch"][-1] == "2026-12"
    printed = runner.invoke(app, ["stats", "papers", "--compare-archive", "--count", "repos", "--db", db])
    assert printed.exit_code == 0 and "Agreement on 4 repositories: 75.0 %" in printed.output


def test_the_series_counted_by_paper_through_the_present(through_the_present: str) -> None:
    """The default unit, the paper, on the same crawl: each of these papers has one repository, so the
    shares differ from the repositories' only where a paper's code has no framework (gina/empty: apart,
    not in the denominator)."""
    db = through_the_present
    out = runner.invoke(app, ["stats", "papers", "--by", "year", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert {r["period"]: r["source"] for r in rows} == {
        "2024": "archive",
        "2025": "archive+live",
        "2026": "live",
    }
    got = {(r["period"], r["framework"]): (r["papers"], r["share"]) for r in rows}
    # 2025: archive jax-one, mislabeled (tensorflow), july (pytorch); live torchy (on arXiv and Hugging
    # Face: one paper), tfnet, jaxy, renamed, huge (mxnet), paddle (other): 9 papers with a framework
    assert got[("2025", "pytorch")] == (3, pytest.approx(3 / 9))
    assert got[("2025", "tensorflow")] == (2, pytest.approx(2 / 9))
    assert {(r["no_framework"], r["unclassified"]) for r in rows if r["period"] == "2025"} == {(1, 1)}
    assert got[("2026", "pytorch")] == (1, 1.0) and ("2024", "none") not in got
    con = connect(db, read_only=True)
    try:
        columns, compare = papers_compare(con)
        monthly = papers_series(con, by="month")[1]
    finally:
        con.close()
    assert columns == ["year", "framework", "papers", "archive_share", "zoo_share", "agreement"]
    table = {(r[0], r[1]): r for r in compare}
    assert table[("all", "pytorch")][2] == 4 and table[("all", "pytorch")][5] == pytest.approx(3 / 4)
    assert table[("2025", "tensorflow")][3:5] == (pytest.approx(0.5), 0.0)
    assert [m[0] for m in monthly if m[2] == "pytorch"][-1] == "2026-12"
    printed = runner.invoke(app, ["stats", "papers", "--compare-archive", "--db", db])
    assert printed.exit_code == 0 and "Agreement on 4 papers: 75.0 %" in printed.output


def test_live_papers_with_two_repositories_and_a_repository_of_two_papers(tmp_path: Path, db: str) -> None:
    """A live paper linking a PyTorch and a TensorFlow repository counts once for each; a repository
    linked by two papers counts for both papers, once as a repository (dated by the earlier one)."""
    papers = [
        Paper("2507.30001", at("2025-07-29"), "Both", "Code: https://github.com/alice/torchy and https://github.com/Bob/tfnet"),
        Paper("2507.30002", at("2025-07-30"), "Reuse", "We build on https://github.com/alice/torchy"),
        Paper("2507.30003", at("2025-07-30"), "Twice", "https://github.com/alice/torchy https://github.com/eve/newname"),
    ]  # fmt: skip
    with FakeArxiv(papers) as arxiv, FakeHfPapers([]) as hf, FakeGitHub(repos(), limit=1000) as github:
        world = World(arxiv, hf, github, tmp_path)
        assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0
    con = connect(db, read_only=True)
    try:
        by_paper = {(r[0], r[2]): r[3:5] for r in papers_series(con, by="month")[1]}
        by_repo = {(r[0], r[2]): r[3:5] for r in papers_series(con, by="month", count="repos")[1]}
    finally:
        con.close()
    # 3 papers: PyTorch in all three (Twice's two PyTorch repositories count once), TensorFlow in one
    assert by_paper[("2025-07", "pytorch")] == (3, 1.0)
    assert by_paper[("2025-07", "tensorflow")] == (1, pytest.approx(1 / 3))
    # 3 repositories: torchy (once), newname, tfnet
    assert by_repo[("2025-07", "pytorch")] == (2, pytest.approx(2 / 3))
    assert by_repo[("2025-07", "tensorflow")] == (1, pytest.approx(1 / 3))


def test_a_rule_change_that_lowers_agreement_shows(sampled: str, new_db: str) -> None:
    db = new_db
    copy_template(Path(sampled), Path(db))  # a copy: the rule change writes to it
    con = connect(db)
    try:
        before = dict((r[0], r[5]) for r in papers_compare(con)[1] if r[1] == "pytorch")
        # a rule change: keras counted as multi-backend ('other') instead of TensorFlow
        con.execute("CREATE OR REPLACE TABLE rules_copy AS SELECT * FROM papers_code_rules")
        con.execute("UPDATE rules_copy SET framework = 'other', priority = 5 WHERE pattern = 'keras'")
        con.execute("CREATE OR REPLACE VIEW papers_code_rules AS SELECT * FROM rules_copy")
        after = dict((r[0], r[5]) for r in papers_compare(con)[1] if r[1] == "pytorch")
    finally:
        con.close()
    assert before["all"] == pytest.approx(3 / 4) and after["all"] == pytest.approx(2 / 4)
    assert after["2024"] < before["2024"]


def test_an_empty_arxiv_page_before_the_end_leaves_the_day_to_the_next_run(world: World, db: str) -> None:
    world.arxiv.empty_at = {0}  # the first day's first page comes back empty, its total says 2
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0"))
    assert result.exit_code == 0, result.output
    days = [
        str(r[0]) for r in query(db, "SELECT day FROM papers_live_days WHERE source = 'arxiv' ORDER BY 1")
    ]
    assert days == ["2025-07-30", "2025-07-31"]  # the first day is not done
    assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0
    assert len(query(db, "SELECT day FROM papers_live_days WHERE source = 'arxiv'")) == 3


def test_a_bad_github_token_fails_the_run_with_one_line(world: World, db: str, monkeypatch) -> None:
    world.github.token = "ghp_the_right_one"
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_a_wrong_token_456")
    result = runner.invoke(app, world.cli(db, "--archive-sample", "0"))
    assert result.exit_code == 1
    assert "answered 401 (Bad credentials): GITHUB_TOKEN is wrong or expired" in result.output
    assert "ghp_a_wrong" not in result.output and "Traceback" not in result.output
    assert query(db, "SELECT status FROM crawl_runs") == [("failed",)]


def test_kill_9_mid_crawl_then_resume_asks_nothing_twice(
    world: World, db: str, clean_run: dict[str, tuple]
) -> None:
    world.github.hold = "/repos/hank/huge/contents"  # the last day's repositories: days 1 and 2 are saved
    root = Path(__file__).resolve().parent.parent
    env = {
        k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT", "ZOO_DB", "GITHUB_TOKEN")
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *world.cli(db, "--archive-sample", "0")],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert world.github.held.wait(120), "the crawl never reached the held request"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        world.github.hold = None
        world.github.release.set()
    assert query(db, "SELECT status FROM crawl_runs") == [("running",)]  # killed: nothing ended it
    first = [q.query["search_query"][-27:] for q in world.arxiv.queries()]
    assert runner.invoke(app, world.cli(db, "--archive-sample", "0")).exit_code == 0  # no --restart asked
    assert query(db, "SELECT status, resumed FROM crawl_runs") == [("complete", True)]
    asked = [q.query["search_query"][-27:] for q in world.arxiv.queries()]
    assert len(first) == 3 and asked == first  # the three days' listings were not asked again
    repos_asked = [r.path for r in world.github.seen if r.path.count("/") == 3]
    assert repos_asked.count("/repos/alice/torchy") == 1  # a repository of a saved day: not again
    assert frameworks(db) == clean_run


def test_the_report_shows_both_series_and_the_comparison(sampled: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", sampled, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "archive+live = the year the archive ends" in html and "<td>archive+live</td>" in html
    assert "view papers_compare" in html and "75.0 %" in html
    # the series and the comparison are counted by paper, the articles' unit, and say so
    assert "Unit: papers, as the articles count" in html and "Unit: papers. The archive" in html
    assert "view papers_series_papers" in html and "view papers_compare_papers" in html


def test_a_repository_is_classified_again_when_its_head_changes(world: World, db: str) -> None:
    crawl(world.source(archive_sample=0), db)
    assert frameworks(db)["github.com/carol/jaxy"] == ("ok", "jax", "dependencies")
    world.github.repos["carol/jaxy"].files = {"requirements.txt": b"torch\n"}  # a new head
    crawl(world.source(archive_sample=0, recheck_days=0), db)  # every repository is due
    assert frameworks(db)["github.com/carol/jaxy"] == ("ok", "pytorch", "dependencies")
    heads = query(db, "SELECT count(*) FROM papers_repo_checks WHERE repo = 'github.com/carol/jaxy'")
    assert heads == [(2,)]  # the old head's row stays, as history
    assert query(db, "SELECT count(*) FROM papers_repo_looks")[0][0] >= 5  # the unchanged ones: a look each
    con = connect(db)
    try:  # all looked at 100 days ago
        con.execute("UPDATE papers_repo_checks SET checked_at = checked_at - INTERVAL 100 DAY")
        con.execute("DELETE FROM papers_repo_looks")
    finally:
        con.close()
    before = len(world.github.seen)
    crawl(world.source(archive_sample=0), db)  # due (90 days): looked at, heads unchanged, nothing new
    assert len(world.github.seen) > before
    assert query(db, "SELECT count(*) FROM papers_repo_checks WHERE repo = 'github.com/carol/jaxy'") == [(2,)]
    before = len(world.github.seen)
    crawl(world.source(archive_sample=0), db)
    assert len(world.github.seen) == before  # the looks say they were seen today: not due again


def test_arxiv_answering_503_is_waited_out(world: World, db: str) -> None:
    world.arxiv.fail_next = [503, 503]  # with Retry-After: 0, as arXiv answers a client asking too fast
    crawl(world.source(archive_sample=0), db)
    assert query(db, "SELECT status FROM crawl_runs") == [("complete",)]
    assert len(query(db, "SELECT * FROM papers_live_days WHERE source = 'arxiv'")) == 3


def test_a_bad_date_is_one_line(world: World, db: str) -> None:
    result = runner.invoke(app, [*world.cli(db), "--since", "2025-13-01"])
    assert (
        result.exit_code == 1
        and result.output == "zoo: --since must be a date YYYY-MM-DD, not '2025-13-01'\n"
    )
    assert "Traceback" not in result.output


def test_arxiv_requests_are_spaced_as_arxiv_asks(world: World, db: str) -> None:
    source = world.source(archive_sample=0, arxiv_delay=0.2)  # arXiv asks for 3 s; shrunk here
    crawl(source, db)
    # the last day holds 5 papers, 2 a page: its 3 pages follow each other, so two waits at least
    assert source.meter.paced >= 2 and source.meter.wait_seconds > 0
