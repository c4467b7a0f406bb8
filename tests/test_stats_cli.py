"""``zoo stats exclusivity | additions | hubs`` in every format, through typer's CliRunner, on a small
database written inline."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from crawler.cli import app
from crawler.store import connect
from tests.conftest import built_once, copy_template, model_hubs
from tests.test_stats_support import Zoo

runner = CliRunner()
ENV = {"COLUMNS": "220"}


@pytest.fixture(scope="session")
def stats_template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """The database of :func:`stats_db`, written once per test session (``built_once``)."""

    def build(folder: Path) -> None:
        copy_template(template_db, folder / "stats.duckdb")
        _fill(str(folder / "stats.duckdb"))

    return built_once(tmp_path_factory, "stats_cli", build) / "stats.duckdb"


@pytest.fixture
def stats_db(stats_template: Path, new_db: str) -> str:
    """HF: 5 PyTorch-only (2 of them legacy), 1 TF-only, 1 both, 1 safetensors-only; PyTorch Hub: 2;
    TF Hub: one failed crawl; Kaggle: never crawled. This test's copy of :func:`stats_template`."""
    copy_template(stats_template, Path(new_db))
    return new_db


def _fill(db: str) -> None:
    con = connect(db)
    zoo = Zoo(con)
    hf = zoo.run("huggingface", finished="2025-01-10T12:00:00")
    for _ in range(3):
        zoo.model("huggingface", hf, tags=["pytorch"], created="2023-04-01")
    for _ in range(2):
        zoo.model("huggingface", hf, tags=["pytorch"], created="2022-03-02T23:29:04", quality="sentinel")
    zoo.model("huggingface", hf, tags=["tf"], created="2023-05-01")
    zoo.model("huggingface", hf, tags=["pytorch", "tf"], created="2024-01-01")
    zoo.model("huggingface", hf, tags=["safetensors"], library="diffusers", created="2024-02-01")
    pth = zoo.run("pytorch-hub", finished="2025-01-11T00:00:00")
    zoo.model("pytorch-hub", pth, created="2019-06-01")
    zoo.model("pytorch-hub", pth, created="2021-06-01")
    zoo.run("tf-hub", status="failed")
    con.close()


def invoke(*args: str):
    result = runner.invoke(app, list(args), env=ENV)
    return result


# ---------------------------------------------------------------------------------------- exclusivity


def test_exclusivity_json(stats_db):
    result = invoke("stats", "exclusivity", "--format", "json", "--db", stats_db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout is only the JSON document
    keys = ["hub", "period", "class", "models", "share", "denominator", "definition", "as_of"]
    assert all(list(obj) == keys for obj in data)
    got = {(o["hub"], o["class"]): (o["models"], o["share"]) for o in data}
    assert got[("huggingface", "pytorch_only")] == (5, 5 / 8)
    assert got[("huggingface", "tensorflow_only")] == (1, 1 / 8)
    assert got[("huggingface", "both")] == (1, 1 / 8)
    assert got[("huggingface", "neither")] == (1, 1 / 8)
    assert got[("pytorch-hub", "pytorch_only")] == (2, 1.0)
    assert {o["period"] for o in data} == {"all"}
    assert {o["definition"] for o in data} == {"tags"}
    assert "huggingface all: 5 ÷ 6 = 83.3 %" in result.stderr  # the headline, off stdout


def test_exclusivity_json_evidence_by_year(stats_db):
    result = invoke(
        "stats",
        "exclusivity",
        "-f",
        "json",
        "--definition",
        "evidence",
        "--by",
        "year",
        "--hub",
        "hf",
        "--db",
        stats_db,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    got = {(o["period"], o["class"]): o["models"] for o in data if o["models"]}
    assert got == {
        ("legacy", "pytorch_only"): 2,
        ("2023", "pytorch_only"): 3,
        ("2023", "tensorflow_only"): 1,
        ("2024", "multi"): 1,
        ("2024", "pytorch_only"): 1,  # safetensors + diffusers
    }
    assert [o["period"] for o in data][:1] == ["legacy"]
    assert {o["hub"] for o in data} == {"huggingface"}


def test_exclusivity_csv(stats_db):
    result = invoke("stats", "exclusivity", "--format", "csv", "--hub", "pytorch-hub", "--db", stats_db)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "hub",
        "period",
        "class",
        "models",
        "share",
        "denominator",
        "definition",
        "as_of",
    ]
    assert [(r["class"], r["models"], r["share"]) for r in rows] == [
        ("pytorch_only", "2", "1.0"),
        ("tensorflow_only", "0", "0.0"),
        ("both", "0", "0.0"),
        ("neither", "0", "0.0"),
    ]
    assert "pytorch-hub all: 2 ÷ 2 = 100.0 %" in result.stderr


def test_exclusivity_table_has_caption_and_headline(stats_db):
    result = invoke("stats", "exclusivity", "--db", stats_db)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "62.5 %" in out  # 5 of 8 HF models are PyTorch-only
    assert "denominator" in out and "Share = models in the class" in out
    assert "Headline (tags definition): PyTorch-only ÷ (PyTorch-only + TensorFlow-only)" in out
    assert "huggingface all: 5 ÷ 6 = 83.3 %" in out
    assert "as_of" not in out  # constant columns are left out of the table


def test_exclusivity_as_of(stats_db):
    result = invoke(
        "stats",
        "exclusivity",
        "-f",
        "json",
        "--hub",
        "pytorch-hub",
        "--as-of",
        "2020-01-01",
        "--db",
        stats_db,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {(o["class"], o["models"], o["as_of"]) for o in data if o["models"]} == {
        ("pytorch_only", 1, "2020-01-01")
    }


# ------------------------------------------------------------------------------------------ additions


def test_additions_json(stats_db):
    result = invoke("stats", "additions", "--format", "json", "--db", stats_db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert all(list(o) == ["hub", "period", "class", "models", "definition", "as_of"] for o in data)
    assert [(o["hub"], o["period"], o["class"], o["models"]) for o in data] == [
        ("huggingface", "legacy", "all", 2),
        ("huggingface", "2023", "all", 4),
        ("huggingface", "2024", "all", 2),
        ("pytorch-hub", "2019", "all", 1),
        ("pytorch-hub", "2021", "all", 1),
    ]


def test_additions_json_by_month_and_class(stats_db):
    result = invoke(
        "stats", "additions", "-f", "json", "--by", "month", "--by-class", "--definition", "evidence",
        "--hub", "huggingface", "--db", stats_db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    got = {(o["period"], o["class"]): o["models"] for o in data if o["models"]}
    assert got == {
        ("legacy", "pytorch_only"): 2,
        ("2023-04", "pytorch_only"): 3,
        ("2023-05", "tensorflow_only"): 1,
        ("2024-01", "multi"): 1,
        ("2024-02", "pytorch_only"): 1,
    }
    assert {o["definition"] for o in data} == {"evidence"}
    assert len(data) == 5 * 7  # every class of the definition for every period


def test_additions_csv(stats_db):
    result = invoke("stats", "additions", "--format", "csv", "--hub", "huggingface", "--db", stats_db)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        ["hub", "period", "class", "models", "definition", "as_of"],
        ["huggingface", "legacy", "all", "2", "", ""],
        ["huggingface", "2023", "all", "4", "", ""],
        ["huggingface", "2024", "all", "2", "", ""],
    ]


def test_additions_table_explains_legacy(stats_db):
    result = invoke("stats", "additions", "--db", stats_db)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Models added per year" in out
    assert "'legacy' = Hugging Face repos created before 2022-03-02" in out
    assert "never counted in 2022" in out


def test_additions_as_of(stats_db):
    result = invoke("stats", "additions", "-f", "json", "--as-of", "2020-12-31", "--db", stats_db)
    assert result.exit_code == 0, result.output
    # HF's only crawl finished in 2025: nothing is known of it at the end of 2020; the catalog knows.
    assert [(o["hub"], o["period"], o["models"]) for o in json.loads(result.stdout)] == [
        ("pytorch-hub", "2019", 1)
    ]


# ----------------------------------------------------------------------------------------------- hubs


def test_hubs_json(stats_db):
    result = invoke("stats", "hubs", "--format", "json", "--db", stats_db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    set_up = {
        "huggingface": ("crawled", 8, 1),
        "pytorch-hub": ("crawled", 2, 2),
        "tf-hub": ("no complete crawl", None, None),
    }
    assert [(o["hub"], o["status"], o["models"], o["run_id"]) for o in data] == [
        (hub, *set_up.get(hub, ("not crawled", None, None))) for hub in model_hubs()
    ]
    assert data[0]["last_complete_crawl"] == "2025-01-10T12:00:00+00:00"
    assert list(data[0]) == ["hub", "status", "models", "last_complete_crawl", "run_id", "as_of"]


def test_hubs_csv(stats_db):
    result = invoke("stats", "hubs", "--format", "csv", "--db", stats_db)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    set_up = {
        "huggingface": ("crawled", "8"),
        "pytorch-hub": ("crawled", "2"),
        "tf-hub": ("no complete crawl", ""),  # empty, never 0
    }
    assert [(r["hub"], r["status"], r["models"]) for r in rows] == [
        (hub, *set_up.get(hub, ("not crawled", ""))) for hub in model_hubs()
    ]


def test_hubs_table(stats_db):
    result = invoke("stats", "hubs", "--db", stats_db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    kaggle = next(line for line in lines if "kaggle" in line)
    assert "not crawled" in kaggle and "0" not in kaggle
    hf = next(line for line in lines if "huggingface" in line)
    assert "crawled" in hf and " 8 " in hf and "2025-01-10" in hf


def test_hubs_as_of(stats_db):
    result = invoke("stats", "hubs", "-f", "json", "--as-of", "2020-01-01", "--db", stats_db)
    assert result.exit_code == 0, result.output
    got = {o["hub"]: (o["status"], o["models"]) for o in json.loads(result.stdout)}
    assert got["huggingface"] == ("not crawled", None)
    assert got["pytorch-hub"] == ("crawled", 1)


# --------------------------------------------------------------------------------- errors, help, sql


def test_errors_exit_with_a_message(stats_db, tmp_path):
    result = invoke("stats", "exclusivity", "--hub", "torchhub", "--db", stats_db)
    assert result.exit_code == 2 and "unknown hub 'torchhub'" in result.stderr
    result = invoke("stats", "hubs", "--as-of", "31.12.2024", "--db", stats_db)
    assert result.exit_code == 2 and "not a date" in result.stderr
    result = invoke("stats", "exclusivity", "--definition", "files", "--db", stats_db)
    assert result.exit_code == 2
    result = invoke("stats", "hubs", "--db", str(tmp_path / "missing.duckdb"))
    assert result.exit_code == 1 and "no database" in result.stderr


def test_not_crawled_hub_gives_empty_output_and_a_note(stats_db):
    result = invoke("stats", "exclusivity", "-f", "json", "--hub", "kaggle", "--db", stats_db)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "kaggle: not crawled" in result.stderr


def test_every_stats_command_and_option_has_an_example():
    group = typer.main.get_command(app)
    stats_group = group.commands["stats"]  # type: ignore[attr-defined]
    assert "Example" in (stats_group.help or "")
    for name in ("exclusivity", "additions", "hubs"):
        command = stats_group.commands[name]
        assert "Example: zoo stats " + name in (command.help or ""), name
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert "Example" in (param.help or ""), (name, param.name)


def test_views_are_queryable_by_name_with_zoo_sql(stats_db):
    result = invoke(
        "sql",
        "select class, models from stats_exclusivity where definition = 'tags' and grain = 'none' "
        "and hub = 'huggingface' order by sort_order",
        "-f",
        "json",
        "--db",
        stats_db,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"class": "pytorch_only", "models": 5},
        {"class": "tensorflow_only", "models": 1},
        {"class": "both", "models": 1},
        {"class": "neither", "models": 1},
    ]
