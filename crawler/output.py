"""Rendering query results as a table, CSV or JSON: the one formatter every command uses."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from rich.console import Console
from rich.table import Table

#: An echoed value (an argument, a name) is cut after this many characters in a message.
ECHO_LIMIT = 200


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` for a message, cut after ``limit`` characters with "…": a 100 KB argument is
    not printed back whole."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S%z")
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: Format | str = Format.table,
    *,
    caption: str | None = None,
    title: str | None = None,
    console: Console | None = None,
) -> str | None:
    """Write rows in the chosen format to stdout (table via rich). Returns the text for csv/json."""
    fmt = Format(fmt)
    if fmt is Format.json:
        text = json.dumps(
            [{c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            ensure_ascii=False,
            indent=2,
        )
        print(text)
        return text
    if fmt is Format.csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else (json.dumps(_jsonable(v)) if isinstance(v, list | dict) else v)
                    for v in row
                ]
            )
        text = buf.getvalue()
        print(text, end="")
        return text
    table = Table(title=title, caption=caption, caption_justify="left")
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    if console is None:
        console = Console(soft_wrap=False)
        if not console.is_terminal:  # piped or captured: don't fold a wide table to 80 columns
            console = Console(soft_wrap=False, width=200)
    console.print(table)
    return None
