"""A model's history: names, counters and tag changes over time (``zoo history``), and nightly counters.

The functions take an open connection and return ``(columns, rows)``, so the CLI and the Python API
share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

Rows = tuple[list[str], list[tuple[Any, ...]]]


def find_models(con: duckdb.DuckDBPyConnection, name: str, hub: str | None = None) -> list[int]:
    """The ``mid`` of every model that is or ever was called ``name`` (or whose key is ``name``)."""
    rows = con.execute(
        "SELECT DISTINCT m.mid FROM models m WHERE (m.id = $name OR m.key = $name) "
        "AND ($hub IS NULL OR m.hub = $hub) "
        "UNION SELECT DISTINCT l.mid FROM model_attrs_log l JOIN models m ON m.mid = l.mid "
        "WHERE l.id = $name AND ($hub IS NULL OR m.hub = $hub) ORDER BY 1",
        {"name": name, "hub": hub},
    ).fetchall()
    return [r[0] for r in rows]


def _fetch(rel: duckdb.DuckDBPyConnection) -> Rows:
    columns = [d[0] for d in rel.description]
    return columns, rel.fetchall()


def model_timeline(con: duckdb.DuckDBPyConnection, mids: Sequence[int]) -> Rows:
    """One row per recorded change or gap of the given models, oldest first.

    ``event`` is ``first seen``, ``renamed``, ``files`` (weight files added or removed), ``tags``,
    ``counters``, ``changed`` (other attributes), ``absent`` (missing from a complete run), ``back``
    (seen again) or ``deleted``. ``files_added`` / ``files_removed`` list the weight files (those a file
    rule of framework_evidence_map matches) that appeared or went since the model's previous row, on
    any row where they changed.
    """
    return _fetch(
        con.execute(
            """
            WITH h AS (
                SELECT *, lag(id) OVER w AS prev_id, lag(tags) OVER w AS prev_tags,
                       lag(files) OVER w AS prev_files, row_number() OVER w AS n
                FROM model_history WHERE mid IN (SELECT unnest($mids))
                WINDOW w AS (PARTITION BY mid ORDER BY valid_from_run)
            ),
            weights AS (
                SELECT h.*,
                       [f FOR f IN coalesce(files, []) IF framework_file_name_bits(f, lk.file_patterns) <> 0]
                           AS now_w,
                       [f FOR f IN coalesce(prev_files, []) IF framework_file_name_bits(f, lk.file_patterns) <> 0]
                           AS prev_w
                FROM h CROSS JOIN framework_lookup lk
            ),
            diffs AS (
                SELECT *,
                       CASE WHEN n > 1 AND files_changed
                            THEN list_filter(now_w, lambda f: NOT list_contains(prev_w, f)) END AS files_added,
                       CASE WHEN n > 1 AND files_changed
                            THEN list_filter(prev_w, lambda f: NOT list_contains(now_w, f)) END AS files_removed
                FROM weights
            ),
            changes AS (
                SELECT mid, hub, key, valid_from_run AS run_id, observed_at,
                       CASE WHEN n = 1 THEN 'first seen'
                            WHEN id IS DISTINCT FROM prev_id THEN 'renamed'
                            WHEN len(files_added) > 0 OR len(files_removed) > 0 THEN 'files'
                            WHEN tags IS DISTINCT FROM prev_tags THEN 'tags'
                            WHEN attrs_changed OR files_changed THEN 'changed'
                            ELSE 'counters' END AS event,
                       id, CASE WHEN id IS DISTINCT FROM prev_id THEN prev_id END AS previous_id,
                       tags, downloads, downloads_all_time, likes,
                       CASE WHEN len(files_added) > 0 OR len(files_removed) > 0 THEN files_added END
                           AS files_added,
                       CASE WHEN len(files_added) > 0 OR len(files_removed) > 0 THEN files_removed END
                           AS files_removed
                FROM diffs
            ),
            gaps AS (
                SELECT a.mid, m.hub, m.key, a.from_run AS run_id, r.finished_at AS observed_at,
                       'absent' AS event, m.id, NULL AS previous_id, NULL::VARCHAR[] AS tags,
                       NULL::BIGINT AS downloads, NULL::BIGINT AS downloads_all_time, NULL::BIGINT AS likes,
                       NULL::VARCHAR[] AS files_added, NULL::VARCHAR[] AS files_removed
                FROM model_absences a JOIN models m USING (mid) LEFT JOIN crawl_runs r ON r.run_id = a.from_run
                WHERE a.mid IN (SELECT unnest($mids))
                UNION ALL
                SELECT a.mid, m.hub, m.key, a.to_run, r.finished_at, 'back', m.id, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL
                FROM model_absences a JOIN models m USING (mid) LEFT JOIN crawl_runs r ON r.run_id = a.to_run
                WHERE a.mid IN (SELECT unnest($mids)) AND a.to_run IS NOT NULL
                UNION ALL
                SELECT a.mid, m.hub, m.key, a.deleted_run, r.finished_at, 'deleted', m.id, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL
                FROM model_absences a JOIN models m USING (mid) LEFT JOIN crawl_runs r ON r.run_id = a.deleted_run
                WHERE a.mid IN (SELECT unnest($mids)) AND a.deleted_run IS NOT NULL
                UNION ALL  -- deletions the hub itself declared (git catalogs), which leave no absence
                SELECT m.mid, m.hub, m.key, m.deleted_run, m.deleted_at, 'deleted', m.id, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL
                FROM models m WHERE m.mid IN (SELECT unnest($mids)) AND m.deleted_at IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM model_absences a WHERE a.mid = m.mid AND a.deleted_run IS NOT NULL)
            )
            SELECT hub, key, run_id, observed_at, event, id, previous_id, tags, downloads,
                   downloads_all_time, likes, files_added, files_removed
            FROM (SELECT * FROM changes UNION ALL SELECT * FROM gaps)
            ORDER BY key, run_id, CASE event WHEN 'absent' THEN 1 WHEN 'deleted' THEN 2 ELSE 0 END
            """,
            {"mids": list(mids)},
        )
    )


def nightly_counters(con: duckdb.DuckDBPyConnection, mids: Sequence[int]) -> Rows:
    """Each night's 30-day and all-time downloads and likes, with the estimated downloads per day."""
    return _fetch(
        con.execute(
            "SELECT hub, id, run_id, observed_at, n.downloads, n.downloads_all_time, n.likes, "
            "d.downloads_per_day FROM model_counters_nightly n "
            "LEFT JOIN downloads_per_day d USING (mid, run_id, hub, key, id, observed_at, downloads_all_time) "
            "WHERE n.mid IN (SELECT unnest($mids)) ORDER BY id, run_id",
            {"mids": list(mids)},
        )
    )
