"""A fake arXiv API (``export.arxiv.org/api/query``) on 127.0.0.1, answering as the real one does
(tests/fakes/papers_README.md says from what evidence):

* ``GET /api/query?search_query=…&start=&max_results=&sortBy=submittedDate&sortOrder=ascending``; the
  query is ``(cat:A OR cat:B …) AND submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]``; the fake reads the
  categories and the range and ignores anything else;
* an Atom 1.0 feed: ``opensearch:totalResults``, ``opensearch:startIndex``, ``opensearch:itemsPerPage``,
  then one ``entry`` per paper with ``id`` (``http://arxiv.org/abs/2507.12345v1``), ``published``,
  ``updated``, ``title``, ``summary``, ``author/name``, ``arxiv:comment`` (only when there is one),
  ``arxiv:primary_category`` and ``category`` elements;
* on demand: 503 with ``Retry-After`` for the next requests (arXiv's answer to a client that asks too
  fast), and an empty page before the end (``empty_at``), as the real API answers now and then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from tests.fakes._server import Answer, FakeServer, Request


@dataclass
class Paper:
    arxiv_id: str
    published: datetime
    title: str
    summary: str
    comment: str | None = None
    categories: list[str] = field(default_factory=lambda: ["cs.LG"])


class FakeArxiv(FakeServer):
    def __init__(self, papers: list[Paper]) -> None:
        super().__init__()
        self.papers = papers
        self.fail_next: list[int] = []
        #: answer an empty page (with the true total) at these `start` values, once each
        self.empty_at: set[int] = set()

    def queries(self) -> list[Request]:
        return [r for r in self.seen if r.path == "/api/query"]

    def answer(self, request: Request) -> Answer:
        if self.fail_next:
            return Answer(self.fail_next.pop(0), b"Service Unavailable", {"Retry-After": "0"})
        if request.path != "/api/query":
            return Answer(404, b"not found")
        query = request.query.get("search_query", "")
        cats = set(re.findall(r"cat:([\w.\-]+)", query))
        match = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", query)
        chosen = [p for p in self.papers if not cats or cats & set(p.categories)]
        if match:
            low, high = (datetime.strptime(m, "%Y%m%d%H%M") for m in match.groups())
            chosen = [p for p in chosen if low <= p.published.replace(tzinfo=None, second=0) <= high]
        chosen.sort(key=lambda p: (p.published, p.arxiv_id))
        start = int(request.query.get("start", 0))
        size = int(request.query.get("max_results", 10))
        page = chosen[start : start + size]
        if start in self.empty_at:
            self.empty_at.discard(start)
            page = []
        entries = "".join(_entry(p) for p in page)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom">'
            f"<id>https://arxiv.org/api/fake</id><title>arXiv Query</title>"
            f"<opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>"
            f"<opensearch:totalResults>{len(chosen)}</opensearch:totalResults>"
            f"<opensearch:startIndex>{start}</opensearch:startIndex>{entries}</feed>"
        )
        return Answer(200, body.encode(), {"Content-Type": "application/atom+xml; charset=utf-8"})


def _entry(p: Paper) -> str:
    stamp = p.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    comment = f"<arxiv:comment>{escape(p.comment)}</arxiv:comment>" if p.comment else ""
    cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.categories)
    return (
        f"<entry><id>http://arxiv.org/abs/{p.arxiv_id}v1</id><updated>{stamp}</updated>"
        f"<published>{stamp}</published><title>{escape(p.title)}</title>"
        f"<summary>{escape(p.summary)}</summary><author><name>A. Author</name></author>{comment}"
        f'<link href="http://arxiv.org/abs/{p.arxiv_id}v1" rel="alternate" type="text/html"/>'
        f'<arxiv:primary_category term="{p.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>'
        f"{cats}</entry>"
    )
