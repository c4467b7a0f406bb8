"""``zoo crawl tf-hub`` keeps the hub contract (``tests/hub_contract.py``) against a real local git
catalog built here (tests/fakes/gitrepo.py), shaped like tensorflow/tfhub.dev.

As for every git catalog (see ``tests/test_contract_pytorch_hub.py``), everything is read before the
first page is saved, so the unit is the catalog's sync (``failing_unit = 1``): ``fail(1)`` moves the
catalog repository away, ``fail(None)`` puts it back, and the contract counts the pages each run saved.
A first crawl (``prepare``) clones the catalog, which then gains a model; the run that resumes the failed
one fetches into that clone instead of cloning again (checked after the contract's runs). The history
repository is not read (``--no-history``). The hub sends no secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from tests.fakes.gitrepo import MovableCatalog
from tests.hub_contract import HubContract, Served
from tests.test_tf_hub import DOCS, module

HANDLES = ("google/imagenet/resnet_v2_50/classification", "google/nnlm-en-dim50", "tensorflow/bert_en")


class _Catalog(MovableCatalog):
    """The catalog repository, movable out of the way."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.repo.write("README.md", "# tfhub.dev\n")
        self.repo.commit("catalog", "2020-08-26T10:00:00+00:00")
        for handle in HANDLES:
            publisher, _, rest = handle.partition("/")
            self.repo.write(f"{DOCS}/{publisher}/models/{rest}/1.md", module(f"{handle}/1"))
        self.repo.commit("models", "2021-02-01T10:00:00+00:00")


class TestTensorFlowHubContract(HubContract):
    hub = "tf-hub"
    failing_unit = 1

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        catalog = _Catalog(tmp_path / "tfhub.dev")
        cache = tmp_path / "cache"
        args = ["--repo", catalog.url, "--cache-dir", str(cache), "--no-history"]

        def first_crawl(db: str) -> None:
            result = CliRunner().invoke(app, ["crawl", "tf-hub", *args, "--db", db])
            assert result.exit_code == 0, result.output
            [clone] = cache.glob("*.git")
            (clone / "zoo-test-marker").write_text("the first crawl's clone")
            catalog.repo.write(f"{DOCS}/google/models/albert_en_base/1.md", module("google/albert_en_base/1"))
            catalog.repo.commit("one more model", "2021-03-01T10:00:00+00:00")

        yield Served(args, len(HANDLES) + 1, catalog.fail, None, prepare=first_crawl, pages=1)
        assert [c.name for c in cache.glob("*.git/zoo-test-marker")], "the clone was made again"
