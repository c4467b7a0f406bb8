"""A fake Hugging Face Papers API on 127.0.0.1 (tests/fakes/papers_README.md: the evidence):

* ``GET /api/daily_papers?date=YYYY-MM-DD&p=N&limit=L``: a JSON list of daily-paper items, ``limit``
  a page (default 50), page ``p`` from 0; each item is ``{"paper": {"id", "title", "summary",
  "publishedAt", "upvotes", "githubRepo"?, "githubStars"?, "projectPage"?, "authors"}, "title",
  "publishedAt" (when it was put on the daily feed), "numComments", "thumbnail"}``; ``githubRepo`` only
  when a repository was linked;
* ``GET /api/papers/{arxiv_id}``: the paper alone (``githubRepo`` at the top level), 404 when unknown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from tests.fakes._server import Answer, FakeServer, Request


@dataclass
class DailyPaper:
    arxiv_id: str
    day: date  # on the daily feed
    published: date  # on arXiv
    title: str
    github: str | None = None


class FakeHfPapers(FakeServer):
    def __init__(self, papers: list[DailyPaper]) -> None:
        super().__init__()
        self.papers = papers

    def answer(self, request: Request) -> Answer:
        if request.path == "/api/daily_papers":
            day = request.query.get("date")
            page, limit = int(request.query.get("p", 0)), int(request.query.get("limit", 50))
            chosen = [p for p in self.papers if day is None or p.day.isoformat() == day]
            items = [self._item(p) for p in chosen[page * limit : (page + 1) * limit]]
            return _json(items)
        if request.path.startswith("/api/papers/"):
            wanted = request.path.removeprefix("/api/papers/")
            for p in self.papers:
                if p.arxiv_id == wanted:
                    return _json(self._paper(p))
            return _json({"error": "Paper not found"}, 404)
        return _json({"error": "Sorry, we can't find the page you are looking for."}, 404)

    def _paper(self, p: DailyPaper) -> dict:
        paper = {
            "id": p.arxiv_id,
            "title": p.title,
            "summary": "An abstract.",
            "publishedAt": f"{p.published.isoformat()}T17:59:58.000Z",
            "upvotes": 3,
            "authors": [{"name": "A. Author", "hidden": False}],
        }
        if p.github:
            paper |= {"githubRepo": p.github, "githubStars": 12}
        return paper

    def _item(self, p: DailyPaper) -> dict:
        return {
            "paper": self._paper(p),
            "title": p.title,
            "publishedAt": f"{p.day.isoformat()}T04:12:00.000Z",
            "numComments": 1,
            "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{p.arxiv_id}.png",
        }


def _json(data: object, status: int = 200) -> Answer:
    return Answer(status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=utf-8"})
