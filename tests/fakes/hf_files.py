"""A fake Hugging Face file server: a real HTTP server on 127.0.0.1 serving repo files like the Hub does.

It answers what ``huggingface_hub.hf_hub_download`` (2.4) asks, on
``/{repo_type}s/{repo_id}/resolve/{revision}/{filename}`` (models have no ``models/`` prefix):

* ``HEAD``: 200 with ``X-Repo-Commit`` (the 40-hex commit the revision resolves to; without it the
  library refuses the answer), ``ETag`` (here the file's sha256 in quotes, as the Hub gives for LFS
  files; it names the blob in the cache), ``Content-Length`` (the size the download is checked against)
  and ``Accept-Ranges: bytes``. No ``X-Xet-Hash``, so the library downloads over plain HTTP.
* ``GET``: the bytes, honouring ``Range: bytes=N-`` as the Hub's file server (its CDN) does: 206 with
  ``Content-Range: bytes N-(size-1)/size``, or 416 with ``Content-Range: bytes */size`` when ``N`` is
  past the end. huggingface_hub sends such a Range to resume a download whose connection broke.
* errors as the Hub sends them, with the headers ``huggingface_hub.utils.hf_raise_for_status`` reads
  (``X-Error-Code`` picks the exception, ``X-Error-Message`` and the body make its message):
  a file the repo does not hold → 404, ``X-Error-Code: EntryNotFound``, ``X-Error-Message: Entry not
  found``, body ``Entry not found`` (→ ``EntryNotFoundError``); an unknown revision → 404,
  ``RevisionNotFound``, ``Invalid rev id: <rev>`` (→ ``RevisionNotFoundError``); an unknown repo → 404,
  ``RepoNotFound`` (→ ``RepositoryNotFoundError``).

Faults on demand: ``cut_after[filename] = n`` makes the next GET of that file announce the full length,
send ``n`` bytes of the body and close the connection (a network drop mid-download); each cut is used
once. ``rate`` (bytes per second) slows bodies down, so that a download can be watched or killed.

Every request is logged in ``requests`` as ``(method, path, status)`` and, with its ``Range`` header, in
``ranges`` as ``(method, path, range or None)``. It never touches the network beyond loopback.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

_RESOLVE = re.compile(
    r"^/(?:(?P<type>datasets|spaces|models)/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"
)
_RANGE = re.compile(r"^bytes=(\d+)-$")
ENTRY_NOT_FOUND = "Entry not found"
REPO_NOT_FOUND = "Repository not found"


class FakeHfFiles:
    """Serves ``files``: ``{(repo_type, repo_id, filename): bytes}`` at revision ``main`` (or its commit).

    Change ``files`` at any time (``set_file``); use it as ``with FakeHfFiles(...) as server``.
    """

    def __init__(self, files: dict[tuple[str, str, str], bytes], *, revision: str = "main") -> None:
        self._lock = threading.Lock()
        self.files: dict[tuple[str, str, str], bytes] = dict(files)
        self.revision = revision
        self.requests: list[tuple[str, str, int]] = []
        self.ranges: list[tuple[str, str, str | None]] = []
        #: filename → bytes of body to send before dropping the connection, on that file's next GET
        self.cut_after: dict[str, int] = {}
        #: bytes per second for GET bodies (None: as fast as loopback goes), to watch or interrupt one
        self.rate: float | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.handle_error = _quiet_disconnects  # type: ignore[method-assign]
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

    def range_starts(self, filename: str) -> list[int]:
        """The ``N`` of every ``Range: bytes=N-`` a GET of ``filename`` carried, in order."""
        with self._lock:
            seen = [r for m, path, r in self.ranges if m == "GET" and path.endswith("/" + filename) and r]
        return [int(m.group(1)) for m in map(_RANGE.match, seen) if m]

    # -- lifecycle

    def start(self) -> FakeHfFiles:
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
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
                with fake._lock:
                    fake.ranges.append((method, path, self.headers.get("Range")))
                match = _RESOLVE.match(path)
                if match is None:
                    self._error(method, 404, "RepoNotFound", REPO_NOT_FOUND, json_body=True)
                    return
                repo_type = (match["type"] or "models")[:-1]
                repo_id, revision, filename = match["repo"], unquote(match["rev"]), unquote(match["file"])
                with fake._lock:
                    known = any((t, r) == (repo_type, repo_id) for t, r, _ in fake.files)
                if not known:
                    self._error(method, 404, "RepoNotFound", REPO_NOT_FOUND, json_body=True)
                    return
                commit = fake.commit(repo_type, repo_id)
                if revision not in (fake.revision, commit):
                    self._error(
                        method, 404, "RevisionNotFound", f"Invalid rev id: {revision}", json_body=True
                    )
                    return
                with fake._lock:
                    data = fake.files.get((repo_type, repo_id, filename))
                if data is None:
                    # the Hub answers a missing file with a plain-text body
                    self._error(method, 404, "EntryNotFound", ENTRY_NOT_FOUND, commit=commit)
                    return
                headers = {
                    "X-Repo-Commit": commit,
                    "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                    "Accept-Ranges": "bytes",
                    "Content-Type": "application/octet-stream",
                }
                status = 200
                size = len(data)
                ranged = _RANGE.match(self.headers.get("Range", "")) if method == "GET" else None
                if ranged is not None:
                    start = int(ranged.group(1))
                    if start >= size:
                        self._send(method, 416, b"", {"Content-Range": f"bytes */{size}"})
                        return
                    headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
                    data = data[start:]
                    status = 206
                cut = None
                if method == "GET":
                    with fake._lock:
                        cut = fake.cut_after.pop(filename, None)
                self._send(method, status, data, headers, cut=cut)

            def _error(
                self,
                method: str,
                status: int,
                code: str,
                message: str,
                *,
                commit: str | None = None,
                json_body: bool = False,
            ) -> None:
                headers = {"X-Error-Code": code, "X-Error-Message": message}
                if commit:
                    headers["X-Repo-Commit"] = commit
                if json_body:
                    body = json.dumps({"error": message}).encode()
                    headers["Content-Type"] = "application/json; charset=utf-8"
                else:
                    body = message.encode()
                    headers["Content-Type"] = "text/plain; charset=utf-8"
                self._send(method, status, body, headers)

            def _send(
                self, method: str, status: int, body: bytes, headers: dict[str, str], cut: int | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                with fake._lock:
                    fake.requests.append((method, self.path, status))
                if method == "GET":
                    if cut is not None:
                        # announce everything, send part of it, then drop the connection
                        self.wfile.write(body[:cut])
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    self._write(body)

            def _write(self, body: bytes) -> None:
                if not fake.rate:
                    self.wfile.write(body)
                    return
                step = max(1, int(fake.rate / 20))
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    time.sleep(step / fake.rate)

            def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer("HEAD")

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

        return Handler


def _quiet_disconnects(request: Any, client_address: Any) -> None:
    """A connection the fake (or the client) cut is the test, not an error worth a traceback."""
    import sys
    import traceback

    if not isinstance(sys.exc_info()[1], OSError):
        traceback.print_exc()
