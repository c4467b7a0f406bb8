"""The one-crawl-per-database lock (writer side)."""

from __future__ import annotations

import os

from filelock import FileLock, Timeout

from .errors import StoreError
from .paths import resolve_db


class CrawlLocked(StoreError):
    """Another crawl holds this database."""


class CrawlLock:
    """The one-crawl-per-database lock (``<db>.lock``); acquiring it never waits."""

    def __init__(self, db: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_db(db)
        self._lock = FileLock(self.path + ".lock", timeout=0) if self.path != ":memory:" else None

    def __enter__(self) -> CrawlLock:
        if self._lock is not None:
            try:  # a lock file that cannot be made is no sign of another crawl (filelock says Timeout)
                os.close(os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644))
            except OSError as exc:
                raise StoreError(
                    f"cannot create the lock file {self.path}.lock: {exc.strerror or exc} "
                    "(the database's folder must be writable)"
                ) from None
            try:
                self._lock.acquire()
            except Timeout:
                raise CrawlLocked(
                    f"another crawl is running on {self.path} (lock file {self.path}.lock); "
                    "wait for it to finish — this one changed nothing"
                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.release()
