"""Merging one complete run into the current state and its change-only history (part of the store).

Runs inside the caller's transaction. The run's rows are in its staging Parquet parts (and, for a run
staged by an older zoo, in ``stage.stage_models`` of the attached staging file); the caller names them
``incoming`` (a view, or a deduplicated temp table when a model was listed twice).

What it writes, and why it stays compact:

* new models are appended to ``models`` with a fresh ``mid`` and a first row in each log;
* a model whose counters (downloads, downloads_all_time, likes) changed gets one ``model_counters_log``
  row and an UPDATE of those columns only; the same for attributes and ``model_attrs_log``, and for the
  repo's file names and ``model_files_log`` (apart, so that other attribute changes do not copy the list;
  a run that did not list files, ``files`` NULL, leaves the stored ones alone);
  unchanged models get no log row at all, so a night where nothing changed adds nothing but
  ``last_seen_run`` (a column DuckDB rewrites in place, constant-compressed);
* presence: a full, non-suspect run opens an absence for every model of its hub it did not see;
  a model seen again closes its absence (and is undeleted: the gap stays in ``model_absences``);
  a model is marked deleted once the complete full non-suspect runs it has been missing from since then
  (this one included) finished on ``delete_after`` distinct UTC days: nights are counted, not runs, so
  a second run on the same day (after a crash that came once the merge had committed, say) does not
  delete what one night's run would keep.

Changes are detected by comparing a hash of the counters, of the attributes and of the sorted file names
with the hashes stored in ``models`` (``counters_hash``, ``attrs_hash``, ``files_hash``), so the join between
a million incoming rows and a million stored ones carries a few narrow columns, not whole rows: that keeps
the merge's memory small.

The framework evidence of file names is cached beside them (``file_bits``, see :func:`refresh_file_bits`):
matching every file of a million repos against the file patterns takes seconds, matching each distinct
name once takes a fraction of one. The evidence of the attributes (hub, library_name, tags, formats) is
cached the same way (``attr_bits``, see :func:`refresh_attr_bits`), computed as the new or changed
attributes are written: the statistics then read two numbers per model instead of looking up its tags.

A run is **suspect** when it saw more than ``max_drop`` fewer models than the hub's previous complete,
non-suspect run. It still records what it saw, but opens no absences and deletes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from .sources.records import ATTR_COLUMNS, COUNTER_COLUMNS

_COUNTERS_HASH = "hash(" + ", ".join(f"i.{c}" for c in COUNTER_COLUMNS) + ")"
# extra is hashed as text: the same JSON document always hashes the same. Files are logged apart
# (model_files_log); they were hashed here before, always as [], so an empty list keeps in place the
# hashes that older databases stored.
_ATTRS_HASH = (
    "hash("
    + ", ".join(
        {"extra": "i.extra::VARCHAR", "formats": "i.formats, []::VARCHAR[]"}.get(c, f"i.{c}")
        for c in ATTR_COLUMNS
    )
    + ")"
)
# NULL when the run did not list files (hash() alone would give NULL the hash of [])
_FILES_HASH = "CASE WHEN i.files IS NOT NULL THEN hash(list_sort(i.files)) END"
#: What a stored files_hash of NULL (never listed, or a database older than model_files_log) stands for.
_NO_FILES_HASH = "hash([]::VARCHAR[])"
#: The framework evidence of an incoming row's attributes (its files apart), as the views compute it
#: (framework_attr_mask), and the key of the rules it is computed under; needs ``framework_lookup lk``.
_ATTR_BITS = (
    "framework_attr_bits(i.hub, i.library_name, i.tags, i.formats, "
    "lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits) AS attr_bits, "
    "lk.attr_rules_key AS attr_bits_rules"
)


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row a statement that always answers one row (an aggregate, an UPDATE's count) answered."""
    row = result.fetchone()
    if row is None:
        raise AssertionError("the statement answered no row")
    return row


@dataclass
class MergeResult:
    models: int
    new: int
    changed: int
    absent: int
    deleted: int
    suspect: bool


def merge_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: int,
    hub: str,
    now: datetime,
    full: bool = True,
    delete_after: int = 2,
    max_drop: float = 0.05,
) -> MergeResult:
    """Merge ``incoming`` (this run's rows of ``hub``) into ``models`` and the logs."""
    p = {"run": run_id, "hub": hub}
    # One narrow row per incoming model: its key, its stored mid (NULL for a new model) and what changed.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE changes AS
        SELECT i.key, m.mid, m.mid IS NULL AS is_new,
               {_COUNTERS_HASH} AS counters_hash, {_ATTRS_HASH} AS attrs_hash,
               m.mid IS NOT NULL AND m.counters_hash IS DISTINCT FROM {_COUNTERS_HASH} AS counters_changed,
               m.mid IS NOT NULL AND m.attrs_hash IS DISTINCT FROM {_ATTRS_HASH} AS attrs_changed,
               {_FILES_HASH} AS files_hash,
               m.mid IS NOT NULL AND i.files IS NOT NULL
                   AND {_FILES_HASH} IS DISTINCT FROM coalesce(m.files_hash, {_NO_FILES_HASH}) AS files_changed,
               m.absent_since_run AS was_absent_since,
               m.deleted_at AS was_deleted_at,
               i.deleted_at
        FROM incoming i
        LEFT JOIN (SELECT key, mid, counters_hash, attrs_hash, files_hash, absent_since_run, deleted_at
                   FROM models WHERE hub = $hub) m ON m.key = i.key
        """,
        {"hub": hub},
    )
    n_models, n_new, n_changed = one_row(
        con.execute(
            "SELECT count(*), count(*) FILTER (is_new), "
            "count(*) FILTER (counters_changed OR attrs_changed OR files_changed) FROM changes"
        )
    )

    prev = con.execute(
        "SELECT models FROM crawl_runs WHERE source = ? AND status = 'complete' AND full_listing "
        "AND NOT suspect AND run_id <> ? ORDER BY run_id DESC LIMIT 1",
        [hub, run_id],
    ).fetchone()
    # only a full listing can be judged against the previous full one
    suspect = bool(full and prev and prev[0] and n_models < prev[0] * (1.0 - max_drop))

    attrs = ", ".join(f"i.{c}" for c in ATTR_COLUMNS)
    counters = ", ".join(f"i.{c}" for c in COUNTER_COLUMNS)
    # New models get the next free mids here, their hashes computed again from their rows (cheaper than
    # joining the run's rows back to `changes` on the key: on a first night that join holds every model).
    # Which rows are new: those whose key the hub does not hold (few keys to look up on a first night),
    # else those `changes` says are new (few on any later night).
    base = one_row(con.execute("SELECT coalesce(max(mid), 0) FROM models"))[0]
    new_rows = (
        "i.key NOT IN (SELECT key FROM models WHERE hub = $hub)"
        if n_new * 2 > n_models
        else "i.key IN (SELECT key FROM changes WHERE is_new)"
    )
    con.execute(
        f"INSERT INTO models BY NAME SELECT $base + row_number() OVER () AS mid, i.hub, i.key, {attrs}, "
        f"{counters}, i.files, {_COUNTERS_HASH} AS counters_hash, {_ATTRS_HASH} AS attrs_hash, "
        f"{_FILES_HASH} AS files_hash, $run AS first_seen_run, $run AS last_seen_run, "
        "i.deleted_at, CASE WHEN i.deleted_at IS NOT NULL THEN $run END AS deleted_run, "
        f"{_ATTR_BITS} FROM incoming i CROSS JOIN framework_lookup lk WHERE {new_rows}",
        {"run": run_id, "base": base, **({"hub": hub} if "$hub" in new_rows else {})},
    )
    # The first log rows of a new model are its row in models; later ones are the changed values.
    new_models = "FROM models WHERE hub = $hub AND first_seen_run = $run"
    # Files: a first row for a new model that has any, then a row whenever the set of names changed.
    con.execute(
        f"INSERT INTO model_files_log BY NAME SELECT mid, $run AS run_id, sha, files {new_models} "
        "AND len(files) > 0 "
        "UNION ALL SELECT c.mid, $run AS run_id, i.sha, i.files "
        "FROM incoming i JOIN changes c ON c.key = i.key WHERE c.files_changed",
        p,
    )
    con.execute(
        f"INSERT INTO model_counters_log BY NAME SELECT mid, $run AS run_id, {', '.join(COUNTER_COLUMNS)} "
        f"{new_models} UNION ALL SELECT c.mid, $run AS run_id, {counters} "
        f"FROM incoming i JOIN changes c ON c.key = i.key WHERE c.counters_changed",
        p,
    )
    con.execute(
        f"INSERT INTO model_attrs_log BY NAME SELECT mid, $run AS run_id, {', '.join(ATTR_COLUMNS)}, "
        f"attr_bits, attr_bits_rules {new_models} UNION ALL SELECT c.mid, $run AS run_id, {attrs}, {_ATTR_BITS} "
        "FROM incoming i JOIN changes c ON c.key = i.key CROSS JOIN framework_lookup lk WHERE c.attrs_changed",
        p,
    )
    con.execute(
        "UPDATE models m SET "
        + ", ".join(f"{col} = x.{col}" for col in COUNTER_COLUMNS)
        + ", counters_hash = x.counters_hash FROM ("
        f"  SELECT c.mid, c.counters_hash, {counters} FROM incoming i JOIN changes c ON c.key = i.key "
        "  WHERE c.counters_changed"
        ") x WHERE m.mid = x.mid"
    )
    con.execute(
        "UPDATE models m SET "
        + ", ".join(f"{col} = x.{col}" for col in ATTR_COLUMNS)
        + ", attrs_hash = x.attrs_hash, attr_bits = x.attr_bits, attr_bits_rules = x.attr_bits_rules FROM ("
        f"  SELECT c.mid, c.attrs_hash, {attrs}, {_ATTR_BITS} FROM incoming i JOIN changes c ON c.key = i.key "
        "  CROSS JOIN framework_lookup lk WHERE c.attrs_changed"
        ") x WHERE m.mid = x.mid"
    )
    con.execute(
        "UPDATE models m SET files = x.files, files_hash = x.files_hash, file_bits = NULL, file_bits_rules = NULL "
        "FROM (SELECT c.mid, c.files_hash, i.files FROM incoming i JOIN changes c ON c.key = i.key "
        "      WHERE c.files_changed) x WHERE m.mid = x.mid"
    )
    con.execute(
        "UPDATE models SET last_seen_run = $run WHERE hub = $hub AND mid IN (SELECT mid FROM changes WHERE NOT is_new)",
        p,
    )
    # Seen again after a gap: close the absence, clear the flag.
    con.execute(
        "UPDATE model_absences SET to_run = $run "
        "WHERE to_run IS NULL AND mid IN (SELECT mid FROM changes WHERE was_absent_since IS NOT NULL)",
        {"run": run_id},
    )
    con.execute(
        "UPDATE models SET absent_since_run = NULL "
        "WHERE mid IN (SELECT mid FROM changes WHERE was_absent_since IS NOT NULL)"
    )
    # Deletion as the hub declares it (git catalogs), or undeletion of a model that is listed again.
    con.execute(
        "UPDATE models m SET deleted_at = x.deleted_at, "
        "deleted_run = CASE WHEN x.deleted_at IS NULL THEN NULL ELSE coalesce(m.deleted_run, $run) END "
        "FROM (SELECT * FROM changes c WHERE NOT c.is_new "
        "      AND c.was_deleted_at IS DISTINCT FROM c.deleted_at) x WHERE m.mid = x.mid",
        {"run": run_id},
    )

    n_absent = n_deleted = 0
    if full and not suspect:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT m.mid FROM models m "
            "WHERE m.hub = $hub AND m.absent_since_run IS NULL AND m.deleted_at IS NULL "
            "AND m.last_seen_run <> $run",  # every model this run listed has last_seen_run = $run by now
            p,
        )
        n_absent = one_row(con.execute("SELECT count(*) FROM gone"))[0]
        con.execute("INSERT INTO model_absences SELECT mid, $hub, $run, NULL, NULL FROM gone", p)
        con.execute(
            "UPDATE models SET absent_since_run = $run WHERE mid IN (SELECT mid FROM gone)", {"run": run_id}
        )
        # Judging runs: complete, full, non-suspect runs of this hub, this one included (it finishes
        # now), each with the UTC day it finished on.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE judging AS "
            "SELECT run_id, CAST(timezone('UTC', finished_at) AS DATE) AS day FROM crawl_runs "
            "WHERE source = $hub AND status = 'complete' AND full_listing AND NOT suspect AND run_id <> $run "
            "UNION ALL SELECT $run, CAST(timezone('UTC', $now::TIMESTAMPTZ) AS DATE)",
            {"now": now, **p},
        )
        n_deleted = one_row(
            con.execute(
                "UPDATE models m SET deleted_at = $now, deleted_run = $run "
                "WHERE m.hub = $hub AND m.deleted_at IS NULL AND m.absent_since_run IS NOT NULL "
                "AND (SELECT count(DISTINCT j.day) FROM judging j WHERE j.run_id >= m.absent_since_run) >= $n",
                {"now": now, "n": delete_after, **p},
            )
        )[0]
        con.execute(
            "UPDATE model_absences a SET deleted_run = $run FROM models m "
            "WHERE a.mid = m.mid AND a.to_run IS NULL AND m.deleted_run = $run AND a.deleted_run IS NULL",
            {"run": run_id},
        )
        con.execute("DROP TABLE gone")
        con.execute("DROP TABLE judging")
    con.execute("DROP TABLE changes")
    refresh_file_bits(con)
    refresh_attr_bits(con)
    return MergeResult(int(n_models), int(n_new), int(n_changed), int(n_absent), int(n_deleted or 0), suspect)


def refresh_file_bits(con: duckdb.DuckDBPyConnection) -> int:
    """Fill the file-evidence cache (``file_bits``, ``file_bits_rules``) of every row of ``models`` and
    ``model_files_log`` that has none, or one computed under other file rules (an empty file list, or
    one never listed, gets 0); returns how many rows were computed.

    Each distinct file name is matched once against the file patterns (``framework_file_name_bits``, the
    very macro the views use), then the bits are OR-ed per list through a join: matching a million repos'
    files name by name in a lambda would take seconds per query, this takes about a second once, within
    the crawl's memory limit (a million repos fit in 100 MB). Runs in the caller's transaction: after a
    merge (the models it changed) and after an upgrade of the views (all lists, when a file rule changed).
    """
    params = {"key": one_row(con.execute("SELECT file_rules_key FROM framework_lookup"))[0]}
    # every row, an empty or unlisted file list included (bits 0): the views read the cache alone for a
    # model none of whose rows is stale (framework_cache_stale)
    stale = "file_bits_rules IS DISTINCT FROM $key"
    tables = [
        (table, keys)
        for table, keys in (("models", ["mid"]), ("model_files_log", ["mid", "run_id"]))
        # what is stale, on one column (after a merge that listed no files: nothing, and no UPDATE runs)
        if one_row(con.execute(f"SELECT count(*) FROM {table} WHERE {stale}", params))[0]
    ]
    if not tables:
        return 0
    # Each distinct name of both tables' stale lists is matched once (a model's log row mostly repeats its
    # file list). The names that are evidence are materialised (a small, known build side: left to the
    # optimiser, the unnested names of a million repos can end up hashed instead), and their bits are
    # UBIGINT (a HUGEINT bit_or over a million groups does not fit the memory limit).
    names = " UNION ".join(f"SELECT unnest(files) AS file FROM {table} WHERE {stale}" for table, _ in tables)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE file_name_bits AS
        SELECT file, CAST(bits AS UBIGINT) AS bits FROM (
            SELECT n.file, framework_file_name_bits(n.file, lk.file_patterns) AS bits
            FROM ({names}) AS n
            CROSS JOIN framework_lookup AS lk
        ) WHERE bits <> 0
        """,
        params,
    )
    done = 0
    for table, keys in tables:
        cols = ", ".join(keys)
        on = " AND ".join(f"t.{k} = h.{k}" for k in keys)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE file_bits_hits AS
            SELECT {cols}, bit_or(nb.bits) AS bits
            FROM (SELECT {cols}, unnest(files) AS file FROM {table} WHERE {stale}) AS u
            JOIN file_name_bits AS nb USING (file)
            GROUP BY ALL
            """,
            params,
        )
        n = one_row(
            con.execute(f"UPDATE {table} SET file_bits = 0, file_bits_rules = $key WHERE {stale}", params)
        )
        con.execute(f"UPDATE {table} t SET file_bits = h.bits FROM file_bits_hits h WHERE {on}")
        con.execute("DROP TABLE file_bits_hits")
        done += int(n[0])
    con.execute("DROP TABLE file_name_bits")
    return done


#: framework_attr_bits of a row's attributes, the views' framework_attr_mask without the cache (``m``: the
#: model, for its hub; ``a``: the row holding the attributes, ``models`` itself or its log;
#: ``lk``: framework_lookup).
_MODEL_ATTR_BITS = (
    "framework_attr_bits(m.hub, m.library_name, m.tags, m.formats, "
    "lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits)"
)
_LOG_ATTR_BITS = (
    "framework_attr_bits(m.hub, a.library_name, a.tags, a.formats, "
    "lk.tag_bits, lk.library_bits, lk.format_bits, lk.hub_bits)"
)


def refresh_attr_bits(con: duckdb.DuckDBPyConnection) -> int:
    """Fill the attribute-evidence cache (``attr_bits``, ``attr_bits_rules``) of every row of ``models``
    and ``model_attrs_log`` that has none, or one computed under other rules; returns how many rows were
    computed.

    The merge computes the cache as it writes new or changed attributes, so after a merge this finds
    nothing to do (a scan of one column); after an upgrade (a database older than the cache, or a tag,
    library, format or hub rule that changed: a new ``framework_lookup.attr_rules_key``) it computes every
    row with ``framework_attr_bits``, the very macro the views use. Runs in the caller's transaction.
    """
    params = {"key": one_row(con.execute("SELECT attr_rules_key FROM framework_lookup"))[0]}
    # what is stale, on one column of each table (after a merge: nothing, and no UPDATE runs)
    stale_models, stale_log = one_row(
        con.execute(
            "SELECT (SELECT count(*) FROM models WHERE attr_bits_rules IS DISTINCT FROM $key), "
            "(SELECT count(*) FROM model_attrs_log WHERE attr_bits_rules IS DISTINCT FROM $key)",
            params,
        )
    )
    n_models = n_log = 0
    if stale_models:
        n_models = one_row(
            con.execute(
                f"UPDATE models m SET attr_bits = {_MODEL_ATTR_BITS}, attr_bits_rules = $key "
                "FROM framework_lookup lk WHERE m.attr_bits_rules IS DISTINCT FROM $key",
                params,
            )
        )[0]
    if stale_log:
        n_log = one_row(
            con.execute(
                "UPDATE model_attrs_log t SET attr_bits = x.bits, attr_bits_rules = $key FROM ("
                f"  SELECT a.mid, a.run_id, {_LOG_ATTR_BITS} AS bits FROM model_attrs_log a "
                "   JOIN models m ON m.mid = a.mid CROSS JOIN framework_lookup lk "
                "   WHERE a.attr_bits_rules IS DISTINCT FROM $key"
                ") x WHERE t.mid = x.mid AND t.run_id = x.run_id",
                params,
            )
        )[0]
    return int(n_models) + int(n_log)
