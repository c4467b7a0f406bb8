"""A remote that hangs: a TCP server on 127.0.0.1 that accepts every connection and never answers.

Used as an ``http://`` git remote it makes ``git clone`` and ``git fetch`` wait forever (git's HTTP client
has no read time-out of its own), as a stalled server or a black-holed connection does. It records every
connection and notices when the client side closes it, so a test can tell that the client (and every
process it started) really gave up. It never touches the network beyond loopback.
"""

from __future__ import annotations

import socket
import threading
import time


class HungServer:
    """Accepts, reads what the client sends, answers nothing. Use it as ``with HungServer() as hung``."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: per connection: (what the client sent, whether the client has closed it)
        self.connections: list[dict] = []
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def url(self, path: str = "/org/repo.git") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HungServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            record = {"received": b"", "closed_by_client": False}
            with self._lock:
                self.connections.append(record)
            thread = threading.Thread(target=self._hold, args=(conn, record), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _hold(self, conn: socket.socket, record: dict) -> None:
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    with self._lock:
                        record["closed_by_client"] = True
                    return
                with self._lock:
                    record["received"] += data

    def wait_all_closed(self, seconds: float) -> bool:
        """Whether every connection so far is closed by the client within ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if self.connections and all(c["closed_by_client"] for c in self.connections):
                    return True
            time.sleep(0.05)
        return False
