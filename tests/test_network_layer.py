"""The network layer (``crawler/sources/_net.py``, ``_retry.py``, ``_http.py``, ``_git.py``, ``_client.py``,
``_paging.py``, ``_clock.py``) knows nothing of commands or hubs: it imports nothing from the registry, the shared
options or a source module, at any depth (a function-level import counts too). Read from the source text
with ``ast``, so an import that only happens on some path is caught as well."""

from __future__ import annotations

import ast
from pathlib import Path

import crawler.sources

SOURCES = Path(crawler.sources.__file__).parent
#: The network layer, and the modules of ``crawler.sources`` it may import.
NETWORK = ("_net", "_retry", "_http", "_git", "_client", "_paging", "_clock")
ALLOWED = {*NETWORK, "base", "records"}


def imported(path: Path) -> set[str]:
    """The ``crawler.sources`` modules ``path`` imports, by their short name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1:  # from .x import y / from . import x
                found.update([module.split(".")[0]] if module else [a.name for a in node.names])
            elif module.startswith("crawler.sources"):
                rest = module.removeprefix("crawler.sources").lstrip(".")
                found.update([rest.split(".")[0]] if rest else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("crawler.sources."):
                    found.add(alias.name.split(".")[2])
    return found


def test_the_network_layer_imports_no_registry_option_or_source() -> None:
    present = [name for name in NETWORK if (SOURCES / f"{name}.py").exists()]
    assert {"_net", "_retry", "_http", "_git"} <= set(present)
    for name in present:
        outside = imported(SOURCES / f"{name}.py") - ALLOWED
        assert not outside, f"{name}.py imports {sorted(outside)}"


def test_the_check_sees_a_registry_import(tmp_path: Path) -> None:
    """The check itself: the imports the network layer once had are found."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from .registry import Option\n"
        "def f():\n    from crawler.sources import huggingface\n"
        "import crawler.sources._options\n",
        encoding="utf-8",
    )
    assert imported(sample) == {"registry", "huggingface", "_options"}


def test_one_policy_lays_a_commands_limits_over_it_and_backs_off_within_its_ceiling() -> None:
    from dataclasses import FrozenInstanceError

    from crawler.sources._net import HF_POLICY, RetryPolicy

    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.limited() is policy
    limited = policy.limited(timeout=7.0, deadline=3.0)
    assert (limited.timeout, limited.deadline, limited.backoff_max) == (7.0, 3.0, 5.0)
    assert policy.limited(timeout=None, deadline=2.0).timeout == policy.timeout
    assert HF_POLICY.max_retries == 8 and RetryPolicy(max_attempts=1).max_retries == 0
    try:
        policy.timeout = 1.0  # type: ignore[misc]
    except FrozenInstanceError:
        pass
    else:
        raise AssertionError("a RetryPolicy can be changed in place")


def test_attempts_count_time_outs_in_a_row_and_bound_the_unreachable_window() -> None:
    from crawler.sources._net import Attempts, RetryPolicy

    attempts = Attempts(RetryPolicy(slow_attempts=2, unreachable_after=30.0, deadline=5.0), 10.0)
    assert attempts.connect_timeout == 5.0  # never longer than the deadline
    assert not attempts.timed_out() and attempts.timed_out() and attempts.too_slow
    attempts.answered()
    assert attempts.slow == 0 and not attempts.too_slow
    assert not attempts.unreachable_too_long(1000.0)  # reachable so far
    attempts.unreachable()
    assert attempts.unreachable_since is not None
    assert not attempts.unreachable_too_long(1.0)  # 0 s spent + 1 s + 5 s to connect < 30 s
    assert attempts.unreachable_too_long(26.0)  # 26 s + 5 s > 30 s
    attempts.timed_out()  # the server answered slowly: no longer unreachable
    assert attempts.unreachable_since is None


def test_the_hugging_face_sources_take_the_client_from_the_network_layer() -> None:
    """``zoo crawl hf-dates`` gets its client and pacing from ``_client``, not from the listing's module."""
    for name in ("huggingface", "huggingface_dates"):
        tree = ast.parse((SOURCES / f"{name}.py").read_text(encoding="utf-8"))
        from_listing = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "huggingface"
            for alias in node.names
        }
        from_client = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == "_client"
            for alias in node.names
        }
        assert "HubClient" in from_client and not from_listing & {"HubClient", "pace", "ListingClosed"}
