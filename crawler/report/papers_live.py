"""The report's tables for the papers series after Papers with Code: the archive's years and the live
ones side by side (view papers_series_papers), and zoo's framework against the archive's on the papers
whose code both classified (view papers_compare_papers); both counted by paper, the articles' unit."""

from __future__ import annotations

from typing import Any

import duckdb

from .formatting import fmt_pct
from .tables import Table


def papers_live_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Both tables, or none for a table without rows (no live crawl, no overlap yet)."""
    from ..papers import papers_compare, papers_series

    try:
        columns, series = papers_series(con, by="year")  # counted by paper, the articles' unit
        totals = dict(
            con.execute(
                "SELECT period, any_value(period_papers) FROM papers_series_papers "
                "WHERE granularity = 'year' AND NOT official_only GROUP BY period"
            ).fetchall()
        )
        _, compare = papers_compare(con)  # by paper too
    except duckdb.CatalogException:  # a database older than the live crawl
        return []
    tables = []
    if any(r[1] != "archive" for r in series):
        years: dict[str, dict[str, Any]] = {}
        for rec in (dict(zip(columns, r, strict=True)) for r in series):
            year = years.setdefault(rec["period"], dict(rec))
            year[rec["framework"]] = rec["share"]
        for period, year in years.items():
            year["papers"] = totals.get(period, 0)
        tables.append(
            Table(
                "Papers with code per framework and year (unit: papers): the archive, then the live crawl",
                ["year", "source", "PyTorch", "TensorFlow", "JAX", "papers", "no framework", "unclassified"],
                [
                    [
                        y,
                        str(v["source"]),
                        *(fmt_pct(v.get(f)) for f in ("pytorch", "tensorflow", "jax")),
                        f"{v['papers']:,}",
                        f"{v['no_framework']:,}",
                        f"{v['unclassified']:,}",
                    ]
                    for y, v in sorted(years.items())
                ],  # fmt: skip
                "Unit: papers, as the articles count: each paper once per framework of its code, in the "
                "year of the paper; share = the year's papers with code of the framework ÷ its papers with code "
                "of any framework (papers), so shares may sum above 100 %; no framework = papers whose code "
                "uses none, apart. archive = Papers with Code (`zoo import pwc`, its framework field); live = "
                "`zoo crawl papers` (arXiv and Hugging Face Papers links, zoo's framework from the repository's "
                "dependency files or imports); archive+live = the year the archive ends. unclassified = live "
                "papers whose code has no framework yet, in no share (view papers_series_papers; "
                "`zoo stats papers --count repos` counts repositories instead).",
            )
        )
    if compare:
        rows = {(r[0], r[1]): r for r in compare}
        tables.append(
            Table(
                "zoo's framework vs Papers with Code's, on the papers whose code both classified (unit: papers)",
                [
                    "year",
                    "papers",
                    "PyTorch (archive)",
                    "PyTorch (zoo)",
                    "TensorFlow (archive)",
                    "TensorFlow (zoo)",
                    "agreement",
                ],  # fmt: skip
                [
                    [
                        y,
                        f"{rows[(y, 'pytorch')][2]:,}",
                        fmt_pct(rows[(y, "pytorch")][3]),
                        fmt_pct(rows[(y, "pytorch")][4]),
                        fmt_pct(rows[(y, "tensorflow")][3]),
                        fmt_pct(rows[(y, "tensorflow")][4]),
                        fmt_pct(rows[(y, "pytorch")][5]),
                    ]
                    for y in dict.fromkeys(r[0] for r in compare)
                ],  # fmt: skip
                "Unit: papers. The archive's papers with a repository `zoo crawl papers --archive-sample` "
                "looked at: each framework's share of them computed with the archive's frameworks and with zoo's "
                "(÷ the papers with code of any framework by that method), and the share of them given the same "
                "frameworks (`zoo stats papers --compare-archive`, view papers_compare_papers; by repository: "
                "--count repos, view papers_compare).",
            )
        )
    return tables
