"""A fake GitHub REST API on 127.0.0.1 (tests/fakes/papers_README.md: the evidence), the part
``zoo crawl papers`` uses:

* ``GET /repos/{owner}/{repo}``: the repository (``id``, ``name``, ``full_name``, ``private``,
  ``default_branch``, ``size``, …); 404 ``{"message": "Not Found", …}`` for one deleted or private (GitHub
  does not tell them apart without access); a renamed repository answers **301** with ``Location`` and
  ``url`` ``/repositories/{id}``, which answers the repository under its new name;
* ``GET /repos/{owner}/{repo}/commits/{ref}`` with ``Accept: application/vnd.github.sha``: the 40-hex sha
  as plain text; 409 ``{"message": "Git Repository is empty."}`` for a repository without commits;
* ``GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1``: ``{"sha", "url", "tree": [{"path", "mode",
  "type": "blob"|"tree", "sha", "size" (blobs), "url"}], "truncated": false}``;
* ``GET /repos/{owner}/{repo}/contents/{path}?ref={sha}`` with ``Accept: application/vnd.github.raw``:
  the file's bytes;
* the primary rate limit: every answer carries ``x-ratelimit-limit`` (60 without a token, 5,000 with
  one), ``-remaining``, ``-used``, ``-reset`` (epoch seconds) and ``-resource: core``; once spent, 403
  ``{"message": "API rate limit exceeded for …"}`` with ``x-ratelimit-remaining: 0`` (``quota_status``
  429 answers the same with 429, as GitHub may).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.fakes._server import Answer, FakeServer, Request

DOCS = "https://docs.github.com/rest"


@dataclass
class Repo:
    full_name: str
    files: dict[str, bytes] = field(default_factory=dict)
    default_branch: str = "main"
    private: bool = False
    head: str | None = None  # None: derived from the files

    def head_sha(self) -> str:
        if self.head:
            return self.head
        digest = hashlib.sha1(b"".join(k.encode() + v for k, v in sorted(self.files.items())))
        return digest.hexdigest()


class FakeGitHub(FakeServer):
    def __init__(
        self, repos: list[Repo], *, limit: int = 60, token_limit: int = 5000, quota_status: int = 403
    ) -> None:
        super().__init__()
        self.repos = {r.full_name.lower(): r for r in repos}
        self.ids = {i + 1000: r for i, r in enumerate(repos)}
        self.renamed: dict[str, str] = {}  # old full name (lower) → new full name
        self.limit, self.token_limit, self.quota_status = limit, token_limit, quota_status
        self.used: dict[str, int] = {}
        self.token: str | None = None
        #: a request whose path starts with this is held until ``release`` is set (``held`` is set when
        #: it arrives): a test can kill its client mid-run at a known point
        self.hold: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()

    def before(self, request: Request) -> None:
        if self.hold and request.path.startswith(self.hold):
            self.held.set()
            self.release.wait(60)

    def _id(self, repo: Repo) -> int:
        return next(i for i, r in self.ids.items() if r is repo)

    def answer(self, request: Request) -> Answer:
        auth = request.headers.get("authorization", "")
        who = "token" if self.token and auth in (f"Bearer {self.token}", f"token {self.token}") else "anon"
        if auth and who == "anon":
            return _json({"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}, 401)
        limit = self.token_limit if who == "token" else self.limit
        used = self.used.get(who, 0)
        rate = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used - 1)),
            "x-ratelimit-used": str(used + 1),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": "core",
        }
        if used >= limit:
            rate |= {"x-ratelimit-remaining": "0", "x-ratelimit-used": str(limit)}
            message = "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
            return _json(
                {"message": message, "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api"},
                self.quota_status,
                rate,
            )
        self.used[who] = used + 1
        parts = [unquote(p) for p in request.path.strip("/").split("/")]
        if parts[:1] == ["repositories"] and len(parts) >= 2 and parts[1].isdigit():
            repo = self.ids.get(int(parts[1]))
            rest = parts[2:]
        elif parts[:1] == ["repos"] and len(parts) >= 3:
            name = f"{parts[1]}/{parts[2]}".lower()
            if name in self.renamed:
                target = self.repos[self.renamed[name].lower()]
                url = f"{self.url}/repositories/{self._id(target)}" + (
                    "/" + "/".join(parts[3:]) if parts[3:] else ""
                )
                body = {"message": "Moved Permanently", "url": url, "documentation_url": DOCS}
                return _json(body, 301, rate | {"Location": url})
            repo = self.repos.get(name)
            rest = parts[3:]
        else:
            return _json({"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404, rate)
        if repo is None or repo.private:
            return _json({"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404, rate)
        if not rest:
            owner, name = repo.full_name.split("/")
            return _json({
                "id": self._id(repo), "name": name, "full_name": repo.full_name, "private": False,
                "owner": {"login": owner, "type": "User"}, "html_url": f"https://github.com/{repo.full_name}",
                "default_branch": repo.default_branch, "size": sum(len(v) for v in repo.files.values()) // 1024,
                "archived": False, "disabled": False, "visibility": "public",
            }, 200, rate)  # fmt: skip
        if rest[0] == "commits" and len(rest) == 2:
            if not repo.files:
                return _json(
                    {"message": "Git Repository is empty.", "documentation_url": DOCS, "status": "409"},
                    409,
                    rate,
                )
            if rest[1] not in (repo.default_branch, repo.head_sha()):
                return _json(
                    {
                        "message": f"No commit found for SHA: {rest[1]}",
                        "documentation_url": DOCS,
                        "status": "422",
                    },
                    422,
                    rate,
                )
            if request.headers.get("accept") == "application/vnd.github.sha":
                return Answer(
                    200,
                    repo.head_sha().encode(),
                    rate | {"Content-Type": "application/vnd.github.sha; charset=utf-8"},
                )
            return _json({"sha": repo.head_sha()}, 200, rate)
        if rest[:2] == ["git", "trees"] and len(rest) == 3:
            if rest[2] != repo.head_sha():
                return _json({"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404, rate)
            tree = []
            folders = sorted(
                {"/".join(p.split("/")[:i]) for p in repo.files for i in range(1, p.count("/") + 1)}
            )
            for folder in folders:
                tree.append({"path": folder, "mode": "040000", "type": "tree", "sha": "0" * 40})
            for path, data in sorted(repo.files.items()):
                sha = hashlib.sha1(data).hexdigest()
                tree.append({"path": path, "mode": "100644", "type": "blob", "sha": sha, "size": len(data)})
            return _json(
                {"sha": hashlib.sha1(repo.head_sha().encode()).hexdigest(), "tree": tree, "truncated": False},
                200,
                rate,
            )
        if rest[:1] == ["contents"]:
            path = "/".join(rest[1:])
            if path not in repo.files or request.query.get("ref") not in (None, repo.head_sha()):
                return _json({"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404, rate)
            return Answer(
                200, repo.files[path], rate | {"Content-Type": "application/vnd.github.raw; charset=utf-8"}
            )
        return _json({"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404, rate)


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(
        status,
        json.dumps(data).encode(),
        {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
