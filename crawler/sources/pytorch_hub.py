"""PyTorch Hub: the catalog in the git repository github.com/pytorch/hub (branch ``master``).

An entry is a top-level ``*.md`` file other than ``README.md``, ``CONTRIBUTING.md`` and
``CODE_OF_CONDUCT.md`` (the rule of the repository's own ``scripts/sanity_check.py``). Its identity
(``key``) is the exact path: one upstream rename changed only the case of a file name, and that is a
removal plus an addition, as git records it.

Dates come from git, along the **first-parent** chain of the branch: ``created_at`` is the committer date
of the first commit whose tree holds the path, i.e. when the pull request landed (not when its branch
commit was written); ``deleted_at`` is the date of the commit that removed it. Every path ever seen is
emitted, so one crawl already knows the catalog at the end of each past year.

**The first commit is not an import here.** An entry that is already in the commit the catalog's
history starts with (:func:`_git.catalog_root`: the oldest first-parent commit touching a ``*.md``, the
README included) came with an import of a catalog that existed before, so its date only says "on or
before": it gets ``created_at_quality = 'git_import'`` and ``extra.initial_import = true``, as
tfhub.dev's imported models do (period ``'imported'``, never a month). The real pytorch/hub is not so:
its history starts with the README alone (root commit ff280a8, 2019-04-23), its first entry was the test
page ``example.md`` (merged 2019-05-24, removed five days later) and the real entries landed one pull
request at a time from 2019-05-29, before PyTorch Hub's launch in June 2019. So every PyTorch Hub date is
the entry's own landing date (``git_first_commit``), and ``initial_import`` is false for all of them.

The YAML front matter (between the first two ``---`` lines) is kept raw in ``extra.front_matter`` and
normalised where it matters (curly quotes, the case of ``github-id``, a missing ``github-id`` read from
``github-link``). A front matter YAML cannot parse is read line by line as far as possible and counted as
a warning; so are bytes that are not UTF-8 (decoded with replacement characters).

With ``entrypoints=True``, each distinct ``github-id`` repository's ``hubconf.py`` is downloaded and its
public callables are counted by **parsing** it with :mod:`ast` (never importing it). That approximates
what ``torch.hub.list()`` returns: it sees top-level functions, classes and names imported with
``from … import``, but cannot follow ``import *`` or names built at run time. They go to the child table
``pytorch_hub_entrypoints``.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import yaml

from . import _git
from ._net import DEADLINE_ENV, HttpError, HttpUnreachable, RetryPolicy
from ._options import catalog_options
from .base import Meter, Source
from .records import ModelRecord, Page
from .registry import Hub, Option, register

HUB = "pytorch-hub"
DEFAULT_REPO = "https://github.com/pytorch/hub"
DEFAULT_RAW_BASE = "https://raw.githubusercontent.com"
EXCLUDED = frozenset({"README.md", "CONTRIBUTING.md", "CODE_OF_CONDUCT.md"})
ENTRYPOINTS_TABLE = "pytorch_hub_entrypoints"
#: After this many repositories in a row whose hubconf.py could not be reached at all, stop asking.
UNREACHABLE_LIMIT = 3

_QUOTES = "\"'“”‘’„‚«»` "
_HUB_LOAD = re.compile(
    r"""torch\.hub\.load\(\s*(?:repo_or_dir\s*=\s*)?['"]([^'"]+)['"]\s*,\s*(?:model\s*=\s*)?['"]([^'"]+)['"]"""
)
_GITHUB_REPO = re.compile(r"github\.com[/:]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")


def github_token() -> str | None:
    """``$GITHUB_TOKEN`` (read now): sent with the ``hubconf.py`` downloads, never stored or printed."""
    return os.environ.get("GITHUB_TOKEN") or None


def is_entry(path: str) -> bool:
    """Whether ``path`` is a catalog entry: a top-level ``*.md`` other than the three repository docs."""
    return "/" not in path and path.endswith(".md") and path not in EXCLUDED


# ----------------------------------------------------------------------------------------- front matter


def _json_safe(value: Any) -> Any:
    """YAML values as JSON values (dates become ISO strings, other odd scalars strings)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def clean_str(value: Any) -> str | None:
    """A front matter scalar as a plain string: whitespace and straight or curly quotes stripped."""
    if value is None:
        return None
    text = str(value).strip().strip(_QUOTES).strip()
    return text or None


def _fallback_fields(block: str) -> dict[str, Any]:
    """Read ``key: value`` lines one at a time, for a block YAML cannot parse as a whole."""
    fields: dict[str, Any] = {}
    for line in block.splitlines():
        m = re.match(r"^([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$", line)
        if not m:
            continue
        raw = m.group(2)
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError:
            value = raw
        if isinstance(value, dict):
            value = raw
        fields.setdefault(m.group(1), value)
    return fields


class _DuplicateKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that notes the keys a mapping repeats (safe_load silently keeps the last)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                self.duplicates.append(str(key))
            elif isinstance(key, str | int | float | bool):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(block: str) -> tuple[Any, list[str]]:
    loader = _DuplicateKeyLoader(block)
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def parse_front_matter(text: str) -> tuple[dict[str, Any], str | None]:
    """The front matter of a catalog page and, if it could not be read cleanly, why.

    The front matter is the YAML between the first two lines that are ``---`` (leading blank lines and
    CRLF line ends are allowed). When YAML cannot parse it, or it is not a mapping, the ``key: value``
    lines that can be read one by one are returned together with the error.
    """
    lines = text.lstrip("\ufeff").splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return {}, "no front matter (the page does not start with ---)"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), None)
    block = "\n".join(lines[start + 1 : end])
    problem = None if end is not None else "front matter not closed by a --- line"
    try:
        data, duplicates = _load_yaml(block) if block.strip() else ({}, [])
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _fallback_fields(block), f"front matter is not valid YAML ({first})"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _fallback_fields(block), f"front matter is a {type(data).__name__}, not a mapping"
    if duplicates and problem is None:
        problem = f"front matter repeats {', '.join(sorted(set(duplicates)))}; the last value is kept"
    return {str(k): v for k, v in data.items()}, problem


def normalise_github_id(value: Any) -> str | None:
    """``owner/repo`` from a ``github-id``, ``github-link`` or ``torch.hub.load`` repo value.

    Quotes, a URL prefix, a ``.git`` suffix and a ``:ref`` suffix are removed; the case is kept.
    """
    text = clean_str(value)
    if not text:
        return None
    m = _GITHUB_REPO.search(text)
    if m:
        owner, name = m.group(1), m.group(2)
    else:
        parts = [p for p in text.split(":", 1)[0].strip("/").split("/") if p]  # drop a ``:ref``
        if len(parts) != 2:
            return None
        owner, name = parts
    name = name.removesuffix(".git")
    if not owner or not name:
        return None
    return f"{owner}/{name}"


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    out: list[str] = []
    for item in items:
        tag = clean_str(item)
        if tag and tag.lower() not in out:
            out.append(tag.lower())
    return out


def hub_load_calls(text: str) -> list[tuple[str, str]]:
    """``(repo[:ref], entrypoint)`` of every ``torch.hub.load('repo', 'name', …)`` in a page's text."""
    seen: list[tuple[str, str]] = []
    for m in _HUB_LOAD.finditer(text):
        pair = (m.group(1), m.group(2))
        if pair not in seen:
            seen.append(pair)
    return seen


def entry_record(history: _git.PathHistory, content: bytes | None, warnings: list[str]) -> ModelRecord:
    """One catalog entry as a record; problems reading it are appended to ``warnings``."""
    path = history.path
    text = ""
    if content is not None:
        text = _git.decode(path, content, warnings)
    else:
        warnings.append(f"{path}: content could not be read")
    fm, problem = parse_front_matter(text)
    if problem:
        warnings.append(f"{path}: {problem}")
    calls = hub_load_calls(text)
    github_id, github_id_from = None, None
    for field, value in (
        ("github-id", fm.get("github-id")),
        ("github-link", fm.get("github-link")),
        ("torch.hub.load", calls[0][0] if calls else None),
    ):
        github_id = normalise_github_id(value)
        if github_id:
            github_id_from = field
            break
    # The ref torch.hub.load asks for this repository (``owner/repo:ref``), e.g. NVIDIA's ``torchhub``.
    github_ref = None
    if github_id:
        for repo_ref, _ in calls:
            repo, _, ref = repo_ref.partition(":")
            if repo.lower() == github_id.lower() and ref:
                github_ref = ref
                break
    extra: dict[str, Any] = {
        "title": clean_str(fm.get("title")),
        "summary": clean_str(fm.get("summary")),
        "category": clean_str(fm.get("category")),
        "github_id": github_id,
        "github_id_key": github_id.lower() if github_id else None,
        "github_id_from": github_id_from,
        "github_ref": github_ref,
        "github_link": clean_str(fm.get("github-link")),
        "accelerator": (clean_str(fm.get("accelerator")) or "").lower() or None,
        "demo_model_link": clean_str(fm.get("demo-model-link")),
        "hub_load_calls": [{"repo": r, "entrypoint": n} for r, n in calls],
        "front_matter": _json_safe(fm),
        "front_matter_error": problem,
        "added_commit": history.added_commit,
        "modified_commit": history.modified_commit,
        "removed_commit": history.removed_commit,
        "blob": history.blob,
    }
    record = ModelRecord(
        hub=HUB,
        key=path,
        id=path.removesuffix(".md"),
        author=clean_str(fm.get("author")),
        created_at=history.added_at,
        created_at_quality="git_first_commit",
        last_modified=history.modified_at,
        tags=_tags(fm.get("tags")),
        sha=history.modified_commit,
        formats=["pytorch"],
        deleted_at=history.removed_at,
        extra=extra,
    )
    return record


# ------------------------------------------------------------------------------------------ entrypoints


@dataclass
class Entrypoint:
    """A public callable of a ``hubconf.py``, found by parsing it."""

    name: str
    #: ``function``, ``class``, ``import`` (``from x import name``) or ``alias`` (``name = other``).
    kind: str
    lineno: int


def _top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those inside top-level ``if``/``try``/``with`` blocks."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level(node.body)
            for handler in node.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(node.orelse)
            yield from _top_level(node.finalbody)
        elif isinstance(node, ast.With):
            yield from _top_level(node.body)


def hubconf_entrypoints(source: str) -> list[Entrypoint]:
    """The public callables a ``hubconf.py`` defines at module level, by parsing (never importing) it.

    This approximates ``torch.hub.list()``: top-level ``def`` and ``class``, names imported with ``from …
    import …``, and aliases (``name = other_callable``, ``name = lambda …``, ``name = partial(…)``).
    Names starting with ``_`` and plain ``import module`` are not entrypoints. Raises ``SyntaxError``.
    """
    tree = ast.parse(source)
    found: dict[str, Entrypoint] = {}

    def add(name: str, kind: str, lineno: int) -> None:
        if name and not name.startswith("_") and name not in found:
            found[name] = Entrypoint(name, kind, lineno)

    for node in _top_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            add(node.name, "function", node.lineno)
        elif isinstance(node, ast.ClassDef):
            add(node.name, "class", node.lineno)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    add(alias.asname or alias.name, "import", node.lineno)
        elif isinstance(node, ast.Assign):
            value = node.value
            callable_value = (
                isinstance(value, ast.Lambda)
                or (isinstance(value, ast.Name) and value.id in found)
                or (isinstance(value, ast.Attribute))
                or (
                    isinstance(value, ast.Call)
                    and (
                        (isinstance(value.func, ast.Name) and value.func.id == "partial")
                        or (isinstance(value.func, ast.Attribute) and value.func.attr == "partial")
                    )
                )
            )
            if callable_value:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        add(target.id, "alias", node.lineno)
    return list(found.values())


#: How hard a ``hubconf.py`` download is tried: 4 attempts, backoff from 0.5 s up to 10 s, 30 s of silence.
HUBCONF_POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=10.0, timeout=30.0)


class HubconfFetcher:
    """Downloads ``<raw_base>/<owner>/<repo>/<ref>/hubconf.py`` through the shared HTTP layer (retries,
    time-outs, User-Agent) under ``policy``, with the command's ``timeout`` and ``deadline`` laid over
    it (``None``: the policy's); every attempt is counted on ``meter``."""

    def __init__(
        self,
        raw_base: str = DEFAULT_RAW_BASE,
        *,
        policy: RetryPolicy = HUBCONF_POLICY,
        timeout: float | None = None,
        token: str | None = None,
        meter: Meter | None = None,
        deadline: float | None = None,
    ) -> None:
        self.raw_base = raw_base.rstrip("/")
        self.policy = policy.limited(timeout, deadline)
        self.meter = meter or Meter()
        from ._http import make_session  # requests and tenacity: loaded when first used

        self.session = make_session()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def url(self, github_id: str, ref: str = "HEAD") -> str:
        return f"{self.raw_base}/{github_id}/{ref}/hubconf.py"

    def fetch(self, github_id: str, ref: str = "HEAD") -> str | None:
        """The text of the repository's ``hubconf.py`` at ``ref``, or ``None`` if there is none (404)."""
        from ._http import request_text

        return request_text(
            self.session,
            self.url(github_id, ref),
            policy=self.policy,
            counter=self.meter,
            headers=self.headers,
        )


def entrypoint_rows(
    records: list[ModelRecord], fetcher: HubconfFetcher, warnings: list[str]
) -> list[dict[str, Any]]:
    """Child rows for ``pytorch_hub_entrypoints``: every hubconf callable of each live entry's repository.

    The ``hubconf.py`` is read at the ref the entry's ``torch.hub.load`` calls name (``owner/repo:ref``),
    else at the default branch (``HEAD``). Each distinct (repository, ref) is downloaded once; repositories
    are compared case-insensitively (as GitHub does). A row says whether the entry's own page loads that
    entrypoint (``documented``).
    """
    groups: dict[tuple[str, str], list[ModelRecord]] = {}
    for rec in records:
        extra = rec.extra or {}
        if rec.deleted_at is None and extra.get("github_id"):
            ref = extra.get("github_ref") or "HEAD"
            groups.setdefault((extra["github_id"].lower(), ref), []).append(rec)
    rows: list[dict[str, Any]] = []
    fetched_at = datetime.now(timezone.utc).isoformat()
    unreachable = 0
    items = list(groups.items())
    for i, ((_, ref), recs) in enumerate(items):
        if unreachable >= UNREACHABLE_LIMIT:
            warnings.append(
                f"{fetcher.raw_base} did not answer {unreachable} times in a row; the hubconf.py of "
                f"{len(items) - i} more repositories was not asked for"
            )
            break
        github_id = (recs[0].extra or {})["github_id"]
        url = fetcher.url(github_id, ref)
        where = f"hubconf.py of {github_id}@{ref}"
        try:
            source = fetcher.fetch(github_id, ref)
        except HttpError as exc:
            warnings.append(f"{where}: gave up: {type(exc).__name__}: {exc}")
            unreachable = unreachable + 1 if isinstance(exc, HttpUnreachable) else 0
            continue
        unreachable = 0
        if source is None:
            warnings.append(f"{where}: not found (404) at {url}")
            continue
        try:
            entrypoints = hubconf_entrypoints(source)
        except SyntaxError as exc:
            warnings.append(f"{where}: cannot be parsed: {exc.msg} (line {exc.lineno})")
            continue
        for rec in recs:
            extra = rec.extra or {}
            loads = {c["entrypoint"] for c in extra.get("hub_load_calls", [])}
            for ep in entrypoints:
                rows.append(
                    {
                        "hub": HUB,
                        "key": rec.key,
                        "github_id": extra["github_id"],
                        "ref": ref,
                        "name": ep.name,
                        "kind": ep.kind,
                        "lineno": ep.lineno,
                        "documented": ep.name in loads,
                        "hubconf_url": url,
                        "fetched_at": fetched_at,
                    }
                )
    return rows


# ----------------------------------------------------------------------------------------------- source


class PyTorchHubSource(_git.CatalogSource):
    """The PyTorch Hub catalog from its git repository (a cached partial clone; see the module doc)."""

    name = HUB
    default_repo = DEFAULT_REPO
    repo_env = "ZOO_PYTORCH_HUB_REPO"

    def __init__(
        self,
        repo: str | None = None,
        *,
        branch: str = _git.DEFAULT_BRANCH,
        cache_dir: str | os.PathLike[str] | None = None,
        entrypoints: bool = False,
        raw_base: str | None = None,
        timeout: float = 30.0,
        page_size: int = _git.PAGE_SIZE,
        git_timeout: float | None = None,
        deadline: float | None = None,
    ) -> None:
        super().__init__(
            repo, branch=branch, cache_dir=cache_dir, page_size=page_size, git_timeout=git_timeout
        )
        self.entrypoints = entrypoints
        #: child tables this source owns: replaced (or emptied) for the hub when a run completes
        self.child_tables = (ENTRYPOINTS_TABLE,) if entrypoints else ()
        self.raw_base = (raw_base or os.environ.get("ZOO_PYTORCH_HUB_RAW_BASE") or DEFAULT_RAW_BASE).rstrip(
            "/"
        )
        self.timeout = timeout
        #: total seconds per hubconf.py request; ``None``: ``$ZOO_REQUEST_DEADLINE``, else 60
        self.deadline = deadline

    def secrets(self) -> list[str]:
        """``$GITHUB_TOKEN``, sent with the ``hubconf.py`` downloads of ``--entrypoints``."""
        token = github_token()
        return [token] if token and self.entrypoints else []

    def params(self) -> dict[str, Any]:
        params = {**super().params(), "entrypoints": self.entrypoints}
        if self.entrypoints:
            params["raw_base"] = _git.redact(self.raw_base)
        return params

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        """All entries ever seen, ``page_size`` a page; entrypoint rows go with the last page.

        The checkpoint ``<commit>:<n>`` resumes after the first ``n`` entries of that same commit.
        """
        synced, commit, skip = self.checkout(checkpoint)
        histories = [
            h for h in _git.path_histories(synced.git_dir, commit, ["*.md"]).values() if is_entry(h.path)
        ]
        histories.sort(key=lambda h: (h.added_at, h.path))
        blobs, fetches = _git.read_blobs(
            synced.git_dir, [h.blob for h in histories], timeout=self.git_timeout
        )
        self.meter.request(fetches)
        records: list[ModelRecord] = []
        entry_warnings: list[list[str]] = []
        for h in histories:
            own: list[str] = []
            records.append(entry_record(h, blobs.get(h.blob), own))
            entry_warnings.append(own)
        root = _git.catalog_root(synced.git_dir, commit, ["*.md"])
        for rec in records:
            assert rec.extra is not None
            rec.extra["initial_import"] = rec.extra["added_commit"] == root
            if rec.extra["initial_import"]:
                rec.created_at_quality = "git_import"

        children: dict[str, list[dict[str, Any]]] = {}
        final_warnings: list[str] = []
        if self.entrypoints:
            fetcher = HubconfFetcher(
                self.raw_base,
                timeout=self.timeout,
                token=github_token(),
                meter=self.meter,
                deadline=self.deadline,
            )
            children[ENTRYPOINTS_TABLE] = entrypoint_rows(records, fetcher, final_warnings)
        yield from _git.paginate(
            records, entry_warnings, final_warnings, children, commit, skip, self.meter.take(), self.page_size
        )


def _summary(source: Source, figures: Mapping[str, int]) -> str:
    line = f"{HUB}: {figures['models']} entries ({figures['live']} live, {figures['removed']} removed)"
    if isinstance(source, PyTorchHubSource) and source.entrypoints:
        line += (
            f"; {figures['entrypoints']} entrypoints in {figures['entrypoint_repositories']} repositories "
            "(public callables of hubconf.py, parsed: an approximation)"
        )
    return line


register(
    Hub(
        PyTorchHubSource,
        label="PyTorch Hub",
        command="pytorch-hub",
        order=2,
        help="""Crawl the PyTorch Hub catalog (the *.md entries of github.com/pytorch/hub) with its git history.

The repository is cloned once (partial, --filter=blob:none) into the cache and fetched on later runs.
Every entry ever seen is stored, removed ones with deleted_at; created_at is the date the entry landed
on the branch (first first-parent commit holding it), so a first crawl already knows every past year.
With --entrypoints, entrypoints (models callable through torch.hub.load) are counted from hubconf.py
by parsing it, an approximation of torch.hub.list(), and reported apart from entries.

Example: zoo crawl pytorch-hub --db zoo.duckdb --entrypoints""",
        options=(
            *catalog_options("ZOO_PYTORCH_HUB_REPO", DEFAULT_REPO, "~/src/hub"),
            Option(
                "--entrypoints",
                "entrypoints",
                "Also download each entry's hubconf.py (GITHUB_TOKEN is sent if set) and count its public "
                "callables into pytorch_hub_entrypoints. An approximation: the file is parsed, never "
                "imported. Example: --entrypoints",
                type=bool,
                default=False,
            ),
            Option(
                "--raw-base",
                "raw_base",
                "Where hubconf.py files are downloaded from: <raw-base>/<owner>/<repo>/<ref>/hubconf.py, "
                "<ref> being the one the entry's torch.hub.load('owner/repo:ref', …) names, else HEAD "
                f"(default: $ZOO_PYTORCH_HUB_RAW_BASE, else {DEFAULT_RAW_BASE}). "
                "Example: --raw-base http://127.0.0.1:8000",
                envvar="ZOO_PYTORCH_HUB_RAW_BASE",
            ),
            Option(
                "--timeout",
                "timeout",
                "Seconds before a hubconf.py request times out. Example: --timeout 60",
                type=float,
                default=30.0,
            ),
            Option(
                "--request-deadline",
                "deadline",
                "Seconds one hubconf.py request may take in all, however slowly the answer trickles in "
                "(default: $ZOO_REQUEST_DEADLINE, else 60). Example: --request-deadline 120",
                type=float,
                envvar=DEADLINE_ENV,
                metavar="SECONDS",
                min=0.001,
            ),
        ),
        secrets=("GITHUB_TOKEN",),
        endpoints=("ZOO_PYTORCH_HUB_REPO", "ZOO_PYTORCH_HUB_RAW_BASE"),
        unavailable=_git.git_missing,
        summary=_summary,
        unit="one model = one catalog entry (a page of pytorch/hub; one entry may expose several "
        "entrypoints)",
    )
)
