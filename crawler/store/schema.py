"""The SQL definitions: the files of ``sql/schema`` and ``sql/views``, migrations, views, the ``hubs`` table.

Writer side: :func:`migrate` (with :func:`create_views` and :func:`seed_hubs`), run by a writing open.
Reader side: :func:`pending_migrations` and ``_use_current_definitions``, which give a read-only session
this version's views as TEMP objects without writing the file."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from .. import __version__
from ..merge import one_row, refresh_attr_bits, refresh_file_bits
from .errors import StoreError, _rollback


def sql_dir() -> Path:
    """The folder holding ``schema/`` and ``views/`` (the repo's ``sql/``, installed as ``crawler.sql``)."""
    here = Path(__file__).resolve().parents[2] / "sql"
    if (here / "schema").is_dir():
        return here
    return Path(str(resources.files("crawler.sql")))


def _schema_files() -> list[tuple[int, str, str]]:
    out = []
    for path in sorted((sql_dir() / "schema").glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        out.append((number, path.stem, path.read_text(encoding="utf-8")))
    return out


def _view_files() -> list[tuple[str, str]]:
    """The view files of ``sql/views``, then the view the source registry generates
    (``hub_framework_labels``: each hub's framework labels), as (name, SQL)."""
    from ..sources import registry

    files = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((sql_dir() / "views").glob("*.sql"))]
    return [*files, ("hub_framework_labels", registry.framework_labels_sql())]


#: The statements of the view files, each a CREATE OR REPLACE VIEW or MACRO.
_CREATE = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+(VIEW|MACRO)\b", re.IGNORECASE)


def _sql_fingerprint() -> str:
    h = hashlib.sha256()
    for _, name, text in _schema_files():
        h.update(name.encode() + b"\0" + text.encode())
    for name, text in _view_files():
        h.update(name.encode() + b"\0" + text.encode())
    return h.hexdigest()[:16]


#: What zoo knows about the database itself: which SQL definitions (``sql_fingerprint``) and which
#: version of zoo (``tool_version``) last wrote it.
_ZOO_META_DDL = "CREATE TABLE IF NOT EXISTS zoo_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply pending schema migrations in order, then (re)create every view.

    Migrations are recorded in ``schema_migrations``; each runs in its own transaction. Views are
    recreated whenever the SQL definitions differ from those the database last got (``zoo_meta``'s
    ``sql_fingerprint``) or one of them is missing, so a database written by an older version gets the
    current definitions (they self-heal).
    When the SQL changed, the cached file and attribute evidence is brought up to date too (a rule may
    have changed).
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    con.execute(_ZOO_META_DDL)
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for number, name, text in _schema_files():
        if number in applied:
            continue
        con.execute("BEGIN")
        try:
            con.execute(text)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise
    stored = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchone()
    fingerprint = _sql_fingerprint()
    current = stored is not None and stored[0] == fingerprint
    if not current or _view_count(con) < _expected_view_count():
        create_views(con)  # (re)creating every view costs half a second: only when they changed
    seed_hubs(con)
    if not current:
        con.execute("BEGIN")
        try:
            refresh_file_bits(con)
            refresh_attr_bits(con)
            con.execute("COMMIT")
        except Exception:
            _rollback(con)
            raise
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('sql_fingerprint', ?)", [fingerprint])
    con.execute("INSERT OR REPLACE INTO zoo_meta VALUES ('tool_version', ?)", [__version__])


def _expected_view_count() -> int:
    """How many views and macros ``sql/views`` creates."""
    return sum(len(_CREATE.findall(text)) for _, text in _view_files())


def _view_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many views and macros the database holds (a dropped one makes :func:`migrate` recreate them)."""
    (n,) = one_row(
        con.execute(
            "SELECT (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "        AND NOT internal AND NOT temporary)"
            " + (SELECT count(DISTINCT function_name) FROM duckdb_functions() "
            "    WHERE database_name = current_database() AND NOT internal AND function_type LIKE '%macro%')"
        )
    )
    return int(n)


def seed_hubs(con: duckdb.DuckDBPyConnection) -> None:
    """Make the ``hubs`` table say what the source registry says (only on a writable connection; a
    table that already agrees is not written)."""
    from ..sources import registry

    wanted = registry.rows()
    if _hub_rows(con) == wanted:
        return
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM hubs")
        if wanted:
            con.executemany("INSERT INTO hubs VALUES (?, ?, ?, ?, ?, ?)", wanted)
        con.execute("COMMIT")
    except Exception:
        _rollback(con)
        raise


def _hub_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT hub, label, sort_order, kind, unit, aliases FROM hubs ORDER BY sort_order, hub"
    ).fetchall()


def create_views(con: duckdb.DuckDBPyConnection, *, temporary: bool = False) -> None:
    """(Re)create every view and macro from ``sql/views``; one that depends on another is retried after
    it. ``temporary``: as TEMP objects of this session only (a read-only session's current definitions)."""
    pending = _view_files()
    if temporary:
        pending = [(name, _CREATE.sub(r"CREATE OR REPLACE TEMP \1", text)) for name, text in pending]
    while pending:
        failed: list[tuple[str, str]] = []
        errors: list[str] = []
        for name, text in pending:
            try:
                con.execute(text)
            except duckdb.CatalogException as exc:  # depends on a view not created yet
                failed.append((name, text))
                errors.append(f"{name}: {exc}")
        if len(failed) == len(pending):
            raise StoreError("cannot create views: " + "; ".join(errors))
        pending = failed


def _stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("SELECT value FROM zoo_meta WHERE key = 'sql_fingerprint'").fetchall()
    except duckdb.CatalogException:
        return None
    return str(rows[0][0]) if rows else None


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The schema migrations of this version that the database has not had yet (their file names)."""
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    return [name for number, name, _ in _schema_files() if number not in applied]


def _use_current_definitions(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Give a read-only session this version's views and macros without writing the file.

    When the stored definitions differ (an older zoo wrote them), every view and macro is created again
    as a TEMP object, which DuckDB looks up before the file's own, and so is ``zoo_meta`` (saying which
    definitions the session uses). The data stays the file's, ``hubs`` included (a writer rewrites it
    from the source registry). A missing migration (a table or column an older zoo did not have) cannot
    be made up in memory: that raises.
    """
    pending = pending_migrations(con)
    if pending:
        raise StoreError(
            f"the database {path} was written by an older version of zoo (it lacks the schema steps "
            f"{', '.join(pending)}); reading commands never change the file: run `zoo upgrade --db {path}` "
            "once (the next `zoo crawl` does it too), then read it"
        )
    fingerprint = _sql_fingerprint()
    if _stored_fingerprint(con) != fingerprint:
        try:
            meta = con.execute("SELECT key, value FROM zoo_meta").fetchall()
        except duckdb.CatalogException:
            meta = []
        create_views(con, temporary=True)
        con.execute(_ZOO_META_DDL.replace("TABLE IF NOT EXISTS", "TEMP TABLE"))
        if meta:
            con.executemany("INSERT INTO temp.zoo_meta VALUES (?, ?)", meta)
        con.execute("INSERT OR REPLACE INTO temp.zoo_meta VALUES ('sql_fingerprint', ?)", [fingerprint])
