"""The hubs zoo knows: one :class:`Hub` entry per source, declared next to the source, read everywhere.

Each source module ends with ``register(Hub(...))``: its label for people, the ``zoo crawl`` command and
its options, the secrets it sends, whether ``zoo crawl all`` runs it and how it tells that it cannot run
here, and the line it prints after a complete crawl. Everything else reads the entries:

* the CLI generates ``zoo crawl <command>`` (or ``zoo import <command>``) and ``zoo crawl all`` from them
  (:mod:`crawler.cli.crawl`);
* the statistics accept a hub's name or aliases (:func:`resolve`), and the report its label (:func:`label`);
* the ``hubs`` table is seeded from them whenever the database is opened for writing (never by a reading
  command), and the SQL views (``stats_hubs``) read that table.

The modules of this package are imported the first time the registry is read (:func:`hubs`), so a new
source module is found without being listed anywhere. A hub defined elsewhere (a test's throwaway hub)
is added with :func:`register` and removed with :func:`unregister`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Source

#: Modules of this package that hold no source.
_NOT_SOURCES = frozenset({"base", "records", "registry"})

#: A hub's summary line after a complete crawl: (the source that ran, its figures from the view
#: hub_figures, missing ones 0) → the line, or None for none.
Summary = Callable[[Source, Mapping[str, int]], "str | None"]


@dataclass(frozen=True)
class Option:
    """One option of a hub's crawl command; the CLI turns it into a typer option.

    ``param`` is the keyword the hub's factory receives. ``choices`` are checked before the database is
    opened (``zoo: --api must be one of rpc, legacy``, exit 1). ``in_all`` offers the option on
    ``zoo crawl all`` too, with that help text (two hubs may offer the same option: ``--hf-endpoint``
    is one option of ``zoo crawl all``, handed to both). ``all_default``, for an option not offered
    there, gives the value ``zoo crawl all`` uses instead of ``default``, read when it runs (a nightly
    budget from the environment, while the hub's own command has no limit).

    The CLI checks every value before anything is opened or sent (one line naming the option, or its
    environment variable, and exit 2): a ``float`` is seconds, finite, above 0 (or from ``min``) and at
    most a day (or ``max``); an ``int`` is from 0 (or ``min``) to a billion (or ``max``); an option whose
    ``param`` is ``endpoint`` is an http(s) URL with a host.
    """

    flag: str
    param: str
    help: str
    type: type = str
    default: Any = None
    envvar: str | None = None
    metavar: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    multiple: bool = False
    in_all: str | None = None
    all_default: Callable[[], Any] | None = None

    @property
    def name(self) -> str:
        """The Python name of the option (``--hf-endpoint`` → ``hf_endpoint``; an on/off pair
        ``--files/--no-files`` → ``files``)."""
        return self.flag.split("/")[0].lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Hub:
    """Everything zoo needs to know about one hub, besides its source class."""

    #: the source class; its ``name`` is the hub's name (crawl_runs.source, models.hub)
    source: type[Source]
    #: the hub's name for people ("Hugging Face")
    label: str
    #: ``zoo crawl <command>`` (``zoo import <command>`` for a frozen source)
    command: str
    #: the command's help: what it does, then ``Example: zoo crawl …``
    help: str
    #: display order (zoo crawl all, zoo stats hubs, the report)
    order: int = 99
    #: ``group`` "crawl" for hubs that change, "import" for a frozen dump
    group: str = "crawl"
    #: other names accepted wherever a hub is named (``hf``)
    aliases: tuple[str, ...] = ()
    #: the command's own options (``--db`` and ``--restart`` come with every command; a hub of
    #: ``kind`` "models" also gets ``--delete-after`` and ``--max-drop``)
    options: tuple[Option, ...] = ()
    #: builds the source from the options' values (by ``Option.param``); default: the source class
    factory: Callable[..., Source] | None = None
    #: environment variables holding secrets the source sends (named in ``--help``; the source's
    #: ``secrets()`` returns their values for the runner to scrub)
    secrets: tuple[str, ...] = ()
    #: whether ``zoo crawl all`` runs it
    nightly: bool = True
    #: why it cannot be crawled here (missing credentials, a missing tool), or None: ``zoo crawl all``
    #: skips it with that notice, and its own command exits 1 with it before opening the database
    unavailable: Callable[[], str | None] | None = None
    #: the line printed after a complete crawl, from the view hub_figures
    summary: Summary | None = None
    #: what one model of the hub is (the report's "models per hub" wording)
    unit: str = "one model = one row of models"
    #: "models" (listed by ``zoo stats hubs`` even before its first crawl), "papers" (the Papers with
    #: Code import) or "enrichment" (facts about models another hub listed; never listed as a hub)
    kind: str = "models"
    #: hubs whose crawl must have completed in the same ``zoo crawl all`` before this one runs (an
    #: enrichment walks the models its hub just listed); it is skipped with a notice otherwise
    depends_on: tuple[str, ...] = ()
    #: whether ``zoo crawl all`` prints the ``summary`` line too (an enrichment says what is left to do)
    summary_in_all: bool = False

    @property
    def name(self) -> str:
        return self.source.name

    def build(self, **options: Any) -> Source:
        """The source, from the values of its options (an option not given takes its default)."""
        values = {o.param: o.default for o in self.options} | options
        return (self.factory or self.source)(**values)

    def why_unavailable(self) -> str | None:
        return self.unavailable() if self.unavailable is not None else None


_HUBS: dict[str, Hub] = {}
_listeners: list[tuple[Callable[[Hub], None], Callable[[Hub], None]]] = []
_discovered = False


def register(hub: Hub) -> Hub:
    """Add ``hub`` (replacing an entry of the same name) and tell the CLI; returns it."""
    taken = {a: h.name for h in _HUBS.values() if h.name != hub.name for a in (h.name, *h.aliases)}
    clash = [a for a in (hub.name, *hub.aliases) if a in taken]
    if clash:
        raise ValueError(f"hub {hub.name!r}: {', '.join(clash)} already names hub {taken[clash[0]]!r}")
    old = _HUBS.get(hub.name)
    if old is not None:
        unregister(hub.name)
    _HUBS[hub.name] = hub
    for added, _ in list(_listeners):
        added(hub)
    return hub


def unregister(name: str) -> None:
    """Remove the hub called ``name`` (and its commands)."""
    hub = _HUBS.pop(name, None)
    if hub is not None:
        for _, removed in list(_listeners):
            removed(hub)


def subscribe(added: Callable[[Hub], None], removed: Callable[[Hub], None]) -> None:
    """Call ``added`` for every hub, now and when one is registered, and ``removed`` when one goes."""
    _listeners.append((added, removed))
    for hub in hubs():
        added(hub)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    here = str(Path(__file__).resolve().parent)
    for module in pkgutil.iter_modules([here]):
        if not module.name.startswith("_") and module.name not in _NOT_SOURCES:
            importlib.import_module(f"{__package__}.{module.name}")


def hubs(kind: str | None = None) -> list[Hub]:
    """Every registered hub (of ``kind``, if given), in display order."""
    _discover()
    return sorted(
        (h for h in _HUBS.values() if kind is None or h.kind == kind), key=lambda h: (h.order, h.name)
    )


def get(name: str) -> Hub | None:
    """The hub called ``name`` or one of its aliases, or None."""
    resolved = resolve(name)
    return _HUBS.get(resolved)


def resolve(name: str) -> str:
    """A hub's name from its name or an alias (``hf`` → ``huggingface``); other names unchanged."""
    _discover()
    return next((h.name for h in _HUBS.values() if name in h.aliases), name)


def label(name: str) -> str:
    """The hub's name for people ("Hugging Face"), or ``name`` for a hub zoo does not know."""
    hub = get(name)
    return hub.label if hub is not None else name


def rows() -> list[tuple[str, str, int, str, str, list[str]]]:
    """The ``hubs`` table's rows: (hub, label, sort_order, kind, unit, aliases)."""
    return [(h.name, h.label, h.order, h.kind, h.unit, list(h.aliases)) for h in hubs()]
