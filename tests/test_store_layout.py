"""The store is a package of modules named by what they hold: each is described in the package's
docstring and in the README, and every public name of every module is importable from ``crawler.store``
(the names callers have always imported from there)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import crawler.store

#: The public names of the single module ``crawler/store.py`` the package was split from.
BEFORE = {
    "Answer",
    "CrawlLock",
    "CrawlLocked",
    "DEFAULT_DB",
    "DamagedPart",
    "DatabaseBusy",
    "FAIL_RECORD_WAIT",
    "NOTES_MAX",
    "Notify",
    "QueryTimeout",
    "Run",
    "RunCounters",
    "RunPolicy",
    "RunResult",
    "STAGE_CHECKPOINT_THRESHOLD",
    "StagedEnd",
    "StoreError",
    "WARNING_SAMPLES",
    "begin_run",
    "check_parts",
    "committed_parts",
    "connect",
    "create_views",
    "lock_holder",
    "lock_wait_seconds",
    "memory_limit",
    "merge_memory_limit",
    "merge_wait_seconds",
    "migrate",
    "parts_folder",
    "pending_migrations",
    "read_work",
    "record_staged_ends",
    "records_to_arrow",
    "refuse_links",
    "resolve_db",
    "rewind_to_damage",
    "seed_hubs",
    "sql_dir",
    "sql_memory_limit",
    "sql_timeout_seconds",
    "staged_ends",
    "staging_path",
    "stats_memory_limit",
    "user_query",
}

README = Path(__file__).resolve().parent.parent / "README.md"


def _modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(crawler.store.__path__)]


def _public(module: str) -> set[str]:
    """The public names ``crawler/store/<module>.py`` defines (not those it imports)."""
    tree = ast.parse((Path(crawler.store.__file__).parent / f"{module}.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def test_every_module_is_described() -> None:
    doc = crawler.store.__doc__ or ""
    readme = README.read_text(encoding="utf-8")
    modules = _modules()
    assert len(modules) >= 10
    assert [m for m in modules if f"``{m}``" not in doc] == []
    assert [m for m in modules if f"`{m}.py`" not in readme] == []


def test_every_public_name_is_importable_from_the_package() -> None:
    defined: dict[str, str] = {}
    for module in _modules():
        for name in _public(module):
            assert name not in defined, f"{name} is defined in both {defined[name]} and {module}"
            defined[name] = module
    assert set(defined) >= BEFORE, sorted(BEFORE - set(defined))
    assert sorted(defined) == sorted(crawler.store.__all__)
    for name, module in defined.items():
        assert getattr(crawler.store, name) is getattr(
            importlib.import_module(f"crawler.store.{module}"), name
        )
