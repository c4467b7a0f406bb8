"""The notebooks in notebooks/ run top to bottom, without a cell error, against a database built from the
local fakes (and against an empty one), with ``ZOO_DB`` naming it, as a user runs them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.test_report_support import demo_database

if TYPE_CHECKING:  # nbformat and nbclient are imported by the tests that use them, not at collection
    import nbformat

# its tests share a session fixture: one worker runs them all
pytestmark = pytest.mark.xdist_group("notebooks")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_database(tmp_path_factory)


def test_there_are_at_least_three_notebooks_stored_without_outputs() -> None:
    import nbformat

    assert len(NOTEBOOKS) >= 3, NOTEBOOKS
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
        assert book.metadata["kernelspec"]["name"] == "python3"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec 'python3' that runs this very interpreter (so the kernel sees this venv whatever PATH
    says), and a shared matplotlib cache (so each kernel does not rebuild the font cache)."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3 (zoo tests)", "language": "python"})
    )
    (root / "mpl").mkdir()
    return root


def run_notebook(
    path: Path, db: str, jupyter: Path, monkeypatch: pytest.MonkeyPatch
) -> nbformat.NotebookNode:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("ZOO_DB", db)
    Path(os.environ["HOME"]).mkdir(parents=True, exist_ok=True)  # IPython keeps its profile there
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch.setenv("MPLCONFIGDIR", str(jupyter / "mpl"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        kernel_name="python3",
        timeout=120,
        startup_timeout=60,
        allow_errors=False,  # a cell error raises CellExecutionError
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return book


def outputs(book: nbformat.NotebookNode) -> tuple[str, int]:
    """All text the notebook printed or returned, and how many images it drew."""
    text, images = [], 0
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                text.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                text.append(out.data.get("text/plain", ""))
                images += "image/png" in out.data
    return "\n".join(text), images


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_against_the_demo_database(
    path: Path, demo_db: str, kernel_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = run_notebook(path, demo_db, kernel_env, monkeypatch)
    text, images = outputs(book)
    assert f"database: {demo_db}" in text  # it read the database ZOO_DB names
    assert images >= 1, "every notebook draws at least one plot"
    assert "huggingface" in text


def test_notebooks_run_against_a_database_without_crawls(
    db: str, kernel_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # db: a copy of the migrated template, no crawl
    for path in NOTEBOOKS:
        text, _ = outputs(run_notebook(path, db, kernel_env, monkeypatch))
        assert "not crawled" in text or path.stem.startswith(("02", "03")), path.name
