"""Papers with code after Papers with Code: arXiv, Hugging Face Papers and GitHub (``zoo crawl papers``).

Papers with Code shut down in July 2025 (its frozen dumps: :mod:`crawler.sources.paperswithcode`). This
source finds the papers published since then that link to code, and each repository's framework, from
sources that still exist:

* **arXiv** (``export.arxiv.org/api/query``): one day at a time, the papers submitted that day in the
  categories :data:`CATEGORIES` (``search_query=(cat:cs.LG OR …) AND submittedDate:[D0000 TO D2359]``,
  ``sortBy=submittedDate``, ``sortOrder=ascending``, paged by ``start``/``max_results``; an Atom feed with
  ``opensearch:totalResults``). A paper's GitHub links are read from its abstract (``summary``) and its
  ``arxiv:comment`` ("Code is available at https://github.com/…"). arXiv asks clients to wait 3 seconds
  between requests: ``--arxiv-delay``.
* **Hugging Face Papers** (``/api/daily_papers?date=YYYY-MM-DD&p=&limit=``): the papers listed on the
  daily feed that day, with ``paper.githubRepo`` when one was linked by hand (huggingface_hub's
  ``list_daily_papers`` / ``PaperInfo``).
* **GitHub** (REST API, ``GITHUB_TOKEN`` sent there only): ``GET /repos/{owner}/{repo}`` (a renamed
  repository answers 301 to ``/repositories/{id}``, followed; 404 for a deleted or private one), the
  default branch's head (``GET /repos/…/commits/{branch}`` as ``application/vnd.github.sha``; 409 for an
  empty repository), its tree (``GET /repos/…/git/trees/{sha}?recursive=1``) and the dependency files
  (``GET /repos/…/contents/{path}?ref={sha}`` as ``application/vnd.github.raw``).

One row per (paper, repository, source) goes to ``papers_live_links`` with the paper's date and where
the link was found; one row per look at a repository to ``papers_repo_checks`` (status, head, the package
names its dependency files name, and, when those name no framework, the modules its Python files
import). Files are read as text, never executed, and never when the tree says they are larger than
``--max-file-bytes``; a file with NUL bytes is binary and skipped. The framework is decided in SQL from
the stored names (view ``papers_code_rules``, each rule with its reason), so a rule change needs no new
crawl.

Order of a run, each step saved as pages with a checkpoint (a killed run resumes where it stopped):
repositories linked by earlier runs and not looked at yet; then each day from ``--since`` (default
2025-07-29, the day after the archive's last links) to three days ago (:data:`SETTLE_DAYS`: arXiv announces
a submission up to three days after it) that is not done yet (arXiv, then
Hugging Face, then the repositories first seen that day); then ``--archive-sample`` repositories of the
archive never looked at (the overlap ``zoo stats papers --compare-archive`` measures); then repositories
whose last look is older than ``--recheck-days`` (a new head is a new row; the same head costs two
requests and stores nothing). ``--max-requests`` (``zoo crawl all``: ``$ZOO_PAPERS_BUDGET``, default
600) ends the run **complete** once spent; the next run goes on. A GitHub quota that is spent (403 or
429 with ``X-RateLimit-Remaining: 0``) stops the GitHub checks of the run, not the run.
"""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

import requests
import yaml

from ._http import make_session, request_json, request_text
from ._net import HttpStatusError, RetryPolicy, check_endpoint
from ._options import HTTP_OPTIONS
from .base import NotConfigured, Source, SourceError
from .records import Page
from .registry import Hub, Option, register

HUB = "papers-live"
LINKS = "papers_live_links"
DAYS = "papers_live_days"
CHECKS = "papers_repo_checks"
LOOKS = "papers_repo_looks"
#: arXiv's machine-learning categories read: machine learning, vision, language, AI, statistical ML
CATEGORIES = ("cs.LG", "cs.CV", "cs.CL", "cs.AI", "stat.ML")
DEFAULT_SINCE = date(2025, 7, 29)
ARXIV_ENDPOINT = "https://export.arxiv.org"
HF_ENDPOINT = "https://huggingface.co"
GITHUB_ENDPOINT = "https://api.github.com"
NIGHTLY_BUDGET = 600
ARXIV_PAGE = 200
HF_PAGE = 100
ARXIV_DELAY = 3.0
MAX_FILE_BYTES = 256_000
MAX_PY_FILES = 5
RECHECK_DAYS = 90
REPOS_PER_PAGE = 10
#: days a day's listings are left to settle before they are read and marked done: arXiv announces a
#: submission one to three days after it (weekends), and the daily papers of a day are still added to
SETTLE_DAYS = 3
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
#: github.com (or www.github.com) itself, not gist.github.com or another host ending in it
_GITHUB_LINK = re.compile(
    r"(?:(?<![\w.-])|(?<=www\.))github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)", re.IGNORECASE
)
#: github.com paths that are not an owner
_NOT_OWNERS = frozenset(
    {"orgs", "features", "topics", "sponsors", "about", "marketplace", "settings", "apps"}
)
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EGG = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_IMPORT = re.compile(
    r"^\s*(?:from\s+([A-Za-z_][\w]*)[\w.]*\s+import\b|import\s+([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*))"
)
_DEP_FILE = re.compile(
    r"^(requirements[^/]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|environment[^/]*\.ya?ml|Pipfile)$",
    re.IGNORECASE,
)


def nightly_budget() -> int:
    """The requests ``zoo crawl all`` lets ``papers`` send: ``$ZOO_PAPERS_BUDGET``, default 600."""
    text = os.environ.get("ZOO_PAPERS_BUDGET", "").strip()
    if not text:
        return NIGHTLY_BUDGET
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"ZOO_PAPERS_BUDGET must be a whole number of requests, not {text!r}") from None
    if value < 0:
        raise ValueError(f"ZOO_PAPERS_BUDGET must be 0 or more, not {value}")
    return value


# ------------------------------------------------------------------------------------------ parsing


def normalize_package(name: str) -> str:
    """PEP 503 style: lower case, runs of ``-``, ``_``, ``.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def repo_links(text: str | None) -> list[tuple[str, str]]:
    """``(repo, url)`` for every GitHub repository named in ``text``: ``repo`` is
    ``github.com/owner/name`` in lower case (a ``.git`` suffix, a trailing dot and deeper paths dropped);
    links to an owner alone, a github.io page or a GitHub feature page are not repositories."""
    out: dict[str, str] = {}
    for match in _GITHUB_LINK.finditer(text or ""):
        owner, name = match.group(1), match.group(2).rstrip(".")
        if name.lower().endswith(".git"):
            name = name[:-4]
        if not name or owner.lower() in _NOT_OWNERS or name in (".", ".."):
            continue
        repo = f"github.com/{owner}/{name}".lower()
        out.setdefault(repo, f"https://github.com/{owner}/{name}")
    return list(out.items())


def _requirement_names(lines: list[str]) -> list[str]:
    names = []
    for raw in lines:
        line = raw.split("#egg=")[0] if "#egg=" not in raw else raw
        egg = _EGG.search(line)
        if egg:
            names.append(egg.group(1))
            continue
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".", "/")):
            continue
        match = _REQ_NAME.match(line)
        if match:
            names.append(match.group(1))
    return names


def packages_in(path: str, text: str) -> list[str]:
    """The package names a dependency file names, read as text (never executed), normalised."""
    base = path.rsplit("/", 1)[-1].lower()
    names: list[str] = []
    if base.endswith(".txt"):
        names = _requirement_names(text.splitlines())
    elif base == "setup.py":
        # every quoted string shaped like a requirement ("torch>=1.8", "numpy"): setup.py is never run
        for literal in re.findall(
            r"""["']([A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;][^"']*)?)["']""", text
        ):
            match = _REQ_NAME.match(literal)
            if match and "." not in match.group(1)[-4:]:  # not a file name (README.md, main.py)
                names.append(match.group(1))
    elif base == "setup.cfg":
        block, inside = [], False
        for line in text.splitlines():
            if re.match(r"^\s*(install_requires|[a-z_]+_requires|tests_require)\s*=", line):
                inside = True
                block.append(line.split("=", 1)[1])
            elif inside and line[:1] in (" ", "\t") and line.strip():
                block.append(line)
            else:
                inside = False
        names = _requirement_names(block)
    elif base in ("pyproject.toml", "pipfile"):
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError):
            data = {}
        project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
        specs: list[str] = [d for d in project.get("dependencies", []) if isinstance(d, str)]
        for group in (project.get("optional-dependencies") or {}).values():
            specs += [d for d in group if isinstance(d, str)] if isinstance(group, list) else []
        names = _requirement_names(specs)
        poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
        for table in (poetry.get("dependencies"), data.get("packages"), data.get("dev-packages")):
            if isinstance(table, dict):
                names += [k for k in table if k.lower() != "python"]
    elif base.endswith((".yml", ".yaml")):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            data = None
        deps = data.get("dependencies", []) if isinstance(data, dict) else []
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, str):
                names += _requirement_names([dep.split("::")[-1].replace("=", "==", 1)])
            elif isinstance(dep, dict) and isinstance(dep.get("pip"), list):
                names += _requirement_names([d for d in dep["pip"] if isinstance(d, str)])
    return sorted({normalize_package(n) for n in names if n.lower() not in ("python", "pip")})


def imports_in(text: str) -> list[str]:
    """The top-level modules a Python file imports (``import a.b, c`` → a, c; ``from d.e import f`` → d)."""
    found = set()
    for line in text.splitlines():
        match = _IMPORT.match(line)
        if not match:
            continue
        if match.group(1):
            found.add(match.group(1))
        else:
            for part in match.group(2).split(","):
                found.add(part.strip().split(".")[0].split(" ")[0])
    return sorted(m.lower() for m in found if m)


def parse_arxiv_feed(text: str) -> tuple[int, list[dict[str, Any]]]:
    """(``opensearch:totalResults``, entries) of an arXiv API Atom feed; each entry has ``arxiv_id``
    (without version), ``title``, ``published`` (a date), ``summary`` and ``comment``."""
    root = ET.fromstring(text)
    total_text = root.findtext(f"{_OPENSEARCH}totalResults")
    total = int(total_text) if total_text and total_text.strip().isdigit() else 0
    entries = []
    for entry in root.findall(f"{_ATOM}entry"):
        ident = (entry.findtext(f"{_ATOM}id") or "").strip()
        arxiv_id = re.sub(r"v\d+$", "", ident.rsplit("/abs/", 1)[-1])
        if not arxiv_id:
            continue
        published = (entry.findtext(f"{_ATOM}published") or "")[:10]
        try:
            when: date | None = date.fromisoformat(published)
        except ValueError:
            when = None
        entries.append(
            {
                "arxiv_id": arxiv_id,
                "title": " ".join((entry.findtext(f"{_ATOM}title") or "").split()) or None,
                "published": when,
                "summary": entry.findtext(f"{_ATOM}summary") or "",
                "comment": entry.findtext(f"{_ARXIV}comment") or "",
            }
        )
    return total, entries


# ----------------------------------------------------------------------------------------- the source


class _BudgetSpent(Exception):
    """The run's request budget is spent: no new request is sent."""


class _QuotaSpent(Exception):
    """GitHub's quota is spent: no more GitHub requests this run."""


@dataclass
class Tally:
    """What one process of the run did, for its summary line."""

    days: int = 0
    papers: int = 0
    hf_papers: int = 0
    links: int = 0
    repos_checked: int = 0
    unchanged: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    quota_spent: bool = False
    budget_spent: bool = False
    left: int = 0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class PapersLiveSource(Source):
    """New papers with a code link (arXiv, Hugging Face Papers) and their repositories' frameworks."""

    name = HUB
    full_listing = False
    child_tables = (LINKS, DAYS, CHECKS, LOOKS)
    keep_child_rows = True
    #: what earlier runs settled: finished days, the latest look at each repository, repositories
    #: linked but never looked at, and archive repositories never looked at (a stable sample order)
    work_query = (
        "SELECT kind, a, b, c FROM ("
        " SELECT 'day' AS kind, source || '|' || CAST(day AS VARCHAR) AS a, NULL AS b, NULL AS c, 0 AS o,"
        " 0 AS s FROM papers_live_days"
        " UNION ALL SELECT 'repo', r.repo, r.head_sha,"
        "  CAST(greatest(r.checked_at, (SELECT max(k.looked_at) FROM papers_repo_looks k WHERE k.repo = r.repo))"
        "  AS VARCHAR), 1, 0 FROM papers_live_repos r"
        " UNION ALL SELECT 'pending', repo, NULL, NULL, 2, 0 FROM papers_live_pending"
        " UNION ALL SELECT 'archive', repo, NULL, NULL, 3, sample_order FROM papers_archive_unchecked"
        ") ORDER BY o, s, a"
    )

    def __init__(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        max_requests: int | None = None,
        arxiv_endpoint: str | None = None,
        hf_endpoint: str | None = None,
        github_endpoint: str | None = None,
        archive_sample: int = 50,
        recheck_days: int = RECHECK_DAYS,
        arxiv_delay: float = ARXIV_DELAY,
        arxiv_page: int = ARXIV_PAGE,
        hf_page: int = HF_PAGE,
        max_file_bytes: int = MAX_FILE_BYTES,
        max_py_files: int = MAX_PY_FILES,
        timeout: float = 60.0,
        deadline: float | None = None,
        policy: RetryPolicy | None = None,
        token: str | None = None,
    ) -> None:
        self.since = since or DEFAULT_SINCE
        self.until = until
        self.max_requests = max_requests
        self.arxiv = check_endpoint(
            (arxiv_endpoint or os.environ.get("ZOO_ARXIV_ENDPOINT") or ARXIV_ENDPOINT).rstrip("/"),
            "--arxiv-endpoint",
        )
        self.hf = check_endpoint(
            (hf_endpoint or os.environ.get("HF_ENDPOINT") or HF_ENDPOINT).rstrip("/"), "--hf-endpoint"
        )
        self.github = check_endpoint(
            (github_endpoint or os.environ.get("ZOO_GITHUB_ENDPOINT") or GITHUB_ENDPOINT).rstrip("/"),
            "--github-endpoint",
        )
        self.archive_sample = archive_sample
        self.recheck_days = recheck_days
        self.arxiv_delay = arxiv_delay
        self.arxiv_page = arxiv_page
        self.hf_page = hf_page
        self.max_file_bytes = max_file_bytes
        self.max_py_files = max_py_files
        self.policy = policy or RetryPolicy(timeout=timeout, deadline=deadline)
        self.token = token if token is not None else (os.environ.get("GITHUB_TOKEN") or None)
        self.tally = Tally()
        self._session: requests.Session | None = None
        self._github_session: requests.Session | None = None
        self._last_arxiv: float | None = None
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._known: dict[str, tuple[Any, Any]] = {}
        self._checked: set[str] = set()
        self._quota_warned = False

    def params(self) -> dict[str, Any]:
        return {
            "categories": list(CATEGORIES),
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "arxiv_endpoint": self.arxiv,
            "hf_endpoint": self.hf,
            "github_endpoint": self.github,
            "max_requests": self.max_requests,
            "archive_sample": self.archive_sample,
            "recheck_days": self.recheck_days,
            "max_file_bytes": self.max_file_bytes,
            "github_token": bool(self.token),
        }

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    # ----------------------------------------------------------------------------------- requests

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = make_session()
        return self._session

    @property
    def github_session(self) -> requests.Session:
        """A session of its own for GitHub: an answer saying the quota is spent (403 or 429 with
        ``x-ratelimit-remaining: 0``) ends the request at once, instead of being retried until the hour
        is over."""
        if self._github_session is None:
            self._github_session = make_session()

            def spent(response: requests.Response, *args: Any, **kwargs: Any) -> None:
                if (
                    response.status_code in (403, 429)
                    and response.headers.get("x-ratelimit-remaining") == "0"
                ):
                    raise _QuotaSpent

            self._github_session.hooks["response"].append(spent)
        return self._github_session

    def _spend(self) -> None:
        if self.max_requests is not None and self.meter.requests >= self.max_requests:
            raise _BudgetSpent

    def _github_headers(self, accept: str = "application/vnd.github+json") -> dict[str, str]:
        headers = {"Accept": accept, "X-GitHub-Api-Version": "2022-11-28"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _github(self, path: str, *, accept: str | None = None, text: bool = False) -> Any:
        """One GitHub request; :class:`_QuotaSpent` when the quota is spent, :class:`HttpStatusError`
        for the repository's own 4xx."""
        if self.tally.quota_spent:
            raise _QuotaSpent
        self._spend()
        url = self.github + path
        try:
            if text:
                return request_text(
                    self.github_session, url, policy=self.policy, counter=self.meter,
                    headers=self._github_headers(accept or "application/vnd.github.raw"),
                )  # fmt: skip
            return request_json(
                self.github_session,
                "GET",
                url,
                policy=self.policy,
                counter=self.meter,
                headers=self._github_headers(),
            )
        except _QuotaSpent:
            self.tally.quota_spent = True
            raise
        except HttpStatusError as exc:
            if exc.status == 429 or (exc.status == 403 and "rate limit" in str(exc).lower()):
                self.tally.quota_spent = True
                raise _QuotaSpent from None
            if exc.status == 401:  # the token is wrong for every repository: fail the run, say why
                raise SourceError(
                    f"{self.github} answered 401 (Bad credentials): GITHUB_TOKEN is wrong or expired; "
                    "renew it, or unset it to ask without one (60 requests an hour)",
                    requests=exc.requests,
                ) from None
            raise

    # -------------------------------------------------------------------------------------- pages

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        done_days = {str(a) for kind, a, _, _ in self.work if kind == "day"}
        known = {str(a): (b, c) for kind, a, b, c in self.work if kind == "repo"}
        pending = [str(a) for kind, a, _, _ in self.work if kind == "pending"]
        archive = [str(a) for kind, a, _, _ in self.work if kind == "archive"][: self.archive_sample]
        cutoff = datetime.now(timezone.utc) - timedelta(days=self.recheck_days)
        stale = sorted((str(c or ""), r) for r, (_, c) in known.items() if c and _parse_ts(str(c)) < cutoff)
        recheck = [r for _, r in stale]
        last = self.until or (datetime.now(timezone.utc).date() - timedelta(days=SETTLE_DAYS))
        days = []
        d = self.since
        while d <= last:
            if f"arxiv|{d}" not in done_days or f"hf_papers|{d}" not in done_days:
                days.append(d)
            d += timedelta(days=1)
        state: dict[str, Any] = json.loads(checkpoint) if checkpoint else {"step": "pending", "i": 0}
        self._known = known
        self._checked = set()
        warnings: list[str] = []
        try:
            if state["step"] == "pending":
                yield from self._check_list("pending", pending, int(state.get("i", 0)), warnings, {})
                state = {
                    "step": "days",
                    "day": days[0].isoformat() if days else None,
                    "src": "arxiv",
                    "start": 0,
                }
            if state["step"] == "days":
                start_day = state.get("day")
                for day in days:
                    if start_day is not None and day.isoformat() < start_day:
                        continue
                    resume = state if start_day == day.isoformat() else {"src": "arxiv", "start": 0}
                    start_day = None
                    yield from self._day(day, resume, done_days, warnings)
                state = {"step": "archive", "i": 0}
            if state["step"] == "archive":
                yield from self._check_list("archive", archive, int(state.get("i", 0)), warnings, {})
                state = {"step": "recheck", "i": 0}
            if state["step"] == "recheck":
                yield from self._check_list("recheck", recheck, int(state.get("i", 0)), warnings, {})
        except _BudgetSpent:
            self.tally.budget_spent = True
        yield Page([], None, warnings, self._flush(), requests=self.meter.take())

    def _flush(self) -> dict[str, list[dict[str, Any]]]:
        rows, self._rows = self._rows, {}
        return {t: r for t, r in rows.items() if r}

    def _add(self, table: str, row: dict[str, Any]) -> None:
        self._rows.setdefault(table, []).append({"hub": HUB, "run_id": None, **row})

    def _page(self, state: dict[str, Any], warnings: list[str]) -> Page:
        page = Page(
            [], json.dumps(state, sort_keys=True), list(warnings), self._flush(), requests=self.meter.take()
        )
        warnings.clear()
        return page

    # ------------------------------------------------------------------------------------------ days

    def _day(self, day: date, resume: dict[str, Any], done: set[str], warnings: list[str]) -> Iterator[Page]:
        src, start = resume.get("src", "arxiv"), int(resume.get("start", 0))
        repos: list[str] = list(resume.get("repos", []))
        key = day.isoformat()
        if src == "arxiv":
            if f"arxiv|{key}" not in done:
                papers = links = 0
                spent = self.meter.requests
                while True:
                    total, entries = self._arxiv_page(day, start)
                    for e in entries:
                        papers += 1
                        for where, text in (("abstract", e["summary"]), ("comment", e["comment"])):
                            for repo, url in repo_links(text):
                                links += 1
                                repos.append(repo)
                                self._link(
                                    "arxiv", where, e["arxiv_id"], e["title"], e["published"], repo, url
                                )
                    self.tally.papers += len(entries)
                    start += len(entries)
                    if not entries or start >= total:
                        break
                    yield self._page(
                        {"step": "days", "day": key, "src": "arxiv", "start": start, "repos": repos}, warnings
                    )
                if start < total:  # arXiv sometimes answers an empty page before the end: not done
                    warnings.append(
                        f"arXiv answered an empty page at {start:,} of {total:,} papers for {key}: the day is "
                        "read again by the next run"
                    )
                else:
                    self._add(DAYS, {"key": f"arxiv|{key}", "source": "arxiv", "day": key, "papers": papers,
                                     "links": links, "requests": self.meter.requests - spent, "done_at": _now()})  # fmt: skip
            src, start = "hf", 0
            yield self._page({"step": "days", "day": key, "src": "hf", "start": 0, "repos": repos}, warnings)
        if src == "hf":
            if f"hf_papers|{key}" not in done:
                papers = links = 0
                spent = self.meter.requests
                page = start
                while True:
                    items = self._hf_page(day, page)
                    for item in items:
                        paper = item.get("paper") if isinstance(item, dict) else None
                        if not isinstance(paper, dict) or not isinstance(paper.get("id"), str):
                            continue
                        papers += 1
                        self.tally.hf_papers += 1
                        github = paper.get("githubRepo") or item.get("githubRepo")
                        published = str(paper.get("publishedAt") or "")[:10]
                        try:
                            when: date | None = date.fromisoformat(published)
                        except ValueError:
                            when = None
                        for repo, url in repo_links(github if isinstance(github, str) else None):
                            links += 1
                            repos.append(repo)
                            self._link(
                                "hf_papers", "githubRepo", paper["id"], paper.get("title"), when, repo, url
                            )
                    page += 1
                    if len(items) < self.hf_page:
                        break
                    yield self._page(
                        {"step": "days", "day": key, "src": "hf", "start": page, "repos": repos}, warnings
                    )
                self._add(DAYS, {"key": f"hf_papers|{key}", "source": "hf_papers", "day": key, "papers": papers,
                                 "links": links, "requests": self.meter.requests - spent, "done_at": _now()})  # fmt: skip
            self.tally.days += 1
            src, start = "repos", 0
            new = [r for r in dict.fromkeys(repos) if r not in self._known]
            yield self._page({"step": "days", "day": key, "src": "repos", "start": 0, "repos": new}, warnings)
            repos = new
        if src == "repos":
            state = {"step": "days", "day": key, "src": "repos", "repos": repos}
            yield from self._check_list("days", repos, start, warnings, state)

    def _link(
        self, source: str, where: str, arxiv_id: str, title: Any, when: date | None, repo: str, url: str
    ) -> None:
        self.tally.links += 1
        self._add(LINKS, {
            "key": f"{source}|{arxiv_id}|{repo}", "source": source, "link_source": where, "arxiv_id": arxiv_id,
            "paper_title": title if isinstance(title, str) else None,
            "paper_date": when.isoformat() if when else None, "repo_url": url, "repo": repo, "found_at": _now(),
        })  # fmt: skip

    def _arxiv_page(self, day: date, start: int) -> tuple[int, list[dict[str, Any]]]:
        self._spend()
        if self._last_arxiv is not None and self.arxiv_delay > 0:
            wait = self.arxiv_delay - (time.monotonic() - self._last_arxiv)
            if wait > 0:
                self.meter.waited("paced", wait)
                time.sleep(wait)
        d = day.strftime("%Y%m%d")
        cats = " OR ".join(f"cat:{c}" for c in CATEGORIES)
        query = {
            "search_query": f"({cats}) AND submittedDate:[{d}0000 TO {d}2359]",
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
            "start": start,
            "max_results": self.arxiv_page,
        }
        try:
            text = request_text(
                self.session,
                f"{self.arxiv}/api/query?{urlencode(query)}",
                policy=self.policy,
                counter=self.meter,
            )
        finally:
            self._last_arxiv = time.monotonic()
        if text is None:
            return 0, []
        try:
            return parse_arxiv_feed(text)
        except ET.ParseError as exc:
            from .base import SourceError

            raise SourceError(
                f"arXiv answered a feed that is not valid XML ({exc}) for {day}; run again later"
            ) from None

    def _hf_page(self, day: date, page: int) -> list[Any]:
        self._spend()
        query = urlencode({"date": day.isoformat(), "p": page, "limit": self.hf_page})
        data = request_json(
            self.session, "GET", f"{self.hf}/api/daily_papers?{query}", policy=self.policy, counter=self.meter
        )
        return data if isinstance(data, list) else []

    # ---------------------------------------------------------------------------------- repositories

    def _check_list(
        self, step: str, repos: list[str], start: int, warnings: list[str], base: dict[str, Any]
    ) -> Iterator[Page]:
        for i in range(start, len(repos)):
            repo = repos[i]
            if repo not in self._checked:
                try:
                    self._check(repo, warnings)
                except _QuotaSpent:
                    self.tally.left += len(repos) - i
                    if self._quota_warned:
                        return
                    self._quota_warned = True
                    warnings.append(
                        "GitHub's quota is spent (403/429, X-RateLimit-Remaining: 0): "
                        f"{len(repos) - i} repositories left for the next run"
                        + (
                            ""
                            if self.token
                            else "; set GITHUB_TOKEN for 5,000 requests an hour instead of 60"
                        )
                    )
                    return
                self._checked.add(repo)
            if (i + 1) % REPOS_PER_PAGE == 0 or i + 1 == len(repos):
                # every REPOS_PER_PAGE repositories, and after the last: what the next step asks (another
                # day's listing) may fail, and the checks done must not be asked again by the next run
                yield self._page(
                    {**base, "step": base.get("step", step), "i": i + 1, "start": i + 1}, warnings
                )

    def _check(self, repo: str, warnings: list[str]) -> None:
        """Look at one repository and add its ``papers_repo_checks`` row (or none if its head is unchanged)."""
        spent = self.meter.requests
        parts = repo.split("/")
        row: dict[str, Any] = {"repo": repo, "full_name": None, "default_branch": None, "head_sha": None,
                               "packages": [], "imports": [], "files": [], "note": None}  # fmt: skip

        def store(status: str) -> None:
            self.tally.repos_checked += 1
            self.tally.statuses[status] = self.tally.statuses.get(status, 0) + 1
            key = f"{repo}|{row['head_sha'] or status}"
            self._look(repo, row["head_sha"])  # a repository gone or empty stays so: its look dates it too
            self._add(CHECKS, {**row, "key": key, "status": status, "requests": self.meter.requests - spent,
                               "checked_at": _now()})  # fmt: skip

        if len(parts) != 3 or parts[0] != "github.com":
            return store("not_github")
        full = f"{parts[1]}/{parts[2]}"
        try:
            info = self._github(f"/repos/{quote(full)}")
        except HttpStatusError as exc:
            row["note"] = f"HTTP {exc.status}"
            return store("gone" if exc.status == 404 else "blocked")
        if not isinstance(info, dict) or not isinstance(info.get("full_name"), str):
            row["note"] = "GitHub answered no full_name"
            return store("blocked")
        row["full_name"] = info["full_name"]
        if info["full_name"].lower() != full.lower():
            warnings.append(f"{repo}: renamed to {info['full_name']} (the redirect was followed)")
        if info.get("private"):
            return store("gone")
        branch = str(info.get("default_branch") or "main")
        row["default_branch"] = branch
        name = quote(info["full_name"])
        try:
            head = self._github(
                f"/repos/{name}/commits/{quote(branch, safe='')}",
                accept="application/vnd.github.sha",
                text=True,
            )
        except HttpStatusError as exc:
            if exc.status == 409:  # "Git Repository is empty."
                return store("empty")
            row["note"] = f"HTTP {exc.status} for the head of {branch}"
            return store("blocked")
        if head is None:
            return store("empty")
        head = head.strip()[:64]
        row["head_sha"] = head
        previous = self._known.get(repo)
        if previous is not None and previous[0] == head:
            self.tally.unchanged += 1
            self._look(repo, head)
            return None
        tree = self._github(f"/repos/{name}/git/trees/{quote(head)}?recursive=1")
        entries = [
            e for e in (tree.get("tree") if isinstance(tree, dict) else None) or [] if isinstance(e, dict)
        ]
        blobs = [e for e in entries if e.get("type") == "blob" and isinstance(e.get("path"), str)]
        deps = sorted(
            (e for e in blobs if _DEP_FILE.match(e["path"].rsplit("/", 1)[-1]) and e["path"].count("/") <= 1),
            key=lambda e: (e["path"].count("/"), e["path"]),
        )[:8]
        packages: set[str] = set()
        for e in deps:
            text = self._file(name, head, e, warnings, repo)
            if text is not None:
                row["files"].append(e["path"])
                packages.update(packages_in(e["path"], text))
        row["packages"] = sorted(packages)
        if not _names_framework(packages, "package"):
            pys = sorted(
                (e for e in blobs if e["path"].endswith(".py")),
                key=lambda e: (e["path"].count("/"), not _likely_main(e["path"]), e["path"]),
            )[: self.max_py_files]
            imports: set[str] = set()
            for e in pys:
                text = self._file(name, head, e, warnings, repo)
                if text is not None:
                    row["files"].append(e["path"])
                    imports.update(imports_in(text))
            row["imports"] = sorted(imports)
        if not blobs:
            return store("empty")
        store("ok")
        return None

    def _look(self, repo: str, head: str | None) -> None:
        """Record that ``repo`` was looked at now (its check row may be an old one, kept as it was)."""
        now = datetime.now(timezone.utc)
        self._add(
            LOOKS,
            {"key": f"{repo}|{now.date()}", "repo": repo, "head_sha": head, "looked_at": now.isoformat()},
        )

    def _file(
        self, name: str, head: str, entry: dict[str, Any], warnings: list[str], repo: str
    ) -> str | None:
        size = entry.get("size")
        if isinstance(size, int) and size > self.max_file_bytes:
            warnings.append(
                f"{repo}: {entry['path']} is {size:,} bytes, over {self.max_file_bytes:,}: not read"
            )
            return None
        try:
            text = self._github(f"/repos/{name}/contents/{quote(entry['path'])}?ref={quote(head)}", text=True)
        except HttpStatusError as exc:
            warnings.append(f"{repo}: {entry['path']}: HTTP {exc.status}, not read")
            return None
        if text is None:
            return None
        if "\x00" in text[:8192]:
            warnings.append(f"{repo}: {entry['path']} is binary: not read")
            return None
        return text[: self.max_file_bytes]


#: package or import names that name a framework; the SQL rules (view papers_code_rules) decide which;
#: the crawler only needs to know whether to read the imports too
_FRAMEWORK_NAMES = {
    "package": (
        "torch",
        "pytorch",
        "tensorflow",
        "tf-",
        "keras",
        "jax",
        "flax",
        "mxnet",
        "paddle",
        "mindspore",
    ),
    "import": ("torch", "tensorflow", "keras", "jax", "flax", "mxnet", "paddle", "mindspore"),
}


def _names_framework(names: set[str], kind: str) -> bool:
    return any(n.startswith(_FRAMEWORK_NAMES[kind]) for n in names)


def _likely_main(path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base.startswith(("train", "main", "model", "run", "demo", "test"))


def _parse_ts(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(timezone.utc)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------------ the entry


def summary(source: Source, figures: Mapping[str, int]) -> str | None:
    """The line after a complete run."""
    if not isinstance(source, PapersLiveSource):
        return None
    t = source.tally
    statuses = ", ".join(f"{n:,} {s}" for s, n in sorted(t.statuses.items()))
    line = (
        f"{HUB}: {t.days:,} days read, {t.papers:,} arXiv papers, {t.hf_papers:,} Hugging Face papers, "
        f"{t.links:,} code links; "
        f"{t.repos_checked:,} repositories looked at"
        + (f" ({statuses})" if statuses else "")
        + (f", {t.unchanged:,} unchanged" if t.unchanged else "")
    )
    if t.quota_spent:
        line += "; GitHub's quota was spent (the next run goes on)"
    if t.budget_spent:
        line += f"; stopped at its budget of {source.max_requests:,} requests (the next run goes on)"
    return line


def _factory(
    since: str | None,
    until: str | None,
    max_requests: int | None,
    arxiv_endpoint: str | None,
    hf_endpoint: str | None,
    github_endpoint: str | None,
    archive_sample: int,
    recheck_days: int,
    arxiv_delay: float,
    timeout: float,
    deadline: float | None,
) -> PapersLiveSource:
    def day(text: str | None, flag: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise NotConfigured(f"{flag} must be a date YYYY-MM-DD, not {text[:40]!r}") from None

    return PapersLiveSource(
        since=day(since, "--since"),
        until=day(until, "--until"),
        max_requests=max_requests,
        arxiv_endpoint=arxiv_endpoint,
        hf_endpoint=hf_endpoint,
        github_endpoint=github_endpoint,
        archive_sample=archive_sample,
        recheck_days=recheck_days,
        arxiv_delay=arxiv_delay,
        timeout=timeout,
        deadline=deadline,
    )


register(
    Hub(
        PapersLiveSource,
        label="Papers with code (live)",
        command="papers",
        # facts about papers, no models: like an enrichment, never listed as a hub by `zoo stats hubs`
        kind="enrichment",
        order=7,
        factory=_factory,
        help="""Find new papers with code (arXiv, Hugging Face Papers) and their repositories' frameworks (GitHub).

Continues the Papers with Code series past July 2025. Reads, one day at a time from --since (default
2025-07-29), the arXiv listing of cs.LG, cs.CV, cs.CL, cs.AI and stat.ML (GitHub links in abstracts and
comments; 3 s between requests, as arXiv asks) and the Hugging Face daily papers (githubRepo); then
looks at each linked GitHub repository: its default branch's head, and its dependency files
(requirements*.txt, setup.py, setup.cfg, pyproject.toml, environment*.yml, Pipfile; read as text, never
run, size-capped) or, when they name no framework, the imports of a few Python files. The framework is
decided in SQL (view papers_code_rules). GITHUB_TOKEN is sent to the GitHub endpoint only (5,000
requests an hour instead of 60). --max-requests bounds the run, which then ends complete and the next run
goes on; `zoo crawl all` runs it with $ZOO_PAPERS_BUDGET requests (default 600). An interrupted run
resumes from its last saved page.

Example: zoo crawl papers --max-requests 2000 --db zoo.duckdb""",
        options=(
            Option(
                "--since",
                "since",
                "First day to read (YYYY-MM-DD; default 2025-07-29, the day after the "
                "archive's last links). Example: --since 2025-09-01",
                metavar="DATE",
            ),  # fmt: skip
            Option(
                "--until",
                "until",
                "Last day to read (default: three days ago, UTC: arXiv announces a submission up to three days after it, "
                "and a day once read is not read again). Example: --until 2025-12-31",
                metavar="DATE",
            ),  # fmt: skip
            Option(
                "--max-requests",
                "max_requests",
                "Send at most N requests in all; the run then ends complete and the next run goes on. Default: "
                "no limit (zoo crawl all: $ZOO_PAPERS_BUDGET, else 600). Example: --max-requests 2000",
                type=int,
                min=0,
                metavar="N",
                all_default=nightly_budget,
            ),
            Option(
                "--arxiv-endpoint",
                "arxiv_endpoint",
                "arXiv API to ask (default: $ZOO_ARXIV_ENDPOINT, else "
                "https://export.arxiv.org). Example: --arxiv-endpoint http://127.0.0.1:8001",
                envvar="ZOO_ARXIV_ENDPOINT",
                metavar="URL",
            ),  # fmt: skip
            Option(
                "--hf-endpoint",
                "hf_endpoint",
                "Hub whose daily papers to read (default: $HF_ENDPOINT, else https://huggingface.co). "
                "Example: --hf-endpoint http://127.0.0.1:8000",
                envvar="HF_ENDPOINT",
                metavar="URL",
                in_all="Hub for the huggingface source.",
            ),
            Option(
                "--github-endpoint",
                "github_endpoint",
                "GitHub REST API to ask (default: $ZOO_GITHUB_ENDPOINT, "
                "else https://api.github.com). Example: --github-endpoint http://127.0.0.1:8002",
                envvar="ZOO_GITHUB_ENDPOINT",
                metavar="URL",
            ),  # fmt: skip
            Option(
                "--archive-sample",
                "archive_sample",
                "Repositories of the Papers with Code archive to look at "
                "per run, for --compare-archive (0: none). Example: --archive-sample 200",
                type=int,
                default=50,
                min=0,
            ),  # fmt: skip
            Option(
                "--recheck-days",
                "recheck_days",
                "Look again at a repository whose last look is older than "
                "this many days (a new head is classified again). Example: --recheck-days 30",
                type=int,
                default=RECHECK_DAYS,
                min=1,
            ),  # fmt: skip
            Option(
                "--arxiv-delay",
                "arxiv_delay",
                "Seconds between two arXiv requests (arXiv asks for 3). Example: --arxiv-delay 5",
                type=float,
                default=ARXIV_DELAY,
                min=0,
            ),  # fmt: skip
            *HTTP_OPTIONS,
        ),
        secrets=("GITHUB_TOKEN",),
        endpoints=("ZOO_ARXIV_ENDPOINT", "HF_ENDPOINT", "ZOO_GITHUB_ENDPOINT"),
        env=("ZOO_PAPERS_BUDGET",),
        offline=(("ZOO_PAPERS_BUDGET", "0"),),  # `zoo crawl all` then runs it without a request
        summary=summary,
        summary_in_all=True,
        unit="one row = one (paper, repository) link found live",
    )
)
