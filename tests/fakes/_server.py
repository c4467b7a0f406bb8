"""A tiny threaded HTTP server on 127.0.0.1 shared by the papers fakes (arXiv, Hugging Face Papers,
GitHub): each fake subclasses :class:`FakeServer` and answers in :meth:`FakeServer.answer`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Start with ``with Fake(...) as fake:``; ``fake.url`` is its endpoint, ``fake.seen`` every request."""

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                request = Request(
                    "GET", parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                )  # fmt: skip
                fake.before(request)
                with fake._lock:
                    fake.seen.append(request)
                    answer = fake.answer(request)
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread: threading.Thread | None = None

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def before(self, request: Request) -> None:
        """Called before the answer, outside the lock (a fake may hold a request here)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Any:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
