"""``zoo export``: the derived columns of ``models`` (from the statistics' own SQL), portable types, a day
rewritten when a later run of that day exists or the definitions change, damaged files repaired, and two
exports into one folder taking turns (two real processes) with one-line errors, never a traceback.

The figures of the export against ``zoo stats`` are checked in PySpark by tests/test_export_spark.py; here
DuckDB reads the files with the same SQL (examples/zoo_sql.py)."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import shutil
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.export import STAMP_KEY
from crawler.sources import registry
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.store import connect
from crawler.store import schema as sql_files  # where the SQL files are read from
from tests.conftest import copy_template
from tests.fakes.faults import spawn_zoo, zoo, zoo_env
from tests.fakes.hub import FakeHub, evolve, make_models
from tests.fakes.isolation import isolated

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
import duckdb_stats  # noqa: E402

runner = CliRunner()
DAY0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
DERIVED = {
    "counted": pa.bool_(),
    "tags_class": pa.string(),
    "evidence_class": pa.string(),
    "created_period": pa.string(),
    "created_month": pa.string(),
    **{f: pa.bool_() for f in ("pytorch", "tensorflow", "jax", "keras", "safetensors", "onnx", "gguf")},
}


def crawl_at(hub: FakeHub, db: str, night: int, hour: int = 3) -> int:
    """Crawl the fake Hub; the run is dated ``hour`` o'clock UTC of simulated night ``night``."""
    result = crawl(
        HuggingFaceSource(hub.url, policy=replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)), db
    )
    assert result.status == "complete"
    when = DAY0 + timedelta(days=night, hours=hour)
    con = connect(db)
    con.execute(
        "UPDATE crawl_runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
        [when, when + timedelta(minutes=20), result.run_id],
    )
    con.close()
    return result.run_id


def export(db: str, out: Path) -> str:
    result = runner.invoke(app, ["export", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def part(out: Path, dataset: str, night: int, hub: str = "huggingface") -> Path:
    day = (DAY0 + timedelta(days=night)).date().isoformat()
    return out / dataset / f"hub={hub}" / f"snapshot_date={day}" / "data.parquet"


def zoo_json(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def figures_from_files(out: Path, as_of: str | None = None) -> dict[str, dict]:
    """The export read back by DuckDB with the examples' SQL: {figure: {(hub, period, class): models}}."""
    con = duckdb.connect()
    duckdb_stats.load(con, str(out))
    got = {}
    for definition in ("tags", "evidence"):
        for by in ("none", "year"):
            rows = duckdb_stats.exclusivity(con, definition, by, as_of).fetchall()
            got[f"exclusivity {definition} {by}"] = {(r[0], r[1], r[2]): r[3] for r in rows}
    got["additions year"] = {(r[0], r[1], r[2]): r[3] for r in duckdb_stats.additions(con, "year").fetchall()}
    con.close()
    return got


def figures_from_zoo(db: str, as_of: str | None = None) -> dict[str, dict]:
    extra = ["--as-of", as_of] if as_of else []
    got = {}
    for definition in ("tags", "evidence"):
        for by in ("none", "year"):
            rows = zoo_json(
                "stats", "exclusivity", "--definition", definition, "--by", by, "--db", db, *extra
            )
            got[f"exclusivity {definition} {by}"] = {
                (r["hub"], r["period"], r["class"]): r["models"] for r in rows if r["models"]
            }
    rows = zoo_json("stats", "additions", "--by", "year", "--db", db, *extra)
    got["additions year"] = {(r["hub"], r["period"], r["class"]): r["models"] for r in rows if r["models"]}
    return got


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> tuple[Path, list[dict]]:
    """One night of 600 models crawled once for the module (a closed database, only copied)."""
    db = tmp_path_factory.mktemp("crawled") / "zoo.duckdb"
    copy_template(template_db, db)
    models = make_models(600, seed=23)
    with isolated(db.parent), FakeHub(models) as hub:
        crawl_at(hub, str(db), 0)
    return db, models


@pytest.fixture
def crawled(
    crawled_once: tuple[Path, list[dict]], new_db: str, tmp_path: Path
) -> tuple[str, list[dict], Path]:
    """The test's own copy of that night's database, its models, and the folder to export into."""
    db, models = crawled_once
    copy_template(db, Path(new_db))
    return new_db, models, tmp_path / "parquet"


# ----------------------------------------------------------------------------- what the files hold


def test_models_carry_the_statistics_columns_in_portable_types(crawled):
    db, models, out = crawled
    assert export(db, out) == f"export to {out}: 3 partition files written, 0 already there, 0 rewritten"
    schema = pq.read_schema(part(out, "models", 0))
    for name, kind in DERIVED.items():
        assert schema.field(name).type == kind, name
    for dataset in ("models", "observations", "runs"):
        schema = pq.read_schema(part(out, dataset, 0))
        # every engine reads these: no unsigned 64-bit integers, no JSON extension type, no internal ids
        assert not [f.name for f in schema if pa.types.is_unsigned_integer(f.type)], dataset
        assert {"mid", "counters_hash", "attrs_hash", "hub"}.isdisjoint(schema.names), dataset
        if "extra" in schema.names:
            assert schema.field("extra").type == pa.string()
        assert json.loads(pq.read_metadata(part(out, dataset, 0)).metadata[STAMP_KEY])["runs"] == [1]

    # every derived value is what the statistics' own views say about that model
    rows = pq.read_table(part(out, "models", 0)).to_pylist()
    assert len(rows) == len(models) and all(r["counted"] for r in rows)
    con = connect(db, read_only=True)
    stats_rows = con.execute(
        "SELECT key, tags_class, evidence_class, period_year, period_month FROM stats_models(NULL)"
    ).fetchall()
    flags = con.execute(
        "SELECT key, pytorch, tensorflow, jax, keras, safetensors, onnx, gguf FROM model_frameworks"
    ).fetchall()
    con.close()
    assert {
        r["key"]: (r["tags_class"], r["evidence_class"], r["created_period"], r["created_month"])
        for r in rows
    } == {k: tuple(v) for k, *v in stats_rows}
    names = ("pytorch", "tensorflow", "jax", "keras", "safetensors", "onnx", "gguf")
    assert {r["key"]: tuple(r[n] for n in names) for r in rows} == {k: tuple(v) for k, *v in flags}
    periods = {r["created_period"] for r in rows}
    assert "legacy" in periods and "2022" in periods  # the sentinel cohort is its own period
    assert {r["tags_class"] for r in rows} == {"pytorch_only", "tensorflow_only", "both", "neither"}
    assert any(r["safetensors"] for r in rows) and any(r["pytorch"] and not r["tensorflow"] for r in rows)
    assert figures_from_files(out) == figures_from_zoo(db)


def test_the_export_follows_the_statistics_rules_and_their_changes(
    crawled, tmp_path, monkeypatch, saved_registry
):
    """Rules live in the views: a zoo whose views differ (here the `tf` tag, in the evidence map and as
    Hugging Face's label in the registry, and the tf_model.h5 files no longer count, and 50 models leave
    the statistics) rewrites the models files with the new classes and
    the new `counted`; the figures read from the files still equal zoo's."""
    db, models, out = crawled
    export(db, out)
    before = {r["key"]: r for r in pq.read_table(part(out, "models", 0)).to_pylist()}
    obs_mtime = part(out, "observations", 0).stat().st_mtime_ns
    hidden = sorted(before)[:50]

    sql = tmp_path / "sql"
    shutil.copytree(sql_files.sql_dir(), sql)
    evidence = sql / "views" / "framework_evidence_map.sql"
    text, n = re.subn(r"\n\s*\('tag', 'tf', [^\n]*", "", evidence.read_text())
    assert n == 1
    # and the files the Hub derives that tag from (tf_model.h5, which *.h5 would match too)
    text, n = re.subn(r"\n\s*\('file', '(tf_model\*|\*)\.h5', [^\n]*", "", text)
    assert n == 2
    evidence.write_text(text)
    models_sql = sql / "views" / "stats_models.sql"
    text = models_sql.read_text()
    assert text.count("MACRO stats_models(as_of)") == 1
    keys = ", ".join(f"'{k}'" for k in hidden)
    models_sql.write_text(
        text.replace("MACRO stats_models(as_of)", "MACRO stats_models_all(as_of)")
        + "\nCREATE OR REPLACE MACRO stats_models(as_of) AS TABLE "
        + f"SELECT * FROM stats_models_all(as_of) WHERE key NOT IN ({keys});\n"
    )
    monkeypatch.setattr(sql_files, "sql_dir", lambda: sql)
    hf = registry.get("huggingface")
    assert hf is not None
    registry.register(dataclasses.replace(hf, frameworks=(("pytorch", "pytorch"),)))

    line = export(db, out)  # opening the database brings its views to this version's
    assert line.endswith("0 partition files written, 2 already there, 1 rewritten"), line
    assert part(out, "observations", 0).stat().st_mtime_ns == obs_mtime  # its definitions did not change
    after = {r["key"]: r for r in pq.read_table(part(out, "models", 0)).to_pylist()}
    assert {k for k, r in after.items() if not r["counted"]} == set(hidden)
    assert "tensorflow_only" not in {r["tags_class"] for r in after.values()}
    assert "tensorflow_only" in {r["tags_class"] for r in before.values()}
    for key in hidden:  # not counted, still classified by the same macros, and the periods kept
        assert after[key]["tags_class"] is not None and after[key]["evidence_class"] is not None
        assert after[key]["created_period"] == before[key]["created_period"]
    # the flags follow the same map: `tf` is no longer TensorFlow evidence at all
    con = connect(db, read_only=True)
    tensorflow = dict(con.execute("SELECT key, tensorflow FROM model_frameworks").fetchall())
    con.close()
    assert {k: r["tensorflow"] for k, r in after.items()} == tensorflow
    assert sum(tensorflow.values()) < sum(r["tensorflow"] for r in before.values())
    assert figures_from_files(out) == figures_from_zoo(db)
    assert export(db, out).endswith("0 partition files written, 3 already there, 0 rewritten")


# ----------------------------------------------------------------------- a later run of the same day


def test_a_later_run_of_the_same_day_rewrites_that_day(db: str, tmp_path: Path):
    out = tmp_path / "parquet"
    models = make_models(800, seed=5)
    with FakeHub(models) as hub:
        crawl_at(hub, db, 0, hour=3)
        assert export(db, out).endswith("3 partition files written, 0 already there, 0 rewritten")
        inodes = {d: part(out, d, 0).stat().st_ino for d in ("models", "observations", "runs")}
        later, changes = evolve(models, 1, seed=5, add_share=0.05, rename_share=0.01)
        hub.set_models(later)
        second = crawl_at(hub, db, 0, hour=15)  # a second complete run, the same UTC day
    line = export(db, out)
    assert line == f"export to {out}: 0 partition files written, 0 already there, 3 rewritten"

    snapshot = pq.read_table(part(out, "models", 0)).to_pylist()
    assert len(snapshot) == len(later) and {r["last_seen_run"] for r in snapshot} == {second}
    names = {r["key"]: r["id"] for r in snapshot}
    assert changes.renamed and all(names[k] == new for k, (_, new) in changes.renamed.items())
    assert set(changes.added) <= set(names) and not set(changes.deleted) & {
        k for k, r in zip(names, snapshot, strict=True) if r["counted"]
    }
    runs = pq.read_table(part(out, "runs", 0)).column("run_id").to_pylist()
    assert runs == [second - 1, second]
    observed = pq.read_table(part(out, "observations", 0)).column("run_id").to_pylist()
    assert set(observed) == {second - 1, second}
    for dataset, inode in inodes.items():  # replaced by a rename, not rewritten in place
        assert part(out, dataset, 0).stat().st_ino != inode
    assert [p.name for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"] == []
    assert figures_from_files(out) == figures_from_zoo(db)

    mtimes = [p.stat().st_mtime_ns for p in sorted(out.rglob("*.parquet"))]
    assert export(db, out).endswith("0 partition files written, 3 already there, 0 rewritten")
    assert [p.stat().st_mtime_ns for p in sorted(out.rglob("*.parquet"))] == mtimes


def test_damaged_and_unstamped_files_are_rewritten(crawled):
    db, _, out = crawled
    export(db, out)
    models_file, runs_file = part(out, "models", 0), part(out, "runs", 0)
    models_file.write_bytes(models_file.read_bytes()[:-100])  # truncated
    table = pq.read_table(runs_file)
    pq.write_table(table.replace_schema_metadata(None), runs_file)  # as an older zoo wrote it
    assert export(db, out).endswith("0 partition files written, 1 already there, 2 rewritten")
    assert pq.read_table(models_file).num_rows == 600
    assert STAMP_KEY in pq.read_metadata(runs_file).metadata


# --------------------------------------------------------------------- two exports, errors in one line


def _hold(folder: Path) -> int:
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_two_exports_into_one_folder_take_turns(crawled):
    """Two real processes started together while a third party holds the folder: both wait, one writes
    every partition, the other finds them all there; no traceback, no temporary file left."""
    db, _, out = crawled
    out.mkdir()
    leftover = part(out, "models", 0).parent / ".data.parquet.999.deadbeef.tmp"  # a killed export's
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a file")
    (leftover.parent / "data.parquet.tmp").write_bytes(b"an older zoo's half file")
    fd = _hold(out)
    try:
        procs = [spawn_zoo("export", str(out), "--db", db) for _ in range(2)]
        time.sleep(1.5)
    finally:
        os.close(fd)  # releases the lock
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stdout + stderr
        assert "Traceback" not in stderr and stderr.strip() == "", stderr
    lines = sorted(stdout.strip() for stdout, _ in outputs)
    assert lines == sorted(
        [
            f"export to {out}: 0 partition files written, 3 already there, 0 rewritten",
            f"export to {out}: 3 partition files written, 0 already there, 0 rewritten",
        ]
    )
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 3 and all(p.suffix == ".parquet" for p in files)
    assert all(pq.read_metadata(p).num_rows > 0 for p in files)


def test_an_export_that_cannot_get_the_folder_fails_in_one_line(crawled):
    db, _, out = crawled
    out.mkdir()
    fd = _hold(out)
    try:
        done = zoo("export", str(out), "--db", db, env=zoo_env(ZOO_LOCK_WAIT="1"))
    finally:
        os.close(fd)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f"zoo: export to {out} failed: another zoo export is writing {out}")
    assert list(out.iterdir()) == []


def test_an_export_into_a_file_fails_in_one_line(crawled):
    db, _, out = crawled
    out.write_text("not a folder")
    done = zoo("export", str(out), "--db", db)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == f"zoo: export to {out} failed: {out} exists and is not a folder"
    inside = out / "sub"
    done = zoo("export", str(inside), "--db", db)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "NotADirectoryError" in done.stderr, done.stderr
