"""tfhub.dev: the catalog in the git repository github.com/tensorflow/tfhub.dev (branch ``master``).

The catalog is markdown under ``assets/docs/`` (``assets/g3doc/`` before October 2020); paths moved again
in 2021 (``<publisher>/models/<name>/<version>.md``, older flat forms, ``tfjs/``, ``lite/``, ``coral/``
variants). Paths are therefore not identities: **line 1** of each document is, ``# <Type> <handle>``:

* ``# Module google/imagenet/resnet_v2_50/classification/5`` and ``# Placeholder …`` are versions of a
  model. The model's ``key`` is the handle without its version (``google/imagenet/resnet_v2_50/
  classification``).
* ``# Lite …``, ``# Tfjs …`` and ``# Coral …`` are variants of a model version; their ``parent-model``
  metadata names it. They attach to that model as versions and formats, not as models.
* ``# Collection …`` and ``# Publisher …`` go to their own child tables.

Metadata follows as ``<!-- key: value -->`` lines (``format``, ``task``, ``asset-path``, ``dataset``,
``network-architecture``, ``language``, ``fine-tunable``, ``license`` …) and is kept raw.

Dates come from the first-parent history of the branch: a document (a type and handle) appeared when
the first of its paths appeared and disappeared when the last of them did, so a move does not reset it.
A model's ``created_at`` is the first appearance of **any** of its documents, its ``deleted_at`` the
disappearance of the last one. Every model ever seen is emitted. Framework: TensorFlow, with the formats
seen (``saved_model_2``, ``hub`` = TF1 Hub, ``saved_model``, ``tfjs``, ``lite``, ``coral``) in ``formats``.

**Censored dates.** The catalog's history starts on 2020-08-26 with the import of Google's catalog
(commit e6bdf737 brought 1,494 files, right after a README-only root commit; 624 of the 1,332 models live
in 2024 are dated by it): a model whose first document came with the first commit of the catalog's own
history (:func:`_git.catalog_root`: the oldest first-parent commit touching ``assets/``, found from the
history's shape, not by its id) was published **on or before** that date. It gets
``created_at_quality = 'git_import'`` and ``extra.initial_import = true``, and the statistics put it in
the period ``'imported'``, never in August 2020.

**Dates recovered from the catalog's previous home.** Before tensorflow/tfhub.dev, tensorflow/hub held
the documents of the models other publishers contributed, in ``tfhub_dev/assets/`` (2020-01-23 …
2020-10-20; 117 documents of 55 models; Google's own models were never there). They came to tfhub.dev
with one later commit (ef73bcb4, 2020-10-07, "Move tfhub.dev model documentation from
https://github.com/tensorflow/hub"), which dates 53 models by the move. The crawl reads that folder's
first-parent history too (``history_repo``, a cached partial clone like the catalog's; on by default,
``--no-history`` turns it off), groups its documents into models the same way, and a model found there
earlier gets that date: ``created_at_quality = 'git_prior_repo'``, counted in its true month. The
folder itself began with one commit that added 30 documents at once (c5001f0, 2020-01-23, "Add directory
for external contributions to tfhub.dev"): those were published before, so a model first seen in that
commit is ``'git_import'``, with that earlier bound as ``created_at``. ``extra.catalog_added_at`` keeps
the date the catalog's own history gives, ``extra.prior_repo`` the earlier path and commit. None of the
624 models of the 2020-08-26 import is in that folder: their dates stay censored. A history repository
that cannot be reached is a warning, not a failed run: the dates stay as the catalog gives them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from . import _git
from ._options import catalog_options
from .base import Source
from .records import ModelRecord, Page
from .registry import Hub, Option, register

HUB = "tf-hub"
DEFAULT_REPO = "https://github.com/tensorflow/tfhub.dev"
PATHSPEC = "assets/"
#: The repository that held the catalog's documents before tensorflow/tfhub.dev, and their folder there.
DEFAULT_HISTORY_REPO = "https://github.com/tensorflow/hub"
HISTORY_ENV = "ZOO_TF_HUB_HISTORY_REPO"
HISTORY_PATHSPEC = "tfhub_dev/assets/"
#: ``--history-repo`` values that turn the history repository off (like ``--no-history``).
HISTORY_OFF = ("none", "off")
VERSIONS_TABLE = "tf_hub_versions"
COLLECTIONS_TABLE = "tf_hub_collections"
PUBLISHERS_TABLE = "tf_hub_publishers"

MODEL_TYPES = ("module", "placeholder")
VARIANT_TYPES = ("lite", "tfjs", "coral")
DOC_TYPES = (*MODEL_TYPES, *VARIANT_TYPES, "collection", "publisher")
#: Metadata keys that become ``tags`` (``key:value``), in this order.
TAG_KEYS = ("task", "module-type", "dataset", "network-architecture", "language", "license")

_FIRST_LINE = re.compile(r"^#\s*([A-Za-z]+)\s+(\S+)")
_META = re.compile(r"^\s*<!--\s*([A-Za-z0-9_. -]+?)\s*:(.*?)-->\s*$")
_INVISIBLE = re.compile(r"&zwnj;|&zwj;|[\u200b\u200c\u200d\u2060\ufeff]")
_KEY_ALIASES = {"finetunable": "fine-tunable", "asset_path": "asset-path"}


def is_document(path: str, folder: str = PATHSPEC) -> bool:
    """Whether ``path`` is a catalog document: a ``*.md`` under ``folder`` (``assets/``) other than a
    README."""
    return path.startswith(folder) and path.endswith(".md") and path.rsplit("/", 1)[-1].lower() != "readme.md"


def clean_handle(text: str) -> str:
    """A handle without HTML zero-width entities (``&zwnj;``), invisible characters or stray slashes."""
    return _INVISIBLE.sub("", text).strip().strip("`").strip("/")


def split_version(handle: str) -> tuple[str, str | None]:
    """``("publisher/name", "3")`` for ``publisher/name/3``; ``(handle, None)`` without a numeric version."""
    base, _, last = handle.rpartition("/")
    if base and last.isdigit():
        return base, last
    return handle, None


# -------------------------------------------------------------------------------------------- documents


@dataclass
class Document:
    """What line 1 and the metadata comments of one catalog document say."""

    doc_type: str
    handle: str
    #: ``<!-- key: value -->`` metadata; a key given several times maps to a list of values.
    metadata: dict[str, Any]
    #: The first line of prose after line 1 (a model's one-line description, a publisher's name).
    title: str | None


def parse_document(text: str) -> tuple[Document | None, str | None]:
    """A document, or ``None`` and why not (line 1 is not ``# <Type> <handle>`` of a known type)."""
    lines = text.lstrip("\ufeff").splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    first = lines[i].strip() if i < len(lines) else ""
    m = _FIRST_LINE.match(first)
    if not m or m.group(1).lower() not in DOC_TYPES:
        return None, f"line 1 is not '# <Type> <handle>' of a known type: {first[:80]!r}"
    handle = clean_handle(m.group(2))
    if not handle:
        return None, f"line 1 has no handle: {first[:80]!r}"
    metadata: dict[str, Any] = {}
    title = None
    for line in lines[i + 1 :]:
        meta = _META.match(line)
        if meta:
            key = meta.group(1).strip().lower().replace(" ", "-")
            key = _KEY_ALIASES.get(key, key)
            value = meta.group(2).strip()
            if key in metadata:
                old = metadata[key]
                metadata[key] = [*old, value] if isinstance(old, list) else [old, value]
            else:
                metadata[key] = value
            continue
        stripped = line.strip()
        if title is None and stripped and not stripped.startswith(("#", "<!--", "[![", "!")):
            title = stripped
    return Document(m.group(1).lower(), handle, metadata, title), None


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value or None


@dataclass
class DocGroup:
    """One document (a type and a handle) across all the paths it had."""

    doc: Document
    histories: list[_git.PathHistory] = field(default_factory=list)
    #: The history whose content ``doc`` was read from (the live path changed last, else the last removed).
    main: _git.PathHistory | None = None

    @property
    def live(self) -> bool:
        return any(h.live for h in self.histories)

    @property
    def first(self) -> _git.PathHistory:
        return min(self.histories, key=lambda h: (h.added_at, h.path))

    @property
    def added_at(self) -> datetime:
        return self.first.added_at

    @property
    def last_removal(self) -> _git.PathHistory | None:
        if self.live:
            return None
        return max(self.histories, key=lambda h: (h.removed_at, h.path))

    @property
    def removed_at(self) -> datetime | None:
        last = self.last_removal
        return last.removed_at if last else None

    @property
    def last_change(self) -> _git.PathHistory:
        return max(self.histories, key=lambda h: (h.modified_at, h.path))

    @property
    def paths(self) -> list[str]:
        return [h.path for h in sorted(self.histories, key=lambda h: (h.added_at, h.path))]

    def format(self) -> str | None:
        if self.doc.doc_type in VARIANT_TYPES:
            return self.doc.doc_type
        return _first(self.doc.metadata.get("format"))

    def row(self) -> dict[str, Any]:
        """Columns shared by the child tables."""
        removal = self.last_removal
        assert self.main is not None
        return {
            "hub": HUB,
            "path": self.main.path,
            "paths": self.paths,
            "added_at": self.added_at.isoformat(),
            "removed_at": removal.removed_at.isoformat() if removal and removal.removed_at else None,
            "modified_at": self.last_change.modified_at.isoformat(),
            "added_commit": self.first.added_commit,
            "removed_commit": removal.removed_commit if removal else None,
        }


def _preference(h: _git.PathHistory) -> tuple:
    # Live before removed; then the latest change, then the latest removal; docs/ over g3doc/ on ties.
    return (h.live, h.modified_at, h.removed_at or h.modified_at, "/docs/" in h.path, h.path)


def group_documents(
    histories: list[_git.PathHistory], blobs: dict[str, bytes], warnings: list[str]
) -> list[DocGroup]:
    """Parse every path's last version and group the paths by (type, handle)."""
    groups: dict[tuple[str, str], DocGroup] = {}
    for h in histories:
        content = blobs.get(h.blob)
        if content is None:
            warnings.append(f"{h.path}: content could not be read; skipped")
            continue
        text = _git.decode(h.path, content, warnings)
        doc, problem = parse_document(text)
        if doc is None:
            warnings.append(f"{h.path}: {problem}; skipped")
            continue
        group = groups.setdefault((doc.doc_type, doc.handle), DocGroup(doc))
        group.histories.append(h)
        if group.main is None or _preference(h) > _preference(group.main):
            group.main = h
            group.doc = doc
    return list(groups.values())


# ----------------------------------------------------------------------------------------------- models


@dataclass
class Model:
    key: str
    versions: list[DocGroup] = field(default_factory=list)
    variants: list[DocGroup] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def docs(self) -> list[DocGroup]:
        return self.versions + self.variants


def _version_number(group: DocGroup) -> int:
    _, version = split_version(group.doc.handle)
    return int(version) if version else -1


def build_models(groups: list[DocGroup], warnings: list[str]) -> tuple[dict[str, Model], list[DocGroup]]:
    """Models from module and placeholder documents, with their variants attached.

    Returns the models and the variants whose parent model is not in the catalog (kept as version rows
    under the key their ``parent-model`` names, with a warning).
    """
    models: dict[str, Model] = {}
    for g in groups:
        if g.doc.doc_type in MODEL_TYPES:
            key, version = split_version(g.doc.handle)
            model = models.setdefault(key, Model(key))
            if version is None:
                model.warnings.append(
                    f"{g.doc.doc_type} {g.doc.handle} ({g.main.path if g.main else '?'}): no version"
                )
            model.versions.append(g)
    orphans: list[DocGroup] = []
    for g in groups:
        if g.doc.doc_type not in VARIANT_TYPES:
            continue
        parent = clean_handle(_first(g.doc.metadata.get("parent-model")) or "")
        key = parent if parent in models else split_version(parent)[0] if parent else ""
        if key in models:
            models[key].variants.append(g)
        else:
            warnings.append(
                f"{g.doc.doc_type} {g.doc.handle}: parent model {parent or '(none given)'!r} is not in the catalog"
            )
            orphans.append(g)
    return models, orphans


def model_record(model: Model) -> ModelRecord:
    """The record of a model: dates over all its documents, metadata from its latest version."""
    docs = model.docs
    live = [d for d in docs if d.live]
    created = min(docs, key=lambda d: d.added_at)
    removal = None if live else max(docs, key=lambda d: d.removed_at or d.added_at)
    changed = max(docs, key=lambda d: d.last_change.modified_at)
    candidates = [v for v in model.versions if v.live] or model.versions
    latest = max(candidates, key=lambda v: (_version_number(v), v.last_change.modified_at))
    meta = latest.doc.metadata
    formats = sorted({f for d in (live or docs) if (f := d.format())})
    tags: list[str] = []
    for name in TAG_KEYS:
        value = meta.get(name)
        for v in value if isinstance(value, list) else [value]:
            if v and f"{name}:{v}" not in tags:
                tags.append(f"{name}:{v}")
    removal_history = removal.last_removal if removal else None
    return ModelRecord(
        hub=HUB,
        key=model.key,
        id=model.key,
        author=model.key.split("/", 1)[0],
        created_at=created.added_at,
        created_at_quality="git_first_commit",
        last_modified=changed.last_change.modified_at,
        pipeline_tag=_first(meta.get("task")) or _first(meta.get("module-type")),
        tags=tags,
        sha=changed.last_change.modified_commit,
        formats=formats,
        deleted_at=removal.removed_at if removal else None,
        extra={
            "handle": latest.doc.handle,
            "latest_version": split_version(latest.doc.handle)[1],
            "versions": sorted(
                {v for g in model.versions if (g.live or not live) and (v := split_version(g.doc.handle)[1])},
                key=int,
            ),
            "doc_types": sorted({d.doc.doc_type for d in docs}),
            "placeholder": all(v.doc.doc_type == "placeholder" for v in model.versions),
            "title": latest.doc.title,
            "metadata": meta,
            "path": latest.main.path if latest.main else None,
            "added_commit": created.first.added_commit,
            "removed_commit": removal_history.removed_commit if removal_history else None,
        },
    )


def version_row(key: str, group: DocGroup) -> dict[str, Any]:
    return {
        **group.row(),
        "key": key,
        "handle": group.doc.handle,
        "doc_type": group.doc.doc_type,
        "version": split_version(group.doc.handle)[1],
        "format": group.format(),
        "parent_handle": clean_handle(_first(group.doc.metadata.get("parent-model")) or "") or None,
        "metadata": json.dumps(group.doc.metadata, ensure_ascii=False, sort_keys=True),
    }


def collection_row(group: DocGroup) -> dict[str, Any]:
    key, version = split_version(group.doc.handle)
    return {
        **group.row(),
        "key": key,
        "handle": group.doc.handle,
        "version": version,
        "publisher": group.doc.handle.split("/", 1)[0],
        "title": group.doc.title,
        "metadata": json.dumps(group.doc.metadata, ensure_ascii=False, sort_keys=True),
    }


def publisher_row(group: DocGroup) -> dict[str, Any]:
    return {**group.row(), "key": group.doc.handle, "name": group.doc.title}


# ------------------------------------------------------------------------------- the catalog's old home


@dataclass
class PriorDate:
    """When the first document of a model landed in the history repository's folder."""

    added_at: datetime
    commit: str
    path: str
    #: It came with the folder's first commit, which added what had been published before: the model was
    #: published on or before ``added_at``.
    censored: bool


def prior_dates(
    histories: list[_git.PathHistory], blobs: dict[str, bytes], start: str | None
) -> dict[str, PriorDate]:
    """Per model key, the first landing of any of its documents in the history repository's folder;
    ``start`` is the commit the folder's history starts with (:func:`_git.catalog_root`).

    The documents are grouped into models exactly as the catalog's are (line 1 names the handle, variants
    attach to their ``parent-model``); what cannot be read there is left out without a warning (it is not
    the catalog, only evidence of dates).
    """
    ignored: list[str] = []
    models, _ = build_models(group_documents(histories, blobs, ignored), ignored)
    out: dict[str, PriorDate] = {}
    for key, model in models.items():
        first = min((d.first for d in model.docs), key=lambda h: (h.added_at, h.path))
        out[key] = PriorDate(first.added_at, first.added_commit, first.path, first.added_commit == start)
    return out


def apply_prior_dates(records: list[ModelRecord], prior: Mapping[str, PriorDate]) -> int:
    """Give each record the earlier date the history repository knows, if it knows one; returns how many
    got one. ``git_prior_repo`` then, except for a model first seen in the folder's own first commit,
    which is censored (``git_import``) with that earlier bound."""
    moved = 0
    for rec in records:
        found = prior.get(rec.key)
        if found is None or rec.created_at is None:
            continue
        if found.added_at >= rec.created_at:
            continue
        assert rec.extra is not None
        rec.extra["catalog_added_at"] = rec.created_at.isoformat()
        rec.extra["prior_repo"] = {
            "path": found.path,
            "commit": found.commit,
            "added_at": found.added_at.isoformat(),
            "censored": found.censored,
        }
        rec.created_at = found.added_at
        rec.created_at_quality = "git_import" if found.censored else "git_prior_repo"
        moved += 1
    return moved


# ----------------------------------------------------------------------------------------------- source


class TensorFlowHubSource(_git.CatalogSource):
    """The tfhub.dev catalog from its git repository (a cached partial clone; see the module doc)."""

    name = HUB
    default_repo = DEFAULT_REPO
    repo_env = "ZOO_TF_HUB_REPO"
    #: child tables this source owns: replaced (or emptied) for the hub when a run completes
    child_tables = (VERSIONS_TABLE, COLLECTIONS_TABLE, PUBLISHERS_TABLE)

    def __init__(
        self,
        repo: str | None = None,
        *,
        history_repo: str | None = None,
        history: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(repo, **options)
        #: where imported models' earlier dates are looked up: ``--history-repo``, else
        #: ``$ZOO_TF_HUB_HISTORY_REPO`` (read now), else tensorflow/hub; None when turned off
        #: (``--no-history``, or the value ``none``)
        raw = (history_repo or os.environ.get(HISTORY_ENV) or DEFAULT_HISTORY_REPO).strip()
        self.history_repo = _git.repo_url(raw) if history and raw.lower() not in HISTORY_OFF else None

    def secrets(self) -> list[str]:
        """Passwords written into the repository URLs (``https://user:token@host/…``): the runner scrubs
        them from warnings and errors (git may quote the URL it could not reach)."""
        return [p for url in (self.repo, self.history_repo) if url and (p := urlsplit(url).password)]

    def params(self) -> dict[str, Any]:
        return {
            **super().params(),
            "history_repo": _git.redact(self.history_repo) if self.history_repo else None,
        }

    def recover_dates(self, records: list[ModelRecord], warnings: list[str]) -> None:
        """Date the imported models from the history repository, where it knows them earlier."""
        if self.history_repo is None:
            return
        imported = sum(1 for r in records if r.created_at_quality == "git_import")
        where = _git.redact(self.history_repo)
        try:
            synced = _git.sync(
                self.history_repo, _git.DEFAULT_BRANCH, self.cache_dir, timeout=self.git_timeout
            )
            self.meter.request(synced.requests)
            histories = [
                h
                for h in _git.path_histories(synced.git_dir, synced.commit, [HISTORY_PATHSPEC]).values()
                if is_document(h.path, HISTORY_PATHSPEC)
            ]
            blobs, fetches = _git.read_blobs(
                synced.git_dir, [h.blob for h in histories], timeout=self.git_timeout
            )
            self.meter.request(fetches)
            start = _git.catalog_root(synced.git_dir, synced.commit, [HISTORY_PATHSPEC])
        except _git.GitError as exc:
            self.meter.request(exc.requests)
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            warnings.append(
                f"history repository {where} not read ({reason}); dates stay as the catalog gives them "
                f"({imported} censored by its import: 'imported')"
            )
            return
        apply_prior_dates(records, prior_dates(histories, blobs, start))

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        """Every model ever seen, ``page_size`` a page; the child rows (versions, collections, publishers)
        go with the last page. The checkpoint ``<commit>:<n>`` resumes after the first ``n`` models.
        """
        synced, commit, skip = self.checkout(checkpoint)
        histories = [
            h for h in _git.path_histories(synced.git_dir, commit, [PATHSPEC]).values() if is_document(h.path)
        ]
        blobs, fetches = _git.read_blobs(
            synced.git_dir, [h.blob for h in histories], timeout=self.git_timeout
        )
        self.meter.request(fetches)
        final_warnings: list[str] = []
        groups = group_documents(histories, blobs, final_warnings)
        models, orphans = build_models(groups, final_warnings)

        ordered = sorted(models.values(), key=lambda m: (min(d.added_at for d in m.docs), m.key))
        records = [model_record(m) for m in ordered]
        root = _git.catalog_root(synced.git_dir, commit, [PATHSPEC])
        for rec in records:
            assert rec.extra is not None
            rec.extra["initial_import"] = rec.extra["added_commit"] == root
            if rec.extra["initial_import"]:
                rec.created_at_quality = "git_import"
        self.recover_dates(records, final_warnings)
        versions = [version_row(m.key, g) for m in ordered for g in m.docs]
        for g in orphans:
            parent = clean_handle(_first(g.doc.metadata.get("parent-model")) or "")
            versions.append(version_row(split_version(parent)[0] if parent else g.doc.handle, g))
        children = {
            VERSIONS_TABLE: versions,
            COLLECTIONS_TABLE: [collection_row(g) for g in groups if g.doc.doc_type == "collection"],
            PUBLISHERS_TABLE: [publisher_row(g) for g in groups if g.doc.doc_type == "publisher"],
        }
        yield from _git.paginate(
            records,
            [m.warnings for m in ordered],
            final_warnings,
            children,
            commit,
            skip,
            self.meter.take(),
            self.page_size,
        )


def _summary(source: Source, figures: Mapping[str, int]) -> str:
    return (
        f"{HUB}: {figures['models']} models ({figures['live']} live, {figures['removed']} removed); "
        f"{figures['versions']} versions and variants, {figures['collections']} collections, "
        f"{figures['publishers']} publishers"
    )


register(
    Hub(
        TensorFlowHubSource,
        label="TensorFlow Hub",
        command="tf-hub",
        order=3,
        help="""Crawl the tfhub.dev catalog (markdown under assets/docs, formerly assets/g3doc) with its git history.

A model is a '# Module' or '# Placeholder' document, keyed by its handle without the version; its
versions and its Lite, TF.js and Coral variants go to tf_hub_versions and to the model's formats.
created_at is when any document of the handle first landed on the branch (paths moved in 2020 and
2021), deleted_at when its last document disappeared. Collections and publishers go to
tf_hub_collections and tf_hub_publishers.

Models that came with the catalog's first commit (the 2020-08-26 import of the whole catalog) were
published on or before that date: created_at_quality 'git_import', period 'imported' in the statistics.
Where the catalog's previous home (tensorflow/hub, folder tfhub_dev/assets, which held the models of
other publishers until they moved on 2020-10-07) holds a model earlier, that date is used instead
(created_at_quality 'git_prior_repo'); if it cannot be read, that is a warning.

Example: zoo crawl tf-hub --db zoo.duckdb --cache-dir ~/.cache/zoo""",
        options=(
            *catalog_options("ZOO_TF_HUB_REPO", DEFAULT_REPO, "~/src/tfhub.dev"),
            Option(
                "--history-repo",
                "history_repo",
                "Git repository that held catalog documents before tensorflow/tfhub.dev (its folder "
                f"{HISTORY_PATHSPEC}, branch {_git.DEFAULT_BRANCH}), a URL or a local path, where models' "
                f"earlier dates are read (default: ${HISTORY_ENV}, else {DEFAULT_HISTORY_REPO}; "
                "'none' turns it off). Example: --history-repo ~/src/hub",
                envvar=HISTORY_ENV,
            ),
            Option(
                "--history/--no-history",
                "history",
                "Read the history repository to date the models that lived there before they moved to "
                "tfhub.dev (--no-history: the catalog's own dates). Example: --no-history",
                type=bool,
                default=True,
            ),
        ),
        endpoints=("ZOO_TF_HUB_REPO", HISTORY_ENV),
        offline=((HISTORY_ENV, "none"),),
        unavailable=_git.git_missing,
        summary=_summary,
        unit="one model = one handle without its version (variants and versions apart)",
    )
)
