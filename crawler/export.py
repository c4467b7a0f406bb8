"""``zoo export DIR``: Hive-partitioned Parquet that DuckDB, pandas, polars, Spark or Trino read in place.

Layout (one partition per hub and per UTC day that has a complete run)::

    DIR/models/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet        state at the end of that day
    DIR/observations/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet  changes logged by that day's runs
    DIR/runs/hub=<hub>/snapshot_date=<YYYY-MM-DD>/data.parquet          that day's crawl runs

What each file holds is decided by SQL, not here: the views ``export_partitions``, ``export_models``,
``export_observations`` and ``export_runs`` of ``sql/views/export_datasets.sql``. ``models`` is a full
snapshot with the derived columns (``counted``, the framework classes and flags, the creation periods)
that let any engine compute zoo's figures with a plain GROUP BY.

Incremental and idempotent: every file carries, in its Parquet footer (key ``zoo.export``), the complete
runs of its day and a fingerprint of the SQL definitions it was computed with. A file whose stamp matches
is left alone; a day that got a later complete run, or a dataset whose definitions changed (a new zoo
version), is rewritten; a missing or unreadable file is written. Files are written to a temporary name in
the same folder and renamed, so a reader (or another export) sees a partition whole or not at all.
Two exports into one folder take turns (an ``flock`` on the folder itself, no lock file).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from .settings import env_number
from .store import _sql_fingerprint, _view_files

DATASETS = ("models", "observations", "runs")
#: The footer key of a file's stamp, and the version of the layout (bumped when Python-side choices change).
STAMP_KEY = b"zoo.export"
LAYOUT_VERSION = 2
#: One query per dataset: the view's rows of one hub and day. Constant text; only parameters vary.
QUERIES = {
    "models": "SELECT * EXCLUDE (hub) FROM export_models($day) WHERE hub = $hub ORDER BY key",
    "observations": "SELECT * EXCLUDE (hub) FROM export_observations($day) WHERE hub = $hub ORDER BY run_id, key",
    "runs": "SELECT * EXCLUDE (hub) FROM export_runs($day) WHERE hub = $hub ORDER BY run_id",
}
#: The view (table macro) each dataset is read from: its definitions are fingerprinted.
MACROS = {"models": "export_models", "observations": "export_observations", "runs": "export_runs"}
_BATCH_ROWS = 100_000


class ExportError(RuntimeError):
    """A problem the user can act on (the folder is busy, not writable, …); the message says which."""


@dataclass
class ExportResult:
    written: list[Path]  # partition files that were not there
    skipped: int  # partition files already up to date
    rewritten: list[Path] = field(default_factory=list)  # replaced: a later run of that day, new definitions


# ------------------------------------------------------------------------------------ the stamps


_CREATES = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:VIEW|MACRO)\s+(\w+)", re.IGNORECASE)


def _sql_units() -> dict[str, str]:
    """Every view and macro of ``sql/views``: name → the statement that creates it, comments and spacing
    dropped (the database's views are made from these files, see :func:`crawler.store.migrate`)."""
    out: dict[str, str] = {}
    for _, text in _view_files():
        body = " ".join(re.sub(r"--[^\n]*", " ", text).split())
        starts = list(_CREATES.finditer(body))
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
            out[match.group(1).lower()] = body[match.start() : end]
    return out


def definition_fingerprint(con: duckdb.DuckDBPyConnection, dataset: str) -> str:
    """A hash of what a dataset's rows are computed by: the statement of its view and of every view or
    macro that one uses, in turn (found by name), and the names and types of its columns. If the
    database's views are not (yet) this version's, that is part of the hash too, so the files are
    written again."""
    units = _sql_units()
    names = sorted(units, key=len, reverse=True)
    todo, seen = [MACROS[dataset]], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in units:
            continue
        seen.add(name)
        body = units[name]
        todo += [n for n in names if n not in seen and re.search(rf"(?<![\w.]){re.escape(n)}(?!\w)", body)]
    h = hashlib.sha256(f"layout {LAYOUT_VERSION}\0".encode())
    for text in sorted({units[name] for name in seen}):
        h.update(text.encode() + b"\0")
    rel = con.sql(QUERIES[dataset], params={"day": date(2000, 1, 1), "hub": ""})
    h.update(repr(list(zip(rel.columns, map(str, rel.types), strict=True))).encode())
    try:
        rows = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchall()
    except duckdb.CatalogException:
        rows = []
    if rows != [(_sql_fingerprint(),)]:
        h.update(f"database views {rows}".encode())
    return h.hexdigest()[:16]


def _stamp(runs: list[int], fingerprint: str) -> bytes:
    return json.dumps({"runs": runs, "definition": fingerprint}, sort_keys=True).encode()


def _stamp_of(path: Path) -> bytes | None:
    """The stamp in a file's footer; None if there is none or the file cannot be read as Parquet."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path).metadata or {}
    except Exception:  # truncated or not Parquet at all: rewrite it
        return None
    return meta.get(STAMP_KEY)


# ------------------------------------------------------------------------------------ writing


def _write(con: duckdb.DuckDBPyConnection, dataset: str, params: dict, target: Path, stamp: bytes) -> None:
    """Write one partition file: batches into a temporary file in the same folder, then one rename."""
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        reader = con.sql(QUERIES[dataset], params=params).to_arrow_reader(_BATCH_ROWS)
        schema = reader.schema.with_metadata({**(reader.schema.metadata or {}), STAMP_KEY: stamp})
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
        os.replace(tmp, target)  # a partition appears whole or not at all
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def _folder_lock(folder: Path, wait: float) -> Iterator[bool]:
    """Take turns with another export into the same folder: ``flock`` on the folder itself (no lock file
    to leave behind). Yields False where the file system has no such locks; the renames still keep every
    partition whole then."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield False
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ExportError(
                        f"another zoo export is writing {folder} and did not finish within {wait:.0f} s "
                        "(ZOO_LOCK_WAIT); try again later"
                    ) from None
                time.sleep(0.1)
            except OSError:  # the file system does not lock
                yield False
                return
        yield True
    finally:
        os.close(fd)


def _remove_leftovers(out: Path) -> None:
    """Temporary files of an export that was killed (only while holding the folder's lock)."""
    for name in DATASETS:
        for pattern in (".*.tmp", "*.parquet.tmp"):  # this version's names, and older versions'
            for tmp in (out / name).glob(f"hub=*/snapshot_date=*/{pattern}"):
                tmp.unlink(missing_ok=True)


def export(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, wait: float | None = None) -> ExportResult:
    """Write every (hub, day) partition that ``out_dir`` lacks or holds out of date; see the module doc.

    ``wait``: seconds to wait for another export into the same folder (default ``$ZOO_LOCK_WAIT``, 60).
    Raises :class:`ExportError` (or ``OSError`` for a folder that cannot be written).
    """
    out = Path(out_dir)
    if wait is None:
        wait = env_number("ZOO_LOCK_WAIT")
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult([], 0)
    partitions = [(r[0], r[1], list(r[2])) for r in con.execute("SELECT * FROM export_partitions").fetchall()]
    fingerprints = {name: definition_fingerprint(con, name) for name in DATASETS}
    with _folder_lock(out, wait) as locked:
        if locked:
            _remove_leftovers(out)
        for hub, day, runs in partitions:
            for name in DATASETS:
                target = out / name / f"hub={hub}" / f"snapshot_date={day.isoformat()}" / "data.parquet"
                stamp = _stamp(runs, fingerprints[name])
                exists = target.exists()
                if exists and _stamp_of(target) == stamp:
                    result.skipped += 1
                    continue
                _write(con, name, {"hub": hub, "day": day}, target, stamp)
                (result.rewritten if exists else result.written).append(target)
    return result
