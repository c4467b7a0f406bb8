"""The options several hubs' crawl commands share, declared once: the two time limits of every command
that talks HTTP (:data:`HTTP_OPTIONS`) and the four of every git catalog (:func:`catalog_options`).

They live here, beside the registry that reads them, and not in the network layer (:mod:`._net`,
:mod:`._http`, :mod:`._git`), which knows nothing of commands or the registry: a test checks that it
imports nothing from it. A source adds them to its ``register(Hub(..., options=(..., *HTTP_OPTIONS)))``.
"""

from __future__ import annotations

from ._git import DEFAULT_BRANCH, DEFAULT_TIMEOUT, TIMEOUT_ENV
from ._net import DEADLINE_ENV, DEFAULT_DEADLINE, SLOW_ATTEMPTS
from .registry import Option

#: The two time limits of a hub's crawl command that talks HTTP (``zoo crawl hf``, ``hf-dates``, ``kaggle``):
#: the source's factory takes them as ``timeout`` and ``deadline``.
HTTP_OPTIONS = (
    Option(
        "--timeout",
        "timeout",
        "Seconds of silence (no byte received) before a request is given up. Example: --timeout 30",
        type=float,
        default=60.0,
    ),
    Option(
        "--request-deadline",
        "deadline",
        "Seconds one request may take in all, however slowly the answer trickles in (default: "
        f"${DEADLINE_ENV}, else {DEFAULT_DEADLINE:g}); after {SLOW_ATTEMPTS} such attempts in a row the run "
        "fails. Example: --request-deadline 120",
        type=float,
        envvar=DEADLINE_ENV,
        metavar="SECONDS",
        min=0.001,
    ),
)


def catalog_options(repo_env: str, default_repo: str, example: str) -> tuple[Option, ...]:
    """The options every git catalog's crawl command has: --repo, --branch, --cache-dir, --git-timeout."""
    return (
        Option(
            "--repo",
            "repo",
            f"Catalog git repository, a URL or a local path (default: ${repo_env}, else {default_repo}). "
            f"Example: --repo {example}",
            envvar=repo_env,
        ),
        Option(
            "--branch",
            "branch",
            "Branch whose first-parent history is read. Example: --branch master",
            default=DEFAULT_BRANCH,
        ),
        Option(
            "--cache-dir",
            "cache_dir",
            "Folder for the cached partial clone (default: the per-user cache, e.g. ~/.cache/zoo/git). "
            "Example: --cache-dir /var/cache/zoo",
        ),
        Option(
            "--git-timeout",
            "git_timeout",
            "Seconds a git clone, fetch or blob fetch may take before it is killed and the run fails "
            f"(default: ${TIMEOUT_ENV}, else {DEFAULT_TIMEOUT:.0f}). Example: --git-timeout 1800",
            type=float,
            envvar=TIMEOUT_ENV,
            metavar="SECONDS",
            min=0.001,
        ),
    )
