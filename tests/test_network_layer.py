"""The network layer (``crawler/sources/_net.py``, ``_http.py``, ``_git.py``, ``_client.py``,
``_paging.py``) knows nothing of commands or hubs: it imports nothing from the registry, the shared
options or a source module, at any depth (a function-level import counts too). Read from the source text
with ``ast``, so an import that only happens on some path is caught as well."""

from __future__ import annotations

import ast
from pathlib import Path

import crawler.sources

SOURCES = Path(crawler.sources.__file__).parent
#: The network layer, and the modules of ``crawler.sources`` it may import.
NETWORK = ("_net", "_http", "_git", "_client", "_paging")
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
    assert {"_net", "_http", "_git"} <= set(present)
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
