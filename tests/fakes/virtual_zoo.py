"""The real ``zoo`` CLI in a child process whose network waits are virtual.

The child installs :class:`tests.clock.StillClock` as ``crawler.sources._clock.clock`` and then runs
``crawler.cli``'s ``main`` unchanged: every backoff, ``Retry-After`` or rate-limit wait it asks for returns at
once (the virtual time moves on instead), and the waits asked for are handed back to the test. Only those
waits move that clock, so a window measured on it (how long an unreachable hub is tried) holds the same
waits on a quiet and on a busy machine. For tests
that need only to know which waits were asked for (an unreachable hub tried again within its window, a
trickling server given up after a bounded number of attempts), not to sit through them. What is real stays
real: the process, its sockets, the per-attempt deadline (a thread waiting in real time), the database.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fakes.faults import ROOT, zoo_env

#: The child: ``python -c PROGRAM WAITS_FILE ZOO_ARGS...``; writes the waits asked for to WAITS_FILE (JSON).
PROGRAM = """\
import json, sys
from crawler.sources import _clock
from tests.clock import StillClock
record, sys.argv = sys.argv[1], ["zoo", *sys.argv[2:]]
_clock.clock = clock = StillClock()
try:
    from crawler.cli import main
    main()
finally:
    with open(record, "w") as f:
        json.dump(clock.waits, f)
"""


def virtual_zoo_argv(waits_file: str | Path, *args: str) -> list[str]:
    """The command line of ``zoo ARGS`` with virtual waits, recorded in ``waits_file``."""
    return [sys.executable, "-c", PROGRAM, str(waits_file), *args]


def virtual_zoo(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    wrap: Sequence[str] = (),
    **kw: Any,
) -> tuple[subprocess.CompletedProcess, list[float]]:
    """Run ``zoo ARGS`` to the end with virtual waits: the ``CompletedProcess`` (text stdout and stderr) and
    the waits it asked for, in seconds, in order. ``wrap``: a command that runs it (``unshare -rn``)."""
    with tempfile.TemporaryDirectory(prefix="zoo-waits-") as folder:
        record = Path(folder) / "waits.json"
        done = subprocess.run(
            [*wrap, *virtual_zoo_argv(record, *args)],
            cwd=ROOT,
            env=env or zoo_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kw,
        )
        assert record.exists(), f"the child recorded no waits: {done.stdout}{done.stderr}"
        waits = [float(w) for w in json.loads(record.read_text())]
    return done, waits
