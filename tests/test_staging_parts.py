"""Staging of model rows as Parquet parts (``<db>.staging/<source>.parts/<page>.parquet``): a page is saved
when its checkpoint commits, a part of a page that never committed is deleted when the run resumes, the
parts go with the staging file, and a staging file of an older zoo (rows in ``stage_models``) still
resumes and merges, together with the parts of the pages staged after the upgrade."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.crawl import crawl
from crawler.sources.base import Source
from crawler.sources.records import ModelRecord, Page
from crawler.store import committed_parts, parts_folder, staging_path
from tests.conftest import copy_template
from tests.fakes.faults import fail_after, model_rows, runs, staged_state
from tests.fakes.faults import fast_hf_source as source
from tests.fakes.hub import FakeHub, Faults, make_models

# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("staging_parts")

N_PAGES = 4
MODELS = make_models(N_PAGES * 1000, seed=7)


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    copy_template(template_db, db)
    with FakeHub(MODELS) as hub:
        assert crawl(source(hub.url), str(db)).status == "complete"
    return str(db)


def parts_of(db: str) -> list[str]:
    folder = parts_folder(staging_path(db, "huggingface"))
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def make_old_style(db: str) -> int:
    """Turn the staging file into what an older zoo wrote: every staged row in ``stage_models``, no parts
    (nor their folder), and no record of the parts (``stage_parts``). Returns the rows moved."""
    stage = staging_path(db, "huggingface")
    state = staged_state(stage)
    assert state is not None
    parts = [str(p) for p in committed_parts(parts_folder(stage), state["pages"])]
    con = duckdb.connect(str(stage))
    try:
        con.execute("INSERT INTO stage_models SELECT * FROM read_parquet(?)", [parts])
        (moved,) = con.execute("SELECT count(*) FROM stage_models").fetchall()[0]
        con.execute("DROP TABLE IF EXISTS stage_parts")
    finally:
        con.close()
    shutil.rmtree(parts_folder(stage))
    return int(moved)


def test_each_page_with_models_is_one_part_and_the_staging_db_holds_none_of_its_rows(db: str) -> None:
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 2)
    assert parts_of(db) == ["00000001.parquet", "00000002.parquet"]
    part = parts_folder(staging_path(db, "huggingface")) / "00000002.parquet"
    table = pq.read_table(part)
    assert table.num_rows == 1000 and table.column_names[:2] == ["page", "seq"]
    assert set(table.column("page").to_pylist()) == {2}
    assert table.column("seq").to_pylist() == list(range(1000))
    con = duckdb.connect(str(staging_path(db, "huggingface")), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM stage_models").fetchall() == [(0,)]
    finally:
        con.close()
    state = staged_state(staging_path(db, "huggingface"))
    assert state is not None and (state["pages"], state["rows"], state["row_pages"]) == (2, 2000, 2)


def test_an_old_staging_file_with_rows_in_stage_models_resumes_and_merges(db: str, clean_db: str) -> None:
    """A user upgrades in the middle of a failed run: the pages staged by the older zoo (rows in
    stage_models) and those staged after the upgrade (parts) are merged together, nothing lost or doubled."""
    faults = Faults()
    seen: list[list[str]] = []
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 2)
        assert make_old_style(db) == 2000
        state = staged_state(staging_path(db, "huggingface"))
        assert state is not None and (state["pages"], state["rows"], state["row_pages"]) == (2, 2000, 2)
        result = crawl(source(hub.url), db, progress=lambda p: seen.append(parts_of(db)))
    assert result.status == "complete" and result.resumed, result.error
    # the pages fetched after the upgrade were staged as parts, numbered on from the older pages
    assert seen[-1] == ["00000003.parquet", "00000004.parquet"]
    [run] = runs(db)
    assert run["status"] == "complete" and (run["pages"], run["items"], run["models"]) == (4, 4000, 4000)
    assert model_rows(db) == model_rows(clean_db)
    assert not staging_path(db, "huggingface").exists()
    assert not parts_folder(staging_path(db, "huggingface")).exists()


def test_an_old_staging_file_whose_pages_are_all_staged_only_needs_its_merge(db: str, clean_db: str) -> None:
    """An older zoo staged its run to the end (rows in stage_models, the run done) and could not merge it:
    the next crawl merges those rows without asking the Hub anything, and there is no part to read."""
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        assert make_old_style(db) == 3000
        con = duckdb.connect(str(staging_path(db, "huggingface")))
        try:  # as if the third page had been the listing's last
            con.execute("UPDATE stage_run SET checkpoint = NULL, done = true")
        finally:
            con.close()
        before = len(hub.requests)
        result = crawl(source(hub.url), db)
        assert len(hub.requests) == before  # nothing fetched: only the merge was left
    assert result.status == "complete" and result.resumed and result.models == 3000, result.error
    merged = model_rows(db)
    assert len(merged) == 3000 and merged <= model_rows(clean_db)
    assert not staging_path(db, "huggingface").exists()


class Partial(Source):
    """A partial listing with keyed child rows: each run replaces the child rows of the models it listed,
    and only those (read from the run's staged model rows, i.e. its parts)."""

    name = "contract-partial"
    full_listing = False
    child_tables = ("hf_first_commits",)

    def __init__(self, listed: dict[str, str]) -> None:
        self.listed = listed

    def params(self) -> dict[str, Any]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        created = datetime(2024, 1, 1, tzinfo=timezone.utc)
        records = [ModelRecord(hub=self.name, key=k, id=f"org/{k}", created_at=created) for k in self.listed]
        children = [
            {"hub": self.name, "key": k, "repo_id": f"org/{k}", "revision": "main", "created_at_quality": q}
            for k, q in self.listed.items()
        ]
        yield Page(records, None, children={"hf_first_commits": children}, requests=1)


def test_a_partial_listing_replaces_the_child_rows_of_the_models_in_its_parts_only(db: str) -> None:
    assert crawl(Partial({"a": "first_commit", "b": "first_commit"}), db).status == "complete"
    assert crawl(Partial({"a": "oldest_commit"}), db).status == "complete"
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT key, created_at_quality FROM hf_first_commits WHERE hub = 'contract-partial' ORDER BY key"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("a", "oldest_commit"), ("b", "first_commit")]


def test_a_part_whose_page_never_committed_is_deleted_when_the_run_resumes(db: str, clean_db: str) -> None:
    """A crawl that died between writing a part and committing its page leaves a part numbered above the
    committed pages (and maybe a half-written ``.tmp``): the resume deletes both before it stages any
    page, so a later page that sends no models can never pick up the stale rows."""
    faults = Faults()
    seen: list[list[str]] = []
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 2)
        folder = parts_folder(staging_path(db, "huggingface"))
        stale = pa.table(
            {
                "page": pa.array([9], pa.int64()),
                "seq": pa.array([0], pa.int64()),
                "key": pa.array(["never-committed"]),
            }
        )
        pq.write_table(stale, folder / "00000009.parquet")
        (folder / "00000003.parquet.tmp").write_bytes(b"half a part")
        (folder / "README").write_text("not a part: left alone")
        result = crawl(source(hub.url), db, progress=lambda p: seen.append(parts_of(db)), prefetch=False)
    assert result.status == "complete", result.error
    assert seen[0] == ["00000001.parquet", "00000002.parquet", "00000003.parquet", "README"]
    assert model_rows(db) == model_rows(clean_db)


def test_restart_removes_the_abandoned_runs_parts(db: str, clean_db: str) -> None:
    faults = Faults()
    seen: list[list[str]] = []
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        assert len(parts_of(db)) == 3
        result = crawl(source(hub.url), db, restart=True, progress=lambda p: seen.append(parts_of(db)))
    assert result.status == "complete" and not result.resumed
    assert seen[0] == ["00000001.parquet"]  # the new run's first page; the abandoned run's parts are gone
    assert [r["status"] for r in runs(db)] == ["aborted", "complete"]
    assert model_rows(db) == model_rows(clean_db)
    assert not parts_folder(staging_path(db, "huggingface")).exists()
