"""Plain records: what one hub says about one model, in one shape for every hub.

A source turns a hub's answers into these records and yields them a page at a time. It never touches the
database: the store (``crawler.store``) saves each page, its checkpoint and the run's counters in one
transaction, which is what makes every source resumable and traceable in the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: Quality of ``created_at``. ``exact`` is the hub's own timestamp; ``sentinel`` is the Hugging Face
#: placeholder for repos created before the Hub stored creation dates (the real date is unknown);
#: ``git_first_commit`` is the landing date of the entry on a catalog's default branch; ``unknown`` means
#: no date could be read.
CREATED_AT_QUALITIES = ("exact", "sentinel", "git_first_commit", "unknown")


@dataclass(slots=True)
class ModelRecord:
    """One model as one hub describes it at crawl time.

    ``key`` is the identity that survives renames (the HF ``_id``, a catalog path or handle, a Kaggle id);
    ``id`` is the human name, which may change.
    """

    hub: str
    key: str
    id: str
    author: str | None = None
    created_at: datetime | None = None
    created_at_quality: str = "unknown"
    last_modified: datetime | None = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    tags: list[str] = field(default_factory=list)
    downloads: int | None = None
    downloads_all_time: int | None = None
    likes: int | None = None
    sha: str | None = None
    private: bool | None = None
    gated: str | None = None
    #: Hub-declared formats or frameworks (Kaggle instance frameworks, tfhub.dev formats), kept raw.
    formats: list[str] = field(default_factory=list)
    #: File names in the repo, when a source lists them (evidence for framework flags).
    files: list[str] = field(default_factory=list)
    #: When the hub itself says the model is gone (git catalogs know removal dates).
    deleted_at: datetime | None = None
    #: Anything else worth keeping, as a JSON-serialisable dict (hub-specific raw fields).
    extra: dict[str, Any] | None = None


@dataclass(slots=True)
class Page:
    """One unit of progress: records, the checkpoint that resumes *after* them, and warnings.

    ``checkpoint`` is an opaque string (the HF next-page URL, a git commit, a page token). ``None`` means
    the source is finished. ``children`` holds rows for hub-specific child tables (``{"table": [row,
    ...]}``); the store knows those tables from the schema and replaces a hub's child rows when the run
    completes. ``requests`` is the number of HTTP requests (including retries) this page cost.
    """

    records: list[ModelRecord]
    checkpoint: str | None
    warnings: list[str] = field(default_factory=list)
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: int = 1
    #: Optional total the source expects (for progress bars), if the hub tells it.
    total_hint: int | None = None


class Source(Protocol):
    """The contract every hub source fulfils."""

    #: hub name: ``huggingface``, ``pytorch-hub``, ``tf-hub``, ``kaggle``, ``paperswithcode``
    name: str

    def params(self) -> dict[str, Any]:
        """What was asked (endpoint, options), JSON-serialisable, never a secret."""
        ...

    # Optional attributes the runner reads with getattr:
    #   full_listing: bool = True      False when the run lists only part of the hub (a search, an
    #                                  owner): such a run marks nothing absent or deleted.
    #   child_tables: tuple[str, ...]  child tables the source owns; replaced (or emptied) for the hub
    #                                  when a run completes, even if the run sent no rows for them.

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        """Yield pages, starting after ``checkpoint`` (``None`` starts from the beginning)."""
        ...
