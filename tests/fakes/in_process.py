"""Run one ``zoo`` command in this process as a fresh ``python -m crawler.cli`` process would run it.

A ``zoo`` process costs about 0.65 CPU s to start (its imports); most tests only read what the command
prints and what it leaves in the database, and this runs the same ``crawler.cli.main`` in the test's own
process, as a process would see it:

* the environment given is the whole environment during the call (variables absent from it are removed),
  restored after; ``tempfile``'s cached folder is forgotten so ``TMPDIR`` is read again;
* stdout and stderr are UTF-8 text streams on bytes (stdout strict, stderr ``backslashreplace``, as
  Python sets up a pipe), not a terminal, decoded afterwards as ``subprocess.run(text=True)`` does
  (``\\r\\n`` and ``\\r`` become ``\\n``); stdin holds ``input`` (or nothing, as ``/dev/null``). Writes of the
  command's own thread and of every thread it starts go to the capture; other threads (the test's fake
  servers) keep writing where they did;
* the error console made when ``crawler.cli`` was imported (``crawler.cli.common.err``) is made again
  under the call's environment, so its width (``COLUMNS``) and colours (none: not a terminal) are what a
  process would decide;
* ``sys.argv`` and ``__main__`` are a ``python -m crawler.cli`` process's (click names the program from
  them: ``Usage: python -m crawler.cli …``), the current folder is the project's, warnings are filtered
  as a fresh interpreter filters them;
* the exit code is a process's: ``SystemExit``'s code (a string is printed, code 1), 1 after an uncaught
  exception, which ``sys.excepthook`` (typer's) prints to stderr as the interpreter would. A
  ``KeyboardInterrupt`` (Ctrl-C where the tests run) goes on up and stops them;
* nothing carries over to the next call: logging (the root logger starts without handlers, as
  ``logging.basicConfig`` expects, and every logger's level and handlers are restored), huggingface_hub's
  shared HTTP session (closed), ``sys.excepthook``, the SIGINT/SIGTERM handlers, the current folder.
  A file or folder the command left open (a DuckDB connection, a lock) fails the call: in a process the
  exit would have closed it, here it would change what the next step sees;
* ``timeout``: past it the test gets :class:`subprocess.TimeoutExpired`, as from ``subprocess.run``: it
  is raised in the command's thread, in its Python code, so a command stuck inside one blocking C call (a
  socket read without a time-out, a DuckDB query) is stopped only when that call returns (a command hung
  there for good hangs the test), and threads the command started may go on in the background.

What it cannot be is a separate process: kill -9, signals and Ctrl-C, two processes contending for the
database lock (DuckDB shares one database instance per file within a process), what is read at import
(``crawler/cli/__init__.py``'s handling of an ``HF_ENDPOINT`` that is not a URL runs once, at the first
import; huggingface_hub reads ``HF_HUB_DISABLE_PROGRESS_BARS`` and ``HF_HOME`` once), output written from
C straight to file descriptor 1 or 2 (DuckDB's progress bar), a child's resource limits, use or open
files, hub modules registered only in the test process (a process would not see them). Those tests pass
``process=True`` to :func:`tests.fakes.faults.zoo`.
"""

from __future__ import annotations

import ctypes
import gc
import io
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import types
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: ``sys.argv[0]`` of a ``python -m crawler.cli`` process.
_MAIN_PATH = Path(__file__).resolve().parent.parent.parent / "crawler" / "cli" / "__main__.py"

#: One in-process command at a time: the environment, the streams and the current folder are the process's.
_ONE_AT_A_TIME = threading.Lock()


class _TimedOut(BaseException):
    """Raised in the command's thread at its time-out (a BaseException: the command's ``except Exception``
    must not swallow it)."""


class _Routed:
    """A ``sys.stdout``/``sys.stderr`` stand-in: threads of the call write to ``captured``, others to
    ``other``."""

    def __init__(self, captured: io.TextIOWrapper, other: Any, token: object) -> None:
        self._captured = captured
        self._other = other
        self._token = token

    def _target(self) -> Any:
        mine = getattr(threading.current_thread(), "_zoo_call", None) is self._token
        return self._captured if mine else self._other

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines: Sequence[str]) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return bool(self._target().isatty())

    def __getattr__(self, name: str) -> Any:  # encoding, errors, buffer, fileno, …
        return getattr(self._target(), name)


#: Files libraries keep open on purpose (matplotlib's fonts): those of the Python installation.
_LIBRARY_FILES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})


def _open_files() -> dict[str, str]:
    """This process's open files and folders outside the Python installation: fd → path."""
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if path.startswith(_LIBRARY_FILES) or path.startswith(("/dev/", "/proc/")):
            continue
        if path.startswith("/") and (os.path.isfile(path) or os.path.isdir(path)):
            out[fd] = path
    return out


def _loggers() -> list[logging.Logger]:
    manager = logging.Logger.manager
    return [
        logging.getLogger(),
        *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]


def _fresh_warnings() -> None:
    """The warning filters of a fresh interpreter (no ``-W``, no ``PYTHONWARNINGS``), printed to stderr."""
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    warnings.showwarning = warnings._showwarning_orig  # type: ignore[attr-defined]


def _exit_code(code: object, stderr: Any) -> int:
    """What a process's exit status would be for ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=stderr)
    return 1


def run(
    argv: Sequence[str],
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str],
    input: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``zoo ARGS`` in this process (see the module's documentation); ``argv`` is the command line a
    process would have had (for the result and for ``TimeoutExpired``)."""
    if not _ONE_AT_A_TIME.acquire(blocking=False):
        raise RuntimeError(
            "zoo(): one in-process command at a time; run concurrent commands with process=True"
        )
    try:
        return _run(list(argv), list(args), env=env, cwd=cwd, input=input, timeout=timeout)
    finally:
        _ONE_AT_A_TIME.release()


def _run(
    argv: list[str],
    args: list[str],
    *,
    env: Mapping[str, str],
    cwd: str | os.PathLike[str],
    input: str | None,
    timeout: float | None,
) -> subprocess.CompletedProcess[str]:
    token = object()
    me = threading.current_thread()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")

    saved_env = dict(os.environ)
    saved_streams = (sys.stdin, sys.stdout, sys.stderr)
    saved_argv, saved_main = sys.argv, sys.modules["__main__"]
    saved_cwd = os.getcwd()
    saved_hook = sys.excepthook
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    saved_tempdir = tempfile.tempdir
    saved_logging = {lg: (lg.level, list(lg.handlers), lg.propagate, lg.disabled) for lg in _loggers()}
    saved_disable = logging.root.manager.disable
    saved_start = threading.Thread.start
    files_before = _open_files()

    def start(thread: threading.Thread) -> None:  # threads the command starts write to its capture
        if getattr(threading.current_thread(), "_zoo_call", None) is token:
            thread._zoo_call = token  # type: ignore[attr-defined]
        saved_start(thread)

    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(me.ident or 0), ctypes.py_object(_TimedOut))

    timer = threading.Timer(timeout, expire) if timeout else None
    code = 0
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        tempfile.tempdir = None
        sys.argv = [str(_MAIN_PATH), *args]  # as ``python -m crawler.cli`` sets it
        sys.modules["__main__"] = types.SimpleNamespace(__package__="crawler.cli", __name__="__main__")  # type: ignore[assignment]
        sys.excepthook = sys.__excepthook__
        logging.root.manager.disable = logging.NOTSET
        logging.root.handlers = []
        logging.root.setLevel(logging.WARNING)
        threading.Thread.start = start  # type: ignore[method-assign]
        me._zoo_call = token  # type: ignore[attr-defined]
        sys.stdin = stdin
        sys.stdout = _Routed(out, saved_streams[1], token)  # type: ignore[assignment]
        sys.stderr = _Routed(err, saved_streams[2], token)  # type: ignore[assignment]
        with warnings.catch_warnings():
            _fresh_warnings()
            if timer is not None:
                timer.start()
            try:
                code = _call_main()
            except _TimedOut:
                pass
            except SystemExit as exc:
                code = _exit_code(exc.code, sys.stderr)
            except KeyboardInterrupt:  # Ctrl-C at the terminal running the tests: it stops them
                raise
            except BaseException:  # noqa: BLE001 (printed as the interpreter prints an uncaught exception)
                _print_uncaught()
                code = 1
            finally:
                if timer is not None:
                    timer.cancel()
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except _TimedOut:  # the time-out fell between the call's end and the timer's cancel
                pass
    finally:
        me.__dict__.pop("_zoo_call", None)
        threading.Thread.start = saved_start  # type: ignore[method-assign]
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        sys.modules["__main__"] = saved_main
        sys.excepthook = saved_hook
        for signum, previous in saved_signals.items():
            if signal.getsignal(signum) is not previous and previous is not None:
                signal.signal(signum, previous)
        for lg in _loggers():  # as they were (a logger made during the call: as a new one is)
            level, handlers, propagate, disabled = saved_logging.get(lg, (logging.NOTSET, [], True, False))
            for handler in lg.handlers:
                if handler not in handlers:
                    handler.close()
            lg.setLevel(level)
            lg.handlers = handlers
            lg.propagate, lg.disabled = propagate, disabled
        logging.root.manager.disable = saved_disable
        _close_hub_session()
        tempfile.tempdir = saved_tempdir
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)

    stdout, stderr = _text(out), _text(err)
    if timed_out.is_set():
        raise subprocess.TimeoutExpired(argv, timeout or 0, output=stdout, stderr=stderr)
    gc.collect()  # what only a cycle still holds (a connection in a frame of a traceback) is closed now
    left_open = sorted({path for fd, path in _open_files().items() if files_before.get(fd) != path})
    if left_open:
        raise AssertionError(
            f"zoo {' '.join(args)[:200]} left files open in this process: {left_open} (a process would have closed "
            "them at its exit; here they would change what comes next)"
        )
    return subprocess.CompletedProcess(argv, code, stdout, stderr)


def _call_main() -> int:
    """``crawler.cli.main()`` (imported now, under the call's environment, if not yet), with its error
    console made again under this environment; returns only if main does (it always exits)."""
    from rich.console import Console

    import crawler.cli
    from crawler.cli import common

    console = common.err
    saved = dict(console.__dict__)
    Console.__init__(console, stderr=True)  # as ``common`` makes it, now: width and colours from here
    try:
        crawler.cli.main()
    finally:
        console.__dict__.clear()
        console.__dict__.update(saved)
    return 0


def _print_uncaught() -> None:
    """The current exception, printed by ``sys.excepthook`` as the interpreter prints an uncaught one,
    without this module's frames (a process's traceback starts at ``crawler/cli/__main__.py``)."""
    exc_type, exc, tb = sys.exc_info()
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    assert exc_type is not None and exc is not None
    try:
        sys.excepthook(exc_type, exc.with_traceback(tb), tb)
    finally:
        del exc, tb


def _close_hub_session() -> None:
    """huggingface_hub's shared session is the process's: a new process starts without one."""
    hub_utils = sys.modules.get("huggingface_hub.utils")
    if hub_utils is not None:
        hub_utils.close_session()


def _text(stream: io.TextIOWrapper) -> str:
    """What ``subprocess.run(text=True)`` reads from a pipe: decoded, universal newlines."""
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
