"""Statistics over papers and their code: the frozen Papers with Code dumps (``zoo import pwc``) and,
past them, ``zoo crawl papers``; backed by SQL views.

The definitions live in ``sql/views/papers_*.sql``; this module only picks rows of those views.
"""

from __future__ import annotations

from typing import Any

import duckdb

#: The units ``papers_series`` and ``papers_compare`` count: papers (the articles' unit, the default) or
#: code repositories.
COUNTS = ("papers", "repos")


def _count(count: str) -> str:
    if count not in COUNTS:
        raise ValueError(f"count must be one of {', '.join(COUNTS)}, not {count!r}")
    return count


def _by_period(
    con: duckdb.DuckDBPyConnection, view: str, columns: list[str], by: str, official_only: bool
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``columns`` of the per-period ``view`` (both code constants, picked by the unit) for one grain."""
    rows = con.execute(
        f"SELECT {', '.join(columns)} FROM {view} "
        "WHERE granularity = ? AND official_only = ? ORDER BY period, framework_order",
        [by, bool(official_only)],
    ).fetchall()
    return list(columns), rows


#: Periods ``papers_share`` can group by.
GRANULARITIES = ("year", "quarter")
#: The columns ``papers_share`` returns, in order (stable JSON keys), per unit.
SHARE_COLUMNS = ["period", "framework", "repos", "share"]
SHARE_PAPER_COLUMNS = ["period", "framework", "papers", "share", "no_framework"]


def papers_share(
    con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False, count: str = "papers"
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Share of Papers with Code papers (or repositories) by framework, per year or quarter.

    count="papers" is the default (the articles' unit), described second. count="repos": each code repository linked to a paper is counted once, in the period of its earliest
    paper (the paper's date in the papers dump, else the month of its arXiv id; repositories with no
    dated paper are left out), with the framework Papers with Code recorded for it: pytorch (also
    "torch"), tensorflow (also "tf"), jax, mxnet, other, or none. share = repos / all repositories
    dated in that period, so the six shares of a period sum to 1 (view papers_frameworks).
    count="papers": each paper counted once per framework among its repositories', in the period of its
    own date; share = papers / the period's papers with a repository of a framework, so shares may sum
    above 1; no_framework = the period's papers whose repositories have no framework, apart (view
    papers_frameworks_papers). --official-only counts only official implementations (code by the
    paper's authors). Data: the frozen dumps imported by `zoo import pwc` (Papers with Code shut down in
    July 2025).

    Columns: period (2019, or 2019-Q3 with --by quarter), framework, repos, share; with count="papers":
    period, framework, papers, share, no_framework.

    Example: zoo stats papers --by quarter --official-only --format json
    """
    if by not in GRANULARITIES:
        raise ValueError(f"by must be one of {', '.join(GRANULARITIES)}, not {by!r}")
    if _count(count) == "papers":
        return _by_period(con, "papers_frameworks_papers", SHARE_PAPER_COLUMNS, by, official_only)
    return _by_period(con, "papers_frameworks", SHARE_COLUMNS, by, official_only)


#: Periods ``papers_series`` can group by.
SERIES_GRANULARITIES = ("year", "quarter", "month")
#: The columns ``papers_series`` returns, in order (stable JSON keys), per unit.
SERIES_COLUMNS = ["period", "source", "framework", "repos", "share", "unclassified"]
SERIES_PAPER_COLUMNS = ["period", "source", "framework", "papers", "share", "no_framework", "unclassified"]
#: The columns ``papers_compare`` returns, in order, per unit.
COMPARE_COLUMNS = ["year", "framework", "repos", "archive_share", "zoo_share", "agreement"]
COMPARE_PAPER_COLUMNS = ["year", "framework", "papers", "archive_share", "zoo_share", "agreement"]


def papers_series(
    con: duckdb.DuckDBPyConnection, by: str = "year", official_only: bool = False, count: str = "papers"
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The share of papers with code (``count="papers"``, the default: the articles' unit) or of new
    code repositories (``count="repos"``) per framework and period, from the Papers with Code archive
    and, past it, from ``zoo crawl papers``: one continuous series.

    papers (view papers_series_papers): each paper counted once per framework among its repositories',
    dated by the paper; share = its papers ÷ the period's papers with at least one repository of a
    framework (shares may sum above 1); no_framework = papers whose repositories have no framework,
    apart. repos (view papers_series): the definition of :func:`papers_share` over both sources, each
    repository counted once, dated by its earliest paper, 'none' a framework of the denominator.
    Frameworks are the archive's for what the archive holds, zoo's own (dependency files, else imports;
    view papers_code_rules) for what only the live crawl found. source says where each period comes
    from: archive, live, or archive+live. unclassified: live papers (or repositories) of the period
    without a framework yet (not looked at, gone, private), in no share.

    Columns (papers): period (2019, 2019-Q3 or 2019-07), source, framework, papers, share, no_framework,
    unclassified; (repos): period, source, framework, repos, share, unclassified.

    Example: zoo stats papers --by month --count repos --format json
    """
    if by not in SERIES_GRANULARITIES:
        raise ValueError(f"by must be one of {', '.join(SERIES_GRANULARITIES)}, not {by!r}")
    if _count(count) == "papers":
        return _by_period(con, "papers_series_papers", SERIES_PAPER_COLUMNS, by, official_only)
    return _by_period(con, "papers_series", SERIES_COLUMNS, by, official_only)


def papers_compare(
    con: duckdb.DuckDBPyConnection, count: str = "papers"
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """zoo's framework against Papers with Code's where both classified the code (views
    papers_compare_papers, papers_compare).

    count="papers" (the default): the archive's papers with a repository both classified, per year of
    the paper (and 'all'); each framework's share of them by each method (÷ the papers with a framework
    by that method; a paper counts once per framework), and agreement = the share of those papers whose
    frameworks are the same by both methods. count="repos": per repository, dated by the archive's
    earliest paper; agreement = the share of repositories given the same framework.

    Columns: year, framework, papers (or repos), archive_share, zoo_share, agreement.

    Example: zoo stats papers --compare-archive --count repos
    """
    if _count(count) == "papers":
        view, columns = "papers_compare_papers", COMPARE_PAPER_COLUMNS
    else:
        view, columns = "papers_compare", COMPARE_COLUMNS
    rows = con.execute(
        f"SELECT {', '.join(columns)} FROM {view} ORDER BY year = 'all', year, framework_order"
    ).fetchall()
    return list(columns), rows
