"""The fast path of the Hugging Face listing (DuckDB reads a clean page): the same rows as the Python
normaliser on clean pages, and no page with anything odd in it (those go through the Python rules,
which warn)."""

from __future__ import annotations

import json
import os

import orjson
import pytest

from crawler.sources._hf_pages import PageReader
from crawler.sources.huggingface import EXPAND, FILES_EXPAND, HUB, PLACEHOLDER_CREATED_AT, normalise
from crawler.sources.records import Page, check_page
from crawler.store import records_to_arrow
from crawler.store.arrow import _MODEL_SCHEMA
from tests.fakes.hub import FakeHub, make_models


def page_body(models: list[dict], files: bool = True) -> bytes:
    """The listing page the fake Hub serves for ``models`` (as the Hub writes it: compact JSON)."""
    expand = EXPAND if files else [e for e in EXPAND if e != FILES_EXPAND]
    hub = FakeHub(models)
    status, body, _ = hub.page({"limit": ["1000"], "expand": expand})
    assert status == 200
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def python_rows(body: bytes):
    """What the Python path makes of a page: its rows and warnings (the normaliser, then the ranges)."""
    warnings: list[str] = []
    records = [r for r in (normalise(item, warnings) for item in orjson.loads(body)) if r is not None]
    page = Page(records, None, warnings)
    check_page(page)
    return records_to_arrow(page.records), page.warnings


@pytest.fixture
def reader():
    r = PageReader(HUB, PLACEHOLDER_CREATED_AT)
    yield r
    r.close()


@pytest.mark.parametrize("files", [True, False])
def test_clean_pages_give_the_python_rows(reader, files):
    models = make_models(1000, seed=3)
    body = page_body(models, files)
    expected, warnings = python_rows(body)
    assert warnings == []
    got = reader.read(body)
    assert got is not None and got.num_rows == 1000
    assert got.cast(_MODEL_SCHEMA).equals(expected)
    sentinel = got.column("created_at_quality").to_pylist().count("sentinel")
    assert 0 < sentinel < 1000  # both kinds of dates were on the page
    if files:
        assert all(isinstance(f, list) for f in got.column("files").to_pylist())
    else:
        assert set(got.column("files").to_pylist()) == {None}


def test_an_empty_page_is_no_rows(reader):
    got = reader.read(b"[]")
    assert got is not None and got.num_rows == 0


ODD: dict[str, object] = {
    "author is a number": {"author": 5},
    "author is an object": {"author": {"a": 1}},
    "downloads is a fraction": {"downloads": 1.5},
    "downloads is a whole float": {"downloads": 2.0},
    "downloads is text": {"downloads": "7"},
    "downloads beyond 64 bits": {"downloads": 2**70},
    "likes is huge": {"likes": 1e300},
    "private is text": {"private": "yes"},
    "tags hold a null": {"tags": ["a", None]},
    "tags hold a number": {"tags": ["a", 1]},
    "tags is text": {"tags": "pytorch"},
    "tags is null": {"tags": None},
    "a sibling without a name": {"siblings": [{"rfilename": "a"}, {"size": 3}]},
    "a sibling named by a number": {"siblings": [{"rfilename": 5}]},
    "siblings is text": {"siblings": "nope"},
    "an unknown field": {"newField": 1},
    "a date without a time zone": {"createdAt": "2024-01-01T00:00:00"},
    "a date that is no date": {"lastModified": "2024-13-45T00:00:00.000Z"},
    "a date in another form": {"createdAt": "01/02/2024"},
    "created before 2000": {"createdAt": "1999-12-31T23:59:59.000Z"},
    "created in a year to come": {"createdAt": "2999-01-01T00:00:00.000Z"},
    "modified in year 1": {"lastModified": "0001-01-01T00:00:00.000Z"},
    "an empty _id": {"_id": ""},
    "no id": {"id": None},
    "gated is a number": {"gated": 3},
}


@pytest.mark.parametrize("case", sorted(ODD))
def test_a_page_with_anything_odd_leaves_the_fast_path(reader, case):
    models = make_models(20, seed=4)
    items = orjson.loads(page_body(models))
    items[7] = {**items[7], **ODD[case]}
    assert reader.read(json.dumps(items).encode()) is None
    # the Python path takes the page: a warning says what is odd (a whole float and a year-1 last
    # modification are taken as they are)
    rows, warnings = python_rows(json.dumps(items).encode())
    assert rows.num_rows >= 19
    assert bool(warnings) is (case not in ("downloads is a whole float", "modified in year 1"))


@pytest.mark.parametrize("body", [b'{"error": "x"}', b"[1, 2]", b'[{"_id": "a", "id": "b"', b"", b"not json"])
def test_what_is_not_a_list_of_objects_leaves_the_fast_path(reader, body):
    assert reader.read(body) is None


def test_the_reader_cleans_up_its_folder(reader):
    assert reader.read(page_body(make_models(5, seed=5))) is not None
    folder = reader._folder
    assert folder is not None
    assert os.path.isdir(folder)
    reader.close()
    assert not os.path.exists(folder)
