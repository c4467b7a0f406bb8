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
