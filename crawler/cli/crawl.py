"""``zoo crawl <hub>``, ``zoo crawl all`` and ``zoo import <source>``, generated from the source registry.

Every hub's command is built from its :class:`~crawler.sources.registry.Hub` entry: its options (plus
``--db`` and ``--restart``, and ``--delete-after`` and ``--max-drop`` for a model hub), its help, the
check that it can run here, and the line it prints after a complete crawl. A hub registered later (a
test's throwaway hub) gets its command when it is registered, and loses it when it is unregistered.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import GenericAlias
from typing import Annotated, Any

import typer

from ..settings import MAX_COUNT, MAX_SECONDS, NUMBERS
from ..sources import registry
from ..sources._net import endpoint_problem, shown_endpoint
from ..sources.base import NotConfigured, Source
from ..sources.registry import Hub, Option
from ..store import CrawlLocked, RunPolicy, StoreError, connect
from .common import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_SUSPECT,
    DbOption,
    app,
    error,
    given_as,
    number_check,
    one_line,
    usage_error,
)
from .progress import run_source, run_with_progress, summary

crawl_app = typer.Typer(
    help="Crawl a hub into the database. Resumes an interrupted run of the same hub unless --restart.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(crawl_app, name="crawl")
import_app = typer.Typer(
    help="Import a frozen source (a dump that no longer changes) into the database, recorded as a run.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")
GROUPS = {"crawl": crawl_app, "import": import_app}

RestartOption = Annotated[
    bool,
    typer.Option(
        "--restart",
        help="Abandon an interrupted run of this hub and start from the beginning. Example: --restart",
    ),
]
DeleteAfterOption = Annotated[
    int,
    typer.Option(
        "--delete-after",
        envvar="ZOO_DELETE_AFTER",
        callback=number_check(
            minimum=NUMBERS["ZOO_DELETE_AFTER"].min,
            maximum=NUMBERS["ZOO_DELETE_AFTER"].max,
            integer=True,
            what=NUMBERS["ZOO_DELETE_AFTER"].what,
        ),  # fmt: skip
        help="Mark a model deleted once it is missing from complete full runs on this many distinct UTC "
        "days in a row (nights are counted, not runs: a second run on the same day does not count twice). "
        "Example: --delete-after 3",
    ),
]
MaxDropOption = Annotated[
    float,
    typer.Option(
        "--max-drop",
        envvar="ZOO_MAX_DROP",
        callback=number_check(minimum=0.0, maximum=1.0, what=NUMBERS["ZOO_MAX_DROP"].what),
        help="A run that sees this share fewer models than the previous one is suspect: it marks nothing "
        "absent or deleted, and the crawl exits with code 4.",
    ),
]


def _sign(function: Callable[..., None], parameters: list[inspect.Parameter]) -> None:
    """Give a ``**values`` function the signature typer reads its options from."""
    function.__dict__["__signature__"] = inspect.Signature(parameters)


def _keyword(name: str, default: Any, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _endpoint_check(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """An endpoint that is no http(s) URL (``not a url``, ``ftp://…``, ``http://[::1``): one line, exit 2."""
    problem = None if value is None else endpoint_problem(value)
    if value is not None and problem is not None:
        usage_error(f"{given_as(ctx, param)} {shown_endpoint(value)} {problem}")
    return value


def _checks(option: Option) -> dict[str, Any]:
    """The callback that checks an option's value before anything is opened or sent: a number finite and
    within ``min``..``max`` (floats are seconds: above 0 and at most a day unless the option says; counts
    0 or more, at most a billion), an ``endpoint`` an http(s) URL. Checked here rather than by typer's
    own ranges, so that a bad value is one line naming the option (or its environment variable)."""
    if option.param == "endpoint":
        return {"callback": _endpoint_check}
    if option.type is float:
        return {
            "callback": number_check(
                minimum=0.0 if option.min is None else option.min,
                maximum=MAX_SECONDS if option.max is None else option.max,
                above=option.min is None,
                what="a number of seconds",
            )
        }
    if option.type is int:
        return {
            "callback": number_check(
                minimum=0 if option.min is None else option.min,
                maximum=MAX_COUNT if option.max is None else option.max,
                integer=True,
                what="a whole number",
            )
        }
    return {}


def _typer_option(option: Option, help: str) -> inspect.Parameter:
    """A registry option as a typer option (a keyword parameter of the generated command)."""
    settings: dict[str, Any] = {"help": help, **_checks(option)}
    if option.envvar:
        settings["envvar"] = option.envvar
    if option.metavar:
        settings["metavar"] = option.metavar
    if option.default is None:
        settings["show_default"] = False
    kind: Any = GenericAlias(list, (option.type,)) if option.multiple else option.type
    if option.default is None:
        kind = kind | None
    return _keyword(option.name, option.default, Annotated[kind, typer.Option(option.flag, **settings)])


def _policy_parameters(hub: Hub) -> list[inspect.Parameter]:
    if hub.kind != "models":
        return []
    return [_keyword("delete_after", 2, DeleteAfterOption), _keyword("max_drop", 0.05, MaxDropOption)]


def _print_figures(hub: Hub, source: Source, db: str | None) -> None:
    """The hub's own summary line after a complete crawl, read back from the database."""
    if hub.summary is None:
        return
    try:
        con = connect(db, read_only=True)
    except StoreError:
        return
    from .. import stats  # the statistics API, only after a complete crawl

    try:
        figures = stats.hub_figures(con, hub.name)
    finally:
        con.close()
    line = hub.summary(source, figures)
    if line:
        print(one_line(line))


def _help(hub: Hub) -> str:
    if not hub.secrets:
        return hub.help
    return (
        f"{hub.help}\n\nSecrets it sends, never stored or printed: {', '.join(hub.secrets)} (from the "
        "environment)."
    )


def hub_command(hub: Hub) -> Callable[..., None]:
    """The ``zoo crawl <hub>`` (or ``zoo import <source>``) command of ``hub``."""

    def command(**values: Any) -> None:
        for option in hub.options:
            if option.choices and values[option.name] not in option.choices:
                error(f"{option.flag} must be one of {', '.join(option.choices)}")
                raise typer.Exit(EXIT_FAILED)
        why = hub.why_unavailable()
        if why:
            error(why)
            raise typer.Exit(EXIT_FAILED)
        policy = None
        if hub.kind == "models":
            policy = RunPolicy(delete_after=values["delete_after"], max_drop=values["max_drop"])
        try:
            source = hub.build(**{o.param: values[o.name] for o in hub.options})
        except NotConfigured as exc:  # an option the source refuses (credentials in an endpoint URL)
            error(exc)
            raise typer.Exit(EXIT_FAILED) from None
        run_source(source, values["db"], values["restart"], policy)
        _print_figures(hub, source, values["db"])

    parameters = [
        _keyword("db", None, DbOption),
        *(_typer_option(o, o.help) for o in hub.options),
        _keyword("restart", False, RestartOption),
        *_policy_parameters(hub),
    ]
    _sign(command, parameters)
    command.__name__ = f"{hub.group}_{hub.command}".replace("-", "_")
    return command


def _add(hub: Hub) -> None:
    GROUPS[hub.group].command(hub.command, help=_help(hub))(hub_command(hub))


def _remove(hub: Hub) -> None:
    group = GROUPS[hub.group]
    group.registered_commands = [c for c in group.registered_commands if c.name != hub.command]


registry.subscribe(_add, _remove)


# ------------------------------------------------------------------------------------------ crawl all


def _all_values(hub: Hub, values: dict[str, Any]) -> dict[str, Any]:
    """The hub's options as ``zoo crawl all`` gives them: its own options, else their nightly defaults."""
    out: dict[str, Any] = {}
    for o in hub.options:
        if o.in_all:
            out[o.param] = values[o.name]
        elif o.all_default is not None:
            out[o.param] = o.all_default()
    return out


def crawl_all(**values: Any) -> None:
    policy = RunPolicy(delete_after=values["delete_after"], max_drop=values["max_drop"])
    failed: list[str] = []
    suspect: list[str] = []
    completed: set[str] = set()
    for hub in registry.hubs():
        if not hub.nightly:
            continue
        why = hub.why_unavailable()
        if not why and any(d not in completed for d in hub.depends_on):
            missing = [d for d in hub.depends_on if d not in completed]
            why = f"the {', '.join(missing)} crawl did not complete tonight"
        if why:
            print(one_line(f"{hub.name}: skipped — {why}"))
            continue
        try:
            source = hub.build(**_all_values(hub, values))
            result = run_with_progress(source, values["db"], False, policy)
        except CrawlLocked as exc:
            error(exc)
            raise typer.Exit(EXIT_LOCKED) from None
        except Exception as exc:  # a broken source must not stop the others
            print(one_line(f"{hub.name}: failed before its run could start — {type(exc).__name__}: {exc}"))
            failed.append(hub.name)
            continue
        print(summary(result))
        if result.status != "complete":
            failed.append(hub.name)
            continue
        completed.add(hub.name)
        if hub.summary_in_all:
            _print_figures(hub, source, values["db"])
        if result.suspect:
            suspect.append(hub.name)
    if failed:
        print(f"zoo crawl all: {len(failed)} hub(s) failed: {', '.join(failed)}")
        raise typer.Exit(EXIT_FAILED)
    if suspect:
        print(f"zoo crawl all: suspect run(s): {', '.join(suspect)}")
        raise typer.Exit(EXIT_SUSPECT)


def _add_crawl_all() -> None:
    nightly = [h for h in registry.hubs() if h.nightly]
    offered: dict[str, Option] = {}  # one option per name: the first hub's help text
    for o in (o for h in nightly for o in h.options if o.in_all):
        offered.setdefault(o.name, o)
    options = [_typer_option(o, o.in_all) for o in offered.values() if o.in_all]
    _sign(
        crawl_all,
        [
            _keyword("db", None, DbOption),
            *options,
            _keyword("delete_after", 2, DeleteAfterOption),
            _keyword("max_drop", 0.05, MaxDropOption),
        ],
    )
    crawl_app.command(
        "all",
        help=f"""Crawl every configured hub, one after the other: the nightly job.

The hubs, in this order: {", ".join(h.name for h in nightly)}. A hub that cannot run here (no
credentials, no git) is skipped with a notice; `zoo crawl <hub> --help` says what each needs. A hub
that fails does not stop the others. One summary line per hub is printed. Exit code: 0 if every
crawled hub completed, 1 if any failed, 4 if none failed but a run was suspect. Meant for cron: no
prompts, and plain log lines instead of progress bars when the output is not a terminal.

Example: zoo crawl all --db /var/lib/zoo/zoo.duckdb""",
    )(crawl_all)


_add_crawl_all()
