"""``zoo report``: the articles' values next to ours, dated and defined, as one self-contained HTML file (or
Markdown with PNG files), "not crawled" never shown as 0, every number from crawler.stats."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler import report, stats
from crawler.cli import app
from crawler.store import connect
from tests.conftest import model_hubs
from tests.test_api import small_db, small_template  # noqa: F401 (fixtures)
from tests.test_report_support import demo_database

# its tests share a session fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("report")

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory)


def build(db: str, as_of: str | None = None) -> report.Report:
    con = connect(db, read_only=True)
    try:
        return report.build_report(con, as_of, db)
    finally:
        con.close()


def comparisons(rep: report.Report) -> dict[str, report.Comparison]:
    return {c.claim: c for s in rep.sections for c in s.comparisons}


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


# ------------------------------------------------------------------------------------------ content


def test_small_database_side_by_side(small_db: str) -> None:  # noqa: F811
    rep = build(small_db)
    got = comparisons(rep)
    assert [s.key for s in rep.sections] == ["hubs", "exclusivity", "additions", "papers", "kaggle"]
    hf = got["Hugging Face: models"]
    assert (hf.article, hf.ours, hf.crawl) == ("—", "7", "2025-01-10 12:00 UTC (run 1)")
    pth = got["PyTorch Hub: models"]
    assert (pth.article, pth.ours) == ("49", "2")
    assert "PyTorch Hub: 49 models" in pth.wording
    # never 0 for a hub without a complete crawl
    tf = got["TensorFlow Hub: models"]
    assert (tf.article, tf.ours, tf.crawl, tf.crawled) == (
        "about 1,300",
        "no complete crawl",
        "no complete crawl",
        False,
    )
    assert got["Kaggle Models: models"].ours == "not crawled"
    assert got["Kaggle Models by framework"].ours == "not crawled"
    # the articles' share: PyTorch-only ÷ (PyTorch-only + TensorFlow-only)
    pt = got["Hugging Face: PyTorch-exclusive share (tags)"]
    assert (pt.article, pt.ours) == ("92 %", "83.3 % (5 of 6)")
    assert "denominator = PyTorch-only + TensorFlow-only" in pt.definition
    assert got["Hugging Face: TensorFlow-exclusive share (tags)"].ours == "16.7 % (1 of 6)"
    assert got["Hugging Face: PyTorch-only share of all models (tags)"].ours == "71.4 % (5 of 7)"
    # additions: nothing created in 2022; the legacy cohort apart
    assert got["Hugging Face: PyTorch-exclusive models added in 2022 (tags)"].ours == "0"
    assert got["Hugging Face: legacy cohort, PyTorch-only / TensorFlow-only (tags)"].ours == "2 / 0"
    papers = got["Research papers whose code uses PyTorch"]
    assert (papers.article, papers.ours, papers.crawl) == ("68 %", "not crawled", "not crawled")
    assert rep.not_crawled == [
        *(h for h in model_hubs() if h not in ("huggingface", "pytorch-hub")),
        "papers",
    ]


def test_every_article_value_is_shown_with_its_words(small_db: str) -> None:  # noqa: F811
    rep = build(small_db)
    shown = {(c.article, c.wording) for s in rep.sections for c in s.comparisons}
    for art in report.ARTICLE:
        assert (art.text, art.wording) in shown, art
    html = report.render_html(rep)
    for art in report.ARTICLE:
        assert f"“{art.wording}”" in html.replace("&#x27;", "'")
        assert art.source in html.replace("&#x27;", "'")


def test_as_of_a_day_before_the_crawl(small_db: str) -> None:  # noqa: F811
    rep = build(small_db, "2024-12-31")
    got = comparisons(rep)
    assert got["Hugging Face: models"].ours == "not crawled"  # its first crawl finished 2025-01-10
    assert got["PyTorch Hub: models"].ours == "2"  # a catalog knows its past from git
    assert got["Hugging Face: PyTorch-exclusive share (tags)"].ours == "not crawled"
    assert "as of 2024-12-31" in report.render_html(rep)


@pytest.fixture(scope="module")
def demo_html(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, report.Report]:
    """``write_report`` of the demo database as HTML, into a folder of its own: (the file, the report).
    Built once (about 1.5 s) for the tests that read the file and the report."""
    con = connect(demo_db, read_only=True)
    try:
        return report.write_report(con, tmp_path_factory.mktemp("html") / "r.html", "html", None, demo_db)
    finally:
        con.close()


def test_the_demo_database_matches_the_statistics(
    demo_db: str, demo_html: tuple[Path, report.Report]
) -> None:
    _, rep = demo_html
    got = comparisons(rep)
    con = connect(demo_db, read_only=True)
    hubs = {r["hub"]: r for r in stats.hubs(con).records()}
    heads = {h.hub: h for h in stats.headline(stats.exclusivity(con, definition="evidence"))}
    added = {
        (r["period"], r["class"]): r["models"]
        for r in stats.additions(con, hub="hf", by_class=True).records()
    }
    con.close()
    assert got["Hugging Face: models"].ours == f"{hubs['huggingface']['models']:,}"
    assert got["Kaggle Models: models"].ours == f"{hubs['kaggle']['models']:,}"
    assert got["TensorFlow Hub: models"].ours == "not crawled"
    hf = heads["huggingface"]
    assert got["Hugging Face: PyTorch-exclusive share (evidence)"].ours.startswith(f"{hf.share * 100:.1f} %")
    assert (
        got["Hugging Face: PyTorch-exclusive models added in 2022 (tags)"].ours
        == f"{added[('2022', 'pytorch_only')]:,}"
    )
    assert got["Hugging Face: legacy cohort, PyTorch-only / TensorFlow-only (tags)"].ours == (
        f"{added[('legacy', 'pytorch_only')]:,} / {added[('legacy', 'tensorflow_only')]:,}"
    )
    assert got["Kaggle Models: PyTorch-only"].crawled
    crawled = ("huggingface", "pytorch-hub", "kaggle")
    assert rep.not_crawled == [*(h for h in model_hubs() if h not in crawled), "papers"]
    sections = {s.key: s for s in rep.sections}
    assert all(
        sections[k].png and sections[k].png.startswith(PNG)
        for k in ("hubs", "exclusivity", "additions", "kaggle")
    )
    assert sections["papers"].png is None  # nothing to draw: "not crawled" is said in words


# ------------------------------------------------------------------------------------------- files


def test_html_is_one_self_contained_file(demo_html: tuple[Path, report.Report]) -> None:
    path, _ = demo_html
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # nothing is fetched from elsewhere: no external src, href or stylesheet
    assert not re.search(r"""(src|href)=['"](?!data:|#)""", text)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", text)
    assert len(images) == 4
    assert all(base64.b64decode(i).startswith(PNG) for i in images)
    assert [p for p in path.parent.iterdir()] == [path]  # one file
    assert "not crawled" in text and "2026-11-04 03:30 UTC" in text
    assert "legacy" in text and "before 2022-03-02" in text


def test_markdown_links_png_files_next_to_it(demo_db: str, tmp_path: Path) -> None:
    con = connect(demo_db, read_only=True)
    path, _ = report.write_report(con, tmp_path / "zoo.md", "md", None, demo_db)
    con.close()
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links == [f"zoo-figures/{k}.png" for k in ("hubs", "exclusivity", "additions", "kaggle")]
    for link in links:
        assert (tmp_path / link).read_bytes().startswith(PNG)
    assert "data:image" not in text
    assert "| PyTorch Hub: models | 49 |" in text
    assert "> “92 % of HF models are PyTorch-exclusive, 8 % TensorFlow-exclusive”" in text


def test_a_database_without_crawls(db: str) -> None:  # a copy of the migrated template
    rep = build(db)
    got = comparisons(rep)
    assert {c.ours for c in got.values()} == {"not crawled"}  # every figure, never 0
    assert not any(c.crawled for c in got.values())
    assert rep.not_crawled == [*model_hubs(), "papers"]
    # building draws nothing (its numbers cost no plotting); a plot is drawn when its PNG is asked for
    assert [s._png for s in rep.sections] == [None] * len(rep.sections)
    assert rep.sections[0].png and rep.sections[0].png.startswith(PNG)
    assert rep.sections[0].png is rep.sections[0].png  # drawn once
    assert not re.search(r"<td class='num ours[^']*'>0", report.render_html(rep))


def test_figures_take_dataframes(demo_db: str) -> None:
    import crawler

    fig = report.figure_additions(crawler.additions(db=demo_db, by_class=True), hub="huggingface")
    assert fig.axes and report.figure_png(fig).startswith(PNG)
    fig = report.figure_exclusivity({"tags": crawler.exclusivity(db=demo_db, hub="hf", by="year")})
    assert len(fig.axes) >= 2
    assert report.figure_hubs(crawler.hubs(db=demo_db)).axes


# --------------------------------------------------------------------------------------------- CLI


def test_cli_writes_html_by_default(small_db: str, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    result = invoke("report", "--db", small_db)
    assert result.exit_code == 0, result.output
    not_crawled = ", ".join([*(h for h in model_hubs() if h not in ("huggingface", "pytorch-hub")), "papers"])
    assert result.stdout.strip() == f"zoo report: wrote report.html (5 figures; not crawled: {not_crawled})"
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_markdown_as_of_and_zoo_db(small_db: str, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("ZOO_DB", small_db)
    out = tmp_path / "out" / "r.md"
    out.parent.mkdir()
    result = invoke("report", "--format", "md", "--out", str(out), "--as-of", "2025-01-10")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "r-figures" / "hubs.png").exists()
    assert "as of 2025-01-10" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--as-of", "2025-02-30"], 2, "not a date"),
        (["--format", "pdf"], 2, "pdf"),
        (["--out", "/no/such/folder/r.html"], 2, "does not exist"),
    ],
)
def test_cli_errors(small_db: str, args: list[str], code: int, message: str) -> None:  # noqa: F811
    result = invoke("report", "--db", small_db, *args)
    assert result.exit_code == code
    assert message in result.output


def test_a_missing_folder_is_said_before_the_report_is_built(small_db: str, tmp_path: Path) -> None:  # noqa: F811
    con = connect(small_db, read_only=True)
    con.close()  # any query on it fails: the folder must be checked before the first one
    with pytest.raises(stats.StatsError, match="does not exist"):
        report.write_report(con, tmp_path / "no" / "r.html", "html", None, small_db)


def test_cli_without_a_database(tmp_path: Path) -> None:
    result = invoke("report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 1
    assert "no database at" in result.output
    assert not (tmp_path / "r.html").exists()


def test_cli_help_has_examples() -> None:
    result = invoke("report", "--help")
    assert result.exit_code == 0
    assert "Example: zoo report" in result.stdout
    for option in ("--out", "--as-of", "--format", "--db"):
        assert option in result.stdout
    assert result.stdout.count("Example:") >= 5  # the command and each of its four options
