"""The Papers with Code import (``zoo import pwc``) and ``papers_share``, on small gzipped fixtures."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.papers import SHARE_COLUMNS, papers_share
from crawler.sources.paperswithcode import (
    LINKS_FILE,
    PAPERS_FILE,
    PapersWithCodeSource,
    SourceError,
    arxiv_month,
    normalize_framework,
)
from crawler.store import connect
from tests.conftest import copy_template, env_for_subprocess
from tests.fakes.faults import zoo
from tests.fakes.hf_files import FakeHfFiles
from tests.fakes.hub import FakeHub, make_models

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
PWC = "https://paperswithcode.com/paper/"
GH = "https://github.com/"

# ------------------------------------------------------------------------------------------- fixtures


def paper(slug: str, arxiv: str | None, when: str | None) -> dict[str, Any]:
    return {
        "paper_url": PWC + slug,
        "arxiv_id": arxiv,
        "nips_id": None,
        "url_abs": f"https://arxiv.org/abs/{arxiv}" if arxiv else None,
        "title": slug.title(),
        "abstract": f"We study {slug}. " * 20,
        "authors": ["A. Author"],
        "date": when,
        "tasks": ["Something"],
    }


def link(slug: str, arxiv: str | None, repo: str | None, framework: str | None, official: bool) -> dict:
    return {
        "paper_url": PWC + slug,
        "paper_title": slug.title(),
        "paper_arxiv_id": arxiv,
        "paper_url_abs": None,
        "paper_url_pdf": None,
        "repo_url": repo,
        "is_official": official,
        "mentioned_in_paper": official,
        "mentioned_in_github": False,
        "framework": framework,
    }


PAPERS = [
    paper("attention", "1706.03762", "2017-06-12"),
    paper("bert", "1810.04805", "2018-10-11"),
    paper("resnet", "1512.03385", "2015-12-10"),
    paper("nodate", "1901.00001", None),  # in the papers dump without a date: the arXiv id dates it
    paper("vit", "2010.11929", "2020-10-22"),
    paper("caffe", "1907.00001", "2019-07-03"),
]

LINKS = [
    # one repository, two papers, spelled two ways; listed latest paper first: dated by BERT (2018)
    link("vit", "2010.11929", GH + "huggingface/transformers/", "pytorch", False),
    link("attention", "1706.03762", GH + "tensorflow/tensor2tensor", "tf", True),
    link("attention", "1706.03762", GH + "jadore801120/attention-is-all-you-need-pytorch", "pytorch", False),
    link("bert", "1810.04805", GH + "google-research/bert", "tensorflow", True),
    link("bert", "1810.04805", GH + "HuggingFace/Transformers.git", "torch", False),
    link("resnet", "1512.03385", GH + "KaimingHe/deep-residual-networks", "none", True),
    link("unlisted", "1905.11946", GH + "a/efficientnet-jax", "jax", True),  # not in the papers dump
    link("nodate", "1901.00001", GH + "a/mx", "mxnet", False),
    link("mystery", None, GH + "a/mystery", "paddle", True),  # no date at all
    link("norepo", "1801.00001", None, "pytorch", True),  # skipped: no repository
    link("vit", "2010.11929", GH + "google-research/vision_transformer", "jax", True),
    link("caffe", "1907.00001", GH + "a/caffe", "Caffe2", True),
]


def write_gz(path: Path, items: list[Any]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(items, f)
    return path


@pytest.fixture
def dumps(tmp_path: Path) -> tuple[Path, Path]:
    return write_gz(tmp_path / LINKS_FILE, LINKS), write_gz(tmp_path / PAPERS_FILE, PAPERS)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    """A database with the dumps above imported, once for the module's tests that only read it."""
    tmp = tmp_path_factory.mktemp("imported")
    path = tmp / "zoo.duckdb"
    copy_template(template_db, path)
    with pytest.MonkeyPatch.context() as mp:  # the per-test isolation does not reach a module fixture
        for name in ("HOME", "HF_HOME", "XDG_CACHE_HOME"):
            mp.setenv(name, str(tmp / name.lower()))
        result = import_files(
            str(path), write_gz(tmp / LINKS_FILE, LINKS), write_gz(tmp / PAPERS_FILE, PAPERS)
        )
    assert result.exit_code == 0, result.output
    return str(path)


def import_files(db: str, *files: Path, extra: list[str] | None = None):
    args = ["import", "pwc", "--db", db]
    for f in files:
        args += ["--file", str(f)]
    return runner.invoke(app, args + (extra or []))


def query(db: str, sql: str, params: list[Any] | None = None) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def shares(
    db: str, by: str = "year", official_only: bool = False, count: str = "repos"
) -> dict[tuple[str, str], tuple]:
    """(period, framework) → (repos, share), or with count="papers" → (papers, share, no_framework)."""
    con = connect(db, read_only=True)
    try:
        columns, rows = papers_share(con, by=by, official_only=official_only, count=count)
    finally:
        con.close()
    if count == "papers":
        assert columns == ["period", "framework", "papers", "share", "no_framework"]
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}
    assert columns == ["period", "framework", "repos", "share"]
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def runs(db: str) -> list[dict]:
    con = connect(db, read_only=True)
    try:
        rel = con.execute("select * from crawl_runs order by run_id")
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    finally:
        con.close()


def table(db: str, name: str) -> list[tuple]:
    return query(db, f"select * from {name} order by all")


# ------------------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("pytorch", "pytorch"),
        ("torch", "pytorch"),
        (" PyTorch ", "pytorch"),
        ("tf", "tensorflow"),
        ("TensorFlow", "tensorflow"),
        ("jax", "jax"),
        ("mxnet", "mxnet"),
        ("none", "none"),
        ("", "none"),
        (None, "none"),
        ("paddle", "other"),
        ("Caffe2", "other"),
    ],
)
def test_framework_normalisation(raw, expected):
    assert normalize_framework(raw) == expected


@pytest.mark.parametrize(
    ("arxiv_id", "expected"),
    [
        ("1706.03762", date(2017, 6, 1)),
        ("2312.00752v2", date(2023, 12, 1)),
        ("arXiv:0704.0001", date(2007, 4, 1)),
        ("hep-th/9901001", date(1999, 1, 1)),
        ("math.AG/0601001", date(2006, 1, 1)),
        ("0703.1234", None),  # new-style ids began in April 2007
        ("1713.00001", None),  # month 13
        ("not an id", None),
        ("", None),
        (None, None),
    ],
)
def test_arxiv_month(arxiv_id, expected):
    assert arxiv_month(arxiv_id) == expected


# ------------------------------------------------------------------------------------------ importing


def test_import_stores_links_papers_and_dates(db, dumps):
    links, papers = dumps
    result = import_files(db, papers, links)  # any order: recognised by content
    assert result.exit_code == 0, result.output
    assert "run 1 complete" in result.output
    assert "11 links to 10 repositories, 6 papers (5 with a date)" in result.output

    rows = query(db, "select repo_url, framework, framework_raw, is_official, arxiv_date from pwc_links")
    by_repo = {r[0]: r[1:] for r in rows}
    assert len(rows) == 11  # the link without repo_url is skipped
    assert by_repo[GH + "tensorflow/tensor2tensor"] == ("tensorflow", "tf", True, date(2017, 6, 1))
    assert by_repo[GH + "HuggingFace/Transformers.git"] == ("pytorch", "torch", False, date(2018, 10, 1))
    assert by_repo[GH + "a/caffe"][:2] == ("other", "Caffe2")
    assert by_repo[GH + "a/mystery"] == ("other", "paddle", True, None)

    # no abstracts: pwc_papers keeps URL, arXiv id and date only
    cols = [
        r[0] for r in query(db, "select column_name from duckdb_columns() where table_name = 'pwc_papers'")
    ]
    assert cols == ["hub", "paper_url", "arxiv_id", "paper_date"]

    run = runs(db)[0]
    assert run["source"] == "paperswithcode" and run["status"] == "complete"
    assert run["warnings"] == 1 and "no repo_url" in run["warning_samples"][0]
    assert json.loads(run["params"])["files"] == [str(papers), str(links)]


def test_paper_dates_from_dump_arxiv_id_or_unknown(imported):
    db = imported
    rows = query(db, "select distinct paper_url, paper_date, paper_date_quality from papers_links")
    dated = {r[0]: r[1:] for r in rows}
    assert dated[PWC + "attention"] == (date(2017, 6, 12), "paper_date")  # the dump's date, not June 1
    assert dated[PWC + "nodate"] == (date(2019, 1, 1), "arxiv_id")  # in the dump, without a date
    assert dated[PWC + "unlisted"] == (date(2019, 5, 1), "arxiv_id")  # not in the papers dump
    assert dated[PWC + "mystery"] == (None, "unknown")
    quality = dict(
        query(
            db,
            "select first_paper_date_quality, count(*) from papers_repos where not official_only group by 1",
        )
    )
    assert quality == {"paper_date": 7, "arxiv_id": 2, "unknown": 1}


def test_repo_counted_once_dated_by_earliest_paper(imported):
    db = imported
    rows = query(
        db,
        "select framework, first_paper_date, first_paper_date_quality, papers, links from papers_repos "
        "where repo = 'github.com/huggingface/transformers' and not official_only",
    )
    assert rows == [("pytorch", date(2018, 10, 11), "paper_date", 2, 2)]
    total = query(db, "select count(*) from papers_repos where not official_only")[0][0]
    assert total == 10  # 11 links, the transformers repository twice


def test_papers_share_by_year(imported):
    db = imported
    got = shares(db, "year")
    assert {p for p, _ in got} == {"2015", "2017", "2018", "2019", "2020"}  # the undated repo is in none
    assert got[("2015", "none")] == (1, 1.0)
    assert got[("2017", "pytorch")] == (1, 0.5) and got[("2017", "tensorflow")] == (1, 0.5)
    # transformers counts in 2018 (BERT), not again in 2020 (ViT)
    assert got[("2018", "pytorch")] == (1, 0.5) and got[("2018", "tensorflow")] == (1, 0.5)
    assert got[("2020", "pytorch")] == (0, 0.0) and got[("2020", "jax")] == (1, 1.0)
    for fw in ("jax", "mxnet", "other"):
        assert got[("2019", fw)] == (1, pytest.approx(1 / 3))
    for period in ("2015", "2017", "2018", "2019", "2020"):
        assert sum(
            got[(period, fw)][1] for fw in ("pytorch", "tensorflow", "jax", "mxnet", "other", "none")
        ) == (pytest.approx(1.0))
    assert len(got) == 5 * 6  # every period lists all six frameworks


def test_papers_share_by_quarter_and_order(imported):
    db = imported
    con = connect(db, read_only=True)
    try:
        columns, rows = papers_share(con, by="quarter", count="repos")
    finally:
        con.close()
    assert columns == SHARE_COLUMNS
    periods = list(dict.fromkeys(r[0] for r in rows))
    assert periods == ["2015-Q4", "2017-Q2", "2018-Q4", "2019-Q1", "2019-Q2", "2019-Q3", "2020-Q4"]
    assert [r[1] for r in rows[:6]] == ["pytorch", "tensorflow", "jax", "mxnet", "other", "none"]
    got = {(r[0], r[1]): r[2] for r in rows}
    assert got[("2019-Q1", "mxnet")] == 1  # dated by its arXiv id: January 2019
    assert got[("2019-Q2", "jax")] == 1  # not in the papers dump: arXiv id 1905 → May 2019


def test_papers_share_official_only(imported):
    db = imported
    got = shares(db, "year", official_only=True)
    assert got[("2017", "tensorflow")] == (1, 1.0) and got[("2017", "pytorch")] == (0, 0.0)
    assert got[("2018", "tensorflow")] == (1, 1.0) and got[("2018", "pytorch")] == (0, 0.0)
    assert got[("2019", "jax")] == (1, 0.5) and got[("2019", "other")] == (1, 0.5)
    assert got[("2019", "mxnet")] == (0, 0.0)  # an unofficial implementation
    assert got[("2020", "jax")] == (1, 1.0)


def test_papers_counted_once_per_framework_of_their_code(imported):
    """The articles' unit: attention and BERT each have a TensorFlow and a PyTorch repository (each
    counts once for both), and the transformers repository, counted once by repository (2018, BERT),
    counts for ViT's paper in 2020 too."""
    db = imported
    papers, repos = shares(db, "year", count="papers"), shares(db, "year")
    assert papers[("2017", "pytorch")] == (1, 1.0, 0) and papers[("2017", "tensorflow")] == (1, 1.0, 0)
    assert sum(papers[("2017", fw)][1] for fw in ("pytorch", "tensorflow", "jax", "mxnet", "other")) == 2.0
    assert papers[("2020", "pytorch")] == (1, 1.0, 0) and papers[("2020", "jax")] == (1, 1.0, 0)
    assert repos[("2020", "pytorch")] == (0, 0.0)  # by repository, transformers is BERT's (2018)
    for fw in ("jax", "mxnet", "other"):
        assert papers[("2019", fw)] == (1, pytest.approx(1 / 3), 0)
    # ResNet's only repository has no framework: apart, in no share (by repository it is the 'none' row)
    assert papers[("2015", "pytorch")] == (0, None, 1) and repos[("2015", "none")] == (1, 1.0)
    assert {f for _, f in papers} == {"pytorch", "tensorflow", "jax", "mxnet", "other"}
    official = shares(db, "year", official_only=True, count="papers")
    assert official[("2017", "tensorflow")] == (1, 1.0, 0) and official[("2017", "pytorch")] == (0, 0.0, 0)
    assert ("2019", "mxnet") in official and official[("2019", "mxnet")][0] == 0  # an unofficial link


def test_a_paper_with_two_repositories_of_one_framework_counts_once(db, tmp_path):
    links = [
        link("twins", "2103.00001", GH + "a/one", "pytorch", True),
        link("twins", "2103.00001", GH + "a/two", "torch", False),
        link("mixed", "2104.00002", GH + "b/torch", "pytorch", True),
        link("mixed", "2104.00002", GH + "b/tf", "tf", True),
        link("plain", "2105.00003", GH + "c/none", "none", True),
    ]
    papers = [paper("twins", "2103.00001", "2021-03-02"), paper("mixed", "2104.00002", "2021-04-02")]
    dumps = write_gz(tmp_path / LINKS_FILE, links), write_gz(tmp_path / PAPERS_FILE, papers)
    assert import_files(db, *dumps).exit_code == 0
    by_paper, by_repo = shares(db, count="papers"), shares(db)
    # 2 papers with code of a framework (plain's code has none): PyTorch in both, TensorFlow in one
    assert by_paper[("2021", "pytorch")] == (2, 1.0, 1) and by_paper[("2021", "tensorflow")] == (1, 0.5, 1)
    # 5 repositories: 3 PyTorch, 1 TensorFlow, 1 none
    assert by_repo[("2021", "pytorch")] == (3, 0.6) and by_repo[("2021", "tensorflow")] == (1, 0.2)
    assert by_repo[("2021", "none")] == (1, 0.2)
    official = shares(db, official_only=True, count="papers")  # a/two is unofficial: twins still counts
    assert official[("2021", "pytorch")] == (2, 1.0, 1)
    quarters = shares(db, "quarter", count="papers")
    assert quarters[("2021-Q1", "pytorch")] == (1, 1.0, 0) and quarters[("2021-Q2", "tensorflow")] == (
        1,
        1.0,
        1,
    )


def test_papers_share_rejects_unknown_period(db, dumps):
    con = connect(db)
    try:
        with pytest.raises(ValueError, match="year, quarter"):
            papers_share(con, by="month")
    finally:
        con.close()


def test_reimport_is_idempotent(db, dumps):
    assert import_files(db, *dumps).exit_code == 0
    first = (table(db, "pwc_links"), table(db, "pwc_papers"), shares(db), shares(db, "quarter", True))
    second_run = import_files(db, *dumps)
    assert second_run.exit_code == 0, second_run.output
    assert "run 2 complete" in second_run.output
    again = (table(db, "pwc_links"), table(db, "pwc_papers"), shares(db), shares(db, "quarter", True))
    assert again == first
    assert len(first[0]) == 11 and len(first[1]) == 6
    assert [(r["run_id"], r["status"]) for r in runs(db)] == [(1, "complete"), (2, "complete")]


def test_links_only_and_plain_json(db, tmp_path):
    plain = tmp_path / "links.json"
    plain.write_text(json.dumps(LINKS), encoding="utf-8")
    result = import_files(db, plain)
    assert result.exit_code == 0, result.output
    rows = dict(query(db, "select paper_url, paper_date_quality from papers_links"))
    assert rows[PWC + "attention"] == "arxiv_id" and rows[PWC + "mystery"] == "unknown"
    assert any("no papers dump" in w for w in runs(db)[0]["warning_samples"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([{"name": "Adam", "full_name": "Adam optimizer"}], "is neither a Papers with Code links dump"),
        ({"links": LINKS}, "is not a JSON list"),
        ([], "is an empty list"),
    ],
)
def test_unusable_file_fails_clearly(db, tmp_path, content, message):
    other = write_gz(tmp_path / "links-methods.json.gz", content)
    result = import_files(db, other)
    assert result.exit_code == 1
    assert f"links-methods.json.gz {message}" in result.output
    assert runs(db)[0]["status"] == "failed"


# ------------------------------------------------------------------------------------------ streaming


def many_links(n: int) -> list[dict]:
    frameworks = ["pytorch", "tf", "jax", "mxnet", "none", "torch"]
    return [
        link(
            f"p{i}",
            f"{15 + i % 10}{1 + i % 12:02d}.{i:05d}",
            f"{GH}org/repo{i}",
            frameworks[i % 6],
            i % 3 == 0,
        )
        for i in range(n)
    ]


def test_streams_in_pages(db, tmp_path):
    links = write_gz(tmp_path / "links.json.gz", many_links(2_500))
    papers = write_gz(tmp_path / "papers.json.gz", PAPERS)
    result = import_files(db, links, papers, extra=["--page-size", "1000"])
    assert result.exit_code == 0, result.output
    run = runs(db)[0]
    assert run["pages"] == 1 + 3  # papers in one page, 2,500 links in three
    assert query(db, "select count(*) from pwc_links")[0][0] == 2_500
    assert query(db, "select count(*) from papers_repos where not official_only")[0][0] == 2_500


def test_pages_are_yielded_before_the_end_of_the_file(tmp_path):
    """A corrupt tail surfaces only after the pages before it were handed over: nothing waits for the
    whole list."""
    good = gzip.compress(json.dumps(many_links(3_000)).encode())
    path = tmp_path / "links.json.gz"
    path.write_bytes(good[: len(good) * 3 // 4])
    source = PapersWithCodeSource([path], page_size=500)
    pages = []
    with pytest.raises(SourceError, match="truncated or corrupt"):
        for page in source.pages(None):
            pages.append(page)
    assert len(pages) >= 3
    assert all(len(p.children["pwc_links"]) == 500 for p in pages)
    assert json.loads(pages[-1].checkpoint)["items"] == 500 * len(pages)


def test_interrupted_import_resumes(db, tmp_path, more_dbs):
    links = write_gz(tmp_path / "links.json.gz", many_links(3_000))
    papers = write_gz(tmp_path / "papers.json.gz", PAPERS)

    def stop_after_three(progress) -> None:
        if progress.pages == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        crawl(PapersWithCodeSource([links, papers], page_size=700), db, progress=stop_after_three)
    assert runs(db)[0]["status"] == "failed"

    result = crawl(PapersWithCodeSource([links, papers], page_size=700), db)
    assert result.status == "complete" and result.resumed
    assert result.counters.pages == 1 + 5  # 3,000 links in pages of 700; nothing staged twice

    fresh = more_dbs("fresh")
    assert crawl(PapersWithCodeSource([links, papers], page_size=700), fresh).status == "complete"
    assert table(db, "pwc_links") == table(fresh, "pwc_links")
    assert table(db, "pwc_papers") == table(fresh, "pwc_papers")


def test_resume_with_other_files_asks_for_restart(db, tmp_path):
    links = write_gz(tmp_path / "links.json.gz", many_links(2_000))

    def stop(progress) -> None:
        if progress.pages == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        crawl(PapersWithCodeSource([links], page_size=500), db, progress=stop)
    write_gz(links, many_links(1_500))  # the file changed meanwhile
    result = import_files(db, links, extra=["--page-size", "500"])
    assert result.exit_code == 1
    assert "differ from those of the interrupted import" in result.output and "--restart" in result.output
    result = import_files(db, links, extra=["--page-size", "500", "--restart"])
    assert result.exit_code == 0, result.output
    assert query(db, "select count(*) from pwc_links")[0][0] == 1_500
    assert [r["status"] for r in runs(db)] == ["aborted", "complete"]


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_corrupt_gz_fails_with_clear_message(db, tmp_path, damage):
    data = gzip.compress(json.dumps(many_links(2_000)).encode())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        middle = len(data) // 2
        data = data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 64]) + data[middle + 64 :]
    bad = tmp_path / LINKS_FILE
    bad.write_bytes(data)
    result = import_files(db, bad)
    assert result.exit_code == 1
    assert f"{LINKS_FILE} is truncated or corrupt" in result.output
    assert "--restart" in result.output
    run = runs(db)[0]
    assert run["status"] == "failed" and "truncated or corrupt" in run["error"]
    assert query(db, "select count(*) from pwc_links")[0][0] == 0


# --------------------------------------------------------------------------------- default download


def serve(links: bytes, papers: bytes) -> FakeHfFiles:
    return FakeHfFiles(
        {
            ("dataset", "pwc-archive/files", LINKS_FILE): links,
            ("dataset", "pwc-archive/files", PAPERS_FILE): papers,
            ("dataset", "pwc-archive/files", "methods.json.gz"): gzip.compress(b"[]"),
        }
    )


def test_default_download_through_hf_endpoint(db, tmp_path):
    links = gzip.compress(json.dumps(LINKS).encode())
    papers = gzip.compress(json.dumps(PAPERS).encode())
    with serve(links, papers) as server:
        result = runner.invoke(app, ["import", "pwc", "--db", db, "--hf-endpoint", server.url])
        assert result.exit_code == 0, result.output
        expected = {f"/datasets/pwc-archive/files/resolve/main/{name}" for name in (LINKS_FILE, PAPERS_FILE)}
        assert set(server.requests_for("HEAD")) == expected
        assert set(server.requests_for("GET")) == expected

        # second import, endpoint from HF_ENDPOINT: the cached files are checked (HEAD), not fetched again
        again = runner.invoke(app, ["import", "pwc", "--db", db], env={"HF_ENDPOINT": server.url})
        assert again.exit_code == 0, again.output
        assert len(server.requests_for("HEAD")) == 4 and len(server.requests_for("GET")) == 2

    assert list((tmp_path / "hf_home" / "hub").glob(f"datasets--pwc-archive--files/snapshots/*/{LINKS_FILE}"))
    assert shares(db)[("2018", "pytorch")] == (1, 0.5)
    first, second = runs(db)
    assert json.loads(first["params"])["endpoint"] == server.url
    assert (first["requests"], first["status"]) == (4, "complete")
    assert (second["requests"], second["status"]) == (2, "complete")  # two HEADs


def test_the_archive_file_names_are_the_real_ones():
    # pwc-archive/files as published (commit a8a8cc9): the papers file carries a date prefix too
    assert LINKS_FILE == "jul-28-links-between-papers-and-code.json.gz"
    assert PAPERS_FILE == "jul-29-papers-with-abstracts.json.gz"
    assert "papers-with-abstracts.json.gz " not in (ROOT / "README.md").read_text()


def test_the_fake_answers_an_unknown_file_as_the_hub_does(tmp_path):
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import RemoteEntryNotFoundError, RevisionNotFoundError

    links = gzip.compress(json.dumps(LINKS).encode())
    with serve(links, gzip.compress(b"[]")) as server:
        where = dict(
            repo_id="pwc-archive/files", repo_type="dataset", endpoint=server.url, cache_dir=tmp_path
        )
        with pytest.raises(RemoteEntryNotFoundError) as missing:
            hf_hub_download(filename="papers-with-abstracts.json.gz", **where)
        with pytest.raises(RevisionNotFoundError):
            hf_hub_download(filename=LINKS_FILE, revision="v9", **where)
        assert server.requests[0][2] == 404
    assert missing.value.response.headers["X-Error-Code"] == "EntryNotFound"
    assert missing.value.server_message == "Entry not found"


def test_a_missing_archive_file_fails_the_import_in_one_line(db):
    links = gzip.compress(json.dumps(LINKS).encode())
    with FakeHfFiles({("dataset", "pwc-archive/files", LINKS_FILE): links}) as server:
        result = runner.invoke(app, ["import", "pwc", "--db", db, "--hf-endpoint", server.url])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert f"has no file {PAPERS_FILE} in the dataset pwc-archive/files (404 EntryNotFound)" in line
    assert "--file" in line
    [run] = runs(db)
    assert run["status"] == "failed" and PAPERS_FILE in run["error"]


def many_papers(n: int) -> list[dict[str, Any]]:
    """``n`` papers with abstracts of about 3 KB (a field of the real dump that the import does not keep):
    a large file of few rows."""
    return [
        {**paper(f"p{i}", f"{15 + i % 10}{1 + i % 12:02d}.{i:05d}", f"20{15 + i % 10}-01-02"),
         "abstract": f"We study paper {i}. " * 150}
        for i in range(n)
    ]  # fmt: skip


def test_a_download_cut_mid_body_resumes_with_a_range_request(db, tmp_path, more_dbs):
    # huggingface_hub writes what it received in chunks of 10 MiB and resumes after the last whole one,
    # so the file must be larger than that: 6,000 papers with long abstracts, gzip level 0 (stored),
    # about 18 MB; the abstracts make it large with few rows to import
    links = gzip.compress(json.dumps(LINKS).encode())
    papers = gzip.compress(json.dumps(many_papers(6_000)).encode(), 0)
    clean_db = more_dbs("clean")
    with serve(links, papers) as server:
        cut = 15_000_000
        assert len(papers) > cut > 10 * 2**20
        server.cut_after[PAPERS_FILE] = cut  # the first GET of the papers file breaks after 15 MB
        result = runner.invoke(app, ["import", "pwc", "--db", db, "--hf-endpoint", server.url])
        assert result.exit_code == 0, result.output
        # huggingface_hub asked for the rest only (from its last whole chunk), and got a 206
        [start] = server.range_starts(PAPERS_FILE)
        assert 0 < start <= cut
        assert ("GET", f"/datasets/pwc-archive/files/resolve/main/{PAPERS_FILE}", 206) in server.requests
        assert server.range_starts(LINKS_FILE) == []

        clean = runner.invoke(
            app,
            [
                "import",
                "pwc",
                "--db",
                clean_db,
                "--hf-endpoint",
                server.url,
                "--cache-dir",
                str(tmp_path / "c"),
            ],
        )
        assert clean.exit_code == 0, clean.output
        assert server.range_starts(PAPERS_FILE) == [start]  # the clean download was not cut
    cached = next(
        (tmp_path / "hf_home" / "hub").glob(f"datasets--pwc-archive--files/snapshots/*/{PAPERS_FILE}")
    )
    assert cached.read_bytes() == papers
    for name in ("pwc_links", "pwc_papers"):
        assert table(db, name) == table(clean_db, name)
    assert len(table(db, "pwc_papers")) == 6_000
    [run] = runs(db)
    assert run["status"] == "complete"


def test_download_progress_in_a_log_is_a_few_lines(tmp_path):
    from huggingface_hub.utils.tqdm import _create_progress_bar

    from crawler.sources.paperswithcode import DownloadBar

    log = tmp_path / "cron.log"
    total = 564_000_000
    with open(log, "w") as stream, contextlib.redirect_stderr(stream):  # a file, as cron's output is
        bar = _create_progress_bar(
            cls=DownloadBar.for_file(PAPERS_FILE),
            log_level=40,
            name="huggingface_hub.http_get",
            unit="B",
            unit_scale=True,
            total=total,
            initial=0,
            desc="(…)ain/jul-29-papers-with-abstracts.json.gz",
        )
        assert bar.disable  # tqdm's own bar is off: not a terminal
        with bar:
            for _ in range(total // 100_000):
                bar.update(100_000)  # 5,640 updates
    lines = log.read_text().splitlines()
    assert lines[0] == "paperswithcode: downloading jul-29-papers-with-abstracts.json.gz, 564 MB"
    assert lines[-1] == "paperswithcode: jul-29-papers-with-abstracts.json.gz: 100 % (564 MB of 564 MB)"
    assert len(lines) == 11 and all("\r" not in line for line in lines)


def test_download_lines_in_a_real_import_and_none_when_bars_are_disabled(db, tmp_path):
    links = gzip.compress(json.dumps(LINKS).encode())
    papers = gzip.compress(json.dumps(PAPERS).encode())
    args = ["import", "pwc", "--db", db]
    base = env_for_subprocess()
    with serve(links, papers) as server:
        done = zoo(*args, "--hf-endpoint", server.url, env=base)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stderr.splitlines() if ".json.gz" in line]
        assert lines[0] == f"paperswithcode: downloading {PAPERS_FILE}, {len(papers)} bytes"
        assert f"paperswithcode: downloading {LINKS_FILE}, {len(links)} bytes" in lines
        assert f"paperswithcode: {LINKS_FILE}: 100 % ({len(links)} bytes of {len(links)} bytes)" in lines
        assert len(lines) == 4  # one update each: a line as it starts, one at 100 %
        quiet = zoo(  # a process: huggingface_hub reads HF_HUB_DISABLE_PROGRESS_BARS when it is imported
            *args,
            "--hf-endpoint",
            server.url,
            "--force-download",
            "--restart",
            env=base | {"HF_HUB_DISABLE_PROGRESS_BARS": "1"},
            process=True,
        )
        assert quiet.returncode == 0, quiet.stderr
        assert "downloading" not in quiet.stderr and len(server.requests_for("GET")) == 4


def test_on_a_terminal_huggingface_hubs_download_bar_shows(db, tmp_path):
    """zoo does not hide huggingface_hub's tqdm bar: the import's own bar starts with the first page."""
    import fcntl
    import pty
    import struct
    import termios

    links = gzip.compress(json.dumps(LINKS).encode())
    papers = gzip.compress(json.dumps(PAPERS).encode())
    env = env_for_subprocess()
    env |= {"TERM": "xterm", "COLUMNS": "150", "LINES": "40"}
    with serve(links, papers) as server:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 150, 0, 0))
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "import", "pwc", "--db", db, "--hf-endpoint", server.url],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        assert proc.wait(timeout=120) == 0, out.decode(errors="replace")
    text = out.decode("utf-8", "replace")
    # huggingface_hub's own bar, for each file, then the import's bar and summary
    assert "links-between-papers-and-code.json.gz: 100%|" in text
    assert "papers-with-abstracts.json.gz: 100%|" in text
    assert text.index("papers-with-abstracts.json.gz: 100%|") < text.index("pages")
    assert "paperswithcode: run 1 complete" in text
    assert "paperswithcode: downloading" not in text  # the log lines are for logs only


def test_corrupt_download_then_force_download(db):
    good = gzip.compress(json.dumps(LINKS).encode())
    papers = gzip.compress(json.dumps(PAPERS).encode())
    with serve(good[: len(good) - 20], papers) as server:
        result = runner.invoke(app, ["import", "pwc", "--db", db, "--hf-endpoint", server.url])
        assert result.exit_code == 1
        assert "truncated or corrupt" in result.output and "--force-download --restart" in result.output

        server.set_file("dataset", "pwc-archive/files", LINKS_FILE, good)
        result = runner.invoke(
            app, ["import", "pwc", "--db", db, "--hf-endpoint", server.url, "--force-download", "--restart"]
        )
        assert result.exit_code == 0, result.output
    assert query(db, "select count(*) from pwc_links")[0][0] == 11
    assert [r["status"] for r in runs(db)] == ["aborted", "complete"]


def test_kill_9_mid_import_then_resume(db, tmp_path):
    # 300 pages of 100 links: killed at the first log line (100 pages), 200 pages before the end
    links = write_gz(tmp_path / "links.json.gz", many_links(30_000))
    papers = write_gz(tmp_path / "papers.json.gz", PAPERS)
    args = ["import", "pwc", "--file", str(links), "--file", str(papers), "--db", db, "--page-size", "100"]
    env = env_for_subprocess()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # a log line every 100 pages when not on a terminal
        if " 100 pages" in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    [run] = runs(db)
    assert run["status"] == "running"  # killed: nothing recorded it as ended

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"] is True
    assert run["pages"] == 1 + 300  # every page saved once, whether before or after the kill
    assert query(db, "select count(*), count(distinct repo_url) from pwc_links")[0] == (30_000, 30_000)


def test_stats_papers_cli_matches_the_function(imported):
    db = imported
    want = shares(db, by="year", official_only=True)
    args = ["stats", "papers", "--official-only", "--count", "repos", "--db", db, "--format", "json"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    got = {(r["period"], r["framework"]): (r["repos"], r["share"]) for r in json.loads(out.stdout)}
    assert got == want and got
    # the default unit is the paper: on the archive alone the series is papers_share's by paper
    want = shares(db, by="year", official_only=True, count="papers")
    out = runner.invoke(app, ["stats", "papers", "--official-only", "--db", db, "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert set(rows[0]) == {
        "period",
        "source",
        "framework",
        "papers",
        "share",
        "no_framework",
        "unclassified",
    }
    got = {(r["period"], r["framework"]): (r["papers"], r["share"], r["no_framework"]) for r in rows}
    assert got == want and got
    table = runner.invoke(app, ["stats", "papers", "--by", "quarter", "--db", db])
    assert table.exit_code == 0 and "Paper implementations by framework" in table.output
    assert "Q" in table.output and "unit: papers" in table.output
    assert (
        "unit: repositories" in runner.invoke(app, ["stats", "papers", "--count", "repos", "--db", db]).output
    )
    bad = runner.invoke(app, ["stats", "papers", "--count", "models", "--db", db])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_stats_papers_says_not_imported(db):
    from crawler.crawl import crawl
    from crawler.sources.huggingface import HuggingFaceSource

    with FakeHub(make_models(20, seed=7)) as hub:  # a database with a crawl, of models only
        assert crawl(HuggingFaceSource(hub.url), db).status == "complete"
    out = runner.invoke(app, ["stats", "papers", "--db", db, "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.stdout) == []
    assert "not imported" in out.output


def test_report_shows_the_papers_share_once_imported(imported, tmp_path):
    db = imported
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    missing = result.output.split("not crawled:", 1)[1] if "not crawled:" in result.output else ""
    assert "papers" not in missing and "wrote" in result.output
    html = out.read_text()
    quarterly = shares(db, by="quarter", count="papers")  # the report counts by paper, and says so
    latest = max(p for p, f in quarterly if f == "pytorch")
    papers, share, _ = quarterly[(latest, "pytorch")]
    assert f"({latest})" in html and f"{papers:,} papers" in html
    assert "counted by paper as the articles count" in html
