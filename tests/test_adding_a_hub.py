"""The README's "Adding a hub" is true: its code block, run as written against a fake Example Zoo on
127.0.0.1, gives a hub that ``zoo crawl``, ``zoo stats hubs`` and ``zoo runs`` know, and nothing else had
to change. Also: the registry finds every source module by itself, and seeds the ``hubs`` table only
when the database is opened for writing."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.crawl import crawl
from crawler.sources import registry
from crawler.sources.base import Source
from crawler.sources.records import ModelRecord, Page
from crawler.sources.registry import Hub
from crawler.store import connect
from tests.conftest import model_hubs
from tests.hub_contract import HubContract, Served

README = Path(__file__).resolve().parent.parent / "README.md"
runner = CliRunner()

#: Example Zoo's models: three pages of two.
MODELS = [
    {"id": f"ez-{i}", "name": f"org/model-{i}", "tags": ["pytorch"] if i % 2 else ["tf"]} for i in range(6)
]


class ExampleZoo:
    """A fake of the imaginary API the README's example crawls: GET /api/models?page=N. ``failing``: a
    page answered with HTTP 400 (an error the source gives up on at once)."""

    def __init__(self, per_page: int = 2) -> None:
        self.asked: list[str] = []
        self.failing: int | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlsplit(self.path)
                outer.asked.append(self.path)
                if url.path != "/api/models":
                    self.send_error(404)
                    return
                page = int(parse_qs(url.query).get("page", ["1"])[0])
                if page == outer.failing:
                    self.send_error(400)
                    return
                chunk = MODELS[(page - 1) * per_page : page * per_page]
                more = page * per_page < len(MODELS)
                body = json.dumps({"models": chunk, "next": page + 1 if more else None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, page: int | None) -> None:
        self.failing = page

    def pages(self) -> list[int]:
        return [int(parse_qs(urlsplit(p).query).get("page", ["1"])[0]) for p in self.asked]


def readme_block() -> str:
    """The Python block of the README's "Adding a hub" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Adding a hub") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.fixture
def example_zoo(tmp_path: Path, saved_registry: None) -> Iterator[ExampleZoo]:
    """The README's hub, loaded from the README's own code, and its fake API."""
    module_path = tmp_path / "example_zoo.py"
    module_path.write_text(readme_block(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("example_zoo", module_path)
    assert spec is not None and spec.loader is not None
    server = ExampleZoo()
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        yield server
    finally:
        server.close()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_the_readme_example_is_a_hub_everywhere(example_zoo: ExampleZoo, db: str) -> None:
    assert "example-zoo" in invoke("crawl", "--help").output
    crawled = invoke("crawl", "example-zoo", "--endpoint", example_zoo.url, "--db", db)
    assert "example-zoo: run 1 complete, 6 models, 6 new" in crawled.output
    assert example_zoo.asked == ["/api/models?page=1", "/api/models?page=2", "/api/models?page=3"]

    hubs = json.loads(invoke("stats", "hubs", "--db", db, "--format", "json").stdout)
    assert [h["hub"] for h in hubs] == model_hubs() and "example-zoo" in model_hubs()
    by_hub = {h["hub"]: h for h in hubs}
    assert by_hub["example-zoo"]["status"] == "crawled" and by_hub["example-zoo"]["models"] == 6

    runs = json.loads(invoke("runs", "--db", db, "--format", "json").stdout)
    assert [(r["source"], r["status"], r["models"], r["pages"], r["requests"]) for r in runs] == [
        ("example-zoo", "complete", 6, 3, 3)
    ]
    exclusivity = json.loads(
        invoke("stats", "exclusivity", "--hub", "example-zoo", "--db", db, "--format", "json").stdout
    )
    by_class = {r["class"]: r["models"] for r in exclusivity}
    assert by_class == {"pytorch_only": 3, "tensorflow_only": 3, "both": 0, "neither": 0}  # its tags

    # An interrupted crawl resumes from the last saved page, as every hub does.
    again = invoke("crawl", "example-zoo", "--endpoint", example_zoo.url, "--db", db)
    assert "run 2 complete, 6 models, 0 new, 0 changed" in again.output


def test_unregistering_removes_the_command(example_zoo: ExampleZoo) -> None:
    assert "example-zoo" in invoke("crawl", "--help").output
    registry.unregister("example-zoo")
    assert "example-zoo" not in invoke("crawl", "--help").output


def test_the_registry_finds_every_source_module() -> None:
    sources = Path(registry.__file__).parent
    modules = {p.stem for p in sources.glob("*.py") if not p.stem.startswith("_")} - {
        "base",
        "records",
        "registry",
    }
    found = {h.source.__module__.rsplit(".", 1)[-1] for h in registry.hubs()}
    assert found == modules
    orders = [(h.order, h.name) for h in registry.hubs()]
    assert orders == sorted(orders) and len(orders) >= len(modules)
    assert registry.resolve("hf") == "huggingface" and registry.label("tf-hub") == "TensorFlow Hub"


class Quiet(Source):
    name = "quiet-zoo"

    def params(self) -> dict[str, Any]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        yield Page([ModelRecord(hub=self.name, key="k", id="k")], None)


def hub_rows(db: str) -> list[str]:
    con = duckdb.connect(db, read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT hub FROM hubs ORDER BY sort_order, hub").fetchall()]
    finally:
        con.close()


def test_the_hubs_table_is_written_only_by_a_writer(db: str, saved_registry: None) -> None:
    connect(db).close()
    before = hub_rows(db)
    assert before == [h.name for h in registry.hubs()]
    registry.register(Hub(Quiet, label="Quiet Zoo", command="quiet-zoo", help="A test hub.", order=1000))
    listed = json.loads(invoke("stats", "hubs", "--db", db, "--format", "json").stdout)
    assert "quiet-zoo" not in [h["hub"] for h in listed]  # a reading command does not seed
    assert hub_rows(db) == before
    connect(db).close()  # a writer does
    assert hub_rows(db) == [*before, "quiet-zoo"]
    listed = json.loads(invoke("stats", "hubs", "--db", db, "--format", "json").stdout)
    assert {h["hub"]: h["status"] for h in listed}["quiet-zoo"] == "not crawled"
    registry.unregister("quiet-zoo")
    connect(db).close()
    assert hub_rows(db) == before


def test_the_registry_snapshot_restores_what_a_test_changed(saved_registry: None) -> None:
    hf = registry.get("huggingface")
    saved = registry.snapshot()
    registry.register(Hub(Quiet, label="Quiet Zoo", command="quiet-zoo", help="A test hub."))
    registry.unregister("huggingface")
    assert "quiet-zoo" in invoke("crawl", "--help").output
    registry.restore(saved)
    assert registry.get("quiet-zoo") is None and registry.get("huggingface") is hf
    assert "quiet-zoo" not in invoke("crawl", "--help").output
    assert "Crawl every public model of the Hugging Face Hub" in invoke("crawl", "hf", "--help").output


def test_a_name_or_alias_names_one_hub_only(saved_registry: None) -> None:
    with pytest.raises(ValueError, match="hf already names hub 'huggingface'"):
        registry.register(Hub(Quiet, label="Quiet", command="quiet-zoo", help="x", aliases=("hf",)))
    assert registry.get("quiet-zoo") is None


class TestTheReadmeExampleKeepsTheContract(HubContract):
    """The README's hub against its fake, as every hub's test module does it (see tests/hub_contract.py)."""

    hub = "example-zoo"

    @pytest.fixture(autouse=True)
    def _loaded(self, example_zoo: ExampleZoo) -> None:
        self.fake = example_zoo

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        yield Served(["--endpoint", self.fake.url], len(MODELS), self.fake.fail, self.fake.pages)


class Labelled(Source):
    """A hub whose models carry framework tags of its own spelling."""

    name = "labelled-zoo"
    TAGS: ClassVar[dict[str, list[str]]] = {
        "a": ["tensorflow"],
        "b": ["TensorFlow"],  # not its label's spelling: no tag the `tags` definition counts
        "c": ["pytorch", "tensorflow"],
        "d": ["tf"],  # Hugging Face's label, not this hub's
    }

    def params(self) -> dict[str, Any]:
        return {}

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        yield Page([ModelRecord(hub=self.name, key=k, id=k, tags=t) for k, t in self.TAGS.items()], None)


def tags_classes(db: str, hub: str) -> dict[str, str]:
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute("SELECT key, tags_class FROM model_frameworks WHERE hub = ?", [hub]).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_the_tags_definition_reads_each_hubs_own_labels(db: str, saved_registry: None) -> None:
    labels = (("tensorflow", "tensorflow"), ("pytorch", "pytorch"))
    registry.register(Hub(Labelled, label="Labelled", command="labelled-zoo", help="x", frameworks=labels))
    assert crawl(Labelled(), db).status == "complete"
    assert tags_classes(db, "labelled-zoo") == {
        "a": "tensorflow_only",
        "b": "neither",
        "c": "both",
        "d": "neither",
    }
    con = duckdb.connect(db, read_only=True)
    try:
        shown = con.execute(
            "SELECT label, framework FROM hub_framework_labels WHERE hub = 'labelled-zoo' ORDER BY label"
        ).fetchall()
        key = con.execute("SELECT attr_rules_key FROM framework_lookup").fetchone()
    finally:
        con.close()
    assert shown == [("pytorch", "pytorch"), ("tensorflow", "tensorflow")]  # what the definition reads

    # a hub that declares no labels: none of its tags counts; the rules' key changes with the labels
    registry.register(Hub(Labelled, label="Labelled", command="labelled-zoo", help="x", frameworks=()))
    connect(db).close()
    assert set(tags_classes(db, "labelled-zoo").values()) == {"neither"}
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT attr_rules_key FROM framework_lookup").fetchone() != key
    finally:
        con.close()

    # a hub that declares nothing reads Hugging Face's labels, `pytorch` and `tf`
    registry.register(Hub(Labelled, label="Labelled", command="labelled-zoo", help="x"))
    connect(db).close()
    assert tags_classes(db, "labelled-zoo") == {
        "a": "neither",
        "b": "neither",
        "c": "pytorch_only",
        "d": "tensorflow_only",
    }
