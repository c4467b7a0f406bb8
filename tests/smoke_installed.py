"""Check a normal (not editable) install of zoo: run the installed ``zoo`` against a fake Hub.

Usage: python tests/smoke_installed.py VENV

``VENV`` is a fresh virtual environment into which the wheel was installed (``.ci/run`` builds it). This
script runs in the checkout's own environment (it needs ``tests.fakes``); it starts the fake Hugging Face
Hub (``tests/fakes/hub.py``) with a few hundred models on 127.0.0.1 and runs, from a temporary folder
(so nothing of the checkout can be imported by mistake), with no token and no ``ZOO_*`` setting:

1. ``python -c "import crawler…"``: the package comes from the venv's site-packages, with every
   subpackage (``crawler.report`` …) and its SQL files (``crawler/sql/schema``, ``crawler/sql/views``);
2. ``zoo --help``;
3. ``zoo crawl hf --hf-endpoint <fake> --db <tmp>``: exit 0 and the summary line
   ``huggingface: run 1 complete, N models``;
4. ``zoo stats hubs --db <tmp>``: the views load from the installed SQL files.

Exits 0 when all pass, else 1 with the failing step's output. Not collected by pytest (no ``test_``
prefix): the tests run the checkout, this runs the install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.hub import FakeHub, make_models  # noqa: E402

N_MODELS = 300


def run(step: str, args: list[str], cwd: str, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"smoke: {step} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    venv = Path(sys.argv[1]).resolve()
    python, zoo = venv / "bin" / "python", venv / "bin" / "zoo"
    with tempfile.TemporaryDirectory() as tmp, FakeHub(make_models(N_MODELS, seed=1)) as hub:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ZOO_", "HF_", "HUGGING", "KAGGLE_", "PYTHON", "VIRTUAL_ENV"))
        }
        env |= {"HOME": tmp, "NO_COLOR": "1"}
        where = run(
            "import",
            [
                str(python),
                "-c",
                "import crawler, crawler.report, crawler.store as s; "
                "print(crawler.__file__); print(len(list((s.sql_dir() / 'schema').glob('*.sql')))); "
                "print(len(list((s.sql_dir() / 'views').glob('*.sql'))))",
            ],
            tmp,
            env,
        ).split()
        site = str(venv)
        if not where[0].startswith(site) or int(where[1]) == 0 or int(where[2]) == 0:
            sys.exit(f"smoke: the installed package is not the venv's, or has no SQL files: {where}")
        if "Usage: zoo" not in run("zoo --help", [str(zoo), "--help"], tmp, env):
            sys.exit("smoke: zoo --help printed no usage")
        db = str(Path(tmp) / "zoo.duckdb")
        out = run("zoo crawl hf", [str(zoo), "crawl", "hf", "--hf-endpoint", hub.url, "--db", db], tmp, env)
        line = re.search(rf"^huggingface: run 1 complete, {N_MODELS:,} models.*$", out, re.M)
        if line is None:
            sys.exit(f"smoke: no summary line of a complete run of {N_MODELS} models in:\n{out}")
        hubs = run("zoo stats hubs", [str(zoo), "stats", "hubs", "--db", db], tmp, env)
        if "huggingface" not in hubs:
            sys.exit(f"smoke: zoo stats hubs does not list huggingface:\n{hubs}")
        print(f"smoke: the installed zoo works ({where[0]}): {line.group(0)}")


if __name__ == "__main__":
    main()
