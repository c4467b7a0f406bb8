"""The scale-out path, proven: Apache Spark (local mode, bound to 127.0.0.1, UI off) reads the folder
``zoo export`` wrote and, with plain GROUP BYs (examples/zoo_sql.py), gives exactly the numbers of
``zoo stats exclusivity`` and ``zoo stats additions`` — both definitions, all periods, per year and per
month — now and as of an earlier night, after a second night with changes and a second run that night.

The database is crawled from the fakes: a fake Hugging Face Hub (two nights, the second with two
complete runs), a fake Kaggle API (one night) and a small PyTorch Hub git catalog (one night), so each
hub's latest snapshot is a different day. One Spark session serves the whole module.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

# looked for, not imported: importing pyspark at collection cost every worker 0.15 s
if importlib.util.find_spec("pyspark") is None:
    pytest.skip("pyspark is not installed: pip install -e '.[test]' brings it", allow_module_level=True)

from crawler.cli import app  # noqa: E402
from crawler.crawl import crawl  # noqa: E402
from crawler.sources._http import RetryPolicy  # noqa: E402
from crawler.sources.huggingface import HuggingFaceSource  # noqa: E402
from crawler.sources.kaggle import KaggleCredentials, KaggleSource  # noqa: E402
from crawler.store import connect  # noqa: E402
from tests.conftest import copy_template, isolated_settings  # noqa: E402
from tests.fakes.gitrepo import GitRepo  # noqa: E402
from tests.fakes.hub import FakeHub, evolve, make_models  # noqa: E402
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
import duckdb_stats  # noqa: E402
import spark_stats  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.xdist_group("export_spark"),  # one Spark session (a module fixture) for every test here
]
runner = CliRunner()
DAY0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
NIGHT0 = DAY0.date().isoformat()
#: seconds the module spent, for the record (printed with -s or in the report of a failure)
TIMINGS: dict[str, float] = {}


def date_run(db: str, run_id: int, night: int, hour: int) -> None:
    when = DAY0 + timedelta(days=night, hours=hour)
    con = connect(db)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
        [when, when + timedelta(minutes=20), run_id],
    )
    con.close()


def pytorch_page(title: str) -> str:
    return (
        f"---\nlayout: hub_detail\ntitle: {title}\nsummary: {title} model\ngithub-id: pytorch/vision\n---\n"
    )


def build_catalog(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.write("README.md", "# PyTorch Hub\n")  # alone in the root commit, as in the real pytorch/hub:
    repo.commit("Create README.md", "2019-04-23T15:12:21-07:00")  # entries in it would be an import
    repo.write("pytorch_vision_resnet.md", pytorch_page("ResNet"))
    repo.write("pytorch_vision_vgg.md", pytorch_page("vgg-nets"))
    repo.commit("first models", "2019-05-29T13:42:32-07:00")
    repo.write("pytorch_vision_alexnet.md", pytorch_page("AlexNet"))
    repo.write("pytorch_vision_googlenet.md", pytorch_page("GoogLeNet"))
    repo.commit("two more", "2020-06-01T12:00:00+00:00")
    repo.remove("pytorch_vision_vgg.md")
    repo.commit("drop vgg", "2021-03-01T12:00:00+00:00")
    return repo


def export(db: str, out: Path) -> str:
    result = runner.invoke(app, ["export", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[tuple[str, Path, list[str]]]:
    """(db, export folder, the export's output lines): night 0 on three hubs, night 1 on Hugging Face
    twice, exported after each night."""
    started = time.perf_counter()
    tmp = tmp_path_factory.mktemp("spark")
    db, out = str(tmp / "zoo.duckdb"), tmp / "parquet"
    copy_template(template_db, Path(db))
    lines = []
    with pytest.MonkeyPatch.context() as mp:  # the function-scoped isolation does not reach this far
        for name, value in isolated_settings().items():
            if value is None:
                mp.delenv(name, raising=False)
            else:
                mp.setenv(name, value)
        mp.setenv("HOME", str(tmp / "home"))
        mp.setenv("HF_HOME", str(tmp / "hf_home"))
        mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
        models = make_models(1500, seed=31)
        for m, odd in zip(models[:2], ("0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"), strict=True):
            m["createdAt"] = odd  # dates outside reality: stored as given, period 'unknown'
        with FakeHub(models) as hub:
            date_run(db, crawl(HuggingFaceSource(hub.url), db).run_id, 0, 3)
            with FakeKaggle(make_kaggle_models(120, seed=8)) as kaggle:
                assert kaggle.token is not None
                source = KaggleSource(
                    kaggle.url,
                    KaggleCredentials("bearer", kaggle.token, origin="test"),
                    policy=RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05, timeout=5.0),
                )
                date_run(db, crawl(source, db).run_id, 0, 4)
            catalog = build_catalog(tmp / "hub")
            done = runner.invoke(
                app,
                [
                    "crawl",
                    "pytorch-hub",
                    "--repo",
                    str(catalog.path),
                    "--cache-dir",
                    str(tmp / "git"),
                    "--db",
                    db,
                ],
            )
            assert done.exit_code == 0, done.output
            con = connect(db)
            (catalog_run,) = con.execute("SELECT max(run_id) FROM crawl_runs").fetchone()  # type: ignore[misc]
            con.close()
            date_run(db, catalog_run, 0, 5)
            lines.append(export(db, out))
            for hour, share in ((3, 0.02), (15, 0.03)):  # night 1: two complete runs
                models, _ = evolve(
                    models, hour, seed=31, add_share=share, delete_share=0.01, rename_share=0.01
                )
                hub.set_models(models)
                date_run(db, crawl(HuggingFaceSource(hub.url), db).run_id, 1, hour)
                lines.append(export(db, out))
    TIMINGS["crawls and exports"] = time.perf_counter() - started
    yield db, out, lines


@pytest.fixture(scope="module")
def spark(exported) -> Iterator[Any]:
    """One local Spark session for the module, reachable on 127.0.0.1 only, with the export loaded."""
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        mp.setenv("PYSPARK_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[1]")
            .appName("zoo-export-test")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.sql.session.timeZone", "UTC")
            # a short-lived JVM: the quick JIT tier and the serial collector halve its start on 2 cores
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        TIMINGS["spark session start"] = time.perf_counter() - started
        spark_stats.load(session, str(exported[1]))
        yield session
        session.stop()
    print(f"\nSpark test module timings (s): {json.dumps({k: round(v, 1) for k, v in TIMINGS.items()})}")


def zoo_rows(db: str, *args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def spark_rows(df: Any) -> list[dict]:
    return [row.asDict() for row in df.collect()]


def figure(rows: list[dict], *fields: str) -> dict[tuple, tuple]:
    """{(hub, period, class): (fields…)} for the rows with models (zoo also lists empty classes)."""
    return {(r["hub"], r["period"], r["class"]): tuple(r[f] for f in fields) for r in rows if r["models"]}


#: (command, definition, --by): what `zoo stats` prints now, then the subset checked as of night 0
FIGURES = [
    ("exclusivity", "tags", "none"),
    ("exclusivity", "tags", "year"),
    ("exclusivity", "evidence", "none"),
    ("exclusivity", "evidence", "year"),
    ("additions", None, "year"),
    ("additions", "tags", "year"),
    ("additions", "evidence", "year"),
    ("additions", None, "month"),
]
FIGURES_AS_OF = [FIGURES[1], FIGURES[3], FIGURES[4], FIGURES[6]]


def compare(spark: Any, db: str, out: Path, as_of: str | None, figures: list) -> None:
    extra = ["--as-of", as_of] if as_of else []
    import duckdb

    con = duckdb.connect()
    duckdb_stats.load(con, str(out))
    started = time.perf_counter()
    for kind, definition, by in figures:
        if kind == "exclusivity":
            zoo = zoo_rows(db, "stats", "exclusivity", "--definition", definition, "--by", by, *extra)
            got = spark_rows(spark_stats.exclusivity(spark, definition, by, as_of))
            fields = ("models", "denominator")
            shares = {k: v[0] for k, v in figure(zoo, "share").items()}
            assert {k: v[0] for k, v in figure(got, "share").items()} == pytest.approx(shares, rel=1e-12)
        else:
            args = ["--by-class", "--definition", definition] if definition else []
            zoo = zoo_rows(db, "stats", "additions", "--by", by, *args, *extra)
            got = spark_rows(spark_stats.additions(spark, by, definition, as_of))
            fields = ("models",)
        expected = figure(zoo, *fields)
        assert expected, (kind, definition, by)
        assert figure(got, *fields) == expected, (kind, definition, by, as_of)
        assert len(got) == len(expected)  # a GROUP BY has no empty classes: nothing more, nothing less
        duck = duckdb_stats.exclusivity if kind == "exclusivity" else duckdb_stats.additions
        rel = duck(con, definition, by, as_of) if kind == "exclusivity" else duck(con, by, definition, as_of)
        columns = rel.columns
        assert figure([dict(zip(columns, r, strict=True)) for r in rel.fetchall()], *fields) == expected
    TIMINGS[f"Spark figures {'as of ' + as_of if as_of else 'now'}"] = time.perf_counter() - started
    con.close()


def test_each_export_wrote_its_partitions(exported):
    _, out, lines = exported
    assert lines[0] == f"export to {out}: 9 partition files written, 0 already there, 0 rewritten"
    assert lines[1] == f"export to {out}: 3 partition files written, 9 already there, 0 rewritten"
    assert lines[2] == f"export to {out}: 0 partition files written, 9 already there, 3 rewritten"


def test_spark_reads_the_export_with_portable_types(spark, exported):
    from pyspark.sql.types import BooleanType, DateType, DecimalType, StringType

    df = spark.table("zoo_models")
    types = {f.name: f.dataType for f in df.schema.fields}
    assert isinstance(types["snapshot_date"], DateType) and isinstance(types["hub"], StringType)
    assert isinstance(types["counted"], BooleanType) and isinstance(types["pytorch"], BooleanType)
    assert not [n for n, t in types.items() if isinstance(t, DecimalType)]  # UBIGINT would read as decimal
    snapshots = {
        (r["hub"], str(r["snapshot_date"])) for r in df.select("hub", "snapshot_date").distinct().collect()
    }
    assert snapshots == {
        ("huggingface", "2026-11-01"),
        ("huggingface", "2026-11-02"),
        ("kaggle", "2026-11-01"),
        ("pytorch-hub", "2026-11-01"),
    }
    hubs = {r["hub"]: r["models"] for r in zoo_rows(exported[0], "stats", "hubs") if r["models"] is not None}
    counted = spark.sql(
        "SELECT hub, count(*) AS models FROM zoo_models m WHERE counted AND snapshot_date = "
        "(SELECT max(snapshot_date) FROM zoo_models s WHERE s.hub = m.hub) GROUP BY hub"
    ).collect()
    assert {r["hub"]: r["models"] for r in counted} == hubs and len(hubs) == 3


def test_spark_reads_dates_outside_reality(spark, exported):
    """Year 1 and 9999 ``createdAt`` (quality out_of_range) are read as they were stored, in no year."""
    rows = spark.sql(
        "SELECT DISTINCT year(created_at) AS y, created_period, created_month FROM zoo_models "
        "WHERE created_at_quality = 'out_of_range' ORDER BY y"
    ).collect()
    assert [tuple(r) for r in rows] == [(1, "unknown", "unknown"), (9999, "unknown", "unknown")]


def test_spark_gives_zoo_figures_now(spark, exported):
    db, out, _ = exported
    compare(spark, db, out, None, FIGURES)


def test_spark_gives_zoo_figures_as_of_the_first_night(spark, exported):
    db, out, _ = exported
    compare(spark, db, out, NIGHT0, FIGURES_AS_OF)
    now = spark_rows(spark_stats.additions(spark, "year"))
    then = spark_rows(spark_stats.additions(spark, "year", None, NIGHT0))
    assert now != then  # the second night changed the figures


def test_the_readme_script_prints_the_table(spark, exported, capsys):
    db, out, _ = exported
    spark_stats.main([str(out)])  # the script finds the module's session running
    printed = capsys.readouterr().out
    rows = zoo_rows(db, "stats", "exclusivity", "--hub", "huggingface")
    pytorch_only = next(r["models"] for r in rows if r["class"] == "pytorch_only")
    assert f"|huggingface|all   |pytorch_only   |{pytorch_only:<6}|" in printed
    # (the period column is as wide as 'unknown', the period of the two dates outside reality)
    assert "Models added per year" in printed and "|pytorch-hub|2019   |all  |1     |" in printed
