"""The ``zoo`` command: a thin typer app over ``crawler.crawl``, ``crawler.store``, ``crawler.stats`` and
``crawler.report``, one module per command group:

``common``    the app, the error console, exit codes and the options every command shares
``crawl``     ``zoo crawl <hub>``, ``zoo crawl all`` and ``zoo import <source>``, generated from the
              source registry (``crawler.sources.registry``)
``progress``  a running crawl's progress bar or log lines, and its summary line
``stats``     ``zoo stats …``
``database``  ``zoo runs``, ``zoo sql``, ``zoo history``, ``zoo export``
``report``    ``zoo report``

Run it as ``zoo`` (the console script) or ``python -m crawler.cli``.
"""

from __future__ import annotations

import io
import os
import sys

import typer

from ..sources._net import endpoint_problem


def _import_hub_client() -> None:
    """huggingface_hub reads ``$HF_ENDPOINT`` when it is imported and fails with a traceback on one that
    is not a URL (``http://[::1``): import it without that value, which the ``--hf-endpoint`` option
    (whose variable it is) then refuses in one line, exit 2, before anything is sent."""
    endpoint = os.environ.get("HF_ENDPOINT")
    if not endpoint or endpoint_problem(endpoint) is None:
        return
    del os.environ["HF_ENDPOINT"]
    try:
        import huggingface_hub.constants  # noqa: F401
    finally:
        os.environ["HF_ENDPOINT"] = endpoint


_import_hub_client()

from . import crawl, database, report, stats  # noqa: E402, F401  (each module adds its commands to the app)
from .common import app, capped  # noqa: E402
from .progress import summary as _summary  # noqa: E402

__all__ = ["_summary", "app", "main"]


def main() -> None:
    """Console-script entry point: the app, with a bad argument's message printed as typer prints it
    but with echoed values cut (see :func:`crawler.cli.common.capped`)."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        print("Aborted!", file=sys.stderr)
        sys.exit(1)
    except typer.TyperException as exc:  # typer's click errors: a bad option, an unknown command
        text = io.StringIO()
        show = getattr(exc, "show", None)
        if show is not None:
            show(file=text)
        else:
            text.write(f"Error: {exc}")
        sys.stderr.write("".join(capped(line) + "\n" for line in text.getvalue().splitlines()))
        sys.exit(int(getattr(exc, "exit_code", 2)))
    sys.exit(code if isinstance(code, int) else 0)
