"""True creation dates for Hugging Face's legacy cohort, from each repo's first commit (``zoo crawl hf-dates``).

Every repo created before the Hub stored creation dates reports ``createdAt`` 2022-03-02T23:29:04Z or
2022-03-02T23:29:05Z (the placeholder, :data:`~.huggingface.PLACEHOLDER_CREATED_AT`; the listing marks it
``created_at_quality = 'sentinel'``; its ``_id`` timestamp is the same instant). The date
survives elsewhere: when the Hub creates a repo it commits ``initial commit`` (author ``system``), and
``GET /api/models/{repo_id}/commits/{revision}`` lists a revision's commits newest first, ``limit`` up to
1,000 a page, page ``p`` (from 0), the total in ``X-Total-Count`` (huggingface_hub ``list_repo_commits``,
huggingface.js ``listCommits``/``countCommits``). So one request with ``limit=1000`` dates almost every
repo (the last item is the oldest commit); for the rare repo with more than 1,000 commits the total
names the page that holds the first one, ``p = ceil(total / 1000) - 1`` (in integers): two requests.
Without a total (an odd server) the ``Link: rel="next"`` pages are followed to the end, at most
:data:`MAX_PAGES` of them. A total that is not a whole number of at most :data:`MAX_TOTAL_COMMITS`
(100,000: :data:`MAX_PAGES` pages of 1,000), or smaller than the page it came with, is an odd answer:
that model is counted, named in a warning and asked again another night, and the run goes on. Real
histories are far shorter (gpt2, one of the oldest and busiest repos, has 26 commits in recorded
answers), and a total of 400 digits must not stop the run (``ceil`` of a float of it overflows).

An enrichment source (see :mod:`crawler.sources.base`):

* **Work list**: the view ``hf_dates_todo``, i.e. the current (not deleted, not absent) public Hugging
  Face models whose ``createdAt`` is the placeholder and that ``hf_first_commits`` does not hold yet, in
  ``key`` order (the ``_id``: stable across renames). Models already dated are never asked again, by this
  run or a later one; private repos are left out (no statistic counts them).
* **Pages** of :data:`PAGE_MODELS` models, each saved with the key of its last model as the checkpoint,
  so a kill -9 loses at most the page being stored and the one fetched ahead, and a resumed run starts
  after the last saved key.
* **Budget**: ``--max-requests N`` bounds this process's requests (the Hub's quota is 500 requests per 5
  minutes anonymous, 1,000 with a free token, and the listing shares it). No new request is sent once N
  are spent; the run then ends **complete** (not failed), having saved every model it finished, and the
  next run goes on from the undated rest. (The retries of a request already sent, after a 429, a 5xx
  or a time-out, count too and are not stopped midway, so a run can end a retry or two over N.)
  ``zoo crawl all`` runs it after the listing with :func:`nightly_budget` (``$ZOO_HF_DATES_BUDGET``,
  default 2,000): the cohort is dated over a few nights without anyone doing anything.
* **Storage**: one row per settled model in ``hf_first_commits`` (``sql/schema/007_hf_first_commits.sql``
  says what each column means), added and never replaced (``keep_child_rows``). The dates stay out of
  ``models.created_at``: the listing keeps writing the placeholder there every night and cannot
  overwrite a date; the view ``dated_models`` gives the statistics and the export the recovered date.

What the oldest commit says (the quality stored with it):

* ``first_commit``: it is titled ``initial commit``: the Hub's own commit at creation; its date is the
  creation date.
* ``oldest_commit``: another title, but dated before the placeholder (a history pushed from elsewhere,
  or rewritten): not provably the creation, but the best date known and before the cutoff, so it is
  used, with a warning naming the commit.
* ``after_placeholder``: dated after 2022-03-02T23:29:05Z, the later placeholder instant, so it cannot be
  the creation of a repo that existed by then (the history was squashed or rewritten later): stored
  without a date, the model stays in ``legacy``, and it is not asked again. The two instants are one
  migration a second apart, so an oldest commit dated at either of them is not after the placeholder:
  the repo was created right then, and that date is kept.
* ``out_of_range``: dated before 2000-01-01 (``records.PLAUSIBLE_SINCE``; year 1, 1970) or at an instant
  no ``datetime`` holds in UTC: not a creation date either; stored the same way, with a warning.

Answers that settle nothing write nothing, count on the run as warnings and in the summary line, and are
asked again another night: a repo that is gone (404 ``RepoNotFound``: the listing will mark it deleted,
and it leaves the work list), a revision the repo no longer has (404 ``RevisionNotFound``: its history
was rewritten since the listing; the next listing brings the new ``sha``), another 4xx, or a body that
stays invalid JSON. A renamed repo answers 307 to its new name's URL: the redirect is followed when it
stays on the endpoint's own scheme, host and port (and refused otherwise), and counted. The revision
asked is the listing's ``sha`` (a commit id works as a revision), else ``main``: if a repo's old name
were taken by another repo, that one would not hold the sha and would answer 404, never a wrong date.

401 means what the Hub means by it (recorded real answers; huggingface_hub's ``hf_raise_for_status``
reads it the same way): without a token, a repo that is missing **or private** answers 401 ``Invalid
username or password.`` with no ``X-Error-Code`` (an anonymous client cannot tell the two apart; with a
token a missing repo is 404 ``RepoNotFound``), and a gated repo's commits answer 401 ``X-Error-Code:
GatedRepo`` (403 with a token whose account has no access). Both settle nothing: counted (``hidden``,
``gated``), warned, asked again another night; a gated repo is dated once a token with access is set.
A run without a token does not ask the models the listing says are gated (``models.gated`` not
``false``): counted (``gated_skipped``), named in one warning, and asked by the first run with a token.
Only ``Invalid credentials in Authorization header`` (the token is refused, for every model alike) fails
the run, with one line; so does a 5xx that outlasts the retries. A failed run resumes from its last
saved page the next time.

HTTP: every request goes through the listing's request helper,
:class:`crawler.sources._client.HubClient`, on huggingface_hub's shared session, whose retries are the
one retry loop of every hub (:mod:`crawler.sources._retry`): 429s waited out as
``RateLimit`` says (and counted on the run's meter as ``rate_limited``), 5xx, 408 and broken connections
retried with backoff, a total deadline per attempt (``--request-deadline`` / ``ZOO_REQUEST_DEADLINE``,
60 s; 4 time-outs in a row fail the run), a Hub that cannot be reached failing the run within 30 s
(``cannot reach <endpoint>: <reason>``), and every attempt counted on the run's meter. The helper is
asked to return redirects and 4xx answers instead of following or raising them, because here a redirect
is information (a rename, checked before it is followed: its ``Location`` is relative and keeps the
query, so it is resolved against the URL asked) and a 401 or 404 says what became of the repo.
:func:`crawler.sources._client.pace` runs before every request after an answer that said
``RateLimit: r=0`` (the wait for the window's reset instead of a 429). An endpoint with a user name or
password in it is refused, as the listing refuses it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx2
import orjson
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

from .. import __version__
from . import _clock
from ._client import HubClient, pace
from ._net import HF_POLICY, RetryPolicy, check_endpoint, same_origin
from ._options import HTTP_OPTIONS
from ._paging import LinkPages, PageNumbers
from .base import Source, SourceError
from .huggingface import HUB as LISTING_HUB
from .huggingface import PLACEHOLDER_LATEST, resolve_endpoint, token_secrets
from .records import PLAUSIBLE_SINCE, Page, in_utc
from .registry import Hub, Option, register

HUB = "huggingface-dates"
TABLE = "hf_first_commits"
#: commits per request: the Hub's maximum, so one request holds the whole history of almost every repo
COMMITS_LIMIT = 1000
#: how hard each request is tried: the listing's policy, with a body that is not JSON asked 3 times in all
DATES_POLICY = replace(HF_POLICY, json_attempts=3)
#: models per saved page: a kill loses little, and a page is still one short transaction
PAGE_MODELS = 25
#: what the Hub titles the commit it makes when it creates a repo
INITIAL_TITLE = "initial commit"
#: ``zoo crawl all``'s budget when ``$ZOO_HF_DATES_BUDGET`` is not set
NIGHTLY_BUDGET = 2000
#: redirects followed for one request (a repo renamed twice answers with one redirect, to its name now)
MAX_REDIRECTS = 3
#: pages of commits read for one repo at most: followed by ``Link`` when the Hub sends no total, or the
#: last page asked by its number (100,000 commits; real histories are a few dozen)
MAX_PAGES = 100
#: the largest ``X-Total-Count`` believed: a larger one is an odd answer (that model is not dated tonight)
MAX_TOTAL_COMMITS = MAX_PAGES * COMMITS_LIMIT
#: the Hub's answer (``X-Error-Message``) when it refuses the token itself, not one repo
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def nightly_budget() -> int:
    """The requests ``zoo crawl all`` lets ``hf-dates`` send: ``$ZOO_HF_DATES_BUDGET`` (read now), default
    2,000 (0: none; the run only reports what is left)."""
    text = os.environ.get("ZOO_HF_DATES_BUDGET", "").strip()
    if not text:
        return NIGHTLY_BUDGET
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"ZOO_HF_DATES_BUDGET must be a whole number of requests, not {text!r}") from None
    if value < 0:
        raise ValueError(f"ZOO_HF_DATES_BUDGET must be 0 or more, not {value}")
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat()


class _BudgetSpent(Exception):
    """The run's request budget is spent: no new request is sent."""


class _Unsettled(Exception):
    """This model's answer settles nothing tonight (the warning says why); it is asked again later."""


@dataclass
class Tally:
    """What one process of the run did, for its summary line."""

    asked: int = 0
    first_commit: int = 0
    oldest_commit: int = 0
    after_placeholder: int = 0
    out_of_range: int = 0
    gone: int = 0
    renamed: int = 0
    revision_missing: int = 0
    #: 401 without ``X-Error-Code``: missing or private (what the Hub tells an anonymous client of both)
    hidden: int = 0
    #: ``X-Error-Code: GatedRepo``: a gated repo, without a token with access to it
    gated: int = 0
    #: gated as the listing says, not asked (no token)
    gated_skipped: int = 0
    refused: int = 0
    other: int = 0
    #: models of the work list not asked because the budget was spent (None: it was not)
    left_at_budget: int | None = None

    @property
    def dated(self) -> int:
        return self.first_commit + self.oldest_commit


class HuggingFaceDatesSource(Source):
    """Dates the legacy cohort of the Hugging Face listing by each repo's first commit."""

    name = HUB
    full_listing = False
    child_tables = (TABLE,)
    keep_child_rows = True
    #: the work list, with what the listing says of each model's gating (``models.gated``: 'false',
    #: 'auto', 'manual' or NULL), so that a run without a token sends no request the Hub would refuse
    work_query = (
        "SELECT t.key, t.id, t.sha, m.gated FROM hf_dates_todo AS t "
        "LEFT JOIN models AS m ON m.hub = 'huggingface' AND m.key = t.key ORDER BY t.key"
    )

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        max_requests: int | None = None,
        token: str | bool | None = None,
        policy: RetryPolicy = DATES_POLICY,
        timeout: float | None = None,
        deadline: float | None = None,
        page_models: int = PAGE_MODELS,
    ) -> None:
        """``policy``: how hard each request is tried (:data:`DATES_POLICY`; tests shrink its waits);
        ``timeout``, ``deadline``: the command's ``--timeout`` and ``--request-deadline``, laid over it."""
        self.endpoint = check_endpoint(resolve_endpoint(endpoint), "--hf-endpoint")
        self.max_requests = max_requests
        self.token = token
        self.policy = policy.limited(timeout, deadline)
        self.page_models = page_models
        self.tally = Tally()
        self._last: tuple[httpx2.Response, float] | None = None  # the latest answer, for pacing
        self._headers: dict[str, str] = {}
        self._signed_in = False  # a token goes with the requests (set when the headers are built)

    def params(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "path": "/api/models/{repo_id}/commits/{revision}",
            "limit": COMMITS_LIMIT,
            "max_requests": self.max_requests,
        }

    def secrets(self) -> list[str]:
        return token_secrets(self.token)

    # -------------------------------------------------------------------------------------- pages

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        # Built once, before the first counted request (huggingface_hub may look up its user agent).
        self._headers = build_hf_headers(token=self.token, library_name="zoo", library_version=__version__)
        self._signed_in = any(k.lower() == "authorization" for k in self._headers)
        todo = [row for row in self.work if checkpoint is None or str(row[0]) > checkpoint]
        rows: list[dict[str, Any]] = []
        warnings: list[str] = []
        skipped: list[str] = []
        for i, (key, repo_id, sha, *listed) in enumerate(todo):
            if not self._signed_in and listed and listed[0] not in (None, "false"):
                # gated, as the listing says: its commits answer 401 GatedRepo to an anonymous client,
                # so it is not asked tonight; a run with a token asks it (no row: not undatable)
                self.tally.gated_skipped += 1
                skipped.append(str(repo_id))
                row = None
            else:
                try:
                    row = self._date(str(key), str(repo_id), sha, warnings)
                except _BudgetSpent:
                    self.tally.left_at_budget = len(todo) - i
                    break
            if row is not None:
                rows.append(row)
            done = i + 1
            if done % self.page_models == 0 and done < len(todo):
                hint = self._hint(len(todo) - done)
                yield Page([], str(key), warnings, {TABLE: rows}, requests=self.meter.take(), total_hint=hint)
                rows, warnings = [], []
        if skipped:  # one warning for them all: they are skipped every night until a token is set
            shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3:,} more" if len(skipped) > 3 else "")
            warnings.append(
                f"{len(skipped):,} gated models not asked without a token ({shown}): their commits are "
                "refused to an anonymous client; dated once HF_TOKEN is set for an account with access"
            )
        yield Page([], None, warnings, {TABLE: rows}, requests=self.meter.take(), total_hint=self._hint(0))

    def _hint(self, left: int) -> int:
        """The rows this process will have stored when it ends, for a progress bar's ETA: those stored so
        far plus one a model left to ask (about one request each), as far as the budget goes."""
        if self.max_requests is not None:
            left = min(left, max(0, self.max_requests - self.meter.requests))
        return self.tally.dated + self.tally.after_placeholder + left

    # ------------------------------------------------------------------------------------ one model

    def _date(self, key: str, repo_id: str, sha: Any, warnings: list[str]) -> dict[str, Any] | None:
        """The row of one model, or None when its answer settles nothing tonight (with a warning)."""
        revision = sha if isinstance(sha, str) and sha else "main"
        spent = self.meter.requests
        self.tally.asked += 1
        url = (
            f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}/commits/{quote(revision, safe='')}"
            f"?limit={COMMITS_LIMIT}"
        )
        try:
            response, items, url = self._get(url, repo_id, warnings)
            total = self._total(response, len(items))
            if total is not None and total > len(items) > 0:  # the first commit is on the last page
                # pages hold `limit` commits (a server that caps them lower still pages evenly)
                numbers = PageNumbers("p")
                last = numbers.last(total, len(items))
                response, items, url = self._get(numbers.url(url, last), repo_id, warnings)
            elif total is None:  # no total: the Link pages, to the end
                links = LinkPages(
                    self.endpoint,
                    url,
                    elsewhere=self._link_elsewhere,
                    max_pages=MAX_PAGES,
                    too_many=self._too_many_pages,
                )
                while (target := links.follow(url, response.links.get("next", {}).get("url"))) is not None:
                    response, items, url = self._get(target, repo_id, warnings)
            try:
                oldest = _oldest(items)
            except _Unsettled:  # no commit, or not one that can be read: an odd answer
                self.tally.other += 1
                raise
        except _Unsettled as exc:
            warnings.append(f"{repo_id}: {exc}")
            return None
        date, title, commit_id, authors = oldest
        utc = in_utc(date)
        if utc is None or utc < PLAUSIBLE_SINCE:  # year 1, 1970: no repo of the Hub was created then
            quality, created = "out_of_range", None
            self.tally.out_of_range += 1
            warnings.append(
                f"{repo_id}: its oldest commit {commit_id[:12]} is dated {date.isoformat()}, before "
                f"{PLAUSIBLE_SINCE.date()}: not a creation date (left in 'legacy', not asked again)"
            )
        elif date > PLACEHOLDER_LATEST:
            quality, created = "after_placeholder", None
            self.tally.after_placeholder += 1
            warnings.append(
                f"{repo_id}: its oldest commit {commit_id[:12]} ({title!r}) is dated {_iso(date)}, after "
                f"the placeholder {_iso(PLACEHOLDER_LATEST)}: its history was rewritten, so it cannot say when "
                "the repo was created (left in 'legacy', not asked again)"
            )
        elif title.strip().lower() == INITIAL_TITLE:
            quality, created = "first_commit", date
            self.tally.first_commit += 1
        else:
            quality, created = "oldest_commit", date
            self.tally.oldest_commit += 1
            warnings.append(
                f"{repo_id}: its oldest commit {commit_id[:12]} is titled {title!r}, not {INITIAL_TITLE!r} "
                f"(a history pushed from elsewhere or rewritten); its date {_iso(date)} is the best known"
            )
        return {
            "hub": HUB,
            "key": key,
            "repo_id": repo_id,
            "revision": revision,
            "created_at": _iso(created) if created is not None else None,
            "created_at_quality": quality,
            "commit_id": commit_id,
            "commit_title": title,
            "commit_authors": authors,
            "commit_date": None if utc is None else _iso(utc),
            "total_commits": total,
            "requests": self.meter.requests - spent,
            "dated_at": _iso(datetime.now(timezone.utc)),
        }

    def _link_elsewhere(self, target: str) -> _Unsettled:
        self.tally.refused += 1
        return _Unsettled(f"the next page's Link leads to {_origin(target)}, not {self.endpoint}")

    def _too_many_pages(self, pages: str) -> _Unsettled:
        self.tally.other += 1
        return _Unsettled(f"no total and more than {MAX_PAGES} pages of commits: not dated tonight")

    def _total(self, response: httpx2.Response, items: int) -> int | None:
        """The answer's ``X-Total-Count`` (None when it has none); raises :class:`_Unsettled` for one that
        is not a plausible number of commits of the page it came with (counted as an odd answer)."""
        text = response.headers.get("x-total-count")
        if text is None:
            return None
        text = text.strip()
        total = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
        if total is None or total > MAX_TOTAL_COMMITS:
            self.tally.other += 1
            shown = text if len(text) <= 24 else f"{text[:20]}… ({len(text):,} characters)"
            raise _Unsettled(
                f"X-Total-Count {shown!r} is not a plausible number of commits (at most "
                f"{MAX_TOTAL_COMMITS:,} are believed): not dated tonight"
            )
        if total < items:
            self.tally.other += 1
            raise _Unsettled(
                f"X-Total-Count {total} is smaller than the {items} commits sent: not dated tonight"
            )
        return total

    def _before_request(self) -> None:
        """Stop at the budget; else wait if the latest answer said the quota window is used up."""
        if self.max_requests is not None and self.meter.requests >= self.max_requests:
            raise _BudgetSpent
        if self._last is not None:
            response, received = self._last
            self._last = None
            pace(response, received, self.meter)

    def _client(self) -> HubClient:
        """The listing's request helper, with this source's settings and the run's meter; redirects and
        4xx answers come back to :meth:`_get`."""
        return HubClient(self.endpoint, self.meter, self.policy, follow_redirects=False)

    def _get(self, url: str, repo_id: str, warnings: list[str]) -> tuple[httpx2.Response, list[Any], str]:
        """One page of commits: (the answer, its items, the URL that answered, after redirects).

        Raises :class:`_Unsettled` for an answer that settles nothing tonight, :class:`_BudgetSpent`
        before a request the budget does not allow; a refused token raises :class:`SourceError`, a lasting
        5xx huggingface_hub's error, and a Hub that hangs or cannot be reached :class:`SourceError`: these
        fail the run.
        """
        client = self._client()
        redirects = bad_bodies = 0
        while True:
            self._before_request()
            response = client.get(url, self._headers)
            self._last = (response, _clock.monotonic())
            status = response.status_code
            if status in _REDIRECTS:
                target = urljoin(url, response.headers.get("location", ""))
                if not same_origin(target, self.endpoint):
                    self.tally.refused += 1
                    raise _Unsettled(
                        f"the Hub redirected to {_origin(target)}, not {self.endpoint}: not followed, not dated"
                    )
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    self.tally.other += 1
                    raise _Unsettled(f"more than {MAX_REDIRECTS} redirects: not dated")
                if redirects == 1:
                    self.tally.renamed += 1
                    new_name = urlsplit(target).path.removeprefix("/api/models/").partition("/commits/")[0]
                    warnings.append(
                        f"{repo_id}: renamed: the Hub answered {status} to {new_name}; followed (same repo, "
                        "same _id)"
                    )
                url = target
                continue
            if status == 404:
                code = response.headers.get("x-error-code") or "no X-Error-Code"
                if code == "RevisionNotFound":
                    self.tally.revision_missing += 1
                    raise _Unsettled(
                        "404 RevisionNotFound: the repo no longer has the listing's revision (its history "
                        "was rewritten); asked again after the next listing"
                    )
                self.tally.gone += 1
                raise _Unsettled(
                    f"gone (404 {code}): not dated; the listing marks it deleted once it stays missing"
                )
            if status in (401, 403):
                self._refused(response)  # raises: this model is not dated tonight, or the token is bad
            if status >= 500:
                hf_raise_for_status(response)  # the Hub is wrong for every model: fail
            if status != 200:
                self.tally.other += 1
                raise _Unsettled(f"HTTP {status} ({_error_text(response)}): not dated tonight")
            try:
                data = orjson.loads(response.content)
            except ValueError:  # a truncated body: no HTTP-level retry sees it
                bad_bodies += 1
                if bad_bodies >= self.policy.json_attempts:
                    self.tally.other += 1
                    raise _Unsettled(
                        f"the Hub sent a body that is not valid JSON {bad_bodies} times: not dated tonight"
                    ) from None
                _clock.sleep(self.policy.json_retry_wait * bad_bodies)
                continue
            if not isinstance(data, list):
                self.tally.other += 1
                raise _Unsettled(f"the Hub answered with a {type(data).__name__}, not a list of commits")
            return response, data, url

    def _refused(self, response: httpx2.Response) -> None:
        """A 401 or 403, read as the Hub means it (recorded real answers; huggingface_hub's
        ``hf_raise_for_status`` decides the same way). Raises :class:`SourceError` when the token itself
        is refused, else :class:`_Unsettled` (counted)."""
        status = response.status_code
        code = response.headers.get("x-error-code")
        text = _error_text(response)
        if status == 401 and text == INVALID_CREDENTIALS:
            raise SourceError(
                f"{self.endpoint} refused the Hugging Face token (401 {INVALID_CREDENTIALS}): set a valid "
                "HF_TOKEN, or none, and run again"
            )
        if code == "GatedRepo":
            self.tally.gated += 1
            if self._signed_in:
                raise _Unsettled(
                    f"gated ({status} GatedRepo): the token's account has no access to it; not dated, asked "
                    "again another night (dated once the account is granted access)"
                )
            raise _Unsettled(
                f"gated ({status} GatedRepo): not dated without a token; asked again another night (dated "
                "once HF_TOKEN is set for an account with access)"
            )
        if status == 401:
            # without X-Error-Code: the Hub does not say whether the repo exists (missing and private
            # repos answer alike to an anonymous client); it leaves the work list once the listing marks
            # it deleted, or is dated if it turns up again
            self.tally.hidden += 1
            raise _Unsettled(
                f"401 {code or 'no X-Error-Code'} ({text}): missing or private, the Hub does not say which; "
                "not dated, asked again another night"
            )
        self.tally.other += 1
        shown = f"{status} {code}" if code else str(status)
        raise _Unsettled(f"HTTP {shown} ({text}): not dated tonight")


def _error_text(response: httpx2.Response) -> str:
    """The Hub's error message: ``X-Error-Message``, else the body's ``error``, else the reason phrase;
    on one line and short (it goes into warnings)."""
    text = response.headers.get("x-error-message")
    if text is None:
        try:
            body = orjson.loads(response.content)
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        text = error if isinstance(error, str) else response.reason_phrase
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:200] + "…"


def _oldest(items: list[Any]) -> tuple[datetime, str, str, list[str]]:
    """(date, title, id, author names) of the last item of a page of commits, checked."""
    if not items:
        raise _Unsettled("the Hub listed no commit: not dated")
    item = items[-1]
    if not isinstance(item, dict):
        raise _Unsettled(f"the oldest commit is not an object: {str(item)[:100]}")
    commit_id, date, title = item.get("id"), item.get("date"), item.get("title")
    if not isinstance(commit_id, str) or not isinstance(date, str):
        raise _Unsettled(f"the oldest commit has no id or date: {orjson.dumps(item).decode()[:200]}")
    try:
        when = datetime.fromisoformat(date)
    except ValueError:
        raise _Unsettled(f"the oldest commit's date {date!r} is not an ISO date") from None
    if when.tzinfo is None:
        raise _Unsettled(f"the oldest commit's date {date!r} has no time zone")
    authors = item.get("authors")
    if not isinstance(authors, list):
        authors = []
    names = [a["user"] for a in authors if isinstance(a, dict) and isinstance(a.get("user"), str)]
    return when, title if isinstance(title, str) else "", commit_id, names


# ------------------------------------------------------------------------------------------ the entry


def summary(source: Source, figures: Mapping[str, int]) -> str | None:
    """The line after a complete run: what this process settled, and what is left for later nights."""
    if not isinstance(source, HuggingFaceDatesSource):
        return None
    t = source.tally
    dated = f"{t.dated:,} models dated"
    if t.oldest_commit:
        dated += f" ({t.first_commit:,} by their initial commit, {t.oldest_commit:,} by an older commit)"
    parts = [dated]
    for n, text in (
        (t.after_placeholder, "with a history rewritten after 2022-03-02 (not datable, kept in legacy)"),
        (t.out_of_range, "with an oldest commit dated before 2000 (not datable, kept in legacy)"),
        (t.gone, "gone (404)"),
        (t.hidden, "missing or private (401 without a token; asked again)"),
        (t.gated, "gated (not dated without a token with access; asked again)"),
        (t.gated_skipped, "gated, not asked without a token (dated once HF_TOKEN is set)"),
        (t.renamed, "renamed (redirect followed)"),
        (t.revision_missing, "whose listed revision is gone (asked again after the next listing)"),
        (t.refused, "redirected to another host (refused)"),
        (t.other, "with another odd answer"),
    ):
        if n:
            parts.append(f"{n:,} {text}")
    line = f"{HUB}: " + ", ".join(parts)
    if t.left_at_budget is not None:
        line += f"; stopped at its budget of {source.max_requests:,} requests"
    left = int(figures["undated"])
    line += f"; {left:,} Hugging Face models not yet dated" + (
        " (the next run goes on)" if left else " — the legacy cohort is dated"
    )
    return line


register(
    Hub(
        HuggingFaceDatesSource,
        label="Hugging Face creation dates",
        command="hf-dates",
        order=6,
        kind="enrichment",
        depends_on=(LISTING_HUB,),
        help="""Recover the true creation dates of Hugging Face's legacy models from their first commit.

Repos created before 2022-03-02 all show createdAt 2022-03-02T23:29:04Z or 23:29:05Z, a placeholder
('legacy' in the statistics).
For each such model of the last listing that is not dated yet, this asks its commits
(GET /api/models/{id}/commits/{sha}?limit=1000, about one request a model) and stores the date of its
oldest commit, the Hub's `initial commit`; the statistics then count the model in its true year.
Dates are never asked for again or changed. --max-requests bounds the run (the quota is 500 requests
per 5 minutes anonymous, 1,000 with HF_TOKEN); a run that stops there is complete and the next one goes
on. `zoo crawl all` runs it after the listing with $ZOO_HF_DATES_BUDGET requests (default 2,000). Without
a token, gated repos are not asked and missing or private ones answer 401: both are counted and asked
again by a later run (set HF_TOKEN to date gated repos your account may read); only a token the Hub
refuses fails the run. An interrupted run resumes from its last saved page; --restart abandons it.

Example: zoo crawl hf-dates --max-requests 1000 --db zoo.duckdb""",
        options=(
            Option(
                "--hf-endpoint",
                "endpoint",
                "Hub to ask (default: $HF_ENDPOINT, else https://huggingface.co). "
                "Example: --hf-endpoint http://127.0.0.1:8000",
                envvar="HF_ENDPOINT",
                in_all="Hub for the huggingface source.",
            ),
            Option(
                "--max-requests",
                "max_requests",
                "Send at most N requests (a share of the quota); the run then ends complete and the next "
                "run goes on. Default: no limit (zoo crawl all: $ZOO_HF_DATES_BUDGET, else 2,000). "
                "Example: --max-requests 2000",
                type=int,
                min=0,
                metavar="N",
                all_default=nightly_budget,
            ),
            *HTTP_OPTIONS,
        ),
        secrets=("HF_TOKEN",),
        endpoints=("HF_ENDPOINT",),
        env=("ZOO_HF_DATES_BUDGET",),
        summary=summary,
        summary_in_all=True,
        unit="one row = one Hugging Face model dated by its first commit",
    )
)
