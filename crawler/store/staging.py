"""A crawl's staging (writer side): the staging file's tables, the page parts (naming, durable writing,
checking against what their pages recorded, pruning), going back to before a damaged part, refusing
links, opening and removing a staging file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..merge import one_row
from ..sources.records import MODEL_COLUMNS
from .arrow import _PART_SCHEMA
from .errors import StoreError, _rollback
from .limits import WARNING_SAMPLES, lock_wait_seconds
from .opening import _open
from .paths import parts_folder, staging_path

#: The staged record columns: the model's columns with their types (extra as text, cast when merged).
#: ``stage_models`` stays empty: model rows are staged as Parquet parts. Staging files of an older zoo hold
#: their pages' rows there, and the merge reads them together with the parts of the pages staged since.
_STAGE_COLUMNS = ", ".join(f"{c.name} {'VARCHAR' if c.sql == 'JSON' else c.sql}" for c in MODEL_COLUMNS)
_STAGE_DDL = f"""
CREATE TABLE IF NOT EXISTS stage_run (
    run_id BIGINT, source VARCHAR, params JSON, checkpoint VARCHAR, done BOOLEAN,
    pages BIGINT, items BIGINT, requests BIGINT, warnings BIGINT, warning_samples VARCHAR[],
    end_status VARCHAR, end_error VARCHAR, ended_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS stage_models (
    page BIGINT, seq BIGINT, {_STAGE_COLUMNS}
);
CREATE TABLE IF NOT EXISTS stage_children (page BIGINT, tbl VARCHAR, row_json VARCHAR);
CREATE TABLE IF NOT EXISTS stage_checkpoints (page BIGINT, checkpoint VARCHAR);
CREATE TABLE IF NOT EXISTS stage_notes (page BIGINT, note VARCHAR);
CREATE TABLE IF NOT EXISTS stage_parts (
    page BIGINT, rows BIGINT, items BIGINT, warnings BIGINT, bytes BIGINT, sha256 VARCHAR
);
"""
#: The columns that say how a run ended when the main database could not be told (it was kept open by
#: a reader, or could not be written); a staging file of an older zoo gets them when it is resumed.
_STAGE_END_COLUMNS = """
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS end_status VARCHAR;
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS end_error VARCHAR;
ALTER TABLE stage_run ADD COLUMN IF NOT EXISTS ended_at TIMESTAMPTZ;
"""


#: A staged part's name: the page number, 8 digits. Anything else in the folder is not a part (a
#: ``.tmp`` file is a part being written, or left behind by a crawl that died while writing it).
_PART_NAME = re.compile(r"(\d{8})\.parquet")
#: Parquet options of a part, the cheapest in CPU measured on pages of 1,000 models with file names
#: (a part is written once and read once, by the merge): LZ4, no dictionary, no statistics, the page as
#: one row group. 2.4–2.5 ms per page with the fsyncs (uncompressed 2.8–3.2, snappy 2.9–3.4, with
#: dictionaries 3.4–4.9, with statistics +1 ms), 133 kB per page (uncompressed 542 kB).
_PART_OPTIONS: dict[str, Any] = {"compression": "lz4", "use_dictionary": False, "write_statistics": False}


def committed_parts(folder: Path, pages: int) -> list[Path]:
    """The parts of pages 1…``pages`` (the committed ones) in ``folder``, by page number."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if match is not None and int(match[1]) <= pages:
            found.append((int(match[1]), path))
    return [path for _, path in sorted(found)]


def _prune_parts(folder: Path, pages: int) -> None:
    """Delete the parts of pages that were never committed (above ``pages``) and unfinished parts."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = _PART_NAME.fullmatch(path.name)
        if (match is not None and int(match[1]) > pages) or (
            path.name.endswith(".parquet.tmp") and _PART_NAME.fullmatch(path.name[: -len(".tmp")])
        ):
            if path.is_dir() and not path.is_symlink():  # a folder put where a part belongs
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_part(folder: Path, page_no: int, table: pa.Table) -> tuple[int, str]:
    """Write a page's rows as its part, durably: a temporary name, fsync, rename, fsync of the folder.
    Returns the part's size and the SHA-256 of its bytes, which the page's commit records."""
    path = folder / f"{page_no:08d}.parquet"
    tmp = folder / f"{page_no:08d}.parquet.tmp"
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=max(1, table.num_rows), **_PART_OPTIONS)
    data = sink.getvalue()
    digest = hashlib.sha256(data).hexdigest()  # 0.08 ms for a part of 133 kB
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(folder)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        reason = exc.strerror or str(exc)
        raise StoreError(f'could not write the staged page "{path}": {reason}') from exc
    return data.size, digest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class DamagedPart:
    """A committed page whose part is not the one the page wrote."""

    page: int
    path: Path
    reason: str


def _part_damage(path: Path | None, record: tuple[int, int | None, str | None] | None) -> str | None:
    """Why the part at ``path`` (None: there is none) is not what its page recorded (``rows``, ``bytes``,
    ``sha256``; None for a page staged by an older zoo, which recorded nothing), or None when it is."""
    if record is None:  # an older zoo's part: it must at least be a readable part with zoo's columns
        if path is None:
            return None
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException) as exc:
            first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            return f"not a readable Parquet file: {first}"
        if schema.names != _PART_SCHEMA.names:
            return "its columns are not those of a staged page"
        return None
    _, size, digest = record
    if size is None:  # the page staged no model rows, so it wrote no part
        return None if path is None else "its page staged no models, so no part belongs there"
    if path is None:
        return "missing"
    if not path.is_file():
        return "not a file"
    try:
        actual = path.stat().st_size
        if actual == size and _sha256(path) == digest:
            return None
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:  # what it is instead
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        if actual < size:
            return f"truncated: {actual:,} bytes of the {size:,} written"
        return "not a readable Parquet file"
    if schema.names != _PART_SCHEMA.names:
        return "replaced by a file with other columns"
    return "replaced: its bytes are not those its page wrote (checksum)"


def check_parts(stage: duckdb.DuckDBPyConnection, folder: Path, pages: int) -> DamagedPart | None:
    """The first of the committed pages 1…``pages`` whose part is missing, truncated, replaced or foreign
    (checked against the size and SHA-256 its commit recorded), or None when every part is its page's."""
    recorded = {
        int(page): (int(rows), size, digest)
        for page, rows, size, digest in stage.execute(
            "SELECT page, rows, bytes, sha256 FROM stage_parts WHERE page <= ?", [pages]
        ).fetchall()
    }
    files = {int(p.name[:8]): p for p in committed_parts(folder, pages)}
    for page in sorted(recorded.keys() | files.keys()):
        path = files.get(page)
        reason = _part_damage(path, recorded.get(page))
        if reason is not None:
            return DamagedPart(page, path or folder / f"{page:08d}.parquet", reason)
    return None


def rewind_to_damage(stage: duckdb.DuckDBPyConnection, folder: Path, damaged: DamagedPart) -> str:
    """Forget the damaged page and every page after it: the run goes back to the last checkpoint saved
    before it (a listing can only be resumed forward from a checkpoint), so those pages are asked again.
    Counters lose what those pages added (requests stay: they were spent), and the run gets a warning,
    which is returned."""
    keep = damaged.page - 1
    checkpoint: str | None = None
    while keep > 0:  # a staging file of an older zoo may lack some pages' checkpoints
        row = stage.execute(
            "SELECT checkpoint FROM stage_checkpoints WHERE page = ? AND checkpoint IS NOT NULL", [keep]
        ).fetchone()
        if row is not None:
            checkpoint = str(row[0])
            break
        keep -= 1
    message = (
        f"staged page {damaged.page:,} was damaged ({damaged.path.name}: {damaged.reason}); it was dropped "
        f"and the run went on from page {keep + 1:,}, asking the hub for it again"
    )
    stage.execute("BEGIN")
    try:
        items, warnings = one_row(
            stage.execute(
                "SELECT coalesce(sum(items), 0), coalesce(sum(warnings), 0) FROM stage_parts WHERE page > ?",
                [keep],
            )
        )
        stage.execute("DELETE FROM stage_parts WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_models WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_children WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_checkpoints WHERE page > ?", [keep])
        stage.execute("DELETE FROM stage_notes WHERE page > ?", [keep])
        stage.execute(
            "UPDATE stage_run SET checkpoint = $checkpoint, done = false, pages = $keep, "
            "items = items - $items, warnings = warnings - $warnings + 1, "
            "warning_samples = CASE WHEN len(coalesce(warning_samples, [])) < $max "
            "THEN list_append(coalesce(warning_samples, []), $message) ELSE warning_samples END",
            {
                "checkpoint": checkpoint,
                "keep": keep,
                "items": int(items),
                "warnings": int(warnings),
                "max": WARNING_SAMPLES,
                "message": message,
            },
        )
        stage.execute("COMMIT")
    except BaseException:
        _rollback(stage)
        raise
    _prune_parts(folder, keep)  # after the commit: a crash in between leaves parts the resume prunes
    return message


def refuse_links(db: str, source: str) -> None:
    """Refuse a staging folder, parts folder or staging file that is a symbolic link: zoo would write
    through it into another place, and could not remove what it wrote there (``rmtree`` does not
    follow a link)."""
    spath = staging_path(db, source)
    for path in (spath.parent, parts_folder(spath), spath):
        if path.is_symlink():
            raise StoreError(
                f"{path} is a symbolic link; zoo stages a crawl only in real files and folders beside the "
                "database: remove the link and crawl again"
            )


def _remove_staging(db: str, source: str) -> None:
    path = staging_path(db, source)
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    parts = parts_folder(path)
    if parts.is_symlink():  # rmtree refuses a link (silently, here): remove the link, never its target
        parts.unlink()
    shutil.rmtree(parts, ignore_errors=True)


#: WAL size after which the staging file is checkpointed (DuckDB's default is 16MB): each checkpoint of
#: the staging file costs a fixed share of work, and pages are committed one by one.
STAGE_CHECKPOINT_THRESHOLD = "64MB"


def _open_stage(spath: Path) -> duckdb.DuckDBPyConnection:
    """Open a staging file for writing (waiting like for the main file while `zoo runs` reads it)."""
    stage = _open(str(spath), False, lock_wait_seconds())
    stage.execute(f"SET checkpoint_threshold = '{STAGE_CHECKPOINT_THRESHOLD}'")
    return stage


def _staged_run_id(spath: Path) -> int | None:
    if not spath.exists():
        return None
    try:
        con = duckdb.connect(str(spath))
    except duckdb.Error:
        return None
    try:
        row = con.execute("SELECT run_id FROM stage_run").fetchone()
        return int(row[0]) if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()
