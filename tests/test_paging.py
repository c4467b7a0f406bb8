"""The paging helpers (``crawler/sources/_paging.py``): each kind's guards and checkpoint, as plain state.

The sources that use them (the Hugging Face listing and commits, Kaggle's listings) are tested end to end
against their fakes; these tests pin the helpers' own rules."""

from __future__ import annotations

import pytest

from crawler.sources._paging import CursorPages, ItemBounds, LinkPages, PageNumbers, Paginator


class Refused(Exception):
    pass


def test_cursor_pages_follow_tokens_to_an_empty_one_and_refuse_a_repeat() -> None:
    paging = CursorPages(repeated=lambda t: Refused(f"again: {t}"))
    assert paging.has_next and paging.next is None and paging.checkpoint is None
    assert paging.update("b") == "b" and paging.checkpoint == "b"
    assert paging.update("c") == "c"
    with pytest.raises(Refused, match="again: b"):
        paging.update("b")
    done = CursorPages()
    assert done.update("") is None and not done.has_next and done.checkpoint is None
    assert done.pages == 1


def test_cursor_pages_resumed_from_a_token_refuse_it_as_a_next_one() -> None:
    paging = CursorPages("tok", repeated=lambda t: Refused(t))
    assert paging.next == "tok"
    with pytest.raises(Refused):
        paging.update("tok")


def test_cursor_pages_stop_at_the_page_bound() -> None:
    paging = CursorPages(max_pages=2, too_many=lambda n: Refused(f"{n} pages"))
    paging.update("a")
    paging.update("b")
    with pytest.raises(Refused, match="3 pages"):
        paging.update("c")
    last = CursorPages(max_pages=1, too_many=lambda n: Refused(n))
    last.update("a")
    assert last.update(None) is None  # the end is never refused


def test_link_pages_resolve_check_the_origin_and_key_the_cursor() -> None:
    endpoint = "http://127.0.0.1:9000"
    first = f"{endpoint}/api/models?limit=10"

    def cursor(url: str) -> str:
        return url.split("cursor=")[-1].split("&")[0]

    paging = LinkPages(
        endpoint,
        first,
        key=cursor,
        repeated=lambda k: Refused(f"repeat {k}"),
        elsewhere=lambda u: Refused(f"elsewhere {u}"),
    )
    assert paging.checkpoint == first
    nxt = paging.follow(first, "/api/models?cursor=A&limit=10")
    assert nxt == f"{endpoint}/api/models?cursor=A&limit=10" and paging.checkpoint == nxt
    with pytest.raises(Refused, match="repeat A"):  # the same cursor at another page size
        paging.follow(nxt, f"{endpoint}/api/models?cursor=A&limit=5")
    with pytest.raises(Refused, match="elsewhere http://127.0.0.1:9001/"):
        paging.follow(nxt, "http://127.0.0.1:9001/api/models?cursor=B")
    assert paging.follow(nxt, None) is None and not paging.has_next and paging.checkpoint is None


def test_link_pages_resumed_refuse_the_cursor_they_resumed_from() -> None:
    endpoint = "http://127.0.0.1:9000"
    start = f"{endpoint}/api/models?cursor=Z"
    paging = LinkPages(endpoint, start, resumed=True, repeated=lambda k: Refused(k))
    with pytest.raises(Refused):
        paging.follow(start, start)


def test_link_pages_without_a_repeat_check_are_bounded_by_pages() -> None:
    endpoint = "http://127.0.0.1:9000"
    url = f"{endpoint}/c"
    paging = LinkPages(endpoint, url, max_pages=3, too_many=lambda n: Refused(n))
    for _ in range(3):
        assert paging.follow(url, url) == url  # the same link again: only the bound stops it
    with pytest.raises(Refused, match="4"):
        paging.follow(url, url)


def test_page_numbers_set_the_parameter_and_find_the_last_page() -> None:
    numbers = PageNumbers("p")
    assert numbers.url("http://h/api/x?limit=1000&p=3", 7) == "http://h/api/x?limit=1000&p=7"
    assert numbers.url("http://h/api/x", 0) == "http://h/api/x?p=0"
    assert numbers.last(2500, 1000) == 2 and numbers.last(2000, 1000) == 1 and numbers.last(5, 1000) == 0
    assert numbers.last(10**30, 1000) == 10**27 - 1  # integer arithmetic, no float overflow
    assert PageNumbers(first=1).last(2500, 1000) == 3


def _overrun(which: str, paging: Paginator) -> Exception:
    return RuntimeError(f"{which}: {paging.items} items in {paging.pages} pages")


def _walk(paging: LinkPages, size: int, announced: int | None = None, pages: int = 1000) -> str:
    """Follow ``pages`` links of ``size`` items each until the bound stops the listing; its message."""
    base = "http://127.0.0.1:9/api/models?cursor="
    with pytest.raises(RuntimeError) as stopped:
        for n in range(pages):
            paging.follow(f"{base}{n}", f"{base}{n + 1}", items=size, announced=announced)
    return str(stopped.value)


def test_item_bounds_stop_a_listing_past_four_times_its_last_count() -> None:
    bounds = ItemBounds(10, previous=50, first=None, slack_pages=2)
    # 4 × 50 + 2 pages of 10 = 220 items: the 23rd page (230 asked) that still links a next one stops it
    message = _walk(
        LinkPages("http://127.0.0.1:9", "http://127.0.0.1:9/api/models", bounds=bounds, overrun=_overrun), 10
    )
    assert message == "previous: 230 items in 23 pages"


def test_item_bounds_use_an_announced_total_and_a_first_crawl_bound() -> None:
    endpoint, start = "http://127.0.0.1:9", "http://127.0.0.1:9/api/models"
    announced = LinkPages(endpoint, start, bounds=ItemBounds(10, first=10_000), overrun=_overrun)
    # 4 × 25 announced + 4 pages of 10 = 140 slots: the 15th page stops it, long before the first bound
    assert _walk(announced, 10, announced=25) == "announced: 150 items in 15 pages"
    first = LinkPages(endpoint, start, bounds=ItemBounds(10, first=55), overrun=_overrun)
    assert _walk(first, 10) == "first: 60 items in 6 pages"
    # the last page (no next link) is never refused, however many items came before it
    last = LinkPages(endpoint, start, bounds=ItemBounds(10, first=5), overrun=_overrun)
    assert last.follow(start, None, items=10) is None and not last.has_next
