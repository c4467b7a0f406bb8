"""Rendering query results as a table, CSV or JSON: the one formatter every command uses.

Data is never markup and never a terminal command: a table shows every value as plain text (a model
called ``org/[bold]x[/bold]`` is shown as that, never styled or refused), with control characters
escaped (:func:`printable`: ``ESC[2J`` is shown as ``\\x1b[2J``, never clears the screen). JSON escapes
them as JSON does (the C1 ones too, which ``json.dumps`` leaves raw). CSV is machine output: piped or
redirected it carries every value exactly as stored; written to a terminal, where a person reads it,
its control characters are escaped like a table's.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

#: An echoed value (an argument, a name) is cut after this many characters in a message.
ECHO_LIMIT = 200


#: C0 control characters (but tab and newline), DEL and the C1 controls: what a terminal may obey
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x80-\x9f]")


def printable(text: object, *, one_line: bool = False) -> str:
    """``text`` with every control character a terminal could obey (``ESC[2J`` clears the screen,
    ``ESC]0;…BEL`` retitles the window) shown as its escape, ``\\x1b``; tab and newline are kept unless
    ``one_line``. Text from a hub passes through it wherever people read it."""
    pattern = _CONTROL_LINE if one_line else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


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
        text = _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # json.dumps escapes C0 only
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
        print(printable(text) if sys.stdout.isatty() else text, end="")
        return text
    table = Table(
        title=None if title is None else Text(printable(title)),
        caption=None if caption is None else Text(printable(caption)),
        caption_justify="left",
    )
    for c in columns:
        table.add_column(Text(printable(c)), overflow="fold")
    for row in rows:
        table.add_row(*(Text(printable(_cell(v))) for v in row))
    if console is None:
        console = Console(soft_wrap=False)
        if not console.is_terminal:  # piped or captured: don't fold a wide table to 80 columns
            console = Console(soft_wrap=False, width=200)
    console.print(table)
    return None
