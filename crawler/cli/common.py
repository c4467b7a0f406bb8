"""What every ``zoo`` command shares: the app, the error console, exit codes, the common options and
opening the database for reading."""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import duckdb
import typer
from rich.console import Console
from typer.core import TyperGroup

from .. import __version__
from ..output import ECHO_LIMIT, Format, printable, shown
from ..settings import SettingError, check_environment, check_number
from ..store import StoreError, connect, resolve_db


class _Root(TyperGroup):
    """The ``zoo`` group, keeping the command line it was given (``ctx.meta["zoo.words"]``) where the
    callback can see it: click hands the words on to the subcommand before the callback runs."""

    def invoke(self, ctx: Any) -> Any:  # a click.Context
        ctx.meta["zoo.words"] = [*getattr(ctx, "_protected_args", []), *ctx.args]
        return super().invoke(ctx)


app = typer.Typer(
    cls=_Root,
    help="zoo: crawl the model zoos into one DuckDB database and compute defined statistics.\n\n"
    "Examples:\n\n"
    "  zoo crawl hf                      # crawl the Hugging Face listing into ./zoo.duckdb\n\n"
    "  zoo runs                          # list crawl runs\n\n"
    '  zoo sql "select count(*) from models"',
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

err = Console(stderr=True)

EXIT_FAILED = 1
#: a bad argument: an unknown hub, a date that is not one, a value out of range (click's own code too)
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_SUSPECT = 4
#: stopped with Ctrl-C (128 + SIGINT), as typer ends any command interrupted so
EXIT_INTERRUPTED = 130


def usage_error(message: object) -> NoReturn:
    """A bad argument or setting: ``zoo: <message>`` and exit 2, before anything is opened or sent."""
    error(message)
    raise typer.Exit(EXIT_USAGE)


def given_as(ctx: typer.Context, param: typer.CallbackParam) -> str:
    """How the user gave ``param``: its environment variable when the value came from there, else its flag."""
    envvar = param.envvar if isinstance(param.envvar, str) else None
    source = ctx.get_parameter_source(param.name) if param.name else None
    if envvar and getattr(source, "name", None) == "ENVIRONMENT":
        return envvar
    return param.opts[0] if param.opts else str(param.name)


def number_check(
    *, minimum: float, maximum: float, integer: bool = False, above: bool = False, what: str = "a number"
) -> Callable[..., Any]:
    """A typer callback: the option's value (or each of a repeated option's) finite and in range, else
    one line naming the option (or its environment variable) and exit 2."""

    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is None:
                continue
            try:
                check_number(
                    v, given_as(ctx, param), minimum=minimum, maximum=maximum, integer=integer, above=above,
                    what=what,
                )  # fmt: skip
            except SettingError as exc:
                usage_error(exc)
        return value

    return callback


#: The bytes every DuckDB database file holds at offset 8.
_DUCKDB_MAGIC = b"DUCK"


def check_db_path(path: str, name: str = "--db") -> None:
    """A database path that cannot be one (too long, a folder, a device, a file that is not a DuckDB
    database such as ``/proc/self/status``) raises :class:`SettingError`; a path with nothing there yet
    passes (a crawl creates it, a reader says there is no database)."""
    if path == ":memory:":
        return
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:  # a name too long, a part of the path that is a file
        raise SettingError(f"{name} {shown(path)} cannot be used: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SettingError(f"{name} {shown(path)} is not a file")
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise SettingError(f"{name} {shown(path)} cannot be read: {exc.strerror or exc}") from None
    if head and head[8:12] != _DUCKDB_MAGIC:
        raise SettingError(f"{name} {shown(path)} is not a DuckDB database")


def _db_callback(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    try:
        check_db_path(resolve_db(value), given_as(ctx, param))
    except SettingError as exc:
        usage_error(exc)
    return value


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to use (default: $ZOO_DB, else ./zoo.duckdb). Example: --db zoo.duckdb",
        show_default=False,
        callback=_db_callback,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, csv or json.")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Count the models that existed at the end of that day (UTC): catalogs by their git dates, "
        "other hubs by the crawls finished by then. Example: --as-of 2024-12-31",
        show_default=False,
    ),
]
ReadDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to read (default: $ZOO_DB, else ./zoo.duckdb); opened read-only. "
        "Example: --db ~/zoo.duckdb",
        show_default=False,
        callback=_db_callback,
    ),
]


def one_line(text: object) -> str:
    """A message on one line: an exception text may hold newlines, and a log line must not be split;
    a control character (a hub's answer quoted in an error may hold ``ESC[2J``) is shown escaped."""
    return printable(" ".join(str(text).split()), one_line=True)


def capped(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` with every run of more than ``limit`` non-blank characters (an echoed argument, a query)
    cut after ``limit`` characters with "…", and the whole cut after ``5 * limit``."""
    text = re.sub(rf"\S{{{limit + 1},}}", lambda m: m.group(0)[:limit] + "…", text)
    return text if len(text) <= 5 * limit else text[: 5 * limit] + "…"


def error(message: object) -> None:
    """Print ``zoo: <message>`` to stderr as one line: never wrapped, never read as console markup, its
    control characters escaped, and no echoed value longer than :data:`ECHO_LIMIT` characters."""
    err.print(f"zoo: {capped(one_line(message))}", highlight=False, markup=False, soft_wrap=True)


def read(db: str | None) -> duckdb.DuckDBPyConnection:
    """The database opened read-only, or exit 1 with the reason."""
    try:
        return connect(db, read_only=True)
    except StoreError as exc:
        error(exc)
        raise typer.Exit(EXIT_FAILED) from None


def _version(value: bool) -> None:
    if value:
        print(f"zoo {__version__}")
        raise typer.Exit()


def _asks_for_help(ctx: typer.Context) -> bool:
    """Whether the command line asks for a command's help (``--help``/``-h`` before any ``--``)."""
    rest = list(ctx.meta.get("zoo.words", []))
    words = rest[: rest.index("--")] if "--" in rest else rest
    return any(word in ("--help", "-h") for word in words)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log HTTP retries and waits.")] = False,
) -> None:
    try:  # a bad ZOO_* setting is one line and exit 2, whichever command reads it, before it starts
        if not _asks_for_help(ctx):  # help is shown whatever the settings (it reads none)
            check_environment()
    except SettingError as exc:
        usage_error(exc)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from huggingface_hub.utils import logging as hf_logging

    if verbose:
        hf_logging.set_verbosity_info()
    else:
        hf_logging.set_verbosity_error()
