"""A fake Hugging Face file server: a real HTTP server on 127.0.0.1 serving repo files like the Hub does.

It answers what ``huggingface_hub.hf_hub_download`` (2.4) asks, on
``/{repo_type}s/{repo_id}/resolve/{revision}/{filename}`` (models have no ``models/`` prefix):

* ``HEAD``: 200 with ``X-Repo-Commit`` (the 40-hex commit the revision resolves to; without it the
  library refuses the answer), ``ETag`` (here the file's sha256 in quotes, as the Hub gives for LFS
  files; it names the blob in the cache), ``Content-Length`` (the size the download is checked against)
  and ``Accept-Ranges: bytes``. No ``X-Xet-Hash``, so the library downloads over plain HTTP.
* ``GET``: the bytes, honouring ``Range: bytes=N-`` (206 with ``Content-Range``), which the library
  sends to resume an interrupted download.
* unknown files: 404 with ``X-Error-Code: EntryNotFound`` (and ``X-Repo-Commit``), unknown revisions
  404 with ``X-Error-Code: RevisionNotFound``, as the Hub does.

Every request is logged as ``(method, path, status)``. It never touches the network beyond loopback.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

_RESOLVE = re.compile(
    r"^/(?:(?P<type>datasets|spaces|models)/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"
)
_RANGE = re.compile(r"^bytes=(\d+)-$")


class FakeHfFiles:
    """Serves ``files``: ``{(repo_type, repo_id, filename): bytes}`` at revision ``main`` (or its commit).

    Change ``files`` at any time (``set_file``); use it as ``with FakeHfFiles(...) as server``.
    """

    def __init__(self, files: dict[tuple[str, str, str], bytes], *, revision: str = "main") -> None:
        self._lock = threading.Lock()
        self.files: dict[tuple[str, str, str], bytes] = dict(files)
        self.revision = revision
        self.requests: list[tuple[str, str, int]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def set_file(self, repo_type: str, repo_id: str, filename: str, data: bytes) -> None:
        with self._lock:
            self.files[(repo_type, repo_id, filename)] = data

    def commit(self, repo_type: str, repo_id: str) -> str:
        """The commit ``main`` resolves to: stable per repo, changed by any file's content."""
        h = hashlib.sha1(f"{repo_type}/{repo_id}".encode())
        with self._lock:
            for (t, r, name), data in sorted(self.files.items()):
                if (t, r) == (repo_type, repo_id):
                    h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_for(self, method: str) -> list[str]:
        with self._lock:
            return [path for m, path, status in self.requests if m == method and status in (200, 206)]

    # -- lifecycle

    def start(self) -> FakeHfFiles:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeHfFiles:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _answer(self, method: str) -> None:
                path = urlsplit(self.path).path
                match = _RESOLVE.match(path)
                if match is None:
                    self._send(method, 404, b'{"error":"not found"}', {"X-Error-Code": "RepoNotFound"})
                    return
                repo_type = (match["type"] or "models")[:-1]
                repo_id, revision, filename = match["repo"], unquote(match["rev"]), unquote(match["file"])
                commit = fake.commit(repo_type, repo_id)
                if revision not in (fake.revision, commit):
                    self._send(method, 404, b'{"error":"revision"}', {"X-Error-Code": "RevisionNotFound"})
                    return
                with fake._lock:
                    data = fake.files.get((repo_type, repo_id, filename))
                if data is None:
                    self._send(
                        method,
                        404,
                        b'{"error":"entry not found"}',
                        {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": commit},
                    )
                    return
                headers = {
                    "X-Repo-Commit": commit,
                    "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                    "Accept-Ranges": "bytes",
                    "Content-Type": "application/octet-stream",
                }
                status = 200
                ranged = _RANGE.match(self.headers.get("Range", "")) if method == "GET" else None
                if ranged is not None:
                    start = int(ranged.group(1))
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                    data = data[start:]
                    status = 206
                self._send(method, status, data, headers)

            def _send(self, method: str, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if method == "GET":
                    self.wfile.write(body)
                with fake._lock:
                    fake.requests.append((method, self.path, status))

            def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer("HEAD")

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

        return Handler
