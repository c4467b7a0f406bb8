"""The fast path of the Hugging Face listing: DuckDB turns a page's raw JSON into Arrow rows.

A listing page with file names is about 800 kB of JSON holding some 12,000 small objects. Building a
Python object for each of them (``orjson.loads``), checking it (:func:`~.huggingface.normalise`) and
turning the records back into Arrow columns cost about 25 ms of CPU per page of 1,000 models. Here
DuckDB's JSON reader (``read_json`` with the columns given, so nothing is sniffed) parses the page and
casts it into the model's columns in C++, outside the GIL, in a few milliseconds, and hands an Arrow table
to the store.

**Where validation happens.** The field rules (what is an odd value, what is dropped, which warning says
so) live in the Python code: :func:`crawler.sources.huggingface.normalise` (types, names, dates) and
:func:`crawler.sources.records.check_page` (column ranges, plausible dates, for every source). This module never warns and never
drops anything: it only *accepts* a page whose every item is certainly clean, i.e. one on which the
Python rules would keep every value as it is and warn about nothing, and it gives ``None`` for any other
page, which then goes through the Python normaliser item by item (same rows, same warnings). A page is
accepted when

* the page's JSON structure (``json_structure``, the union of every item's keys and types) has only the
  listing's fields, each with the JSON type of a clean value (:data:`_CLEAN_TYPES`; numbers that are not
  64-bit integers, strings where a number belongs, lists of something else... all leave the fast path),
* and every row passes :data:`_ROW_OK` (names present and non-empty, dates in the Hub's ISO form with a
  time zone, ``created_at`` within :func:`~crawler.sources.records.check_page`'s plausible window and
  ``last_modified`` in years 1000 … 9998, no null tag or file name, ``gated`` a boolean or a string),
* and DuckDB read it without an error (a value out of BIGINT's range, malformed JSON).

A rule added to either must be mirrored here as a condition that sends the page to the Python path
(:data:`_ROW_OK`, or :data:`_CLEAN_TYPES`; BIGINT's range needs none: DuckDB's cast fails beyond it); the test
``tests/test_hf_pages.py`` checks that both paths give the same rows on clean pages and that odd pages
leave the fast path.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from datetime import datetime, timezone
from typing import Any

import duckdb
import pyarrow as pa

from .records import PLAUSIBLE_AHEAD, PLAUSIBLE_SINCE

#: The JSON types (as ``json_structure`` names them) of clean values, per field. A field absent from the
#: page is fine (the Python path reads it as missing too); ``modelId`` is ignored by both paths.
_STR = frozenset({"VARCHAR", "NULL"})
_INT = frozenset({"UBIGINT", "BIGINT", "NULL"})
_CLEAN_TYPES: dict[str, Any] = {
    "_id": frozenset({"VARCHAR"}),
    "id": frozenset({"VARCHAR"}),
    "modelId": None,  # any
    "createdAt": frozenset({"VARCHAR"}),
    "lastModified": frozenset({"VARCHAR"}),
    "library_name": _STR,
    "pipeline_tag": _STR,
    "author": _STR,
    "sha": _STR,
    "tags": (["VARCHAR"], ["NULL"]),
    "downloads": _INT,
    "downloadsAllTime": _INT,
    "likes": _INT,
    "private": frozenset({"BOOLEAN", "NULL"}),
    "gated": None,  # checked per row (a boolean or a string)
    "siblings": ([{"rfilename": "VARCHAR"}], ["NULL"], "NULL"),
}

#: The columns DuckDB reads (no sniffing); ``gated`` stays JSON so its type can be checked per row.
_READ_COLUMNS = {
    "_id": "VARCHAR",
    "id": "VARCHAR",
    "createdAt": "VARCHAR",
    "lastModified": "VARCHAR",
    "library_name": "VARCHAR",
    "pipeline_tag": "VARCHAR",
    "author": "VARCHAR",
    "sha": "VARCHAR",
    "tags": "VARCHAR[]",
    "downloads": "BIGINT",
    "downloadsAllTime": "BIGINT",
    "likes": "BIGINT",
    "private": "BOOLEAN",
    "gated": "JSON",
    "siblings": "STRUCT(rfilename VARCHAR)[]",
}

#: An ISO date as the Hub writes it, with a time zone; DuckDB and ``datetime.fromisoformat`` read such a
#: string alike.
_ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"


def _iso_ok(column: str) -> str:
    """``column`` is a date in the Hub's form (milliseconds, ``Z``), else of the general ISO shape; a
    string of that shape that is no date makes the cast fail, and the page leaves the fast path."""
    return (
        f"({column} LIKE '____-__-__T__:__:__.___Z' OR {column} LIKE '____-__-__T__:__:__Z' "
        f"OR regexp_full_match({column}, '{_ISO}'))"
    )


#: Per row: every value is one the Python rules keep unchanged without a warning.
_ROW_OK = f"""
    "_id" IS NOT NULL AND "_id" <> '' AND id IS NOT NULL AND id <> ''
    AND createdAt IS NOT NULL AND {_iso_ok("createdAt")}
    AND CAST(createdAt AS TIMESTAMPTZ) BETWEEN TIMESTAMPTZ '{PLAUSIBLE_SINCE.isoformat()}' AND $until
    AND lastModified IS NOT NULL AND {_iso_ok("lastModified")}
    AND year(CAST(lastModified AS TIMESTAMPTZ)) BETWEEN 1000 AND 9998
    AND tags IS NOT NULL AND list_count(tags) = len(tags)
    AND (files IS NULL OR list_count(files) = len(files))
    AND (gated IS NULL OR json_type(gated) IN ('BOOLEAN', 'VARCHAR'))
"""


def _select(hub: str, placeholders: tuple[str, ...]) -> str:
    """The page's rows in the model's columns (the order of ``MODEL_COLUMNS``), and ``ok``.
    ``placeholders``: the ``createdAt`` instants that mean "created on or before, date unknown"
    (quality ``sentinel``), compared as instants like the Python normaliser does."""
    instants = ", ".join(f"TIMESTAMPTZ '{p}'" for p in placeholders)
    return f"""
    SELECT '{hub}' AS hub, "_id" AS key, id, author,
           CAST(createdAt AS TIMESTAMPTZ) AS created_at,
           CASE WHEN CAST(createdAt AS TIMESTAMPTZ) IN ({instants})
                THEN 'sentinel' ELSE 'exact' END AS created_at_quality,
           CAST(lastModified AS TIMESTAMPTZ) AS last_modified,
           library_name, pipeline_tag, tags, downloads, downloadsAllTime AS downloads_all_time, likes,
           sha, private,
           CASE json_type(gated) WHEN 'BOOLEAN' THEN gated::VARCHAR WHEN 'VARCHAR' THEN gated ->> '$' END
               AS gated,
           []::VARCHAR[] AS formats, files, NULL::TIMESTAMPTZ AS deleted_at, NULL::VARCHAR AS extra,
           {_ROW_OK} AS ok
    FROM (
        SELECT *, CASE WHEN siblings IS NOT NULL THEN list_transform(siblings, lambda s: s.rfilename) END
                  AS files
        FROM read_json($path, columns = {_READ_COLUMNS!r}, format = 'array')
    )
    """


def _clean_structure(structure: Any) -> bool:
    """True if ``json_structure`` of a page says: a list of objects with clean field types only."""
    if structure == ["NULL"]:  # an empty page
        return True
    if not (isinstance(structure, list) and len(structure) == 1 and isinstance(structure[0], dict)):
        return False
    for name, kind in structure[0].items():
        if name not in _CLEAN_TYPES:
            return False  # an unknown field: the Python path keeps it in extra, with a warning
        allowed = _CLEAN_TYPES[name]
        if allowed is not None and kind not in allowed:
            return False
    return True


#: A page reader's folder in the temporary directory: ``zoo-pages-locked-…`` while its reader lives, locked
#: by it (``flock`` on the folder itself, which the kernel releases when the process dies, kill -9
#: included); ``.zoo-pages-new-…`` for the instant between its creation and its lock.
FOLDER_PREFIX = "zoo-pages-locked-"
_NEW_PREFIX = ".zoo-pages-new-"
#: Seconds after which a ``.zoo-pages-new-…`` folder that nobody locks is a leftover (its process died
#: in the instant between creating and locking it).
_NEW_FOLDER_AGE = 60.0
#: Older zoo versions named their folders ``zoo-pages-`` and eight characters, and never locked them: such
#: a folder is a leftover once nothing in it has changed for an hour (a live reader rewrites its page
#: file for every page).
_LEGACY_PREFIX = "zoo-pages-"
_LEGACY_AGE = 3600.0


def _newest_change(path: str) -> float:
    """The latest modification time of the folder ``path`` and of the entries in it."""
    newest = os.stat(path, follow_symlinks=False).st_mtime
    with os.scandir(path) as entries:
        for entry in entries:
            newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
    return newest


def _try_lock(fd: int) -> bool:
    """Lock the open folder ``fd`` for this process, without waiting; False if another holds it, or the
    file system (or the platform) has no such locks."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _open_folder(path: str) -> int:
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))


def make_folder() -> tuple[str, int | None]:
    """A private ``zoo-pages-locked-…`` folder in the temporary directory, and the open descriptor that
    locks it (None where folders cannot be locked): keep it open as long as the folder is used. The folder
    is locked before it gets its name, so such a folder that can be locked has no owner left."""
    new = tempfile.mkdtemp(prefix=_NEW_PREFIX)
    fd: int | None = None
    try:
        fd = _open_folder(new)
        if not _try_lock(fd):
            os.close(fd)
            fd = None
    except OSError:
        fd = None
    folder = os.path.join(os.path.dirname(new), FOLDER_PREFIX + os.path.basename(new)[len(_NEW_PREFIX) :])
    os.rename(new, folder)  # the lock (on the folder, not its name) goes with it
    return folder, fd


def remove_stale_folders(parent: str | None = None) -> int:
    """Remove the page folders in ``parent`` (default: the temporary directory) that no live process
    owns, i.e. that this user's crawls killed with -9 left behind; returns how many.

    A folder is stale when it can be locked (its owner, alive, holds the lock; the kernel dropped it when
    the owner died). Another user's folders, links and folders that cannot be locked are left alone, and
    so is a folder being set up (``.zoo-pages-new-…``) younger than a minute, and an older zoo's folder
    (``zoo-pages-`` and eight characters, never locked) in which something changed within the hour."""
    parent = parent or tempfile.gettempdir()
    removed = 0
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(FOLDER_PREFIX):
            min_age = 0.0
        elif entry.name.startswith(_NEW_PREFIX):
            min_age = _NEW_FOLDER_AGE
        elif entry.name.startswith(_LEGACY_PREFIX) and "-" not in entry.name[len(_LEGACY_PREFIX) :]:
            min_age = _LEGACY_AGE
        else:
            continue
        try:
            if (
                not entry.is_dir(follow_symlinks=False)
                or entry.stat(follow_symlinks=False).st_uid != os.getuid()
                or (min_age and _newest_change(entry.path) > time.time() - min_age)
            ):
                continue
            fd = _open_folder(entry.path)
        except (OSError, AttributeError):  # gone meanwhile; or no uid on this platform
            continue
        try:
            if _try_lock(fd):  # nobody holds it: its owner is gone
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
        finally:
            os.close(fd)
    return removed


class PageReader:
    """Reads listing pages with DuckDB, one in-memory connection per thread; :meth:`close` when done.

    Each page is written to a private folder in the temporary directory (DuckDB's reader reads files) and
    read from there. The folder is locked while the reader lives, and removed by :meth:`close`; the
    folders of readers whose process was killed are removed when the next reader makes its own
    (:func:`remove_stale_folders`).
    """

    def __init__(self, hub: str, placeholders: tuple[str, ...]) -> None:
        self._sql = _select(hub, placeholders)
        self._local = threading.local()
        self._folder: str | None = None
        self._folder_fd: int | None = None
        self._lock = threading.Lock()
        self._cons: list[duckdb.DuckDBPyConnection] = []

    def _con(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        con = getattr(self._local, "con", None)
        if con is None:
            with self._lock:
                if self._folder is None:
                    remove_stale_folders()
                    self._folder, self._folder_fd = make_folder()
                path = os.path.join(self._folder, f"page-{threading.get_ident()}.json")
            con = duckdb.connect(":memory:", config={"threads": 1})
            con.execute("SET TimeZone = 'UTC'")
            self._cons.append(con)
            self._local.con, self._local.path = con, path
        return con, self._local.path

    def read(self, body: bytes) -> pa.Table | None:
        """The page's rows as an Arrow table in the model's columns, or ``None`` when the page is not
        certainly clean (or not JSON at all): the Python path then reads it and says what is odd."""
        try:
            con, path = self._con()
            with open(path, "wb") as f:
                f.write(body)
        except (OSError, duckdb.Error):  # no room for the page (a full disk): the Python path needs none
            return None
        try:
            rows = con.execute(
                "SELECT json_structure(json) FROM read_json_objects(?, format = 'unstructured')", [path]
            ).fetchall()
            if len(rows) != 1 or rows[0][0] is None or not _clean_structure(json.loads(rows[0][0])):
                return None
            until = datetime.now(timezone.utc) + PLAUSIBLE_AHEAD  # check_page's window for created_at
            table = con.sql(self._sql, params={"path": path, "until": until}).to_arrow_table()
        except duckdb.Error:
            return None
        ok = table.column("ok")  # a NULL is not certainly clean either
        if sum(chunk.true_count for chunk in ok.chunks) != table.num_rows:
            return None
        return table.drop_columns(["ok"])

    def close(self) -> None:
        with self._lock:
            for con in self._cons:
                try:
                    con.close()
                except duckdb.Error:
                    pass
            self._cons.clear()
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None
            if self._folder_fd is not None:
                os.close(self._folder_fd)
                self._folder_fd = None
        self._local = threading.local()
