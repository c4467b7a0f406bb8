"""``zoo crawl pytorch-hub`` keeps the hub contract (``tests/hub_contract.py``) against a real local git
catalog built here (tests/fakes/gitrepo.py), with ``--entrypoints`` read from a local hubconf.py server
(the GitHub token, the hub's secret, is sent there).

A git catalog reads everything before it saves its first page (clone or fetch, history, blobs, and the
hubconf.py files), and its pages are cut from what it read: no request can fail between two pages. So
its unit is the catalog's sync (``failing_unit = 1``): ``fail(1)`` moves the catalog repository away (a
repository gone: the clone fails for good), ``fail(None)`` puts it back. git's requests to a local
repository cannot be counted, so the contract counts the pages each run saved (``Served.pages``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.gitrepo import GitRepo
from tests.hub_contract import HubContract, Served
from tests.test_pytorch_hub import page
from tests.test_pytorch_hub_entrypoints import HubconfServer

ENTRIES = {
    "pytorch_vision_resnet.md": page("ResNet"),
    "pytorch_vision_vgg.md": page("vgg-nets"),
    "nvidia_deeplearningexamples_ssd.md": page("SSD", "NVIDIA/DeepLearningExamples"),
}


class _Catalog:
    """The catalog repository, movable out of the way."""

    def __init__(self, path: Path) -> None:
        self.repo = GitRepo(path)
        self.repo.write("README.md", "# PyTorch Hub\n")
        self.repo.commit("Create README.md", "2019-04-23T15:12:21-07:00")
        for name, text in ENTRIES.items():
            self.repo.write(name, text)
        self.repo.commit("entries", "2019-05-29T13:42:32-07:00")
        self.away = path.with_name(path.name + "-gone")

    def fail(self, unit: int | None) -> None:
        assert unit in (1, None)
        if unit == 1:
            self.repo.path.rename(self.away)
        elif self.away.exists():
            self.away.rename(self.repo.path)


class TestPyTorchHubContract(HubContract):
    hub = "pytorch-hub"
    failing_unit = 1

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        catalog = _Catalog(tmp_path / "hub")
        hubconf = HubconfServer({"/pytorch/vision/HEAD/hubconf.py": "def resnet18():\n    return None\n"})
        with hubconf:
            args = [
                "--repo", str(catalog.repo.path), "--cache-dir", str(tmp_path / "cache"),
                "--entrypoints", "--raw-base", hubconf.url,
            ]  # fmt: skip
            yield Served(args, len(ENTRIES), catalog.fail, None, pages=1)
