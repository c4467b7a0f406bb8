"""The Python API for notebooks (``import crawler``): DataFrames from the same code as the CLI, the default
database resolved like ``--db``, ``import crawler`` kept light, and "not crawled" never shown as 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from typer.testing import CliRunner

import crawler
import crawler.api  # loaded here: a test below hides crawler.papers, which loading it needs
from crawler import stats
from crawler.cli import app
from crawler.store import StoreError, connect
from tests.conftest import built_once, copy_template, model_hubs
from tests.test_report_support import demo_database
from tests.test_stats_support import Zoo

if TYPE_CHECKING:  # pandas is imported by the tests that use it, not at collection (0.17 s)
    import pandas as pd

# its tests share a session fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("api")

runner = CliRunner()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory)


@pytest.fixture(scope="session")
def small_template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """The database of :func:`small_db`, written once per test session (``built_once``)."""

    def build(folder: Path) -> None:
        copy_template(template_db, folder / "small.duckdb")
        _fill_small(str(folder / "small.duckdb"))

    return built_once(tmp_path_factory, "small", build) / "small.duckdb"


@pytest.fixture
def small_db(small_template: Path, new_db: str) -> str:
    """HF: 3 PyTorch-only of 2023, 2 legacy PyTorch-only, 1 TF-only, 1 both; PyTorch Hub: 2; TF Hub: a
    failed crawl; Kaggle: never crawled. This test's copy of :func:`small_template`."""
    copy_template(small_template, Path(new_db))
    return new_db


def _fill_small(db: str) -> None:
    con = connect(db)
    zoo = Zoo(con)
    hf = zoo.run("huggingface", finished="2025-01-10T12:00:00")
    for _ in range(3):
        zoo.model("huggingface", hf, tags=["pytorch"], created="2023-04-01")
    for _ in range(2):
        zoo.model("huggingface", hf, tags=["pytorch"], created="2022-03-02T23:29:04", quality="sentinel")
    zoo.model("huggingface", hf, tags=["tf"], created="2023-05-01")
    zoo.model("huggingface", hf, tags=["pytorch", "tf"], created="2024-01-01")
    pth = zoo.run("pytorch-hub", finished="2025-01-11T00:00:00")
    zoo.model("pytorch-hub", pth, created="2019-06-01")
    zoo.model("pytorch-hub", pth, created="2021-06-01")
    zoo.run("tf-hub", status="failed")
    con.close()


def cli_json(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """Records with pandas' missing values as None, dates as ISO text: comparable with the CLI's JSON."""
    import pandas as pd

    out = []
    for rec in frame.astype(object).to_dict("records"):
        out.append(
            {
                k: None if v is None or v is pd.NaT or (isinstance(v, float) and v != v) or v is pd.NA
                else v.isoformat() if hasattr(v, "isoformat") else v
                for k, v in rec.items()
            }
        )  # fmt: skip
    return out


# ---------------------------------------------------------------------------------- import crawler


def test_import_crawler_stays_light() -> None:
    code = (
        "import sys, crawler; "
        "heavy = [m for m in ('pandas', 'matplotlib', 'duckdb', 'crawler.api', 'crawler.report') "
        "if m in sys.modules]; print(crawler.__version__, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"{crawler.__version__} []"


def test_the_cli_does_not_load_pandas_or_matplotlib() -> None:
    code = "import sys, crawler.cli; print([m for m in ('pandas', 'matplotlib') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_api_names_are_reexported_lazily() -> None:
    from crawler import api

    for name in api.__all__:
        assert getattr(crawler, name) is getattr(api, name) or name in ("history", "papers"), name
        assert name in dir(crawler)
    with pytest.raises(AttributeError):
        crawler.no_such_function  # noqa: B018


def test_history_is_a_submodule_and_a_function(demo_db: str) -> None:
    import pandas as pd

    import crawler.history as history_module
    from crawler.history import find_models

    assert crawler.history is history_module and callable(crawler.history)
    assert history_module.find_models is find_models  # the module works as before
    con = crawler.connect(demo_db)
    name = con.execute("SELECT id FROM models WHERE hub = 'huggingface' ORDER BY key LIMIT 1").fetchone()[0]
    frame = crawler.history(name, con=con)
    con.close()
    assert isinstance(frame, pd.DataFrame)
    assert frame["event"].iloc[0] == "first seen" and set(frame["id"]) == {name}


# ------------------------------------------------------------------------------------------ connect


def test_connect_resolves_like_the_cli_and_is_read_only(small_db: str, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ZOO_DB", small_db)
    con = crawler.connect()
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == 9
    with pytest.raises(duckdb.Error):
        con.execute("DELETE FROM models")
    con.close()
    # --db beats $ZOO_DB; ./zoo.duckdb is the last resort
    with pytest.raises(StoreError, match="no database at"):
        crawler.connect(str(tmp_path / "missing.duckdb"))
    monkeypatch.delenv("ZOO_DB")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(StoreError, match="zoo.duckdb"):
        crawler.connect()


def test_functions_open_the_default_database_and_close_it(small_db: str, monkeypatch) -> None:
    monkeypatch.setenv("ZOO_DB", small_db)
    assert crawler.hubs()["hub"].tolist() == model_hubs()
    writer = connect(small_db)  # nothing is left open: a writer gets the file at once
    writer.close()


# ------------------------------------------------------------------------- the same numbers as the CLI


@pytest.mark.parametrize(
    ("cli", "kwargs"),
    [
        (["stats", "exclusivity"], {}),
        (["stats", "exclusivity", "--definition", "evidence", "--by", "year"], {"definition": "evidence", "by": "year"}),
        (["stats", "exclusivity", "--hub", "hf", "--as-of", "2025-01-10"], {"hub": "hf", "as_of": "2025-01-10"}),
    ],
)  # fmt: skip
def test_exclusivity_equals_the_cli(small_db: str, cli: list[str], kwargs: dict) -> None:
    frame = crawler.exclusivity(db=small_db, **kwargs)
    assert list(frame.columns) == [
        "hub",
        "period",
        "class",
        "models",
        "share",
        "denominator",
        "definition",
        "as_of",
    ]
    assert frame_records(frame) == cli_json(*cli, "--db", small_db)
    assert "denominator" in frame.attrs["caption"]


def test_additions_equals_the_cli(small_db: str) -> None:
    frame = crawler.additions(db=small_db, by_class=True)
    assert frame_records(frame) == cli_json("stats", "additions", "--by-class", "--db", small_db)
    got = {(r["hub"], r["period"], r["class"]): r["models"] for r in frame_records(frame)}
    assert got[("huggingface", "legacy", "pytorch_only")] == 2  # the legacy cohort, never 2022
    assert ("huggingface", "2022", "pytorch_only") not in got


def test_hubs_equals_the_cli_and_not_crawled_is_not_zero(small_db: str) -> None:
    import pandas as pd

    frame = crawler.hubs(db=small_db)
    assert frame_records(frame) == cli_json("stats", "hubs", "--db", small_db)
    by_hub = frame.set_index("hub")
    assert by_hub.loc["huggingface", "models"] == 7
    assert by_hub.loc["tf-hub", "status"] == "no complete crawl" and pd.isna(by_hub.loc["tf-hub", "models"])
    assert by_hub.loc["kaggle", "status"] == "not crawled" and pd.isna(by_hub.loc["kaggle", "models"])
    assert str(frame["models"].dtype) == "Int64"  # counts stay integers next to missing ones


def test_headline_is_the_stats_headline(small_db: str) -> None:
    con = crawler.connect(small_db)
    frame = crawler.headline(con, by="year", hub="huggingface")
    expected = stats.headline(stats.exclusivity(con, hub="huggingface", by="year"))
    con.close()
    got = [
        (r["hub"], r["period"], r["pytorch_only"], r["tensorflow_only"], r["share"])
        for r in frame_records(frame)
    ]
    assert got == [(h.hub, h.period, h.pytorch_only, h.tensorflow_only, h.share) for h in expected]
    overall = crawler.headline(db=small_db, hub="hf").iloc[0]
    assert (overall["pytorch_only"], overall["tensorflow_only"]) == (5, 1)
    assert overall["share"] == pytest.approx(5 / 6)
    assert overall["definition"] == "tags"


def test_errors_are_the_statistics_errors(small_db: str) -> None:
    with pytest.raises(stats.StatsError, match="unknown hub"):
        crawler.exclusivity(db=small_db, hub="nope")
    with pytest.raises(stats.StatsError, match="not a date"):
        crawler.hubs(db=small_db, as_of="yesterday")
    with pytest.raises(LookupError, match="no model"):
        crawler.history("nobody/nothing", db=small_db)


# -------------------------------------------------------------------------- history and downloads


def test_downloads_per_night(demo_db: str) -> None:
    con = crawler.connect(demo_db)
    names = [
        r[0]
        for r in con.execute(
            "SELECT id FROM models WHERE hub = 'huggingface' ORDER BY key LIMIT 2"
        ).fetchall()
    ]
    runs = con.execute(
        "SELECT count(*) FROM crawl_runs WHERE source = 'huggingface' AND status = 'complete'"
    ).fetchone()[0]
    frame = crawler.downloads(names, con=con)
    con.close()
    assert set(frame["id"]) == set(names)
    assert len(frame) == 2 * runs  # one row per model and night
    assert frame.groupby("id")["downloads_per_day"].apply(lambda s: s.isna().sum()).tolist() == [1, 1]
    single = crawler.downloads(names[0], db=demo_db)
    assert set(single["id"]) == {names[0]}
    with pytest.raises(LookupError):
        crawler.downloads([names[0], "nobody/nothing"], db=demo_db)


# ------------------------------------------------------------------------------- papers: not crawled


def test_papers_not_crawled_without_the_import_code(small_db: str, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "crawler.papers", None)  # `import crawler.papers` raises ImportError
    frame = crawler.api.papers(db=small_db)  # counted by paper by default, the articles' unit
    assert frame.empty and list(frame.columns) == ["period", "framework", "papers", "share", "no_framework"]
    by_repo = crawler.api.papers(db=small_db, count="repos")
    assert by_repo.empty and list(by_repo.columns) == ["period", "framework", "repos", "share"]
    assert frame.attrs["status"] == "not crawled"
    assert any("not crawled" in n for n in frame.attrs["notes"])


class _FakePapers:
    """Stands in for crawler.papers; must not be called while nothing is imported."""

    @staticmethod
    def papers_share(con, by="year", official_only=False):  # noqa: ANN001, ANN205
        raise AssertionError("papers_share called although nothing was imported")


def test_papers_not_crawled_without_the_table_or_with_no_rows(small_db: str, more_dbs, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "crawler.papers", _FakePapers)
    assert crawler.api.papers(db=small_db).attrs["status"] == "not crawled"  # no pwc_links table
    db = more_dbs("with-table")
    con = connect(db)  # the migrations created pwc_links; nothing was imported into it
    assert con.execute("SELECT count(*) FROM pwc_links").fetchone() == (0,)
    con.close()
    frame = crawler.api.papers(db=db, by="quarter")
    assert frame.empty and frame.attrs["status"] == "not crawled"


def test_papers_series_and_compare_as_dataframes(db: str, tmp_path: Path) -> None:
    from crawler.papers import papers_compare, papers_series
    from crawler.sources.paperswithcode import LINKS_FILE, PAPERS_FILE
    from tests.test_pwc import LINKS, PAPERS, import_files, write_gz

    dumps = write_gz(tmp_path / LINKS_FILE, LINKS), write_gz(tmp_path / PAPERS_FILE, PAPERS)
    assert import_files(db, *dumps).exit_code == 0
    con = connect(db, read_only=True)
    try:
        want_papers = papers_series(con, by="quarter")
        want_repos = papers_series(con, by="quarter", count="repos")
        want_compare = papers_compare(con)
    finally:
        con.close()
    by_paper = crawler.papers_series(db=db, by="quarter")
    assert list(by_paper.columns) == want_papers[0] and "papers" in by_paper.columns
    cells = by_paper.astype(object).where(by_paper.notna(), None)  # a period without a share: NaN → None
    assert [tuple(r) for r in cells.itertuples(index=False)] == want_papers[1]
    assert "unit: papers" in by_paper.attrs["title"] and "may sum above 1" in by_paper.attrs["caption"]
    vit = by_paper[(by_paper["period"] == "2020-Q4") & by_paper["framework"].isin(["pytorch", "jax"])]
    assert vit["papers"].tolist() == [1, 1] and vit["share"].sum() == 2.0  # one paper, two frameworks
    by_repo = crawler.papers_series(db=db, by="quarter", count="repos")
    assert list(by_repo.columns) == want_repos[0] and "repos" in by_repo.columns
    assert [tuple(r) for r in by_repo.itertuples(index=False)] == want_repos[1]
    compare = crawler.papers_compare(db=db)  # no live crawl: no overlap, no rows
    assert compare.empty and list(compare.columns) == want_compare[0]
    assert list(crawler.papers_compare(db=db, count="repos").columns)[2] == "repos"
    with pytest.raises(ValueError, match="count must be one of papers, repos"):
        crawler.papers_series(db=db, count="models")


def test_kaggle_frameworks(demo_db: str, small_db: str) -> None:
    frame = crawler.kaggle_frameworks(db=demo_db)
    con = crawler.connect(demo_db)
    kaggle = con.execute("SELECT count(*) FROM current_models WHERE hub = 'kaggle'").fetchone()[0]
    with_pt = con.execute(
        "SELECT count(*) FROM current_models WHERE hub = 'kaggle' AND list_contains(formats, 'pyTorch')"
    ).fetchone()[0]
    con.close()
    assert set(frame["denominator"]) == {kaggle}
    by_fw = frame.set_index("framework")
    assert by_fw.loc["pyTorch", "models"] == with_pt and by_fw.loc["pyTorch", "family"] == "pytorch"
    assert by_fw.loc["tensorFlow2", "family"] == "tensorflow"
    empty = crawler.kaggle_frameworks(db=small_db)
    assert empty.empty and any("kaggle: not crawled" in n for n in empty.attrs["notes"])
