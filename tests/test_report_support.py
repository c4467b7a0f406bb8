"""A demo database for the report, notebook and API tests (no tests here), built only from local fakes:
the fake Hugging Face Hub over a few simulated nights, a local pytorch/hub-like git repository with dated
commits, and the fake Kaggle API. TF Hub and Papers with Code stay "not crawled" on purpose.

Also a script, to look at the report by hand::

    .venv/bin/python -m tests.test_report_support /tmp/demo.duckdb
    .venv/bin/zoo report --db /tmp/demo.duckdb --out /tmp/report.html
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.crawl import crawl
from crawler.sources._http import RetryPolicy
from crawler.sources._net import HF_POLICY
from crawler.sources.huggingface import HuggingFaceSource
from crawler.sources.kaggle import KaggleCredentials, KaggleSource
from crawler.sources.pytorch_hub import PyTorchHubSource
from crawler.store import connect
from tests.conftest import built_once, isolated_settings
from tests.fakes.gitrepo import GitRepo
from tests.fakes.hub import FakeHub, evolve, make_models
from tests.fakes.kaggle import FakeKaggle, make_kaggle_models

NIGHT0 = date(2026, 11, 1)
NIGHTS = 3  # night 0 and this many evolutions
HF_MODELS = 2000
KAGGLE_MODELS = 60
#: (file, title, landed on the branch, removed) of the demo PyTorch Hub catalog
PYTORCH_HUB_ENTRIES = [
    ("pytorch_vision_resnet.md", "ResNet", "2019-06-10", None),
    ("pytorch_vision_vgg.md", "vgg-nets", "2019-06-10", None),
    ("pytorch_vision_alexnet.md", "AlexNet", "2019-06-10", None),
    ("facebookresearch_pytorch-gan-zoo_pgan.md", "Progressive Growing of GANs", "2019-07-01", None),
    ("huggingface_pytorch-transformers.md", "PyTorch-Transformers", "2019-08-01", "2021-03-01"),
    ("nvidia_deeplearningexamples_tacotron2.md", "Tacotron 2", "2019-09-15", None),
    ("pytorch_vision_mobilenet_v2.md", "MobileNet v2", "2020-02-01", None),
    ("ultralytics_yolov5.md", "YOLOv5", "2020-07-01", None),
    ("facebookresearch_WSL-Images_resnext.md", "ResNext WSL", "2020-09-01", None),
    ("snakers4_silero-models_stt.md", "Silero Speech-To-Text Models", "2021-01-10", None),
    ("pytorch_vision_ghostnet.md", "GhostNet", "2021-05-01", None),
    ("hustvl_yolop.md", "YOLOP", "2021-09-01", None),
    ("nvidia_deeplearningexamples_efficientnet.md", "EfficientNet", "2022-03-01", None),
    (
        "facebookresearch_semi-supervised-ImageNet1K-models_resnext.md",
        "Semi-supervised ResNext",
        "2022-06-01",
        None,
    ),
    ("intelisl_midas_v2.md", "MiDaS", "2023-02-01", None),
]


def night_time(n: int) -> datetime:
    return datetime.combine(NIGHT0 + timedelta(days=n), datetime.min.time(), tzinfo=timezone.utc) + timedelta(
        hours=3
    )


def _date_run(db: str, run_id: int, when: datetime) -> None:
    """Give a run the dates of the simulated night it stands for."""
    con = connect(db)
    try:
        con.execute(
            "UPDATE crawl_runs SET started_at = ?, finished_at = CASE WHEN finished_at IS NULL THEN NULL "
            "ELSE ? END WHERE run_id = ?",
            [when, when + timedelta(minutes=30), run_id],
        )
    finally:
        con.close()


def _entry(title: str, github_id: str) -> str:
    return (
        f"---\nlayout: hub_detail\ntitle: {title}\nsummary: {title} model\ncategory: researchers\n"
        f"author: Someone\ntags: [vision]\ngithub-link: https://github.com/{github_id}\n"
        f"github-id: {github_id}\naccelerator: cuda-optional\n---\n\nBody of {title}.\n"
    )


def make_pytorch_hub_catalog(path: Path) -> GitRepo:
    """A pytorch/hub-like repository: one commit per landing or removal date, in date order."""
    repo = GitRepo(path)
    repo.write("README.md", "# PyTorch Hub\n")
    repo.write("docs/template.md", _entry("Template", "pytorch/hub"))
    repo.commit("initial", "2019-05-24T16:00:00+00:00")
    events: dict[str, list[tuple[str, str, str | None]]] = {}
    for file, title, landed, removed in PYTORCH_HUB_ENTRIES:
        events.setdefault(landed, []).append(("add", file, title))
        if removed:
            events.setdefault(removed, []).append(("rm", file, None))
    for day in sorted(events):
        for kind, file, title in events[day]:
            if kind == "add":
                owner_repo = file.removesuffix(".md").split("_", 1)
                repo.write(file, _entry(str(title), f"{owner_repo[0]}/{owner_repo[-1]}"))
            else:
                repo.remove(file)
        repo.commit(f"catalog changes of {day}", f"{day}T12:00:00+00:00")
    return repo


def build_demo_db(db: str, workdir: Path) -> str:
    """Crawl the fakes into ``db``: Hugging Face on nights 0…NIGHTS, PyTorch Hub and Kaggle on the last
    night. Returns ``db``."""
    workdir.mkdir(parents=True, exist_ok=True)
    nights = [make_models(HF_MODELS, seed=23)]
    for n in range(1, NIGHTS + 1):
        nights.append(evolve(nights[-1], n, seed=23, add_share=0.02)[0])
    with FakeHub(nights[0]) as hub:
        for n, models in enumerate(nights):
            hub.set_models(models)
            result = crawl(
                HuggingFaceSource(
                    hub.url, policy=replace(HF_POLICY, backoff_base=0.05, json_retry_wait=0.05)
                ),
                db,
            )
            assert result.status == "complete", result.error
            _date_run(db, result.run_id, night_time(n))

    repo = make_pytorch_hub_catalog(workdir / "pytorch-hub")
    result = crawl(PyTorchHubSource(str(repo.path), cache_dir=workdir / "git-cache"), db)
    assert result.status == "complete", result.error
    _date_run(db, result.run_id, night_time(NIGHTS) + timedelta(hours=1))

    with FakeKaggle(make_kaggle_models(KAGGLE_MODELS, seed=5)) as fake:
        assert fake.token is not None
        source = KaggleSource(
            fake.url,
            KaggleCredentials("bearer", fake.token, origin="test"),
            policy=RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, timeout=5.0),
        )
        result = crawl(source, db)
        assert result.status == "complete", result.error
        _date_run(db, result.run_id, night_time(NIGHTS) + timedelta(hours=2))
    return db


def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo database, built once per test session (about 4 s of CPU) by whichever module, in whichever
    worker, asks first (``built_once``). Tests must only read it: workers share the file. Use it from a
    session fixture of the test module::

        @pytest.fixture(scope="session")
        def demo_db(tmp_path_factory):
            return demo_database(tmp_path_factory)
    """

    def build(work: Path) -> None:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in isolated_settings().items():  # conftest isolates tests, not this
                if value is None:
                    mp.delenv(name, raising=False)
                else:
                    mp.setenv(name, value)
            mp.setenv("HOME", str(work / "home"))
            mp.setenv("HF_HOME", str(work / "hf_home"))
            mp.setenv("XDG_CACHE_HOME", str(work / "cache"))
            build_demo_db(str(work / "demo.duckdb"), work)

    db = built_once(tmp_path_factory, "demo", build) / "demo.duckdb"
    assert db.exists()
    return str(db)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "demo.duckdb"
    build_demo_db(target, Path(tempfile.mkdtemp(prefix="zoo-demo-")))
    print(f"demo database written to {target}")
