"""A full disk and a read-only database under a real ``zoo crawl hf``: one clear line, a non-zero exit, the
checkpoint intact, and the next run (space and permissions back) resumes and completes with exact counts.

* Disk full: the crawler runs with ``RLIMIT_FSIZE`` (SIGXFSZ ignored), so a write past the limit fails
  with EFBIG exactly where a full disk fails with ENOSPC. Three limits put the failure in three places:
  staging at the very start (the first page), staging mid-crawl, and the final merge into the main file.
  A page's model rows are staged as a Parquet part of their own, so the write that fails while staging
  is the part of a page larger than any written before it (the Hub's pages differ in size: repos with
  many files); the fake Hub here serves two such pages (:data:`HEAVY_PAGES`).
* Read-only: the database file made immutable (``chattr +i``) while the crawl runs, so the final merge
  cannot open it; and the database folder bind-mounted read-only in a private mount namespace.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.store import parts_folder, staging_path
from tests.conftest import copy_template
from tests.fakes.faults import (
    RecordingHub,
    Seen,
    has_traceback,
    model_rows,
    refetched_pages,
    runs,
    staged_state,
    zoo,
    zoo_argv,
    zoo_env,
)
from tests.fakes.hub import make_models
from tests.fakes.zygote import Zygote

# its tests share a module fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("faults_disk")

N_PAGES = 8
N_MODELS = N_PAGES * 1000
#: Pages whose repos hold more files: extra file names per model (each a long random name, so that a few
#: names make many bytes: the merge matches each distinct name against the file rules, the cost is per
#: name). A page of these 1,000 models stages as a part of ~130 kB; page 1's part is ~0.49 MB and page 4's
#: ~1.48 MB, so a full disk can strike while staging the first page, or mid-crawl after three pages were
#: saved.
HEAVY_PAGES = {1: 2, 4: 8}
#: Hex digits of each extra file name (plus ``shards/`` and ``.safetensors``).
HEAVY_NAME_DIGITS = 160
#: RLIMIT_FSIZE that makes the first write past it fail, by where it fails (sizes of the files zoo writes
#: for these 8 pages; the test checks that the failure really happened in that place). Before the model
#: rows were staged as parts, one staging DuckDB file held every page and grew past 300 kB on the first
#: page and past 3 MB mid-crawl; the parts are the staging writes that grow with a page now.
LIMITS = {
    # the first migration (schema and views) writes about 340 KB (a limit of 300 kB fails it); the first
    # page's part (~0.49 MB) fails
    "main database at start": 400_000,
    # pages 1-3 stage within 0.5 MB per file; page 4's part (~1.48 MB) fails
    "staging file mid-crawl": 1_000_000,
    # every part (at most ~1.48 MB) and the staging file (~1.3 MB) are below; the merge's writes to the
    # main database's write-ahead log pass 12 MB
    "merge into the main database": 4_000_000,
}
CAUSE = re.compile(r"File too large|No space left on device")


def _models() -> list[dict]:
    """The synthetic models, newest first as listed, with the repos of :data:`HEAVY_PAGES` given more
    (distinct) file names."""
    models = make_models(N_MODELS, seed=1)
    for i, model in enumerate(models):
        extra = HEAVY_PAGES.get(i // 1000 + 1, 0)
        if extra:
            rng = random.Random(i)
            digits = HEAVY_NAME_DIGITS
            shards = [f"shards/{rng.getrandbits(4 * digits):0{digits}x}.safetensors" for _ in range(extra)]
            model["siblings"] = (*model["siblings"], *shards)
    return models


@pytest.fixture(scope="module")
def hub() -> Iterator[RecordingHub]:
    with RecordingHub(_models()) as server:
        yield server


def _staged_part(db: str) -> re.Pattern[str]:
    """A part of the staging of ``db``'s Hugging Face run: the file a full disk stops while staging."""
    return re.compile(re.escape(str(parts_folder(staging_path(db, "huggingface")))) + r"/\d{8}\.parquet")


@pytest.fixture(scope="module")
def clean_db(hub: RecordingHub, template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The crawl the resumed ones must equal (into a copy of the migrated template)."""
    db = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    copy_template(template_db, db)
    done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", str(db))
    assert done.returncode == 0, done.stdout + done.stderr
    return str(db)


@functools.cache
def _clean_rows(clean_db: str) -> frozenset[tuple]:
    return frozenset(model_rows(clean_db))


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    """The parent the crawlers of these tests are forked from (real processes that skip the imports: a
    file-size limit, a kill and a read-only file are what they meet, not their start)."""
    with Zygote() as parent:
        yield parent


def _lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _assert_resumes_to_a_complete_run(hub: RecordingHub, db: str, clean_db: str, earlier: list[Seen]) -> None:
    """The next crawl, unhindered, resumes the checkpoint and ends with exactly the clean crawl's rows;
    over the crawls on ``db`` before it (their requests: ``earlier``) and this one, at most two pages
    were answered again."""
    state = staged_state(staging_path(db, "huggingface"))
    start = len(hub.seen())
    done = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resumed" in done.stdout
    resumed_pages = [s.page for s in hub.seen()[start:] if s.status == 200]
    saved = 0 if state is None else state["pages"]
    if state is not None and state["done"]:  # every page was staged: only the merge was left
        assert resumed_pages == []
    else:
        if saved:  # it started exactly at the saved checkpoint
            assert state is not None and state["checkpoint"].endswith(hub.seen()[start].path)
        assert len(resumed_pages) == len(set(resumed_pages)) == N_PAGES - saved  # each page once
    assert sum(refetched_pages(earlier + hub.seen()[start:]).values()) <= 2
    [run] = runs(db)
    assert run["status"] == "complete" and run["resumed"] is True and run["error"] is None
    assert (run["pages"], run["items"], run["models"]) == (N_PAGES, N_MODELS, N_MODELS)
    assert model_rows(db) == _clean_rows(clean_db)
    assert not staging_path(db, "huggingface").exists()


# ------------------------------------------------------------------------------------------ disk full


def _zoo_on_a_full_disk(zygote: Zygote, where: str, *args: str) -> subprocess.CompletedProcess:
    """``zoo ARGS`` in a process of its own: the file-size limit that plays the full disk is set in the
    child alone (in this process it would stop the tests)."""
    return zygote.run(*args, file_size_limit=LIMITS[where])


@dataclass(frozen=True)
class FullDisk:
    """A crawl into a new database that ran into a full disk: its output, and what it asked the Hub."""

    done: subprocess.CompletedProcess
    db: str  # the database it wrote (with its staging beside it): tests only read it, or copy it
    requests: list[Seen]


@pytest.fixture(scope="module")
def full_disk(
    hub: RecordingHub, zygote: Zygote, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], FullDisk]:
    """``full_disk(where)``: the crawl that fails where that limit puts the failure, run once for the
    module; the tests of one place read what the same failure left behind (a test that resumes it does
    so on a copy of the files: :func:`_copy_of`)."""
    crawls: dict[str, FullDisk] = {}

    def get(where: str) -> FullDisk:
        if where not in crawls:
            db = str(tmp_path_factory.mktemp("full_disk") / "zoo.duckdb")
            first = len(hub.seen())
            done = _zoo_on_a_full_disk(zygote, where, "crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
            crawls[where] = FullDisk(done, db, hub.seen()[first:])
        return crawls[where]

    return get


def _copy_of(db: str, folder: Path) -> str:
    """A byte copy of the folder of ``db`` (the database, its write-ahead log, the staging file and its
    parts) in ``folder``: the state the failed crawl left, for a test to resume."""
    shutil.copytree(Path(db).parent, folder)
    return str(folder / Path(db).name)


@pytest.mark.parametrize("where", list(LIMITS))
def test_disk_full_fails_in_one_line_keeps_the_checkpoint_and_resumes(
    where: str, hub: RecordingHub, clean_db: str, full_disk: Callable[[str], FullDisk], tmp_path: Path
) -> None:
    failed = full_disk(where)
    db = _copy_of(failed.db, tmp_path / "data")
    done = failed.done
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert not has_traceback(output), output
    assert len(_lines(done)) == 1, output
    assert "failed" in output or "cannot write" in output

    # the failure happened where this limit puts it, and what was saved before it is intact
    state = staged_state(staging_path(db, "huggingface"))
    assert state is not None and state["rows"] == state["items"] == 1000 * state["pages"]
    assert state["row_pages"] == state["pages"]
    if where == "main database at start":
        assert state["pages"] <= 1
    elif where == "staging file mid-crawl":
        assert 0 < state["pages"] < N_PAGES and state["checkpoint"] is not None
    else:
        assert state["pages"] == N_PAGES and state["done"] and state["checkpoint"] is None
    [run] = runs(db)
    assert run["status"] in ("running", "failed")
    _assert_resumes_to_a_complete_run(hub, db, clean_db, failed.requests)


@pytest.mark.parametrize(
    "where",
    [
        "main database at start",
        "staging file mid-crawl",
        "merge into the main database",
    ],
)
def test_disk_full_error_names_the_cause(where: str, full_disk: Callable[[str], FullDisk]) -> None:
    db, done = full_disk(where).db, full_disk(where).done
    assert done.returncode == 1
    assert CAUSE.search(done.stdout + done.stderr), done.stdout + done.stderr
    failed = [r for r in runs(db) if r["error"]]
    assert all(CAUSE.search(r["error"]) for r in failed), failed


@pytest.mark.parametrize("where", ["main database at start", "staging file mid-crawl"])
def test_disk_full_reports_the_first_error_and_ends_the_run_failed(
    where: str, full_disk: Callable[[str], FullDisk]
) -> None:
    """The staging is what filled up: the line names the file (the part of the page being staged, not
    the main database, whose write while recording the failure came second), and the run is recorded
    failed, not running."""
    db, done = full_disk(where).db, full_disk(where).done
    assert done.returncode == 1
    [line] = _lines(done)
    assert line.startswith("huggingface: run 1 failed") and CAUSE.search(line), line
    assert _staged_part(db).search(line), line
    assert f'"{db}.wal"' not in line, line
    [run] = runs(db)
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert _staged_part(db).search(run["error"]) and CAUSE.search(run["error"])


# ------------------------------------------------------------------------------------------ read-only


def _chattr(flag: str, path: str) -> None:
    subprocess.run(["chattr", flag, path], check=True, capture_output=True)


def test_immutable_database_fails_in_one_line_and_resumes_after(
    hub: RecordingHub, clean_db: str, zygote: Zygote, tmp_path: Path
) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    try:
        _chattr("+i", str(probe))
        _chattr("-i", str(probe))
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"this file system does not support chattr +i: {exc.stderr.strip()}")

    db = str(tmp_path / "zoo.duckdb")
    first = len(hub.seen())
    proc = zygote.spawn("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    try:
        # once the first page is answered the run has begun (the main file is closed): freeze the file
        assert hub.wait_answered(1, timeout=60, since=first)
        _chattr("+i", db)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, out + err
        assert not has_traceback(out + err), out + err
        lines = [line for line in (out + err).splitlines() if line.strip()]
        assert len(lines) == 1 and "cannot open the database" in lines[0], lines
        assert "Operation not permitted" in lines[0] or "Permission denied" in lines[0]

        # every page was staged; the merge could not open the file, so the run is still resumable
        stage = staging_path(db, "huggingface")
        state = staged_state(stage)
        assert state is not None and state["done"] and state["pages"] == N_PAGES
        before = _digest(stage), _digest(Path(db))
        requests = len(hub.seen())
        again = zoo("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)  # still frozen: fails at once
        assert again.returncode == 1 and len(_lines(again)) == 1, again.stdout + again.stderr
        assert not has_traceback(again.stdout + again.stderr)
        assert len(hub.seen()) == requests  # it asked the Hub nothing
        assert (_digest(stage), _digest(Path(db))) == before
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        subprocess.run(["chattr", "-i", db], check=False, capture_output=True)
    assert runs(db)[0]["status"] == "running"  # the failure could not even be recorded: still resumable
    _assert_resumes_to_a_complete_run(hub, db, clean_db, hub.seen()[first:])


def _ro_namespace_works(folder: Path) -> str | None:
    """None if a read-only bind mount in a private mount namespace works here, else why not."""
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    probe = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount --bind -o ro "$1" "$1" && ! touch "$1/x"',
            "sh",
            str(folder),
        ],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"no private read-only bind mount here: {probe.stderr.strip() or probe.returncode}"
    return None


def test_read_only_database_folder_fails_in_one_line_and_resumes_after(
    hub: RecordingHub, clean_db: str, zygote: Zygote, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    why = _ro_namespace_works(folder)
    if why:
        pytest.skip(why)
    db = str(folder / "zoo.duckdb")
    first = len(hub.seen())

    # a crawl killed after a few pages leaves a checkpoint behind
    proc = zygote.spawn("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    assert hub.wait_answered(3, timeout=60, since=first)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    stage = staging_path(db, "huggingface")
    state = staged_state(stage)
    assert state is not None and 0 < state["pages"] < N_PAGES
    before = {p.name: _digest(p) for p in folder.rglob("*") if p.is_file()}

    # the same crawl with the folder read-only (private mount namespace: nothing leaks out of the test)
    requests = len(hub.seen())
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(folder)]
    argv += zoo_argv("crawl", "hf", "--hf-endpoint", hub.url, "--db", db)
    done = subprocess.run(argv, env=zoo_env(), capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert not has_traceback(output), output
    assert len(_lines(done)) == 1, output
    assert "Read-only file system" in output and db in output
    assert len(hub.seen()) == requests  # nothing was asked of the Hub
    assert {p.name: _digest(p) for p in folder.rglob("*") if p.is_file()} == before

    _assert_resumes_to_a_complete_run(hub, db, clean_db, hub.seen()[first:])
