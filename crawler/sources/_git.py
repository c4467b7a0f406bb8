"""Git helpers shared by the catalog sources (PyTorch Hub, tfhub.dev): cache, history, blobs.

Everything goes through the ``git`` command line with argument lists (never a shell string).

* :func:`sync` keeps one bare **partial** clone per catalog URL in a cache folder (``--filter=blob:none``:
  commits and trees only, file contents fetched on demand), cloning it the first time and fetching the
  branch on later runs. A local path is turned into a ``file://`` URL so the filter applies to it too.
* :func:`path_histories` reads the **first-parent** history of the branch once (``git log --first-parent
  -m --raw --no-renames``) and returns, per path, the first commit whose tree holds it (the landing date
  on the branch, not the date of a pull-request branch commit), the commit that removed it, the last
  commit that changed it, and its last blob. ``--no-renames`` makes a move a deletion plus an addition.
* :func:`read_blobs` reads many blobs at once; in a partial clone the missing ones are fetched first in a
  few batched requests, not one request per blob.

Every command that may talk to the remote (clone, fetch, the batched blob fetches, ``cat-file`` on a
partial clone) is bounded by a wall-clock time-out: :func:`git_timeout` (``--git-timeout``, else
``ZOO_GIT_TIMEOUT``, else :data:`DEFAULT_TIMEOUT` seconds). git runs in its own process group, and on
time-out the whole group is killed — ``git clone`` leaves the network to child processes
(``git-remote-https``, ``index-pack``) that would otherwise keep a hung connection open — and
:class:`GitError` says which command timed out and how to allow more time. Local commands (``log``,
``rev-parse``) are not bounded.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from filelock import FileLock

from .base import Source, SourceError
from .records import ModelRecord, Page

#: Objects asked for per ``git fetch`` when filling a partial clone.
FETCH_BATCH = 2000
#: How long a crawl waits for another process that is cloning or fetching the same cache.
CACHE_LOCK_SECONDS = 600.0
#: Seconds a git command that talks to the remote may take (a partial clone of tfhub.dev, commits and
#: trees only, takes seconds on a good line); ``ZOO_GIT_TIMEOUT`` or ``--git-timeout`` change it.
DEFAULT_TIMEOUT = 600.0
TIMEOUT_ENV = "ZOO_GIT_TIMEOUT"

_NULL_OID = re.compile(r"^0+$")


class GitError(SourceError):
    """A git command failed; the message holds the command and what git said."""


class GitTimeout(GitError):
    """A git command that talks to the remote took longer than its time-out, and was killed."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a password on a terminal
    env.setdefault("LC_ALL", "C")
    return env


def git_timeout(value: float | None = None, env: dict[str, str] | None = None) -> float:
    """The time-out for git's network commands: ``value``, else ``$ZOO_GIT_TIMEOUT``, else the default."""
    if value is None:
        raw = (os.environ if env is None else env).get(TIMEOUT_ENV, "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        try:
            value = float(raw)
        except ValueError:
            raise GitError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if not value > 0:
        raise GitError(f"the git time-out must be a positive number of seconds, not {value}")
    return float(value)


def _remote(git_dir: str | os.PathLike[str]) -> str | None:
    """The clone's ``origin`` URL without credentials, for messages (None if it has none)."""
    try:
        proc = subprocess.run(
            ["git", "--git-dir", str(git_dir), "config", "--get", "remote.origin.url"],
            capture_output=True,
            env=_env(),
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = proc.stdout.decode("utf-8", "replace").strip()
    return redact(url) if url else None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()  # reap it; its pipes close as the group dies


def git(
    args: Sequence[str],
    *,
    git_dir: str | os.PathLike[str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
) -> bytes:
    """Run ``git <args>`` (in ``git_dir`` if given) and return its stdout; raise :class:`GitError`.

    With ``timeout``, git and every process it started are killed after that many seconds.
    """
    cmd = ["git", "-c", "color.ui=false", "-c", "core.quotePath=false"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    cmd += list(args)
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            start_new_session=True,  # its own process group, so a time-out can end all of it
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); the catalog crawls need it") from None
    try:
        stdout, stderr = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        what = next((a for a in args if not a.startswith("-") and "=" not in a), "")
        remote = _remote(git_dir) if git_dir is not None else None
        raise GitTimeout(
            f"git {what} {'of ' + remote + ' ' if remote else ''}got no complete answer within {timeout:g} s "
            f"(the remote hangs or is too slow); allow more time with --git-timeout or {TIMEOUT_ENV}"
        ) from None
    except BaseException:  # Ctrl-C, or anything else: leave no git behind
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()
        raise GitError(
            f"git {' '.join(str(a) for a in args[:4])} failed ({proc.returncode}): {message[-1500:]}"
        )
    return stdout


# ------------------------------------------------------------------------------------------------ cache


def default_cache_dir() -> Path:
    """The per-user cache (``platformdirs.user_cache_dir("zoo")/git``)."""
    return Path(platformdirs.user_cache_dir("zoo")) / "git"


def repo_url(repo: str) -> str:
    """A URL git can partial-clone: an existing local folder becomes ``file:///abs/path``."""
    if "://" not in repo and not re.match(r"^[\w.-]+@[\w.-]+:", repo):
        path = Path(repo).expanduser()
        if path.exists():
            return path.resolve().as_uri()
    return repo


def redact(url: str) -> str:
    """``url`` without a user or password (safe to store in a run's params)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def cache_path(cache_dir: str | os.PathLike[str], url: str) -> Path:
    """Where the clone of ``url`` lives inside ``cache_dir`` (readable name plus a hash of the URL)."""
    tail = "-".join(p for p in urlsplit(redact(url)).path.split("/")[-2:] if p) or "repo"
    tail = re.sub(r"[^A-Za-z0-9._-]+", "_", tail).removesuffix(".git")
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    return Path(cache_dir) / f"{tail}-{digest}.git"


@dataclass
class Synced:
    """A cache clone brought up to date: where it is, the branch tip, and how it got there."""

    git_dir: Path
    commit: str
    cloned: bool
    #: Network operations (clone or fetch) this sync cost.
    requests: int


def sync(url: str, branch: str, cache_dir: str | os.PathLike[str], *, timeout: float | None = None) -> Synced:
    """Clone ``url`` into the cache (bare, ``--filter=blob:none``) the first time, else fetch ``branch``.

    Returns the branch tip. A clone is made in a temporary folder and renamed when complete, so an
    interrupted clone is never mistaken for a good cache. Concurrent crawls share the cache under a lock.
    ``timeout`` bounds the clone or fetch (default :func:`git_timeout`).
    """
    timeout = git_timeout(timeout)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache_path(cache, url)
    ref = f"refs/heads/{branch}"
    try:
        return _sync(url, target, ref, branch, timeout)
    except GitError as exc:  # the clone or fetch that failed was sent all the same: count it on the run
        exc.requests = max(exc.requests, 1)
        raise


def _sync(url: str, target: Path, ref: str, branch: str, timeout: float) -> Synced:
    with FileLock(str(target) + ".lock", timeout=CACHE_LOCK_SECONDS):
        if (target / "HEAD").exists():
            git(
                ["fetch", "--quiet", "--no-tags", "--filter=blob:none", "origin", f"+{ref}:{ref}"],
                git_dir=target,
                timeout=timeout,
            )
            cloned = False
        else:
            tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(target, ignore_errors=True)
            try:
                git(
                    [
                        "clone",
                        "--quiet",
                        "--bare",
                        "--filter=blob:none",
                        "--no-tags",
                        "--single-branch",
                        "--branch",
                        branch,
                        url,
                        str(tmp),
                    ],
                    timeout=timeout,
                )
            except GitTimeout as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise GitTimeout(str(exc).replace("git clone ", f"git clone of {redact(url)} ", 1)) from None
            except GitError:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            os.replace(tmp, target)
            cloned = True
        commit = resolve(target, ref)
    return Synced(target, commit, cloned, 1)


def resolve(git_dir: str | os.PathLike[str], rev: str) -> str:
    """The commit id ``rev`` names (raises :class:`GitError` if it is not in the clone)."""
    return git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], git_dir=git_dir).decode().strip()


def has_commit(git_dir: str | os.PathLike[str], commit: str) -> bool:
    """Whether the clone holds ``commit``."""
    try:
        resolve(git_dir, commit)
    except GitError:
        return False
    return True


def is_partial(git_dir: str | os.PathLike[str]) -> bool:
    """Whether the clone is a partial clone (blobs may be missing and are fetched from ``origin``)."""
    try:
        value = git(["config", "--get", "remote.origin.promisor"], git_dir=git_dir).decode().strip()
    except GitError:
        return False
    return value.lower() == "true"


# ---------------------------------------------------------------------------------------------- history


@dataclass
class PathHistory:
    """What the first-parent history of a branch says about one path."""

    path: str
    #: First first-parent commit whose tree contains the path (its landing on the branch).
    added_commit: str
    added_at: datetime
    #: Last commit that changed the path's content (the adding commit if never changed).
    modified_commit: str
    modified_at: datetime
    #: The blob of the last version (the one a removal deleted, for a removed path).
    blob: str
    #: The first-parent commit that removed the path; ``None`` while the path exists at the tip.
    removed_commit: str | None = None
    removed_at: datetime | None = None

    @property
    def live(self) -> bool:
        return self.removed_commit is None


@dataclass
class Commit:
    sha: str
    at: datetime


def parse_date(text: str) -> datetime:
    """A git ISO-8601 strict date (``%cI``) as an aware datetime in UTC."""
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(timezone.utc)


def first_parent_log(
    git_dir: str | os.PathLike[str], commit: str, pathspecs: Sequence[str]
) -> list[tuple[Commit, list[tuple[str, str, str, str]]]]:
    """Commits of the first-parent chain ending at ``commit`` (oldest first) that touch ``pathspecs``.

    Each comes with its changes against its first parent: ``(status, path, old_blob, new_blob)`` where
    status is ``A``, ``D``, ``M`` or ``T``. A merge counts at the date it landed (its committer date).
    """
    out = git(
        [
            "log",
            "--first-parent",
            "-m",
            "--root",
            "--reverse",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "-z",
            "--format=%x01%H %cI",
            commit,
            "--",
            *pathspecs,
        ],
        git_dir=git_dir,
    )
    result: list[tuple[Commit, list[tuple[str, str, str, str]]]] = []
    for chunk in out.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        sha, _, date = header.decode().partition(" ")
        changes: list[tuple[str, str, str, str]] = []
        tokens = rest.split(b"\0")
        i = 0
        while i < len(tokens):
            meta = tokens[i].strip(b"\n")
            if not meta.startswith(b":"):
                i += 1
                continue
            fields = meta[1:].decode().split(" ")
            path = tokens[i + 1].decode("utf-8", "surrogateescape") if i + 1 < len(tokens) else ""
            i += 2
            if len(fields) < 5:
                continue
            old_blob, new_blob, status = fields[2], fields[3], fields[4][:1]
            changes.append((status, path, old_blob, new_blob))
        result.append((Commit(sha, parse_date(date)), changes))
    return result


def path_histories(
    git_dir: str | os.PathLike[str], commit: str, pathspecs: Sequence[str]
) -> dict[str, PathHistory]:
    """Per path matched by ``pathspecs``, its history along the first-parent chain ending at ``commit``.

    Paths come in the order they first appeared. Every path ever seen is returned; a removed one has
    ``removed_at``. A path removed and later re-added keeps its first ``added_at`` and is live again.
    Submodule entries (mode 160000) are ignored.
    """
    paths: dict[str, PathHistory] = {}
    for c, changes in first_parent_log(git_dir, commit, pathspecs):
        for status, path, old_blob, new_blob in changes:
            h = paths.get(path)
            if status == "A" or (h is None and status in "MT"):
                if h is None:
                    paths[path] = PathHistory(path, c.sha, c.at, c.sha, c.at, new_blob)
                else:  # re-added after a removal
                    h.removed_commit = h.removed_at = None
                    h.modified_commit, h.modified_at, h.blob = c.sha, c.at, new_blob
            elif status in "MT" and h is not None:
                h.modified_commit, h.modified_at, h.blob = c.sha, c.at, new_blob
            elif status == "D" and h is not None:
                h.removed_commit, h.removed_at = c.sha, c.at
                if not _NULL_OID.match(old_blob):
                    h.blob = old_blob
    return paths


def catalog_root(git_dir: str | os.PathLike[str], commit: str, pathspecs: Sequence[str]) -> str | None:
    """The first commit of the catalog's own history: the oldest commit of the first-parent chain ending
    at ``commit`` that touches ``pathspecs`` (the catalog's files, its README included). None if none does.

    This is how a catalog's **import** is recognised, by the shape of the history rather than by a known
    commit id: entries that are already in the commit the catalog's history starts with were not added
    one by one, the catalog was created with them (moved in from elsewhere), so their date only says "on
    or before". Checked on the real histories:

    * tensorflow/tfhub.dev (``assets/``): the repository's root commit 66be177 (2020-08-25) holds only
      a README; the catalog's history starts with e6bdf737 (2020-08-26), which brought 1,494 files.
    * tensorflow/hub (``tfhub_dev/assets/``, the catalog's earlier home): the folder starts with c5001f0
      (2020-01-23, "Add directory for external contributions to tfhub.dev"), 30 documents at once.
    * pytorch/hub (``*.md``): the catalog's history starts with the README alone (the root commit
      ff280a8, 2019-04-23); the entries came later, one pull request at a time. Nothing is imported.

    Read from the local clone (commits and trees, no file contents).
    """
    out = git(["rev-list", "--first-parent", "--reverse", commit, "--", *pathspecs], git_dir=git_dir).decode()
    first = out.split("\n", 1)[0].strip()
    return first or None


# ------------------------------------------------------------------------------------------------ blobs


def _present_objects(git_dir: str | os.PathLike[str]) -> set[str]:
    out = git(["cat-file", "--batch-all-objects", "--batch-check=%(objectname)"], git_dir=git_dir)
    return set(out.decode().split())


def prefetch_blobs(
    git_dir: str | os.PathLike[str], oids: Iterable[str], *, timeout: float | None = None
) -> int:
    """Fetch the blobs among ``oids`` that a partial clone lacks, in batches; returns the fetches made.

    ``timeout`` bounds each batch (default :func:`git_timeout`)."""
    timeout = git_timeout(timeout)
    wanted = {o for o in oids if o and not _NULL_OID.match(o)}
    if not wanted or not is_partial(git_dir):
        return 0
    missing = sorted(wanted - _present_objects(git_dir))
    fetches = 0
    for start in range(0, len(missing), FETCH_BATCH):
        batch = missing[start : start + FETCH_BATCH]
        git(
            [
                "-c",
                "fetch.negotiationAlgorithm=noop",
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--recurse-submodules=no",
                "--filter=blob:none",
                "--stdin",
                "origin",
            ],
            git_dir=git_dir,
            input=("\n".join(batch) + "\n").encode(),
            timeout=timeout,
        )
        fetches += 1
    return fetches


def read_blobs(
    git_dir: str | os.PathLike[str], oids: Iterable[str], *, timeout: float | None = None
) -> tuple[dict[str, bytes], int]:
    """The contents of the blobs ``oids`` (fetching missing ones first) and the number of fetches made.

    ``timeout`` bounds each network step (default :func:`git_timeout`): a blob the batched fetch missed
    would be fetched by ``cat-file`` itself, from the same remote."""
    timeout = git_timeout(timeout)
    wanted = sorted({o for o in oids if o and not _NULL_OID.match(o)})
    if not wanted:
        return {}, 0
    fetches = prefetch_blobs(git_dir, wanted, timeout=timeout)
    out = git(
        ["cat-file", "--batch"], git_dir=git_dir, input=("\n".join(wanted) + "\n").encode(), timeout=timeout
    )
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split(" ")
        pos = end + 1
        if len(header) >= 2 and header[1] == "missing":
            raise GitError(f"blob {header[0]} is missing from the clone and could not be fetched")
        oid, size = header[0], int(header[2])
        blobs[oid] = out[pos : pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs, fetches


def decode(path: str, content: bytes, warnings: list[str]) -> str:
    """A catalog file's text: UTF-8, or decoded with replacement characters and a warning."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        warnings.append(f"{path}: not valid UTF-8 at byte {exc.start}; decoded with replacement characters")
        return content.decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------------ pages

#: Records per page of a catalog crawl.
PAGE_SIZE = 500


def paginate(
    records: list[ModelRecord],
    entry_warnings: list[list[str]],
    final_warnings: list[str],
    children: dict[str, list[dict[str, Any]]],
    commit: str,
    skip: int,
    requests_used: int,
    page_size: int = PAGE_SIZE,
) -> Iterator[Page]:
    """Cut a catalog into pages that resume with ``<commit>:<n>``, starting after the first ``skip``.

    A page carries the warnings of its own entries; the last page also carries ``final_warnings`` and the
    child rows. The network cost of the whole listing is counted on the first page yielded.
    """
    starts = [s for s in range(0, len(records), page_size) if s >= skip] or [skip]
    for i, start in enumerate(starts):
        end = min(start + page_size, len(records))
        last = end >= len(records)
        warnings = [w for ws in entry_warnings[start:end] for w in ws]
        if last:
            warnings += final_warnings
        yield Page(
            records=records[start:end],
            checkpoint=None if last else f"{commit}:{end}",
            warnings=warnings,
            children=children if last else {},
            requests=requests_used if i == 0 else 0,
            total_hint=len(records),
        )


# ---------------------------------------------------------------------------------------- the sources

#: The branch a catalog's history is read from.
DEFAULT_BRANCH = "master"


class CatalogSource(Source):
    """A catalog kept in a git repository (PyTorch Hub, tfhub.dev): a cached partial clone, read along the
    first-parent history of one branch. Subclasses set ``name``, ``default_repo`` and ``repo_env`` (the
    environment variable that overrides it) and yield their pages with :meth:`checkout` and
    :func:`paginate`."""

    default_repo: ClassVar[str]
    repo_env: ClassVar[str]

    def __init__(
        self,
        repo: str | None = None,
        *,
        branch: str = DEFAULT_BRANCH,
        cache_dir: str | os.PathLike[str] | None = None,
        page_size: int = PAGE_SIZE,
        git_timeout: float | None = None,
    ) -> None:
        #: ``--repo``, else ``$<repo_env>`` (read now, not at import), else the catalog's own repository
        self.repo = repo_url(repo or os.environ.get(self.repo_env) or self.default_repo)
        self.branch = branch
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.page_size = page_size
        #: seconds a clone, fetch or blob fetch may take (None: ZOO_GIT_TIMEOUT, else the default, read
        #: when the crawl starts, so a bad value fails the run with a message)
        self.git_timeout = git_timeout

    def params(self) -> dict[str, Any]:
        return {"repo": redact(self.repo), "branch": self.branch, "cache_dir": str(self.cache_dir)}

    def checkout(self, checkpoint: str | None) -> tuple[Synced, str, int]:
        """Sync the cached clone; return it, the commit to read and how many records to skip.

        The checkpoint ``<commit>:<n>`` resumes after the first ``n`` records of that same commit. The
        clone's network operations are counted on the meter.
        """
        synced = sync(self.repo, self.branch, self.cache_dir, timeout=self.git_timeout)
        self.meter.request(synced.requests)
        commit, skip = synced.commit, 0
        if checkpoint:
            commit, _, n = checkpoint.partition(":")
            skip = int(n or 0)
            if not has_commit(synced.git_dir, commit):
                raise GitError(
                    f"the interrupted run was at commit {commit}, which the cache no longer holds; "
                    "crawl again with --restart"
                )
        return synced, commit, skip


def git_missing() -> str | None:
    """Why a git catalog cannot be crawled here (no ``git`` on PATH), or None."""
    return None if shutil.which("git") else "the git command is not installed"
