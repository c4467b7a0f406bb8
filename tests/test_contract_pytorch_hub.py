"""``zoo crawl pytorch-hub`` keeps the hub contract (``tests/hub_contract.py``) against a real local git
catalog built here (tests/fakes/gitrepo.py), with ``--entrypoints`` read from a local hubconf.py server
(the GitHub token, the hub's secret, is sent there).

A git catalog reads everything before it saves its first page (clone or fetch, history, blobs, and the
hubconf.py files), and its pages are cut from what it read: no request can fail between two pages. So
its unit is the catalog's sync (``failing_unit = 1``): ``fail(1)`` moves the catalog repository away (a
repository gone: the fetch fails for good), ``fail(None)`` puts it back. git's requests to a local
repository cannot be counted, so the contract counts the pages each run saved (``Served.pages``).

The work a git catalog saves besides its pages is its cached clone: a first crawl (``prepare``) clones
the catalog, which then gains an entry; the contract's failed run cannot fetch it, and the run that
resumes it fetches into the same clone instead of cloning again (checked after the contract's runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from tests.fakes.gitrepo import MovableCatalog
from tests.hub_contract import HubContract, Served
from tests.test_pytorch_hub import page
from tests.test_pytorch_hub_entrypoints import HubconfServer

ENTRIES = {
    "pytorch_vision_resnet.md": page("ResNet"),
    "pytorch_vision_vgg.md": page("vgg-nets"),
    "nvidia_deeplearningexamples_ssd.md": page("SSD", "NVIDIA/DeepLearningExamples"),
}


class _Catalog(MovableCatalog):
    """The catalog repository, movable out of the way."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.repo.write("README.md", "# PyTorch Hub\n")
        self.repo.commit("Create README.md", "2019-04-23T15:12:21-07:00")
        for name, text in ENTRIES.items():
            self.repo.write(name, text)
        self.repo.commit("entries", "2019-05-29T13:42:32-07:00")


class TestPyTorchHubContract(HubContract):
    hub = "pytorch-hub"
    failing_unit = 1

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        catalog = _Catalog(tmp_path / "hub")
        cache = tmp_path / "cache"
        hubconf = HubconfServer({"/pytorch/vision/HEAD/hubconf.py": "def resnet18():\n    return None\n"})
        with hubconf:
            args = [
                "--repo", catalog.url, "--cache-dir", str(cache),
                "--entrypoints", "--raw-base", hubconf.url,
            ]  # fmt: skip

            def first_crawl(db: str) -> None:
                result = CliRunner().invoke(app, ["crawl", "pytorch-hub", *args, "--db", db])
                assert result.exit_code == 0, result.output
                [clone] = cache.glob("*.git")
                (clone / "zoo-test-marker").write_text("the first crawl's clone")
                catalog.repo.write("pytorch_vision_alexnet.md", page("AlexNet"))
                catalog.repo.commit("one more entry", "2020-01-10T09:00:00+00:00")

            yield Served(args, len(ENTRIES) + 1, catalog.fail, None, prepare=first_crawl, pages=1)
        assert [c.name for c in cache.glob("*.git/zoo-test-marker")], "the clone was made again"
