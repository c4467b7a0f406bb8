"""The report's tables for the papers series after Papers with Code: the archive's years and the live
ones side by side (view papers_series), and zoo's framework against the archive's on the repositories
both hold (view papers_compare)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from .formatting import fmt_pct

if TYPE_CHECKING:
    from .sections import Table


def papers_live_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Both tables, or none for a table without rows (no live crawl, no overlap yet)."""
    from ..papers import papers_compare, papers_series
    from .sections import Table

    try:
        _, series = papers_series(con, by="year")
        _, compare = papers_compare(con)
    except duckdb.CatalogException:  # a database older than the live crawl
        return []
    tables = []
    if any(r[1] != "archive" for r in series):
        years: dict[str, dict[str, Any]] = {}
        for period, source, framework, repos, share, unclassified in series:
            year = years.setdefault(period, {"source": source, "repos": 0, "unclassified": unclassified})
            year[framework] = share
            year["repos"] = int(year["repos"]) + int(repos)
        tables.append(
            Table(
                "Papers' code per framework and year: the archive, then the live crawl",
                ["year", "source", "PyTorch", "TensorFlow", "JAX", "repositories", "unclassified"],
                [
                    [
                        y,
                        str(v["source"]),
                        *(fmt_pct(v.get(f)) for f in ("pytorch", "tensorflow", "jax")),
                        f"{v['repos']:,}",
                        f"{v['unclassified']:,}",
                    ]
                    for y, v in sorted(years.items())
                ],  # fmt: skip
                "Each repository counted once, in the year of its earliest paper. archive = Papers with Code "
                "(`zoo import pwc`, its framework field); live = `zoo crawl papers` (arXiv and Hugging Face "
                "Papers links, zoo's framework from the repository's dependency files or imports); "
                "archive+live = the year the archive ends. unclassified = live repositories without a "
                "framework yet, in no share (view papers_series).",
            )
        )
    if compare:
        rows = {(r[0], r[1]): r for r in compare}
        tables.append(
            Table(
                "zoo's framework vs Papers with Code's, on the repositories both hold",
                [
                    "year",
                    "repositories",
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
                "The archive's repositories `zoo crawl papers --archive-sample` looked at: each framework's "
                "share computed with the archive's framework and with zoo's, and the share of them given the "
                "same framework (`zoo stats papers --compare-archive`, view papers_compare).",
            )
        )
    return tables
