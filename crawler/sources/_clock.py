"""Where the network code reads the time and waits: one small place, so a test can make time virtual.

Every wait the HTTP layer asks for (a rate-limit window, a ``Retry-After``, a backoff before a retry, a
pause before asking for a bad body again) goes through :func:`sleep` or :func:`wait`, and the times
those waits are measured from through :func:`monotonic`. In zoo they are the standard library's. A test
that only needs to know which wait was asked for replaces :data:`clock` with a virtual one (the tests'
``clock`` fixture): the code runs unchanged, but a wait returns at once and moves the virtual time on.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Real time: ``time.monotonic``, ``time.sleep`` and ``Event.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` for ``event``; whether it was set."""
        return event.wait(seconds)


#: The clock in use (replaced by tests only).
clock = Clock()


def monotonic() -> float:
    return clock.monotonic()


def sleep(seconds: float) -> None:
    clock.sleep(seconds)


def wait(event: threading.Event, seconds: float) -> bool:
    return clock.wait(event, seconds)
