"""The report as one self-contained HTML page, or as Markdown with its plots as PNG files."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import duckdb

from .. import __version__, stats
from .articles import ARTICLE
from .formatting import fmt_when
from .sections import Comparison, Report, build_report


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       max-width: 1200px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
a { color: #1f5fa0; text-decoration: none; }
.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
table.cmp { width: 100%; table-layout: fixed; }
col.c-claim { width: 25%; } col.c-art { width: 10%; } col.c-ours { width: 18%; } col.c-def { width: 32%; }
col.c-when { width: 15%; }
th, td { border: 1px solid #d8d8d8; padding: 0.35em 0.55em; text-align: left; vertical-align: top; }
th { background: #f4f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.art { background: #fbfbf4; } td.ours { font-weight: 600; background: #f4f8fc; }
td.na { color: #888; font-style: italic; font-weight: normal; }
td.def { font-size: 0.86em; color: #444; } td.when { font-size: 0.86em; }

caption { caption-side: bottom; text-align: left; font-size: 0.85em; color: #555; padding-top: 0.4em; }
blockquote { margin: 0.8em 0; padding: 0.3em 0.9em; border-left: 4px solid #c9c9c9; color: #333;
             font-style: italic; background: #fafafa; }
blockquote cite { display: block; font-size: 0.85em; color: #666; font-style: normal; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
.note { color: #8a5300; font-size: 0.9em; } p.small { font-size: 0.9em; color: #444; max-width: 75em; }
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _code(text: str) -> str:
    """Escape, then show `backticked` words as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _esc(text))


def _comparison_rows(comparisons: Sequence[Comparison], link: str | None = None) -> list[str]:
    out = []
    for c in comparisons:
        ours_cls = "num ours" + ("" if c.crawled else " na")
        claim = _esc(c.claim) if link is None else f"<a href='#{_esc(link)}'>{_esc(c.claim)}</a>"
        out.append(
            f"<tr><td class='claim'>{claim}</td><td class='num art'>{_esc(c.article)}</td>"
            f"<td class='{ours_cls}'>{_esc(c.ours)}</td>"
            f"<td class='def'>{_code(c.definition)}</td><td class='when'>{_esc(c.crawl)}</td></tr>"
        )
    return out


def _comparison_table(when: str, rows: list[str]) -> str:
    return (
        "<table class='cmp'><colgroup><col class='c-claim'><col class='c-art'><col class='c-ours'>"
        "<col class='c-def'><col class='c-when'></colgroup>"
        f"<tr><th>figure</th><th>the articles</th><th>zoo ({_esc(when)})</th>"
        "<th>definition and denominator</th><th>crawl it comes from</th></tr>" + "".join(rows) + "</table>"
    )


_NUMBER = re.compile(r"^[\d,.]+( %)?$")


def _data_cell(value: Any, align: bool = True) -> str:
    cls = " class='num'" if align and _NUMBER.match(str(value)) else ""
    return f"<td{cls}>{_esc(value)}</td>"


def _quotes(comparisons: Sequence[Comparison]) -> list[tuple[str, str]]:
    """The articles' sentences behind these comparisons, each once: (wording, source)."""
    seen: dict[str, str] = {}
    for c in comparisons:
        if c.wording and c.wording not in seen:
            art = next((a for a in ARTICLE if a.wording == c.wording), None)
            seen[c.wording] = art.source if art else ""
    return list(seen.items())


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (plots as data URIs)."""
    when = "today" if report.as_of is None else f"as of {report.as_of.isoformat()}"
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>zoo report — PyTorch vs TensorFlow, {_esc(when)}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>PyTorch vs TensorFlow: the articles' figures, regenerated</h1>",
        "<p class='meta'>"
        f"Database <code>{_esc(report.db)}</code> · counts {_esc(when)}"
        + ("" if report.as_of is None else " (end of that day, UTC)")
        + f" · generated {_esc(fmt_when(report.generated_at))} by zoo {__version__}</p>",
        "<p class='small'>Every figure the “PyTorch vs TensorFlow” articles cite, next to the value this "
        "database gives, with the definition and denominator used and the crawl it comes from. A hub that "
        "was never crawled is shown as “not crawled”, never as 0. Regenerate with <code>zoo report</code>; "
        "the same numbers come from <code>zoo stats</code> and the Python API (<code>import crawler</code>).</p>",
        "<h2 id='summary'>Summary</h2>",
        _comparison_table(
            when,
            [
                row
                for s in report.sections
                for row in _comparison_rows([c for c in s.comparisons if c.summary], s.key)
            ],
        ),
        "<p class='small'>Each figure below has its own section: every line the database gives, the "
        "articles' own words, the definitions, a plot and the numbers behind it.</p>",
    ]
    for s in report.sections:
        parts.append(f"<h2 id='{_esc(s.key)}'>{_esc(s.title)}</h2>")
        for wording, source in _quotes(s.comparisons):
            parts.append(f"<blockquote>“{_esc(wording)}”<cite>— {_esc(source)}</cite></blockquote>")
        parts.append(_comparison_table(when, _comparison_rows(s.comparisons)))
        for note in s.notes:
            parts.append(f"<p class='note'>{_code(note)}</p>")
        for text in s.text:
            parts.append(f"<p class='small'>{_code(text)}</p>")
        if s.png is not None:
            data = base64.b64encode(s.png).decode("ascii")
            parts.append(f"<img src='data:image/png;base64,{data}' alt='{_esc(s.alt)}'>")
        for t in s.tables:
            parts.append(f"<table class='data'><caption>{_code(t.caption)}</caption>")
            parts.append("<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in t.columns) + "</tr>")
            for row in t.rows:
                parts.append("<tr>" + "".join(_data_cell(v, i > 0) for i, v in enumerate(row)) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


#: Characters Markdown reads as markup inside a table cell (emphasis, links, code, tables, math in some
#: renderers): each is shown as itself with a backslash before it.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def _md_text(text: str) -> str:
    """``text`` shown as itself in Markdown: HTML as entities, Markdown's markup characters escaped, on
    one line (a name from a hub is never markup, a ``<script>`` never a tag)."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_cell(text: Any, code: bool = False) -> str:
    """One table cell as plain text. ``code``: our own wording, whose `backticked` words stay code
    spans (shown literally by Markdown; only ``|`` needs its backslash there, for the table)."""
    if not code:
        return _md_text(str(text))
    parts = re.split(r"(`[^`]+`)", " ".join(str(text).split()))
    return "".join(p.replace("|", "\\|") if i % 2 else _md_text(p) for i, p in enumerate(parts))


def _md_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], code_columns: Sequence[int] = ()
) -> list[str]:
    out = ["| " + " | ".join(_md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    out += [
        "| " + " | ".join(_md_cell(v, i in code_columns) for i, v in enumerate(row)) + " |" for row in rows
    ]
    return out


def render_markdown(report: Report, figures_dir: str) -> tuple[str, dict[str, bytes]]:
    """The report as Markdown, and the PNG files it links to: ``{relative path: bytes}`` under
    ``figures_dir`` (a folder name relative to the Markdown file)."""
    when = "today" if report.as_of is None else f"as of {report.as_of.isoformat()}"
    columns = ["figure", "the articles", f"zoo ({when})", "definition and denominator", "crawl it comes from"]

    def rows(comparisons: Sequence[Comparison]) -> list[list[str]]:
        return [[c.claim, c.article, c.ours, c.definition, c.crawl] for c in comparisons]

    lines = [
        "# PyTorch vs TensorFlow: the articles' figures, regenerated",
        "",
        f"Database `{report.db}` · counts {when} · generated {fmt_when(report.generated_at)} by zoo "
        f"{__version__}. A hub that was never crawled is shown as “not crawled”, never as 0.",
        "",
        "## Summary",
        "",
        *_md_table(columns, rows([c for s in report.sections for c in s.comparisons if c.summary]), (3,)),
    ]
    files: dict[str, bytes] = {}
    for s in report.sections:
        lines += ["", f"## {s.title}", ""]
        for wording, source in _quotes(s.comparisons):
            lines += [f"> “{wording}” — {source}", ""]
        lines += [*_md_table(columns, rows(s.comparisons), (3,)), ""]
        lines += [p for note in s.notes for p in (f"**Note:** {note}", "")]
        lines += [p for text in s.text for p in (text, "")]
        if s.png is not None:
            rel = f"{figures_dir}/{s.key}.png"
            files[rel] = s.png
            lines += [f"![{s.alt}]({rel})", ""]
        for t in s.tables:
            lines += [f"**{t.title}**", "", *_md_table(t.columns, t.rows), "", t.caption, ""]
    return "\n".join(lines).rstrip() + "\n", files


def write_report(
    con: duckdb.DuckDBPyConnection,
    out: str | Path | None = None,
    fmt: ReportFormat | str = ReportFormat.html,
    as_of: date | str | None = None,
    db: str = "",
) -> tuple[Path, Report]:
    """Build the report and write it to ``out`` (default ``report.html`` / ``report.md``).

    HTML is one self-contained file. Markdown links its PNG plots from ``<out stem>-figures/`` next to it.
    Returns the path written and the report.
    """
    fmt = ReportFormat(stats.enum_value(fmt, [f.value for f in ReportFormat], "format"))
    path = Path(out) if out else Path(f"report.{fmt.value}")
    if path.parent and not path.parent.exists():  # said before the report's queries and plots
        raise stats.StatsError(f"the folder of {path} does not exist")
    report = build_report(con, as_of, db)
    if fmt is ReportFormat.html:
        path.write_text(render_html(report), encoding="utf-8")
    else:
        figures_dir = f"{path.stem}-figures"
        text, files = render_markdown(report, figures_dir)
        (path.parent / figures_dir).mkdir(exist_ok=True)
        for rel, data in files.items():
            (path.parent / rel).write_bytes(data)
        path.write_text(text, encoding="utf-8")
    return path, report
