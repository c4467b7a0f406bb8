"""Documentation: every ``zoo`` command and option has help text, and every command is in README.md.

The command tree is walked as click sees it (``typer.main.get_command(app)``), so a command added later
is checked without editing this file. Typer ships its own copy of click, so commands, groups and options
are recognised by what they have (``commands``, ``param_type_name``), not by their class.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from crawler.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(path, command) of every command and group under ``command``, itself included."""
    out = [(path, command)]
    if is_group(command):
        for name, sub in sorted(command.commands.items()):
            out += walk(sub, (*path, name))
    return out


ROOT = typer.main.get_command(app)
COMMANDS = walk(ROOT)
LEAVES = [(p, c) for p, c in COMMANDS if not is_group(c)]


def name(path: tuple[str, ...]) -> str:
    return " ".join(("zoo", *path))


def test_the_tree_is_walked() -> None:
    names = {name(p) for p, _ in LEAVES}
    assert {"zoo crawl hf", "zoo stats exclusivity", "zoo report", "zoo sql"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[name(p) for p, _ in COMMANDS])
def test_every_command_and_option_has_help(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"{name(path)} has no help text"
    missing = []
    for param in command.params:
        if param.param_type_name == "option" and param.name == "help":
            continue
        if not (getattr(param, "help", None) or "").strip():
            missing.append(param.opts[0] if param.opts else param.name)
    assert not missing, f"{name(path)}: no help text for {', '.join(missing)}"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name(p) for p, _ in LEAVES if not re.search(re.escape(name(p)) + r"(?![\w-])", text)]
    assert not missing, "commands not mentioned in README.md: " + ", ".join(missing)


def test_the_python_floor_is_stated_once_and_matches_pyproject() -> None:
    import tomllib

    pyproject = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    floor = re.fullmatch(r">=(\d+\.\d+)", pyproject["project"]["requires-python"])
    assert floor is not None
    assert floor.group(1) == "3.11"  # datetime.fromisoformat reads "…Z" times from 3.11 on
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + floor.group(1).replace(".", "")
    statements = re.findall(r"Python ≥ ?(\d+\.\d+)", README.read_text(encoding="utf-8"))
    assert statements == [floor.group(1)]
