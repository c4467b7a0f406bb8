"""A virtual clock for the waits of the network code (``crawler.sources._clock``).

Time runs as usual, but every wait the code asks for returns at once and moves this clock on by the time
asked, and is recorded in ``waits``. A fake server that shares the clock (``FakeHub.clock``) sees those
waits pass, so a quota window resets for it exactly as it would in real time. Tests that use it assert the
waits that were asked for, not how long the test took.
"""

from __future__ import annotations

import threading
import time

from crawler.sources import _clock


class VirtualClock(_clock.Clock):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.skipped = 0.0  # seconds of waiting that did not pass in real time
        self.waits: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self.skipped += max(0.0, seconds)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self.sleep(seconds)
        return event.is_set()


class StillClock(VirtualClock):
    """A :class:`VirtualClock` on which only the waits move time: however long the work between two
    waits takes in real time (a busy machine), it takes no time on this clock. A fake server that shares
    it counts its quota windows in waits alone, so a crawl runs into the quota the same way every run."""

    def __init__(self, start: float = 1000.0) -> None:
        super().__init__()
        self.start = start

    def monotonic(self) -> float:
        with self._lock:
            return self.start + self.skipped
