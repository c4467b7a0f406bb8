"""Statistics over the frozen Papers with Code dumps (``zoo import pwc``), backed by SQL views.

The definitions live in ``sql/views/papers_*.sql``; this module only picks rows of those views.
"""

from __future__ import annotations

from typing import Any

import duckdb

#: Periods ``papers_share`` can group by.
GRANULARITIES = ("year", "quarter")
#: The columns ``papers_share`` returns, in order (stable JSON keys).
SHARE_COLUMNS = ["period", "framework", "repos", "share"]


def papers_share(
    con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Share of Papers with Code repositories by framework, per year or quarter.

    Each code repository linked to a paper is counted once, in the period of its earliest paper (the
    paper's date in the papers dump, else the month of its arXiv id; repositories with no dated paper are
    left out), with the framework Papers with Code recorded for it: pytorch (also "torch"), tensorflow
    (also "tf"), jax, mxnet, other, or none. share = repos / all repositories dated in that period, so
    the six shares of a period sum to 1. --official-only counts only official implementations (code by
    the paper's authors). Data: the frozen dumps imported by `zoo import pwc` (Papers with Code shut
    down in July 2025); view: papers_frameworks.

    Columns: period (2019, or 2019-Q3 with --by quarter), framework, repos, share.

    Example: zoo stats papers --by quarter --official-only --format json
    """
    if by not in GRANULARITIES:
        raise ValueError(f"by must be one of {', '.join(GRANULARITIES)}, not {by!r}")
    rows = con.execute(
        "SELECT period, framework, repos, share FROM papers_frameworks "
        "WHERE granularity = ? AND official_only = ? ORDER BY period, framework_order",
        [by, bool(official_only)],
    ).fetchall()
    return list(SHARE_COLUMNS), rows


#: Periods ``papers_series`` can group by.
SERIES_GRANULARITIES = ("year", "quarter", "month")
#: The columns ``papers_series`` returns, in order (stable JSON keys).
SERIES_COLUMNS = ["period", "source", "framework", "repos", "share", "unclassified"]
#: The columns ``papers_compare`` returns, in order.
COMPARE_COLUMNS = ["year", "framework", "repos", "archive_share", "zoo_share", "agreement"]


def papers_series(
    con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The share of new code repositories per framework and period, from the Papers with Code archive and,
    past it, from ``zoo crawl papers`` (view papers_series): one continuous series.

    The definition of :func:`papers_share`, over both sources: each repository counted once, dated by its
    earliest paper, with the archive's framework for a repository the archive holds and zoo's own (its
    dependency files, else its imports; view papers_code_rules) for one only the live crawl found.
    source says where each period's repositories come from: archive, live, or archive+live.
    unclassified: live repositories of the period without a framework yet (not looked at, gone, private),
    in no share.

    Columns: period (2019, 2019-Q3 or 2019-07), source, framework, repos, share, unclassified.

    Example: zoo stats papers --by month --format json
    """
    if by not in SERIES_GRANULARITIES:
        raise ValueError(f"by must be one of {', '.join(SERIES_GRANULARITIES)}, not {by!r}")
    rows = con.execute(
        "SELECT period, source, framework, repos, share, unclassified FROM papers_series "
        "WHERE granularity = ? AND official_only = ? ORDER BY period, framework_order",
        [by, bool(official_only)],
    ).fetchall()
    return list(SERIES_COLUMNS), rows


def papers_compare(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[Any, ...]]]:
    """zoo's framework against Papers with Code's on the repositories both hold (view papers_compare).

    Per year of the archive's earliest paper (and 'all'): repos = repositories of the overlap (the archive
    holds them and `zoo crawl papers` classified them), each framework's share computed with the archive's
    framework and with zoo's, and agreement = the share of those repositories whose two frameworks match.

    Columns: year, framework, repos, archive_share, zoo_share, agreement.

    Example: zoo stats papers --compare-archive
    """
    rows = con.execute(
        "SELECT year, framework, repos, archive_share, zoo_share, agreement FROM papers_compare "
        "ORDER BY year = 'all', year, framework_order"
    ).fetchall()
    return list(COMPARE_COLUMNS), rows
