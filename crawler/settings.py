"""Numbers and sizes from the environment and from options, checked one way: finite, in range, named.

Every ``ZOO_*`` setting that holds a number or a size is declared here once (:data:`NUMBERS`,
:data:`SIZES`, :data:`SWITCHES`), with its range. A setting is read when it is used, never at import
(:func:`env_number`), and a value that is not a number, not finite (``nan``, ``inf``) or out of range
raises :class:`SettingError` naming the variable, instead of a traceback or a wait that never ends.
``zoo`` checks the whole environment before any command opens a file or sends a request
(:func:`check_environment`): one line, exit 2. Options go through the same :func:`check_number`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: The longest wait or time-out any setting or option accepts: one day. A longer one is a typo (or
#: ``1e308``), and waits beyond what the platform's timers hold fail with ``OverflowError``.
MAX_SECONDS = 86_400.0
#: The largest count any setting or option accepts (``zoo runs --limit``, budgets, page sizes): what a
#: DuckDB ``BIGINT`` and every loop here hold with room to spare.
MAX_COUNT = 1_000_000_000


class SettingError(ValueError):
    """A setting or option whose value is not usable; the message names it and says what it takes."""


@dataclass(frozen=True)
class Number:
    """A numeric setting: ``what`` it is for a message, its default and its closed range
    (``above``: the minimum itself is not allowed, for values that must be positive)."""

    what: str
    default: float
    min: float
    max: float
    integer: bool = False
    above: bool = False


def _seconds(default: float, *, above: bool = False, minimum: float = 0.0) -> Number:
    return Number("a number of seconds", default, minimum, MAX_SECONDS, above=above)


#: The numeric ``ZOO_*`` settings, with the range their options take too.
NUMBERS: dict[str, Number] = {
    "ZOO_LOCK_WAIT": _seconds(60.0),
    "ZOO_MERGE_WAIT": _seconds(900.0),
    "ZOO_SQL_TIMEOUT": _seconds(300.0),  # 0 = no limit
    "ZOO_REQUEST_DEADLINE": _seconds(60.0, above=True),
    "ZOO_GIT_TIMEOUT": _seconds(600.0, above=True),
    "ZOO_DELETE_AFTER": Number("a whole number of days", 2, 1, 3650, integer=True),
    "ZOO_MAX_DROP": Number("a share", 0.05, 0.0, 1.0),
    "ZOO_HF_DATES_BUDGET": Number("a whole number of requests", 2000, 0, MAX_COUNT, integer=True),
    "ZOO_PAPERS_BUDGET": Number("a whole number of requests", 600, 0, MAX_COUNT, integer=True),
    # the network layer (crawler/sources/_net.py) reads these two when a request needs them; checked here
    # too, so that a bad value stops every command before it starts
    "ZOO_MAX_RATE_WAIT": _seconds(900.0, above=True),
    "ZOO_MAX_ANSWER_MB": Number("a number of megabytes", 64, 0, 1_048_576, above=True),
}
#: DuckDB memory sizes (``128MB``, ``1GB``, ``1.5GiB``, ``80%``).
SIZES = ("ZOO_MEMORY_LIMIT", "ZOO_MERGE_MEMORY_LIMIT", "ZOO_SQL_MEMORY_LIMIT", "ZOO_STATS_MEMORY_LIMIT")
_SIZE = re.compile(r"\s*(\d+(\.\d+)?(e\d+)?\s*([KMGT]i?B)|\d+(\.\d+)?\s*%)\s*", re.IGNORECASE)
#: Endpoints a ``ZOO_*`` variable gives (``HF_ENDPOINT`` is huggingface_hub's, checked by its option).
URLS = ("ZOO_KAGGLE_ENDPOINT", "ZOO_ARXIV_ENDPOINT", "ZOO_GITHUB_ENDPOINT")
#: On/off settings, with the words their ``--x/--no-x`` options accept.
SWITCHES = ("ZOO_HF_FILES",)
_SWITCH_WORDS = frozenset({"1", "0", "true", "false", "t", "f", "yes", "no", "y", "n", "on", "off"})

_ECHO = 60  # characters of a bad value shown back


def _echo(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _ECHO else text[:_ECHO] + "…"


def _bound(value: float, integer: bool) -> str:
    return f"{int(value):,}" if integer or float(value).is_integer() else f"{value:g}"


def check_number(
    value: object,
    name: str,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
    above: bool = False,
    what: str = "a number",
) -> float:
    """``value`` (a number, or text from the environment) as a float (a whole one if ``integer``), or
    :class:`SettingError`: ``<name> must be <what> from <minimum> to <maximum> (got <value>)``."""
    low = f"more than {_bound(minimum, integer)}" if above else f"from {_bound(minimum, integer)}"
    message = f"{name} must be {what} {low} to {_bound(maximum, integer)} (got {_echo(value)})"
    if isinstance(value, bool):
        raise SettingError(message)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(int(text)) if integer else float(text)
        except (ValueError, OverflowError):
            raise SettingError(message) from None
    elif isinstance(value, int):
        if not minimum <= value <= maximum:  # compared as ints: 2**70 is not rounded into the range
            raise SettingError(message)
        number = float(value)
    elif isinstance(value, float):
        number = value
    else:
        raise SettingError(message)
    if not math.isfinite(number) or number < minimum or number > maximum or (above and number <= minimum):
        raise SettingError(message)
    if integer and not number.is_integer():
        raise SettingError(message)
    return number


def env_number(name: str, env: Mapping[str, str] | None = None) -> float:
    """The setting ``name`` of :data:`NUMBERS` from the environment (read now), else its default."""
    spec = NUMBERS[name]
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return float(spec.default)
    return check_number(
        raw,
        name,
        minimum=spec.min,
        maximum=spec.max,
        integer=spec.integer,
        above=spec.above,
        what=spec.what,
    )


def check_size(value: str, name: str) -> str:
    """``value`` if DuckDB reads it as a memory size (``128MB``, ``1GB``, ``80%``), else :class:`SettingError`."""
    if not _SIZE.fullmatch(value):
        raise SettingError(f"{name} must be a memory size such as 200MB or 1GB (got {_echo(value)})")
    return value


def check_environment(env: Mapping[str, str] | None = None) -> None:
    """Every numeric, size, endpoint and on/off ``ZOO_*`` setting that is set, checked; the first bad one
    raises :class:`SettingError` naming it."""
    env = os.environ if env is None else env
    for name in NUMBERS:
        env_number(name, env)
    for name in SIZES:
        raw = env.get(name, "")
        if raw.strip():
            check_size(raw, name)
    from .sources._net import endpoint_problem, shown_endpoint  # the hubs' own rule for an endpoint

    for name in URLS:
        raw = env.get(name, "")
        problem = endpoint_problem(raw) if raw else None
        if problem is not None:
            raise SettingError(f"{name} {shown_endpoint(raw)} {problem}")
    for name in SWITCHES:
        raw = env.get(name, "")
        if raw.strip() and raw.strip().lower() not in _SWITCH_WORDS:
            raise SettingError(
                f"{name} must be one of 1, 0, true, false, yes, no, on, off (got {_echo(raw)})"
            )
