"""Paging helpers, one per kind of paging the hubs use, each carrying its loop guards and its checkpoint.

A source asks a page, hands what the answer says of the next one to its paginator, and asks again while
:attr:`Paginator.has_next`; the paginator knows the next request's address (:attr:`Paginator.next`), the
value a killed crawl resumes from (:attr:`Paginator.checkpoint`), and refuses to go round in circles:

* :class:`LinkPages` — a ``Link: <url>; rel="next"`` header (the Hugging Face listing, a repo's commits
  without a total). The next URL is resolved against the page's own, kept to the endpoint's scheme, host
  and port (nothing is sent elsewhere), and a page named again (by its cursor) is refused.
* :class:`CursorPages` — a cursor token in the body (Kaggle's ``nextPageToken``; an empty one is the
  end). A token given again is refused.
* :class:`PageNumbers` — page numbers in the query (a repo's commits by ``p``, when the total is known).

Every paginator counts the pages it was told of and stops a listing at ``max_pages`` when one is given.
A listing whose pages hold a known number of items can bound the items instead (:class:`ItemBounds`: a
multiple of the total the hub announced, of the last complete crawl's count, or a fixed bound on a first
crawl), so a hub that links pages without end is stopped with a reason. The errors are the source's own:
each paginator is given the exception to raise for a repeated cursor, a link elsewhere and too many pages
or items (a function of the value at fault), so the messages users see name the hub in its own words. Nothing here sends a request: the paginators are plain state,
for either transport (:mod:`._http`, :mod:`._client`).

Example, a listing paged by a token in the body (``POST /list {"pageToken": …}`` → ``{"items": […],
"next": "…"}``)::

    paging = CursorPages(checkpoint, repeated=lambda t: MyError(f"the listing repeated the token {t!r}"))
    while paging.has_next:
        data = request_json(session, "POST", url, json_body={"pageToken": paging.next or ""}, ...)
        paging.update(data.get("next"))
        yield Page(records(data), paging.checkpoint, warnings, requests=meter.take())
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ._net import same_origin

#: Builds the source's error from the value at fault (a cursor, a URL, a page count).
Refusal = Callable[[str], Exception]


def _refuse(what: str) -> Refusal:
    def refusal(value: str) -> Exception:
        return ValueError(f"{what}: {value}")

    return refusal


#: Pages of slack beyond a bound of :class:`ItemBounds` (a listing that grew since the last count).
SLACK_PAGES = 100


@dataclass(frozen=True)
class ItemBounds:
    """How many items a listing may ask for before it is taken to page without end.

    Each bound is ``factor`` times a count plus some slack: the total the hub announced on a page when it
    did (the largest seen; slack ``factor`` pages), and ``previous``, the items of the last complete crawl
    (slack ``slack_pages`` pages of ``page_size`` items). With no previous count, ``first`` items are the
    bound (``None``: none).
    """

    page_size: int
    #: items of the last complete crawl (``None``: there was none)
    previous: int | None = None
    #: the bound with neither an announced total nor a previous count
    first: int | None = None
    factor: int = 4
    slack_pages: int = SLACK_PAGES

    def exceeded(self, asked: int, announced: int | None) -> str | None:
        """Which bound ``asked`` items are past (``"announced"``, ``"previous"``, ``"first"``), or ``None``."""
        if announced is not None and asked > self.factor * announced + self.factor * self.page_size:
            return "announced"
        if (
            self.previous is not None
            and asked > self.factor * self.previous + self.slack_pages * self.page_size
        ):
            return "previous"
        if self.previous is None and self.first is not None and asked > self.first:
            return "first"
        return None


#: Builds the source's error when a listing outgrows its :class:`ItemBounds`: ``(which bound, paginator)``.
Overrun = Callable[[str, "Paginator"], Exception]


class Paginator:
    """What all paginators share: the page and item counts, optional bounds, and the end."""

    def __init__(
        self,
        *,
        max_pages: int | None = None,
        too_many: Refusal | None = None,
        bounds: ItemBounds | None = None,
        overrun: Overrun | None = None,
    ) -> None:
        #: pages told of so far (this session)
        self.pages = 0
        #: items asked for so far (the sum of the pages' sizes, as told: ``items=``)
        self.items = 0
        #: the largest total the hub announced on a page, if any
        self.announced: int | None = None
        self.max_pages = max_pages
        self.bounds = bounds
        self._too_many = too_many or _refuse("more pages than the bound")
        self._overrun = overrun or (lambda which, p: ValueError(f"{p.items} items: past the {which} bound"))
        #: where the next request goes (a URL, a token, a page number); ``None`` once there is none
        self.next: str | None = None
        self._done = False

    @property
    def has_next(self) -> bool:
        """Whether another page is to be asked."""
        return not self._done

    @property
    def checkpoint(self) -> str | None:
        """What a crawl interrupted now resumes from (``None``: the listing is complete)."""
        return None if self._done else self.next

    def _count(self, more: bool, items: int = 0, announced: int | None = None) -> None:
        """One more page came, asked for ``items`` items, the hub saying there are ``announced`` in all
        (``None``: it did not say); ``more``: it names a next one (which must be within the bounds)."""
        self.pages += 1
        self.items += items
        if announced is not None:
            self.announced = max(announced, self.announced or 0)
        if not more:
            return
        if self.max_pages is not None and self.pages > self.max_pages:
            raise self._too_many(str(self.pages))
        if self.bounds is not None:
            which = self.bounds.exceeded(self.items, self.announced)
            if which is not None:
                raise self._overrun(which, self)

    def _end(self) -> None:
        self._done = True
        self.next = None


class CursorPages(Paginator):
    """A cursor token in the body names the next page; none (or an empty one) is the end.

    ``start``: the token to resume from (a checkpoint), else ``None`` for the first page (which the
    source asks without a token, or with an empty one). A token the listing already gave, or resumed
    from, raises ``repeated(token)``.
    """

    def __init__(
        self,
        start: str | None = None,
        *,
        repeated: Refusal | None = None,
        max_pages: int | None = None,
        too_many: Refusal | None = None,
    ) -> None:
        super().__init__(max_pages=max_pages, too_many=too_many)
        self.next = start or None
        self.seen: set[str] = {start} if start else set()
        self._repeated = repeated or _refuse("a page token given again")

    def update(self, token: str | None) -> str | None:
        """A page came, naming ``token`` as the next one: the token to ask next (``None``: the end)."""
        self._count(bool(token))
        if not token:
            self._end()
            return None
        if token in self.seen:
            raise self._repeated(token)
        self.seen.add(token)
        self.next = token
        return token


class LinkPages(Paginator):
    """A ``Link: <url>; rel="next"`` header names the next page; none is the end.

    ``endpoint``: the only scheme, host and port a next page may be on (``elsewhere(url)`` is raised for
    any other, before anything is sent there). ``key(url)``: what identifies a position in the listing
    (default: the URL itself; the Hugging Face listing uses its ``cursor`` parameter, so the same cursor
    asked at another page size is the same page); a key seen again raises ``repeated(key)`` (with no
    ``repeated``, keys are not checked: ``max_pages`` alone bounds the pages). ``start``:
    the URL to resume from (a checkpoint), else the first page's. ``bounds``: how many items the listing
    may ask for (see :class:`ItemBounds`; each :meth:`follow` says how many its page asked for), past
    which ``overrun(which, paginator)`` is raised.
    """

    def __init__(
        self,
        endpoint: str,
        start: str,
        *,
        resumed: bool = False,
        key: Callable[[str], str] = str,
        repeated: Refusal | None = None,
        elsewhere: Refusal | None = None,
        max_pages: int | None = None,
        too_many: Refusal | None = None,
        bounds: ItemBounds | None = None,
        overrun: Overrun | None = None,
    ) -> None:
        super().__init__(max_pages=max_pages, too_many=too_many, bounds=bounds, overrun=overrun)
        self.endpoint = endpoint
        self.next = start
        self.key = key
        self.seen: set[str] = {key(start)} if resumed else set()
        self._repeated = repeated
        self._elsewhere = elsewhere or _refuse("a next-page link to another host")

    def follow(
        self, current: str, link: str | None, *, items: int = 0, announced: int | None = None
    ) -> str | None:
        """The page at ``current`` linked ``link`` (``None``: no ``rel="next"``): the next URL to ask,
        checked (``None``: the end). ``items``: how many items that page asked for; ``announced``: the total
        the page announced, if any (both for ``bounds``)."""
        self._count(link is not None, items, announced)
        if link is None:
            self._end()
            return None
        target = urljoin(current, link)
        if not same_origin(target, self.endpoint):
            raise self._elsewhere(target)
        key = self.key(target)
        if self._repeated is not None:
            if key in self.seen:
                raise self._repeated(key)
            self.seen.add(key)
        self.next = target
        return target


class PageNumbers(Paginator):
    """Pages asked by number in the query (``name=<n>``, from ``first``): :meth:`url` gives page ``n``'s
    address; :meth:`last` the number of the last page of ``total`` items at ``per_page`` a page."""

    def __init__(self, name: str = "p", *, first: int = 0, max_pages: int | None = None) -> None:
        super().__init__(max_pages=max_pages)
        self.name = name
        self.first = first

    def url(self, url: str, page: int) -> str:
        """``url`` asking page ``page`` (any other page number in it replaced)."""
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != self.name]
        query.append((self.name, str(page)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def last(self, total: int, per_page: int) -> int:
        """The number of the page that holds item ``total`` (the last), ``per_page`` items a page
        (integer arithmetic: a huge total never overflows a float)."""
        return self.first + max(0, -(-total // max(1, per_page)) - 1)
