"""The hubs zoo knows: one :class:`Hub` entry per source, declared next to the source, read everywhere.

Each source module ends with ``register(Hub(...))``: its label for people, the ``zoo crawl`` command and
its options, the secrets it sends, the environment variables naming where it connects and the others it
reads, its own framework labels, whether ``zoo crawl all`` runs it and how it tells that it cannot run
here, and the line it prints after a complete crawl. Everything else reads the entries:

* the CLI generates ``zoo crawl <command>`` (or ``zoo import <command>``) and ``zoo crawl all`` from them
  (:mod:`crawler.cli.crawl`);
* the statistics accept a hub's name or aliases (:func:`resolve`), and the report its label (:func:`label`);
* the ``hubs`` table is seeded from them whenever the database is opened for writing (never by a reading
  command), and the SQL views (``stats_hubs``) read that table;
* the view ``hub_framework_labels`` (each hub's own framework labels, which the ``tags`` definition
  reads) is generated from them and created with the views of ``sql/views`` (:func:`framework_labels_sql`);
* the tests' set-up clears every environment variable they declare and points their endpoints at a
  local server (:func:`env_vars`, :func:`endpoint_vars`), and the contract tests check every entry.

The modules of this package are imported the first time the registry is read (:func:`hubs`), so a new
source module is found without being listed anywhere. A hub defined elsewhere (a test's throwaway hub)
is added with :func:`register` and removed with :func:`unregister`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Source

#: Modules of this package that hold no source.
_NOT_SOURCES = frozenset({"base", "records", "registry"})

#: The labels the ``tags`` definition counts for a hub that declares none (:attr:`Hub.frameworks`):
#: Hugging Face's ``pytorch`` and ``tf`` tags, the articles' method.
DEFAULT_FRAMEWORKS: tuple[tuple[str, str], ...] = (("pytorch", "pytorch"), ("tf", "tensorflow"))

#: A label or framework name as the generated view ``hub_framework_labels`` quotes it (no quote, no
#: control character).
_LABEL = re.compile(r"[^'\x00-\x1f]+")

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
    #: environment variables naming where the hub is reached (an API base, a git repository), each
    #: overriding the source's public default. Every hub that reaches the network declares one for each
    #: place it reaches (``HF_ENDPOINT``, ``ZOO_KAGGLE_ENDPOINT``, ``ZOO_PYTORCH_HUB_REPO``): the test
    #: set-up points each of them at a server on 127.0.0.1 that answers 404, so no test reaches a real host
    endpoints: tuple[str, ...] = ()
    #: other environment variables the source reads (credentials files, budgets); those of the options,
    #: ``secrets`` and ``endpoints`` need not be repeated. All of them are :attr:`env_vars`
    env: tuple[str, ...] = ()
    #: the hub's own framework labels the ``tags`` definition counts: (a tag exactly as the hub spells it,
    #: a framework of the view ``framework_roles``), e.g. ``(("tensorflow", "tensorflow"),)``. None: the
    #: :data:`DEFAULT_FRAMEWORKS`. The ``evidence`` definition reads every hub's tags through
    #: ``sql/views/framework_evidence_map.sql`` instead (case-insensitively)
    frameworks: tuple[tuple[str, str], ...] | None = None
    #: settings (variable, value) under which the hub asks no host of its own accord, though its
    #: endpoints point somewhere: a second repository read only when named, a nightly budget of 0. The
    #: test set-up applies them after pointing the endpoints at its 404 server, so that `zoo crawl all`
    #: in a test runs the hub without a request it was not given a fake for
    offline: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.source.name

    def build(self, **options: Any) -> Source:
        """The source, from the values of its options (an option not given takes its default)."""
        values = {o.param: o.default for o in self.options} | options
        return (self.factory or self.source)(**values)

    def why_unavailable(self) -> str | None:
        return self.unavailable() if self.unavailable is not None else None

    @property
    def env_vars(self) -> tuple[str, ...]:
        """Every environment variable the hub reads: its options', its secrets, endpoints and ``env``."""
        names = [o.envvar for o in self.options if o.envvar] + [*self.secrets, *self.endpoints, *self.env]
        return tuple(dict.fromkeys(names))


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


def env_vars() -> tuple[str, ...]:
    """Every environment variable any registered hub reads (see :attr:`Hub.env_vars`)."""
    return tuple(dict.fromkeys(v for h in hubs() for v in h.env_vars))


def offline_settings() -> dict[str, str]:
    """Every registered hub's :attr:`Hub.offline` settings, variable → value."""
    return {name: value for h in hubs() for name, value in h.offline}


def endpoint_vars() -> tuple[str, ...]:
    """The environment variables naming where registered hubs are reached (see :attr:`Hub.endpoints`)."""
    return tuple(dict.fromkeys(v for h in hubs() for v in h.endpoints))


def snapshot() -> dict[str, Hub]:
    """The registered hubs, to :func:`restore` later (a test that registers throwaway hubs)."""
    hubs()
    return dict(_HUBS)


def restore(saved: dict[str, Hub]) -> None:
    """Make the registry hold exactly the hubs of a :func:`snapshot` again (and tell the CLI)."""
    for name in [n for n, h in _HUBS.items() if saved.get(n) is not h]:
        unregister(name)
    for hub in saved.values():
        if _HUBS.get(hub.name) is not hub:
            register(hub)


def framework_labels() -> list[tuple[str, str | None, str | None]]:
    """(hub, label, framework) for every registered hub's :attr:`Hub.frameworks` (one row of NULLs for a
    hub that declares none: ``frameworks=()``), then the :data:`DEFAULT_FRAMEWORKS` under the hub ``*``
    (any hub the registry does not know)."""
    out: list[tuple[str, str | None, str | None]] = []
    for h in [*hubs(), None]:
        labels = DEFAULT_FRAMEWORKS if h is None or h.frameworks is None else h.frameworks
        out += [(h.name if h else "*", label, framework) for label, framework in dict(labels).items()]
        if not labels:
            out.append((h.name if h else "*", None, None))  # a hub whose tags the definition never counts
    return out


def framework_labels_sql() -> str:
    """The view ``hub_framework_labels``, generated from :func:`framework_labels` (created with the views
    of ``sql/views``, see :func:`crawler.store.migrate`)."""
    rows = framework_labels()
    for row in rows:
        if not all(v is None or _LABEL.fullmatch(v) for v in row):
            raise ValueError(f"hub {row[0]!r}: framework label {row[1]!r} → {row[2]!r} cannot be used")
    values = ",\n    ".join(
        "(" + ", ".join("NULL" if v is None else f"'{v}'" for v in row) + ")" for row in rows
    )
    return f"""-- hub_framework_labels(hub, label, framework): each hub's own framework labels, as its entry in the source
-- registry declares them (Hub.frameworks in crawler/sources/registry.py; generated, not a file). The
-- `tags` definition counts a model of <hub> as <framework> when one of its tags is exactly <label>
-- (case-sensitive, as the Hub's own tag filter); a row of NULLs: a hub whose tags it never counts. Hub
-- '*': any hub the registry does not know (the default labels, those of Hugging Face).
CREATE OR REPLACE VIEW hub_framework_labels AS
SELECT * FROM (VALUES
    {values}
) AS t(hub, label, framework);
"""


def rows() -> list[tuple[str, str, int, str, str, list[str]]]:
    """The ``hubs`` table's rows: (hub, label, sort_order, kind, unit, aliases)."""
    return [(h.name, h.label, h.order, h.kind, h.unit, list(h.aliases)) for h in hubs()]
