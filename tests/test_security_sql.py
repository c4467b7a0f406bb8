"""A static check: no SQL is built from data that came from a source.

Every call ``<x>.execute(…)``, ``.executemany(…)``, ``.sql(…)`` or ``.query(…)`` in ``crawler/**/*.py`` is
found with :mod:`ast`. Its SQL argument is followed through string building — f-strings, ``+``, ``%``,
``.format()``, conditional expressions, and local variables assigned from those — down to the names
that are interpolated into it. Names bound to literals (a string, or a list of strings: column lists)
are constants and need nothing; a name imported from another module of ``crawler`` (``from .staging
import _STAGE_DDL``) is followed into that module, and what its value interpolates is reported there. Every other interpolated name must be in :data:`ALLOWED`, keyed by
file, function and name, with the reason it is controlled by code and not by a hub's data. Values from a
source go in as parameters (``?`` or ``$name``), which this check never sees as interpolation.

The test fails when someone interpolates any other name, and also when an entry of the allowlist is no
longer needed (so the list stays the documentation of what is interpolated today).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_METHODS = {"execute", "executemany", "sql", "query"}

_COLUMNS = "the model's column names, declared by the ModelRecord dataclass (crawler/sources/records.py)"
#: (file, function, interpolated name) → why it is code-controlled.
_PAPERS_UNIT = (
    "a view name and its column list, both code constants, picked by the unit (`count`: papers or repos, "
    "checked before)"
)
ALLOWED: dict[tuple[str, str, str], str] = {
    ("crawler/store/run.py", "Run.finish", "_sql_quote"): "doubles single quotes: makes a SQL string literal",
    ("crawler/papers.py", "_by_period", "view"): _PAPERS_UNIT,
    ("crawler/papers.py", "_by_period", "columns"): _PAPERS_UNIT,
    ("crawler/papers.py", "papers_compare", "view"): _PAPERS_UNIT,
    ("crawler/papers.py", "papers_compare", "columns"): _PAPERS_UNIT,
    ("crawler/store/run.py", "Run.finish", "stage_file"): (
        "the staging file's path, derived from --db (the user's own argument, not a hub's data), "
        "interpolated only as a quoted string literal in ATTACH, which takes no parameters"
    ),
    ("crawler/store/run.py", "Run._merge_children", "tbl"): (
        "a child table name: declared by the source class (child_tables) or sent by its pages; used only "
        "after duckdb_columns() found that table in the main schema, and quoted as an identifier"
    ),
    ("crawler/store/run.py", "Run._merge_children", "columns"): (
        "that table's column names as duckdb_columns() reports them, each quoted as an identifier"
    ),
    ("crawler/store/schema.py", "migrate", "text"): "a migration file of the package (sql/schema/*.sql)",
    ("crawler/store/staging.py", "", "MODEL_COLUMNS"): _COLUMNS,
    ("crawler/merge.py", "", "ATTR_COLUMNS"): _COLUMNS,
    ("crawler/merge.py", "", "COUNTER_COLUMNS"): _COLUMNS,
    ("crawler/merge.py", "merge_run", "ATTR_COLUMNS"): _COLUMNS,
    ("crawler/merge.py", "merge_run", "COUNTER_COLUMNS"): _COLUMNS,
    ("crawler/store/queries.py", "read_work", "query"): (
        "an enrichment source's work_query: a class attribute written in the source's code, run on a "
        "read-only connection; never built from a hub's data"
    ),
    ("crawler/store/schema.py", "create_views", "text"): "a view file of the package (sql/views/*.sql)",
    ("crawler/sources/_hf_pages.py", "PageReader.read", "self"): (
        "the reader's SELECT (_select), built once from module constants (the listing's columns, the row "
        "checks, the plausible-date window) and the Hugging Face source's HUB and PLACEHOLDER_CREATED_AT "
        "constants; the page's file and the time window go in as parameters"
    ),
    ("crawler/merge.py", "refresh_file_bits", "table"): (
        "one of the two table names (models, model_files_log) of the function's own literal loop"
    ),
    ("crawler/merge.py", "refresh_file_bits", "keys"): (
        "the key columns of that table, from the same literal loop (mid; mid and run_id)"
    ),
    ("crawler/merge.py", "refresh_file_bits", "tables"): (
        "the pairs of that literal loop (models, model_files_log and their keys) whose rows are stale: the "
        "union of their stale file names is built from those table names only"
    ),
    ("crawler/api.py", "Connection._answer", "query"): (
        "the notebook user's own SQL (crawler.connect().execute/.sql), run in their own process on a "
        "read-only connection: it can do no more than the DuckDB they could import themselves"
    ),
    ("crawler/store/queries.py", "user_query", "query"): (
        "the user's own query of `zoo sql`, run on a read-only connection with external access disabled "
        "and the configuration locked (tests/test_security.py::test_sql_is_read_only)"
    ),
}
#: Parameters whose SQL comes from the callers: every call site in the same file is checked instead.
CHECKED_AT_CALL_SITES = {
    ("crawler/export.py", "_copy", "query"): 1,  # (file, function, parameter) → argument position
}


@dataclass(frozen=True)
class Interpolated:
    file: str
    function: str
    name: str
    line: int


# ------------------------------------------------------------------------------------------ the scan


def _constant_like(node: ast.AST | None) -> bool:
    """A literal, or a list/tuple/set/dict of literals (e.g. a list of column names)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_constant_like(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(_constant_like(k) for k in node.keys if k) and all(_constant_like(v) for v in node.values)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("frozenset", "set")
    ):
        return all(_constant_like(a) for a in node.args)
    return False


def _targets(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _module_file(rel: str, node: ast.ImportFrom) -> str | None:
    """The file (relative to the repository) of the ``crawler`` module a ``from … import`` names, if it
    is one in the tree."""
    if node.level:
        base = Path(rel).parent
        for _ in range(node.level - 1):
            base = base.parent
        parts = [*base.parts, *(node.module or "").split(".")]
    elif node.module is not None and node.module.split(".")[0] == "crawler":
        parts = node.module.split(".")
    else:
        return None
    stem = "/".join(p for p in parts if p)
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if (ROOT / candidate).is_file():
            return candidate
    return None


class Module:
    def __init__(self, rel: str, source: str) -> None:
        self.rel = rel
        self.tree = ast.parse(source)
        self.constants: set[str] = set()
        self.module_values: dict[str, list[ast.expr]] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        self.module_values.setdefault(t.id, []).append(node.value)
        for name, values in self.module_values.items():
            if all(_constant_like(v) for v in values):
                self.constants.add(name)
        #: names imported from a module of ``crawler``: local name → (that module's file, its name there)
        self.imports: dict[str, tuple[str, str]] = {}
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom):
                rel = _module_file(self.rel, node)
                if rel is not None:
                    for alias in node.names:
                        self.imports[alias.asname or alias.name] = (rel, alias.name)
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self._collect(self.tree, "")

    def _collect(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                self.functions[name] = child
                self._collect(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                self._collect(child, prefix + child.name + ".")

    # -- bindings of a name inside one function

    def bindings(
        self, func: ast.FunctionDef | ast.AsyncFunctionDef | None, name: str
    ) -> list[ast.expr | None]:
        """Values assigned to ``name`` in ``func``; None stands for a binding with no visible value
        (a parameter, a loop or ``with`` target, an unpacking)."""
        if func is None:
            return list(self.module_values.get(name, []))
        out: list[ast.expr | None] = []
        args = func.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        if any(p.arg == name for p in params):
            out.append(None)
        for node in ast.walk(func):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name) and t.id == name:
                        out.append(node.value)
                    elif not isinstance(t, ast.Name) and name in _targets(t):
                        out.append(None)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                if isinstance(node.target, ast.Name) and node.target.id == name:
                    out.append(node.value)
            elif isinstance(node, ast.For | ast.AsyncFor) and name in _targets(node.target):
                out.append(None)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None and name in _targets(item.optional_vars):
                        out.append(None)
            elif isinstance(node, ast.ExceptHandler) and node.name == name:
                out.append(None)
        return out


class Scanner:
    def __init__(self, module: Module) -> None:
        self.m = module
        self.found: list[Interpolated] = []

    def report(self, func_name: str, name: str, node: ast.AST) -> None:
        self.found.append(Interpolated(self.m.rel, func_name, name, getattr(node, "lineno", 0)))

    def sql(self, expr: ast.AST, func_name: str, seen: frozenset[str] = frozenset()) -> None:
        """Follow an expression that becomes SQL text; report every non-constant name it interpolates."""
        func = self.m.functions.get(func_name)
        if isinstance(expr, ast.Constant):
            return
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    self.sql(part.value, func_name, seen)
            return
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            self.sql(expr.left, func_name, seen)
            self.sql(expr.right, func_name, seen)
            return
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            self.sql(expr.left, func_name, seen)
            self.names(expr.right, func_name)
            return
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
            self.sql(expr.func.value, func_name, seen)
            for a in [*expr.args, *(k.value for k in expr.keywords)]:
                self.names(a, func_name)
            return
        if isinstance(expr, ast.IfExp):
            self.sql(expr.body, func_name, seen)
            self.sql(expr.orelse, func_name, seen)
            return
        if isinstance(expr, ast.Dict):
            for v in expr.values:
                self.sql(v, func_name, seen)
            return
        if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
            self.sql(expr.value, func_name, seen)  # any entry may be picked: each must be safe
            return
        if isinstance(expr, ast.Name):
            name = expr.id
            if name in seen:
                return
            values = self.m.bindings(func, name)
            if not values and func is not None:
                values = self.m.bindings(None, name)
                if name in self.m.constants:
                    return
                if values:  # a module-level SQL text built from other module names
                    for v in values:
                        self.sql(v, "", seen | {name})
                    return
            if values and all(v is not None for v in values):
                for v in values:
                    self.sql(v, func_name, seen | {name})  # type: ignore[arg-type]
                return
            if not values and name in self.m.imports:  # SQL text of another module: checked there
                rel, there = self.m.imports[name]
                other = Module(rel, (ROOT / rel).read_text(encoding="utf-8"))
                if there in other.constants:
                    return
                if other.module_values.get(there):
                    scanner = Scanner(other)
                    for v in other.module_values[there]:
                        scanner.sql(v, "", frozenset({there}))
                    self.found += scanner.found
                    return
            self.report(func_name, name, expr)
            return
        self.names(expr, func_name)

    def names(self, expr: ast.AST, func_name: str) -> None:
        """Report the non-constant names an arbitrary expression reads (a call, an attribute …)."""
        func = self.m.functions.get(func_name)
        bound: set[str] = set()
        for node in ast.walk(expr):
            if isinstance(node, ast.comprehension):
                bound |= set(_targets(node.target))
            elif isinstance(node, ast.Lambda):
                bound |= {a.arg for a in node.args.args}
        for node in ast.walk(expr):
            if not isinstance(node, ast.Name) or node.id in bound:
                continue
            local = self.m.bindings(func, node.id) if func is not None else []
            if local and all(_constant_like(v) for v in local):
                continue
            if not local and node.id in self.m.constants:
                continue
            self.report(func_name, node.id, node)

    def calls(self) -> Iterator[tuple[ast.Call, str]]:
        def visit(node: ast.AST, prefix: str, current: str) -> Iterator[tuple[ast.Call, str]]:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield from visit(child, prefix + child.name + ".", prefix + child.name)
                elif isinstance(child, ast.ClassDef):
                    yield from visit(child, prefix + child.name + ".", current)
                else:
                    if isinstance(child, ast.Call):
                        yield child, current
                    yield from visit(child, prefix, current)

        yield from visit(self.m.tree, "", "")


def scan(rel: str, source: str) -> list[Interpolated]:
    """Every non-constant name interpolated into SQL text in one module."""
    module = Module(rel, source)
    scanner = Scanner(module)
    for call, func_name in scanner.calls():
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in SQL_METHODS):
            continue
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "query"), None)
        if arg is not None:
            scanner.sql(arg, func_name)
    # parameters that carry SQL into a function: each call site must pass safe SQL
    found = []
    for item in scanner.found:
        position = CHECKED_AT_CALL_SITES.get((item.file, item.function, item.name))
        if position is None:
            found.append(item)
            continue
        callee = item.function.rsplit(".", 1)[-1]
        sites = [
            (call, fn)
            for call, fn in scanner.calls()
            if isinstance(call.func, ast.Name) and call.func.id == callee and len(call.args) > position
        ]
        assert sites, f"no call site of {item.function} passes its SQL"
        checker = Scanner(module)
        for call, fn in sites:
            checker.sql(call.args[position], fn)
        found += checker.found
    return found


def scan_crawler() -> list[Interpolated]:
    out: list[Interpolated] = []
    for path in sorted((ROOT / "crawler").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        out += scan(rel, path.read_text(encoding="utf-8"))
    return out


# ------------------------------------------------------------------------------------------- the tests


def test_no_sql_interpolates_anything_but_the_allowlist() -> None:
    found = scan_crawler()
    unexpected = [f for f in found if (f.file, f.function, f.name) not in ALLOWED]
    assert unexpected == [], (
        "SQL built with values that are not code-controlled; pass them as parameters (? or $name), or "
        "add them to ALLOWED with the reason they are safe:\n"
        + "\n".join(f"  {f.file}:{f.line} in {f.function}: {f.name}" for f in unexpected)
    )
    stale = set(ALLOWED) - {(f.file, f.function, f.name) for f in found}
    assert stale == set(), f"allowlist entries no longer interpolated anywhere: {sorted(stale)}"


def test_the_scan_sees_the_usual_ways_of_building_sql() -> None:
    """The check can fail: every way of pasting a source's data into SQL below is caught."""
    bad = """
COLUMNS = ["id", "tags"]
TABLE = "models"

def store(con, item, rows):
    con.execute(f"INSERT INTO models VALUES ('{item['id']}')")
    con.execute("SELECT * FROM models WHERE id = '" + item["id"] + "'")
    con.execute("SELECT * FROM models WHERE id = '%s'" % item)
    con.execute("SELECT * FROM models WHERE id = '{}'".format(rows))
    query = f"DELETE FROM models WHERE key = '{item.key}'"
    con.execute(query)
    where = "id = " + repr(item)
    con.sql("SELECT * FROM models WHERE " + where)
    con.executemany(f"UPDATE models SET tags = {rows[0]}", [])
    con.execute(query="SELECT " + ("a" if item else item.name))
    for name in item:
        con.execute(f"SELECT {name}")

def fine(con, item):
    cols = ", ".join(COLUMNS)
    con.execute(f"SELECT {cols} FROM {TABLE} WHERE id = ?", [item])
    con.execute("SELECT * FROM models WHERE id = $id", {"id": item})
"""
    found = {(f.function, f.name, f.line) for f in scan("crawler/bad.py", bad)}
    lines = {line for _, _, line in found}
    assert {fn for fn, _, _ in found} == {"store"}  # nothing reported for the parameterised SQL
    assert lines == {6, 7, 8, 9, 10, 12, 14, 15, 17}, sorted(found)
    assert ("store", "item", 6) in found and ("store", "rows", 14) in found and ("store", "name", 17) in found


def test_sql_text_imported_from_another_module_is_followed_there() -> None:
    """A SQL text one module of the store imports from another (the staging file's tables) is checked
    where it is built; a constant imported is fine; an imported name that is not a SQL text is reported."""
    uses = """
from .limits import WARNING_SAMPLES
from .paths import resolve_db
from .staging import _STAGE_DDL

def begin(con, db):
    con.execute(_STAGE_DDL)
    con.execute(f"SELECT {WARNING_SAMPLES}")
    con.execute(f"SELECT '{resolve_db}'")
"""
    found = {(f.file, f.function, f.name) for f in scan("crawler/store/bad.py", uses)}
    assert found == {
        ("crawler/store/staging.py", "", "MODEL_COLUMNS"),  # _STAGE_DDL's columns, reported where built
        ("crawler/store/bad.py", "begin", "resolve_db"),
    }
