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
disappearance of the last one. Every model ever seen is emitted. The history starts on 2020-08-26 with
the import of the whole catalog: models that came with that commit have ``extra.initial_import = true``
and a ``created_at`` that is the catalog's start, not their publication. Framework: TensorFlow, with the formats
seen (``saved_model_2``, ``hub`` = TF1 Hub, ``saved_model``, ``tfjs``, ``lite``, ``coral``) in ``formats``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import _git
from .base import Source
from .records import ModelRecord, Page
from .registry import Hub, register

HUB = "tf-hub"
DEFAULT_REPO = "https://github.com/tensorflow/tfhub.dev"
PATHSPEC = "assets/"
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


def is_document(path: str) -> bool:
    """Whether ``path`` is a catalog document: a ``*.md`` under ``assets/`` other than a README."""
    return (
        path.startswith(PATHSPEC) and path.endswith(".md") and path.rsplit("/", 1)[-1].lower() != "readme.md"
    )


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


# ----------------------------------------------------------------------------------------------- source


class TensorFlowHubSource(_git.CatalogSource):
    """The tfhub.dev catalog from its git repository (a cached partial clone; see the module doc)."""

    name = HUB
    default_repo = DEFAULT_REPO
    repo_env = "ZOO_TF_HUB_REPO"
    #: child tables this source owns: replaced (or emptied) for the hub when a run completes
    child_tables = (VERSIONS_TABLE, COLLECTIONS_TABLE, PUBLISHERS_TABLE)

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
        initial = _git.first_catalog_commit(histories)
        for rec in records:
            assert rec.extra is not None
            rec.extra["initial_import"] = rec.extra["added_commit"] == initial
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

Example: zoo crawl tf-hub --db zoo.duckdb --cache-dir ~/.cache/zoo""",
        options=_git.catalog_options("ZOO_TF_HUB_REPO", DEFAULT_REPO, "~/src/tfhub.dev"),
        endpoints=("ZOO_TF_HUB_REPO",),
        unavailable=_git.git_missing,
        summary=_summary,
        unit="one model = one handle without its version (variants and versions apart)",
    )
)
