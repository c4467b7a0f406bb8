"""Hostile servers on 127.0.0.1 for the fault suites: what a broken, misconfigured or malicious server does.

* :class:`LinkHub` — the fake Hub (:class:`tests.fakes.faults.RecordingHub`) whose ``Link: rel="next"``
  can be rewritten per page (to another host, to a cursor already given) and whose answers to chosen
  requests can be replaced (a redirect, a 500: ``answer_at``).
* :class:`EndlessHub` — a listing that never ends: every page repeats the same models under a new cursor.
* :class:`TrickleServer` — accepts HTTP requests and answers one byte every ``interval`` seconds, either
  in the body (after complete headers that announce a large body) or from the status line on; it records
  when each connection opened and when the client gave up on it.
* :class:`EndlessKaggle` — the fake Kaggle API whose listing gives a fresh page token forever.

None of them sends anything beyond loopback.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes.faults import RawHub, RecordingHub, Seen
from tests.fakes.kaggle import FakeKaggle


class LinkHub(RecordingHub):
    """A :class:`RecordingHub` with hostile pagination.

    ``next_link(n, link)``: given the 1-based number of the listing page being answered and the next
    link the Hub would send, the link to send instead (``None``: no next page).
    ``answer_at``: arrival index → ``(status, headers)`` sent instead of the page (``(302, {"Location":
    …})`` for a redirect, ``(500, {})`` for a failure).
    """

    def __init__(
        self,
        models: list[dict],
        *,
        next_link: Callable[[int, str], str | None] | None = None,
        answer_at: dict[int, tuple[int, dict[str, str]]] | None = None,
        **kw: Any,
    ) -> None:
        self.next_link = next_link
        self.answer_at = dict(answer_at or {})
        self.pages_answered = 0
        super().__init__(models, **kw)

    def page(self, query: dict[str, list[str]], user: str | None = None) -> tuple[int, Any, str | None]:
        status, body, link = super().page(query, user)
        if status == 200:
            with self._lock:
                self.pages_answered += 1
                n = self.pages_answered
            if self.next_link is not None and link is not None:
                link = self.next_link(n, link)
        return status, body, link

    def _handler_class(self) -> type:
        base = super()._handler_class()
        hub = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:  # noqa: N802
                with hub._lock:
                    index = len(hub.log)
                answer = hub.answer_at.get(index)
                if answer is None:
                    super().do_GET()
                    return
                with hub._lock:
                    seen = Seen(index, self.path, time.monotonic(), self.headers.get("Authorization"))
                    hub.log.append(seen)
                self._zoo_seen = seen
                status, headers = answer
                self._send(status, b"" if status < 400 else b'{"error":"injected"}', headers)

        return Handler


class EndlessHub(RawHub):
    """Serves ``page`` again and again, each time under a new cursor. ``total``: an ``X-Total-Count`` to
    announce on every page (opt-in: the real Hub sends none on listing pages, and neither does the
    fake by default)."""

    def __init__(self, page: list[Any], *, total: int | None = None, **kw: Any) -> None:
        self.total = total
        super().__init__([page], **kw)

    def page(self, query: dict[str, list[str]], user: str | None = None) -> tuple[int, Any, str | None]:
        index = int(query.get("cursor", ["0"])[0])
        params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
        next_link = f"{self.url}/api/models?{urlencode([*params, ('cursor', str(index + 1))])}"
        return 200, self.raw_pages[0], next_link

    def _handler_class(self) -> type:
        base = super()._handler_class()
        hub = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def _send(self, status: int, body: bytes, headers: dict[str, str], declared: int | None = None):
                if status == 200 and hub.total is not None:
                    headers = {**headers, "X-Total-Count": str(hub.total)}
                super()._send(status, body, headers, declared)

        return Handler


def cursor_of(link: str) -> str | None:
    """The ``cursor`` parameter of a listing link."""
    return dict(parse_qsl(urlsplit(link).query)).get("cursor")


class TrickleServer:
    """An HTTP server that answers every request one byte every ``interval`` seconds, forever.

    ``where="body"``: complete headers (``200 OK``, a ``Content-Length`` of ``length``), then the body a
    byte at a time. ``where="status"``: the status line itself a byte at a time. Each connection is
    recorded with when it opened, when the client closed it, and the request it sent.
    """

    def __init__(self, *, where: str = "body", interval: float = 0.2, length: int = 1_000_000) -> None:
        assert where in ("body", "status")
        self.where = where
        self.interval = interval
        self.length = length
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        #: per connection: opened (monotonic), closed (monotonic, when the client gave up), request bytes
        self.connections: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def __enter__(self) -> TrickleServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            record: dict[str, Any] = {"opened": time.monotonic(), "closed": None, "request": b""}
            with self._lock:
                self.connections.append(record)
            threading.Thread(target=self._serve, args=(conn, record), daemon=True).start()

    def _serve(self, conn: socket.socket, record: dict[str, Any]) -> None:
        with conn:
            conn.settimeout(5)
            try:
                while b"\r\n\r\n" not in record["request"]:
                    data = conn.recv(65536)
                    if not data:
                        break
                    record["request"] += data
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                head += f"Content-Length: {self.length}\r\n\r\n".encode()
                if self.where == "body":
                    conn.sendall(head)
                    drip = b"[" + b" " * (self.length - 1)
                else:
                    drip = head
                for i in range(len(drip)):
                    readable, _, _ = select.select([conn], [], [], self.interval)
                    if self._stop.is_set():
                        return
                    if readable and not conn.recv(65536):
                        return  # the client closed the connection
                    conn.sendall(drip[i : i + 1])
            except OSError:  # the client gave up: that is what is measured
                pass
            finally:
                record["closed"] = time.monotonic()

    def wait_closed(self, n: int, seconds: float) -> list[dict[str, Any]]:
        """The connections once ``n`` of them are closed by the client (or after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                done = [c for c in self.connections if c["closed"] is not None]
                if len(done) >= n:
                    return list(self.connections)
            time.sleep(0.05)
        with self._lock:
            return list(self.connections)


class EndlessKaggle(FakeKaggle):
    """A fake Kaggle whose ListModels always gives a next page token: the first page again, renumbered."""

    def list_models(self, body: dict) -> tuple[int, Any]:
        status, answer = super().list_models({**body, "pageToken": ""})
        if status == 200:
            token = body.get("pageToken") or ""
            page = int(token.rsplit("-", 1)[-1]) if token.startswith("endless-") else 0
            answer["nextPageToken"] = f"endless-{page + 1}"
        return status, answer
