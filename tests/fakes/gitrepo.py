"""A real local git repository with dated commits, for the catalog sources' tests.

Commits get fixed author and committer dates (``GIT_AUTHOR_DATE`` / ``GIT_COMMITTER_DATE``), so the
history a test builds is the history the crawler reads. The repository allows partial clones
(``uploadpack.allowFilter``), so the crawler's ``--filter=blob:none`` clone and its blob fetches run
as they do against GitHub. Nothing here touches the network.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitRepo:
    """A working repository at ``path`` on branch ``branch``; write files, then :meth:`commit` them."""

    def __init__(self, path: Path, branch: str = "master") -> None:
        self.path = Path(path)
        self.branch = branch
        self.path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "uploadpack.allowFilter", "true")
        self.git("config", "uploadpack.allowAnySHA1InWant", "true")
        self.git("config", "commit.gpgsign", "false")

    # -- git

    def git(self, *args: str, date: str | None = None) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Catalog Tester",
            "GIT_AUTHOR_EMAIL": "tester@example.invalid",
            "GIT_COMMITTER_NAME": "Catalog Tester",
            "GIT_COMMITTER_EMAIL": "tester@example.invalid",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if date is not None:
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args], capture_output=True, text=True, env=env, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout.strip()

    # -- files

    def write(self, rel: str, content: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")

    def remove(self, rel: str) -> None:
        self.git("rm", "-q", "-r", rel)

    def move(self, src: str, dst: str) -> None:
        (self.path / dst).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", src, dst)

    # -- history

    def commit(self, message: str, date: str) -> str:
        """Stage everything and commit it at ``date`` (ISO 8601 with an offset); returns the commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def checkout(self, branch: str, *, new: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if new else []), branch)

    def merge(self, branch: str, message: str, date: str) -> str:
        """Merge ``branch`` into the current branch with a merge commit (``--no-ff``) dated ``date``."""
        self.git("merge", "-q", "--no-ff", "-m", message, branch, date=date)
        return self.head()

    def commit_date(self, rev: str) -> str:
        return self.git("log", "-1", "--format=%cI", rev)


class MovableCatalog:
    """A catalog repository a crawl can be made to lose (the hub contract's failing fetch): ``url`` names it
    as a remote is named (a ``file://`` URL: a local path that is gone would be another remote), and
    ``fail(1)`` moves it away, ``fail(None)`` back. Subclasses fill ``repo`` in ``__init__``."""

    def __init__(self, path: Path) -> None:
        self.repo = GitRepo(path)
        self.away = path.with_name(path.name + "-gone")
        self.url = path.resolve().as_uri()

    def fail(self, unit: int | None) -> None:
        assert unit in (1, None)
        if unit == 1:
            self.repo.path.rename(self.away)
        elif self.away.exists():
            self.away.rename(self.repo.path)
