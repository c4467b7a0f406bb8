"""Damaged staging never wedges a hub.

Each committed page records its part's rows, size and SHA-256 in the staging file. On resume and before
the merge every committed part is checked against that record: a part that is truncated, missing, foreign
(other columns) or replaced (another page's part copied over it) is dropped with the pages after it, the
run goes back to the checkpoint before it and asks the hub for those pages again, and the run gets a
warning naming the part and why. The merge refuses staged rows that do not add up to the recorded counts.
Staging folders and parts folders that are symbolic links are refused with one line.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.crawl import crawl
from crawler.sources._hf_pages import PageReader
from crawler.sources.huggingface import HUB, PLACEHOLDER_CREATED_AT
from crawler.store import CrawlLock, StoreError, begin_run, parts_folder, staging_path
from tests.conftest import copy_template
from tests.fakes.faults import (
    RecordingHub,
    fail_after,
    has_traceback,
    model_rows,
    runs,
    spawn_zoo,
    staged_state,
    zoo,
    zoo_env,
)
from tests.fakes.faults import (
    fast_hf_source as source,
)
from tests.fakes.hub import FakeHub, Faults, make_models

N_PAGES = 4
MODELS = make_models(N_PAGES * 1000, seed=11)


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    copy_template(template_db, db)
    with FakeHub(MODELS) as hub:
        assert crawl(source(hub.url), str(db)).status == "complete"
    return str(db)


@pytest.fixture(scope="module")
def clean_rows(clean_db: str) -> set[tuple]:
    """The clean crawl's model rows, read once (the clean database is only read)."""
    return model_rows(clean_db)


def parts(db: str) -> Path:
    return parts_folder(staging_path(db, "huggingface"))


def listing_pages_served(hub: FakeHub, since: int) -> int:
    return sum(1 for path, status in hub.requests[since:] if path.startswith("/api/models") and status == 200)


# ------------------------------------------------------------------------------------------ damages


def truncate(folder: Path) -> None:
    part = folder / "00000002.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def foreign_schema(folder: Path) -> None:
    pq.write_table(pa.table({"a": pa.array([1, 2, 3], pa.int64())}), folder / "00000002.parquet")


def copy_part_1_over_part_2(folder: Path) -> None:
    shutil.copyfile(folder / "00000001.parquet", folder / "00000002.parquet")


def delete(folder: Path) -> None:
    (folder / "00000002.parquet").unlink()


def folder_in_its_place(folder: Path) -> None:
    (folder / "00000002.parquet").unlink()
    (folder / "00000002.parquet").mkdir()
    (folder / "00000002.parquet" / "x").write_bytes(b"x")


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncate, "truncated"),
    "foreign schema": (foreign_schema, "replaced"),
    "part 1 copied over part 2": (copy_part_1_over_part_2, "replaced"),
    "missing": (delete, "missing"),
    "a folder in its place": (folder_in_its_place, "not a file"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_part_is_dropped_and_its_page_asked_again_on_resume(
    db: str, clean_rows: set[tuple], damage: str
) -> None:
    """Before: a truncated or foreign part failed every resume (``No magic bytes found…``) until --restart;
    a copy of part 1 over part 2, or a missing part, merged 3,000 of 4,000 models without a word."""
    damage_fn, reason = DAMAGES[damage]
    faults = Faults()
    notices: list[str] = []
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        damage_fn(parts(db))
        before = len(hub.requests)
        result = crawl(source(hub.url), db, notice=notices.append)
        # pages 2, 3 and 4 (page 2's part was damaged: the run went back to the checkpoint after page 1)
        assert listing_pages_served(hub, before) == 3
    assert result.status == "complete" and result.resumed, result.error
    assert model_rows(db) == clean_rows
    [run] = runs(db)
    assert (run["pages"], run["items"], run["models"]) == (4, 4000, 4000)
    [warning] = [w for w in run["warning_samples"] if "00000002.parquet" in w]
    assert f"staged page 2 was damaged (00000002.parquet: {reason}" in warning
    assert "went on from page 2" in warning
    assert run["warnings"] == 1
    assert notices == [f"huggingface: {warning}"]
    assert not staging_path(db, "huggingface").exists()


def test_the_crawl_command_says_in_one_line_which_part_was_dropped(db: str, clean_rows: set[tuple]) -> None:
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        truncate(parts(db))
        out = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not has_traceback(out.stdout + out.stderr)
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("zoo: huggingface: staged page 2 was damaged (00000002.parquet: truncated: ")
    assert "huggingface: run 1 complete, 4,000 models" in out.stdout and "1 warnings" in out.stdout
    assert model_rows(db) == clean_rows


def test_a_part_damaged_before_the_merge_is_asked_again_in_the_same_crawl(
    db: str, clean_rows: set[tuple]
) -> None:
    """The parts are checked again before the merge: a part replaced while the crawl ran (page 1's copied
    over page 3's once the last page is saved) sends the crawl back to page 3, not into the merge."""
    damaged: list[int] = []

    def progress(p: Any) -> None:
        if p.pages == N_PAGES and not damaged:
            shutil.copyfile(parts(db) / "00000001.parquet", parts(db) / "00000003.parquet")
            damaged.append(p.pages)

    with FakeHub(MODELS) as hub:
        result = crawl(source(hub.url), db, progress=progress)
        assert listing_pages_served(hub, 0) == N_PAGES + 2  # pages 3 and 4 twice
    assert damaged and result.status == "complete", result.error
    assert model_rows(db) == clean_rows
    [run] = runs(db)
    assert (run["pages"], run["items"], run["models"], run["warnings"]) == (4, 4000, 4000, 1)
    assert "staged page 3 was damaged (00000003.parquet: replaced" in run["warning_samples"][0]


def test_parts_damaged_again_and_again_fail_the_run_in_one_line(db: str) -> None:
    """Something that keeps writing into the parts folder does not make the crawl ask forever: after two
    rounds the run fails, its pages kept."""

    def progress(p: Any) -> None:
        if p.pages == N_PAGES:
            shutil.copyfile(parts(db) / "00000001.parquet", parts(db) / "00000004.parquet")

    with FakeHub(MODELS) as hub:
        result = crawl(source(hub.url), db, progress=progress)
        assert listing_pages_served(hub, 0) == N_PAGES + 2  # page 4 asked three times
    assert result.status == "failed" and result.error is not None
    assert "\n" not in result.error
    assert result.error.startswith("StoreError: the staged parts in ")
    assert result.error.endswith(
        "were damaged again after their pages were asked 2 times; something else writes into that folder"
    )
    [run] = runs(db)
    assert run["status"] == "failed" and run["warnings"] == 3 and model_rows(db) == set()


@pytest.mark.parametrize("damaged", [False, True])
def test_parts_an_older_zoo_staged_without_records_still_resume(
    db: str, clean_rows: set[tuple], damaged: bool
) -> None:
    """An older zoo recorded nothing about its parts: they are merged as they are, unless a part cannot be
    read as one (truncated), which is dropped and asked again like any other."""
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        con = duckdb.connect(str(staging_path(db, "huggingface")))
        try:
            con.execute("DROP TABLE IF EXISTS stage_parts")
        finally:
            con.close()
        if damaged:
            truncate(parts(db))
        before = len(hub.requests)
        result = crawl(source(hub.url), db)
        assert listing_pages_served(hub, before) == (3 if damaged else 1)
    assert result.status == "complete" and result.resumed, result.error
    assert model_rows(db) == clean_rows
    [run] = runs(db)
    assert (run["pages"], run["models"]) == (4, 4000)
    warnings = [w for w in run["warning_samples"] if "00000002.parquet" in w]
    if damaged:
        assert len(warnings) == 1 and "not a readable Parquet file" in warnings[0]
    else:
        assert warnings == []


def test_the_merge_refuses_staged_rows_that_do_not_add_up(db: str, clean_rows: set[tuple]) -> None:
    """A part swapped between the check and the merge for a well-formed part of 500 rows: the merge
    counts the staged rows against the recorded ones and merges nothing; the next crawl drops that part
    and asks its page again."""
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 3)
        with CrawlLock(db):
            run = begin_run(db, "huggingface", source(hub.url).params())
            assert run.resumed and run.counters.pages == 3
            part = parts(db) / "00000002.parquet"
            pq.write_table(pq.read_table(part).slice(0, 500), part)
            with pytest.raises(StoreError) as refused:
                run.finish()
            run.fail(str(refused.value))
        message = str(refused.value)
        assert "\n" not in message
        assert message.startswith(
            "the staged rows do not add up: the parts hold 2,500 rows, the run's pages recorded 3,000"
        )
        assert model_rows(db) == set()  # nothing merged
        state = staged_state(staging_path(db, "huggingface"))
        assert state is not None and state["pages"] == 3  # the staging is kept for the next crawl
        result = crawl(source(hub.url), db)
    assert result.status == "complete", result.error
    assert model_rows(db) == clean_rows


# ------------------------------------------------------------------------------------------ symlinks


def test_a_staging_folder_that_is_a_link_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """Before: the crawl wrote its staging file and parts through the link, and never removed them."""
    db = str(tmp_path / "zoo.duckdb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Path(db + ".staging").symlink_to(elsewhere)
    with FakeHub(MODELS) as hub:
        with pytest.raises(StoreError, match="is a symbolic link") as refused:
            crawl(source(hub.url), db)
        assert hub.requests == []
    assert str(Path(db + ".staging")) in str(refused.value)
    assert list(elsewhere.iterdir()) == []


def test_a_parts_folder_that_is_a_link_is_refused_on_resume(db: str, tmp_path: Path) -> None:
    faults = Faults()
    with FakeHub(MODELS, faults=faults) as hub:
        fail_after(hub, faults, db, 2)
        elsewhere = tmp_path / "elsewhere"
        shutil.move(str(parts(db)), elsewhere)
        parts(db).symlink_to(elsewhere)
        held = sorted(p.name for p in elsewhere.iterdir())
        with pytest.raises(StoreError, match="huggingface.parts is a symbolic link"):
            crawl(source(hub.url), db)
        with pytest.raises(StoreError, match="is a symbolic link"):
            crawl(source(hub.url), db, restart=True)  # nor removed through the link by a restart
    assert sorted(p.name for p in elsewhere.iterdir()) == held == ["00000001.parquet", "00000002.parquet"]
    assert parts(db).is_symlink()


def test_the_crawl_command_refuses_a_linked_staging_folder_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "zoo.duckdb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Path(db + ".staging").symlink_to(elsewhere)
    with FakeHub(MODELS) as hub:
        out = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert out.returncode == 1, out.stdout + out.stderr
    assert not has_traceback(out.stdout + out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zoo: ") and "symbolic link" in lines[0], out.stderr
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------------------------ page reader folders


def page_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(("zoo-pages-", ".zoo-pages-")))


def test_the_page_folder_a_killed_crawl_left_is_removed_by_the_next_crawl_and_a_live_one_is_kept(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: each ``zoo crawl hf`` killed with -9 left its ``zoo-pages-…`` folder (~0.5 MB) in the
    temporary directory for good. Now the next reader removes the folders no live process holds; the
    folder of a reader that is alive (here, one in this process) stays."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = zoo_env(TMPDIR=str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # this process's reader uses the same folder
    live = PageReader(HUB, PLACEHOLDER_CREATED_AT)
    try:
        assert live.read(b"[]") is not None
        [live_folder] = page_folders(tmp)
        with RecordingHub(make_models(8 * 1000, seed=3), faults=Faults(latency=0.2)) as hub:
            proc = spawn_zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=env)
            try:
                assert hub.wait_answered(2, timeout=60), "the crawler asked for no page"
                for _ in range(600):  # the folder is made when the first page is read
                    if len(page_folders(tmp)) == 2 or proc.poll() is not None:
                        break
                    time.sleep(0.05)
            finally:
                os.kill(proc.pid, signal.SIGKILL)
                proc.communicate()
            left = [f for f in page_folders(tmp) if f != live_folder]
            assert len(left) == 1 and left[0].startswith("zoo-pages-locked-"), page_folders(tmp)
            # an older zoo never locked its folders: one it left two hours ago goes, one it is using stays
            two_hours_ago = time.time() - 7200
            for name in ("zoo-pages-olderzoo", "zoo-pages-busyoldz"):
                (tmp / name).mkdir()
                (tmp / name / "page-1.json").write_bytes(b"[]")
            for path in (tmp / "zoo-pages-olderzoo" / "page-1.json", tmp / "zoo-pages-olderzoo"):
                os.utime(path, (two_hours_ago, two_hours_ago))
            # a folder whose process died while setting it up, long ago, goes; one just made stays
            (tmp / ".zoo-pages-new-died").mkdir()
            os.utime(tmp / ".zoo-pages-new-died", (two_hours_ago, two_hours_ago))
            (tmp / ".zoo-pages-new-settingup").mkdir()
            done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db, env=env)
            assert done.returncode == 0, done.stdout + done.stderr
        kept = [".zoo-pages-new-settingup", "zoo-pages-busyoldz"]
        assert page_folders(tmp) == sorted([*kept, live_folder])
        assert live.read(b"[]") is not None  # the live reader's folder was left alone
    finally:
        live.close()
    assert page_folders(tmp) == kept
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"]
