"""``zoo crawl pytorch-hub --entrypoints``: hubconf.py files served by a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.sources._http import CONNECT_TIMEOUT
from crawler.sources._net import UNREACHABLE_SECONDS
from tests.clock import VirtualClock
from tests.fakes.gitrepo import GitRepo
from tests.test_pytorch_hub import page

runner = CliRunner()

VISION_HUBCONF = '''\
dependencies = ["torch"]
from torchvision.models.resnet import resnet18, resnet50, resnet101 as resnet_101
from torchvision.models.alexnet import alexnet
import torch
from torch.hub import _private_helper


def vgg16(pretrained=False, **kwargs):
    """VGG 16."""
    return None


def _helper():
    return None


class Wrapper:
    pass


try:
    from torchvision.models.vit import vit_b_16
except ImportError:
    pass

resnet = resnet50
'''
NVIDIA_HUBCONF = (
    "def nvidia_ssd(**kw):\n    return None\n\ndef nvidia_ssd_processing_utils():\n    return None\n"
)


class HubconfServer:
    """Serves ``/<owner>/<repo>/<ref>/hubconf.py`` from a dict, like raw.githubusercontent.com.

    Paths match case-insensitively (GitHub treats owner and repository names so). Every request's path
    and Authorization header is recorded; ``fail_first`` answers 503 that many times before serving.
    """

    def __init__(self, files: dict[str, str], fail_first: dict[str, int] | None = None) -> None:
        self.files = {k.lower(): v for k, v in files.items()}
        self.fail_first = {k.lower(): v for k, v in (fail_first or {}).items()}
        self.seen: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.seen.append((self.path, self.headers.get("Authorization")))
                path = self.path.lower()
                if outer.fail_first.get(path, 0) > 0:
                    outer.fail_first[path] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                body = outer.files.get(path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HubconfServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def loads(repo: str, *names: str) -> str:
    return "".join(f"model = torch.hub.load('{repo}', '{n}', pretrained=True)\n" for n in names)


@pytest.fixture
def catalog(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "hub")
    repo.write("README.md", "# hub\n")
    vision = "pytorch/vision:v0.10.0"
    repo.write("pytorch_vision_resnet.md", page("ResNet", "pytorch/vision", body=loads(vision, "resnet18")))
    # Same repository spelled with another case: one download serves both entries.
    repo.write("pytorch_vision_alexnet.md", page("AlexNet", "Pytorch/Vision", body=loads(vision, "alexnet")))
    # NVIDIA's hubconf.py lives on its `torchhub` branch, which the page's torch.hub.load names.
    nvidia = "NVIDIA/DeepLearningExamples:torchhub"
    repo.write("nvidia_ssd.md", page("SSD", "NVIDIA/DeepLearningExamples", body=loads(nvidia, "nvidia_ssd")))
    repo.write("gone_repo.md", page("Gone", "someone/gone"))
    repo.write("removed_entry.md", page("Removed", "someone/removed"))
    repo.commit("catalog", "2021-01-01T00:00:00+00:00")
    repo.remove("removed_entry.md")
    repo.commit("remove one", "2021-02-01T00:00:00+00:00")
    return repo


@pytest.fixture
def server() -> Iterator[HubconfServer]:
    files = {
        "/pytorch/vision/v0.10.0/hubconf.py": VISION_HUBCONF,
        "/NVIDIA/DeepLearningExamples/torchhub/hubconf.py": NVIDIA_HUBCONF,
    }
    with HubconfServer(files, fail_first={"/pytorch/vision/v0.10.0/hubconf.py": 1}) as srv:
        yield srv


def test_entrypoints_are_parsed_stored_and_reported_apart(
    catalog: GitRepo, server: HubconfServer, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token-123")
    result = runner.invoke(
        app,
        [
            "crawl",
            "pytorch-hub",
            "--repo",
            str(catalog.path),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--db",
            db,
            "--entrypoints",
            "--raw-base",
            server.url,
        ],
    )
    assert result.exit_code == 0, result.output
    # 5 entries ever, 4 live; entrypoints: 8 in pytorch/vision + 2 in NVIDIA = 10, in 2 repositories.
    assert "5 entries (4 live, 1 removed); 10 entrypoints in 2 repositories" in result.output
    assert "approximation" in result.output

    # One download per distinct repository (case-insensitive), after one retried 503; never for removed.
    paths = [p.lower() for p, _ in server.seen]
    assert paths.count("/pytorch/vision/v0.10.0/hubconf.py") == 2
    assert paths.count("/nvidia/deeplearningexamples/torchhub/hubconf.py") == 1
    assert "/someone/gone/head/hubconf.py" in paths
    assert not any("removed" in p for p in paths)
    assert all(auth == "Bearer test-token-123" for _, auth in server.seen)

    con = duckdb.connect(db, read_only=True)
    vision = con.execute(
        "SELECT name, kind, documented FROM pytorch_hub_entrypoints WHERE key = 'pytorch_vision_resnet.md' "
        "ORDER BY name"
    ).fetchall()
    alexnet = con.execute(
        "SELECT DISTINCT github_id, ref FROM pytorch_hub_entrypoints WHERE key = 'pytorch_vision_alexnet.md'"
    ).fetchall()
    documented = con.execute(
        "SELECT key, name FROM pytorch_hub_entrypoints WHERE documented ORDER BY key"
    ).fetchall()
    per_key = dict(con.execute("SELECT key, count(*) FROM pytorch_hub_entrypoints GROUP BY key").fetchall())
    run = con.execute("SELECT requests, warnings, warning_samples FROM crawl_runs").fetchone()
    con.close()
    assert vision == [
        ("Wrapper", "class", False),
        ("alexnet", "import", False),
        ("resnet", "alias", False),
        ("resnet18", "import", True),
        ("resnet50", "import", False),
        ("resnet_101", "import", False),
        ("vgg16", "function", False),
        ("vit_b_16", "import", False),
    ]
    assert alexnet == [("Pytorch/Vision", "v0.10.0")]
    assert documented == [
        ("nvidia_ssd.md", "nvidia_ssd"),
        ("pytorch_vision_alexnet.md", "alexnet"),
        ("pytorch_vision_resnet.md", "resnet18"),
    ]
    assert per_key == {"pytorch_vision_resnet.md": 8, "pytorch_vision_alexnet.md": 8, "nvidia_ssd.md": 2}
    requests, warnings, samples = run
    assert requests >= 1 + 4  # the git sync, plus 4 hubconf attempts (one of them retried)
    assert warnings == 1
    assert "someone/gone" in samples[0] and "404" in samples[0]


def test_without_the_flag_nothing_is_downloaded(
    catalog: GitRepo, server: HubconfServer, db: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["crawl", "pytorch-hub", "--repo", str(catalog.path), "--cache-dir", str(tmp_path / "c"), "--db", db],
    )
    assert result.exit_code == 0, result.output
    assert "entrypoints" not in result.output
    assert server.seen == []


def test_unreachable_raw_base_stops_asking_but_the_crawl_completes(
    catalog: GitRepo, db: str, tmp_path: Path, clock: VirtualClock
) -> None:
    """Virtual waits (the ``clock`` fixture): each unreachable repository is tried again within its
    unreachable window without the test sitting through the backoffs."""
    catalog.write("one_more.md", page("One", "someone/one"))
    catalog.write("two_more.md", page("Two", "someone/two"))
    catalog.commit("two more repositories", "2021-03-01T00:00:00+00:00")
    with HubconfServer({}) as srv:
        dead = srv.url  # a port nobody listens on once the server is closed
    result = runner.invoke(
        app,
        [
            "crawl",
            "pytorch-hub",
            *("--repo", str(catalog.path), "--cache-dir", str(tmp_path / "c"), "--db", db),
            *("--entrypoints", "--raw-base", dead, "--timeout", "2"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0 entrypoints in 0 repositories" in result.output
    con = duckdb.connect(db, read_only=True)
    warnings, samples = con.execute("SELECT warnings, warning_samples FROM crawl_runs").fetchone()
    con.close()
    # 5 repository refs: 3 failures in a row, then one warning for the rest instead of more attempts.
    assert warnings == 4
    assert "2 more repositories was not asked for" in samples[-1]
    # the 3 repositories asked were each tried again, within the unreachable window each
    assert len(clock.waits) >= 3 and sum(clock.waits) <= 3 * (UNREACHABLE_SECONDS - CONNECT_TIMEOUT)
