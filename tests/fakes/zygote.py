"""Real ``zoo`` processes that skip the 0.65 CPU s of imports a ``python -m crawler.cli`` process starts with.

A :class:`Zygote` is one ``python`` process that imports the CLI and what a crawl uses (DuckDB, PyArrow,
the sources), then forks a child per command: the child takes the command's environment, folder and
output files, runs ``crawler.cli.main`` as ``python -m crawler.cli`` does, and exits with the process's
exit code (``SystemExit``'s, 1 after an uncaught exception, printed by ``sys.excepthook``). Each child is
a real process of its own (its own pid, DuckDB instance, locks and open files; kill -9 kills it mid-write;
a resource limit set in it stays in it), so a test that kills crawlers many times pays the imports once.

What differs from a fresh process: the imports ran in the zygote, under the environment it was started
with (pass the same one to its commands: what is read at import is read from that one), and the modules'
state at import is shared by every child (copy on write). A test of what a process does while it starts
or imports (settings read at import, start-up time) starts a real ``python -m crawler.cli`` instead.

Nothing here starts a thread or opens a database before forking: the zygote only imports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from tests.fakes.faults import ROOT, zoo_env

#: The zygote: reads one JSON request a line on its control input, answers one JSON line on its control
#: output. ``spawn`` forks a child (answer: its pid), ``wait`` reaps one (``block``: wait for it; answer:
#: its exit code as ``subprocess`` gives it, -9 for kill -9, or None if it still runs). At the end of its
#: input it kills and reaps the children still running.
PROGRAM = r"""
import atexit, json, os, resource, signal, sys
ctl_in = os.fdopen(os.dup(0), "r")
ctl_out = os.fdopen(os.dup(1), "w")
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(null, 1)

import duckdb, pyarrow, pyarrow.parquet  # noqa: F401  (what a crawl loads, once for every child)
import crawler.cli, crawler.cli.crawl, crawler.crawl, crawler.store  # noqa: F401
import crawler.sources.huggingface  # noqa: F401
import importlib
# what the HTTP client imports when the first one is made (the names a crawl process has, by then)
for name in ("anyio", "h11", "httpcore2", "pydantic", "truststore", "zoneinfo"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass


def child(req):
    ctl_in.close()
    ctl_out.close()
    for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    if req["file_size_limit"] is not None:  # a write past it fails with EFBIG, as on a full disk ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (req["file_size_limit"],) * 2)
    sys.argv = ["python -m crawler.cli", *req["args"]]
    code = 1
    try:
        crawler.cli.main()
        code = 0
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


children = set()
for line in ctl_in:
    req = json.loads(line)
    if req["op"] == "spawn":
        pid = os.fork()
        if pid == 0:
            child(req)
        children.add(pid)
        answer = {"pid": pid}
    else:
        pid, status = os.waitpid(req["pid"], 0 if req["block"] else os.WNOHANG)
        answer = {"code": os.waitstatus_to_exitcode(status) if pid else None}
        if pid:
            children.discard(pid)
    ctl_out.write(json.dumps(answer) + "\n")
    ctl_out.flush()
for pid in children:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
"""


class Zygote:
    """A forking parent of ``zoo`` processes (see the module's documentation); a context manager.

    ``env``: the environment of the zygote, in which the imports run (:func:`tests.fakes.faults.zoo_env`
    by default, read when the zygote starts). A command runs in the environment it is given, by default
    :func:`~tests.fakes.faults.zoo_env` read when it is started, as for ``spawn_zoo``.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env or zoo_env())
        self._folder = tempfile.TemporaryDirectory(prefix="zygote-")
        self._n = 0
        self._proc = subprocess.Popen(
            [sys.executable, "-c", PROGRAM],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._folder.cleanup()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        stdin: IO[str] | None = self._proc.stdin
        stdout: IO[str] | None = self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise RuntimeError(f"the zygote ended (exit code {self._proc.poll()})")
        return dict(json.loads(answer))

    def spawn(
        self, *args: str, env: Mapping[str, str] | None = None, file_size_limit: int | None = None
    ) -> ZooProcess:
        """``zoo ARGS`` started in a child of the zygote, in the project's folder, in ``env`` (by default
        :func:`~tests.fakes.faults.zoo_env` now). ``file_size_limit``: the child's ``RLIMIT_FSIZE`` (with
        ``SIGXFSZ`` ignored), so that a write past it fails."""
        self._n += 1
        out = Path(self._folder.name) / f"{self._n}.out"
        err = Path(self._folder.name) / f"{self._n}.err"
        request = {
            "op": "spawn",
            "args": list(args),
            "env": dict(env or zoo_env()),
            "cwd": str(ROOT),
            "stdout": str(out),
            "stderr": str(err),
            "file_size_limit": file_size_limit,
        }
        return ZooProcess(self, int(self._ask(request)["pid"]), out, err)

    def run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        """``zoo ARGS`` to the end (:meth:`spawn`'s arguments), as ``subprocess.run(text=True)`` gives it."""
        child = self.spawn(*args, **kw)
        out, err = child.communicate()
        return subprocess.CompletedProcess(["python -m crawler.cli", *args], child.wait(), out, err)


class ZooProcess:
    """A child of a :class:`Zygote`, with the part of ``subprocess.Popen`` the tests use (``pid``,
    ``poll``, ``wait``, ``communicate`` as text, ``returncode``)."""

    def __init__(self, zygote: Zygote, pid: int, out: Path, err: Path) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote, self._out, self._err = zygote, out, err

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote._ask({"op": "wait", "pid": self.pid, "block": False})["code"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the child ended; past ``timeout`` seconds, ``subprocess.TimeoutExpired``
        (the child goes on)."""
        if timeout is not None:
            deadline = time.monotonic() + timeout
            while self.poll() is None:
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(["python -m crawler.cli"], timeout)
                time.sleep(0.05)
        if self.returncode is None:
            self.returncode = int(self._zygote._ask({"op": "wait", "pid": self.pid, "block": True})["code"])
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Waits for the end (:meth:`wait`); the output as ``subprocess`` gives it with ``text=True``."""
        self.wait(timeout)
        return tuple(  # type: ignore[return-value]
            p.read_bytes().decode("utf-8", errors="strict").replace("\r\n", "\n").replace("\r", "\n")
            for p in (self._out, self._err)
        )
