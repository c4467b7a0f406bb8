"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 that serves ``GET /api/models`` like the Hub.

What it copies from the real API:

* pages capped at 1,000 items (``limit``), an absolute ``Link: <…>; rel="next"`` with an opaque cursor;
* ``sort=createdAt`` served newest first, and a cursor that is a keyset position (the ``createdAt`` and
  ``_id`` of the page's last model, not an offset), so models created during a crawl do not shift later
  pages, and the same cursor may be asked again with another ``limit``;
* with ``expand``, only ``_id``, ``id`` and the requested keys; a 400 for an unknown expand value, and
  for ``baseModels``, ``childrenModelCount`` and ``usedStorage``, which only a single model's info takes;
* the ``createdAt`` placeholder of legacy repos as the real Hub gives it: ``2022-03-02T23:29:04.000Z`` or
  ``2022-03-02T23:29:05.000Z``, most at ``:05`` (:data:`PLACEHOLDERS`; recorded real answers show 6 legacy
  repos at ``:04`` and 21 at ``:05``, so 2 of every 9 legacy models here are at ``:04``), with an ``_id``
  shaped like the recorded legacy ids: its first 4 bytes the same instant (``621ffdc0`` / ``621ffdc1``),
  then ``36468d709f`` and a 3-byte counter (:func:`legacy_object_id`);
* a fixed-window quota answered with 429 and ``RateLimit: "api";r=0;t=N`` plus ``RateLimit-Policy``
  (the values' form as recorded from the real Hub: ``"api";r=0;t=55`` with ``"fixed window";"api";q=500;
  w=300``); on demand (``Faults.limit_next``) a 429 with other headers or none, as a CDN in front of the
  Hub answers (no ``RateLimit``, maybe a ``Retry-After``);
* no ``X-Total-Count`` on listing pages: no recorded real listing answer carries one, and clients never
  read it there (only the commits endpoint sends it);
* private repos (``"private": true``) listed only to their owner: with ``tokens`` ({token: user name}), a
  request whose ``Authorization: Bearer <token>`` names a known token also lists that user's private
  models (``author`` = the user), as the Hub lists the token owner's private repos; an unknown token is
  answered 401 ``Invalid credentials in Authorization header``. Without ``tokens`` any token is accepted
  (a signed-in user the fake knows no name for) and no private model is listed to anyone;
* ``siblings`` (the repo's files, ``[{"rfilename": "path/in/repo"}, …]``) only when ``expand=siblings``
  is asked, as the real listing does (it serves the file names from its cache, nothing else). A model's
  ``siblings`` is kept here as a tuple of names (compact for a million models) and served as objects; an
  element that is already a dict is served as it is (tests use that for odd shapes);
* on demand: 5xx, truncated bodies (short JSON, or a connection cut before the declared length), hangs,
  and the Hub's ``504 Gateway Time-out`` on deep cursor pages asked with a large ``limit``
  (``Faults.deep_504``);
* the commits of a repo, ``GET /api/models/{repo_id}/commits/{revision}`` (see :meth:`FakeHub.commits_page`):
  newest first, ``limit`` up to 1,000 (400 above), page ``p`` (from 0), the total in ``X-Total-Count``,
  an absolute ``Link: <…>; rel="next"``; the oldest commit is the Hub's ``initial commit`` by ``system``,
  made when the repo was created. A legacy repo (``createdAt`` a placeholder) has a hidden true creation
  date (:func:`true_created_at`), drawn from the 2018–2022-03-02 distribution of real legacy repos. The
  error answers are those the real Hub gave (recorded answers, copied in :meth:`FakeHub.commits_page`):
  a name a repo no longer has answers 307 with a relative ``Location`` (query kept) and a text body; a
  repo an anonymous client may not see (missing, deleted, private) 401 ``Invalid username or password.``
  without ``X-Error-Code``, a signed-in one 404 ``RepoNotFound``; a gated repo's commits 401
  ``GatedRepo`` anonymously; an unknown revision 404 ``RevisionNotFound``. The endpoint counts against
  the same quota as the listing.

The synthetic models (``make_models``) carry files derived from their framework profile, as on the Hub,
where the framework tags are themselves derived from the files; a share of repos show their framework
only in their files (no framework tag, no library). ``evolve`` pushes new commits to some repos each night
(a new ``sha``, and sometimes new files: the safetensors conversion adds ``model.safetensors``).

Used by the tests and by ``bench/``. It never touches the network beyond loopback.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import random
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

#: The legacy placeholder ``createdAt`` values, as recorded real answers give them (written here, not
#: imported from zoo, so that the fake says what the Hub says whatever zoo believes).
PLACEHOLDERS = ("2022-03-02T23:29:04.000Z", "2022-03-02T23:29:05.000Z")
_PLACEHOLDER_DTS = tuple(datetime.fromisoformat(p) for p in PLACEHOLDERS)
#: Which placeholder the k-th legacy model of make_models gets (index into PLACEHOLDERS): 2 of 9 at :04.
_LEGACY_SECONDS = (0, 1, 1, 1, 0, 1, 1, 1, 1)
#: The 3-byte counters of recorded legacy ids start near these (0x174328 at :04, 0x17a20e at :05).
_LEGACY_COUNTER_BASE = (0x174328, 0x17A20E)


def is_legacy(model: dict) -> bool:
    """True if the model's ``createdAt`` is a legacy placeholder."""
    return model.get("createdAt") in PLACEHOLDERS


EXPANDABLE = {
    "author",
    "cardData",
    "config",
    "createdAt",
    "disabled",
    "downloads",
    "downloadsAllTime",
    "evalResults",
    "gated",
    "gguf",
    "inference",
    "inferenceProviderMapping",
    "lastModified",
    "library_name",
    "likes",
    "mask_token",
    "model-index",
    "pipeline_tag",
    "private",
    "resourceGroup",
    "safetensors",
    "sha",
    "siblings",
    "spaces",
    "tags",
    "transformersInfo",
    "trendingScore",
    "widgetData",
}
#: Valid in a single model's ``expand`` (``model_info``) but refused by the listing, as on the real Hub.
NOT_IN_LISTING = {"baseModels", "childrenModelCount", "usedStorage"}
DEFAULT_FIELDS = ["likes", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt"]
MAX_LIMIT = 1000


def iso(dt: datetime) -> str:
    """As JavaScript's ``toISOString`` writes it: UTC, milliseconds, ``Z``, four-digit years (year 1 too)."""
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def object_id(dt: datetime, counter: int) -> str:
    """A Mongo-style ``_id``: 4 bytes of timestamp, then 8 bytes that make it unique."""
    return f"{int(dt.timestamp()):08x}{counter:016x}"


def legacy_object_id(which: int, counter: int) -> str:
    """A legacy repo's ``_id`` as recorded: the placeholder ``PLACEHOLDERS[which]`` as the 4-byte timestamp,
    ``36468d709f``, then a 3-byte counter (``counter`` from the recorded range's start)."""
    return (
        f"{int(_PLACEHOLDER_DTS[which].timestamp()):08x}36468d709f{_LEGACY_COUNTER_BASE[which] + counter:06x}"
    )


# Framework profiles: (weight, tags, library_name). The tags are what the Hub derives from files.
PROFILES: list[tuple[float, list[str], str | None]] = [
    (0.40, ["transformers", "pytorch", "safetensors"], "transformers"),
    (0.12, ["pytorch"], None),
    (0.06, ["transformers", "tf"], "transformers"),
    (0.05, ["transformers", "pytorch", "tf"], "transformers"),
    (0.03, ["transformers", "jax"], "transformers"),
    (0.02, ["transformers", "pytorch", "tf", "jax"], "transformers"),
    (0.14, ["safetensors"], "diffusers"),
    (0.03, ["gguf"], "gguf"),
    (0.02, ["tf-keras"], "tf-keras"),
    (0.02, ["keras"], "keras"),
    (0.02, ["onnx"], None),
    (0.09, [], None),
]
PIPELINES = ["text-classification", "text-generation", "fill-mask", "image-classification", None]

# ------------------------------------------------------------------------------------------ repo files
#
# Each profile's files are those from which the Hub derives its tags (pytorch_model.bin → `pytorch`,
# tf_model.h5 → `tf`, flax_model.msgpack → `jax`, *.safetensors → `safetensors`, *.gguf → `gguf`,
# *.onnx → `onnx`), plus what real repos carry beside them: .gitattributes, README.md, config.json,
# tokenizer files, sometimes training logs, images and checkpoint folders. Most repos get 5–30 files;
# about 3 % get checkpoint folders or shards, up to a few hundred files.

_NAMES: dict[str, str] = {}


def _n(name: str) -> str:
    """One shared string per distinct name: a million models share a few thousand file names."""
    return _NAMES.setdefault(name, name)


_TOKENIZERS = [
    ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
    ("vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
    ("tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"),
    ("spiece.model", "tokenizer_config.json", "special_tokens_map.json"),
    ("preprocessor_config.json",),
]
_GGUF_STEMS = ["llama-3-8b-instruct", "mistral-7b-v0.3", "qwen2.5-7b", "phi-3-mini-4k", "gemma-2-9b-it"]
_GGUF_QUANTS = ["Q2_K", "Q3_K_M", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "f16"]
_DIFFUSERS_PIPELINE = (
    "model_index.json",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "tokenizer/merges.txt",
    "tokenizer/special_tokens_map.json",
    "tokenizer/tokenizer_config.json",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
)
_SAVED_MODEL = (
    "saved_model.pb",
    "keras_metadata.pb",
    "fingerprint.pb",
    "variables/variables.index",
    "variables/variables.data-00000-of-00001",
)

#: Repos whose framework shows only in their files (no framework tag, no library_name): the share of
#: the tag-less profile, and their files. ``None`` = only a card and a few non-weight files.
FILES_ONLY: list[tuple[float, tuple[str, ...] | None]] = [
    (0.30, None),
    (0.12, ("model.pt",)),
    (0.05, ("weights/best.pt", "weights/last.pt")),
    (0.05, ("checkpoint_epoch_10.pth", "config.yaml")),
    (0.07, ("last.ckpt", "hparams.yaml")),
    (0.07, _SAVED_MODEL),
    (0.05, ("model.tflite", "labels.txt")),
    (0.04, ("model.ckpt.index", "model.ckpt.data-00000-of-00001", "model.ckpt.meta", "checkpoint")),
    (0.04, ("model.h5",)),
    (0.04, ("model.keras",)),
    (0.03, ("flax_model.msgpack", "config.json")),
    (
        0.03,
        (
            "Model.mlpackage/Manifest.json",
            "Model.mlpackage/Data/com.apple.CoreML/model.mlmodel",
            "Model.mlpackage/Data/com.apple.CoreML/weights/weight.bin",
        ),
    ),
    (0.02, ("model.mlmodel",)),
    (0.03, ("openvino_model.xml", "openvino_model.bin", "config.json")),
    (0.02, ("model.xml", "model.bin")),
    (0.02, ("ggml-model-q4_0.bin",)),
    (0.02, ("model.bin", "config.json", "vocabulary.txt")),
]


def _card(frng: random.Random) -> list[str]:
    files = [".gitattributes"]
    if frng.random() < 0.92:
        files.append("README.md")
    if frng.random() < 0.08:
        files += [f"images/example_{k}.png" for k in range(1, 1 + frng.randrange(1, 6))]
    return files


def _transformers(frng: random.Random, weights: list[str], *, trained: float = 0.3) -> list[str]:
    files = _card(frng) + ["config.json"]
    files += _TOKENIZERS[frng.randrange(len(_TOKENIZERS))]
    if frng.random() < 0.4:
        files.append("generation_config.json")
    files += weights
    if frng.random() < trained:
        files.append("training_args.bin")
        if frng.random() < 0.3:
            stamp = f"{frng.randrange(1, 13):02d}-{frng.randrange(1, 29):02d}_{frng.randrange(24):02d}-00"
            host = f"host{frng.randrange(1000)}"
            files.append(f"runs/{stamp}_{host}/events.out.tfevents.{frng.getrandbits(30)}.{host}.0")
    if frng.random() < 0.03:  # checkpoint folders: a few repos have hundreds of files
        step = 500 * frng.randrange(1, 5)
        for k in range(1, 2 + frng.randrange(40)):
            d = f"checkpoint-{k * step}/"
            files += [
                d + f
                for f in (
                    "config.json",
                    "model.safetensors",
                    "optimizer.pt",
                    "scheduler.pt",
                    "rng_state.pth",
                    "trainer_state.json",
                    "training_args.bin",
                )
            ]
    return files


def _weights(frng: random.Random, stem: str, ext: str, shards: int) -> list[str]:
    if shards <= 1:
        return [f"{stem}.{ext}"]
    index = [f"{stem}.{ext}.index.json"]
    return index + [f"{stem}-{k:05d}-of-{shards:05d}.{ext}" for k in range(1, shards + 1)]


def make_files(profile: int, frng: random.Random) -> tuple[str, ...]:
    """The file names of one synthetic repo of ``PROFILES[profile]``, drawn from ``frng``."""
    shards = frng.choice((2, 3, 4, 5, 8, 15)) if frng.random() < 0.08 else 1
    if profile == 0:  # transformers, pytorch, safetensors
        files = _transformers(
            frng,
            _weights(frng, "pytorch_model", "bin", shards) + _weights(frng, "model", "safetensors", shards),
        )
    elif profile == 1:  # pytorch_model.bin without a library
        files = _card(frng) + (["config.json"] if frng.random() < 0.6 else []) + ["pytorch_model.bin"]
    elif profile == 2:
        files = _transformers(frng, ["tf_model.h5"], trained=0.0)
    elif profile == 3:
        files = _transformers(frng, ["pytorch_model.bin", "tf_model.h5"])
    elif profile == 4:
        files = _transformers(frng, ["flax_model.msgpack"], trained=0.0)
    elif profile == 5:
        files = _transformers(frng, ["pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"])
    elif profile == 6:  # diffusers: a pipeline, or a LoRA
        if frng.random() < 0.6:
            files = _card(frng) + list(_DIFFUSERS_PIPELINE)
        else:
            files = _card(frng) + ["pytorch_lora_weights.safetensors", "image_0.png"]
    elif profile == 7:  # GGUF quantisations
        stem = frng.choice(_GGUF_STEMS)
        files = _card(frng) + [f"{stem}.{q}.gguf" for q in frng.sample(_GGUF_QUANTS, frng.randrange(1, 9))]
    elif profile == 8:  # tf-keras SavedModel (push_to_hub_keras)
        files = _card(frng) + list(_SAVED_MODEL) + (["model.png"] if frng.random() < 0.4 else [])
    elif profile == 9:  # Keras 3: a .keras archive, or a keras-hub preset
        if frng.random() < 0.5:
            files = _card(frng) + ["model.keras", "config.json", "metadata.json"]
        else:
            files = _card(frng) + [
                "config.json",
                "metadata.json",
                "model.weights.h5",
                "tokenizer.json",
                "assets/tokenizer/vocabulary.spm",
            ]
    elif profile == 10:  # ONNX exports
        files = _card(frng) + [
            "config.json",
            "tokenizer.json",
            "onnx/model.onnx",
            "onnx/model_quantized.onnx",
        ]
    else:  # no framework tag, no library: the files alone may tell
        weights = [w for w, _ in FILES_ONLY]
        extra = FILES_ONLY[frng.choices(range(len(FILES_ONLY)), weights=weights)[0]][1]
        files = _card(frng) + list(extra or ())
        if extra is None and frng.random() < 0.5:
            files += ["config.json", "results.txt"]
    return tuple(_n(f) for f in files)


def make_models(n: int, seed: int = 0, *, sentinel_share: float = 0.15, start_year: int = 2020) -> list[dict]:
    """``n`` synthetic models with full fields, deterministic for a seed, newest first."""
    rng = random.Random(seed)
    weights = [p[0] for p in PROFILES]
    start = datetime(2022, 3, 3, tzinfo=timezone.utc)
    span = (datetime(2026, 11, 1, tzinfo=timezone.utc) - start).total_seconds()
    profiles = rng.choices(range(len(PROFILES)), weights=weights, k=n)
    # Files come from their own stream, so the other fields stay what they were for a seed.
    frng = random.Random(seed * 1_000_003 + 0xF11E5)
    out = []
    legacy = 0
    for i in range(n):
        _, tags, library = PROFILES[profiles[i]]
        which: int | None = None
        if rng.random() < sentinel_share:
            which = _LEGACY_SECONDS[legacy % len(_LEGACY_SECONDS)]
            legacy += 1
            created = _PLACEHOLDER_DTS[which]
        else:
            created = start + timedelta(seconds=int(rng.random() * span), milliseconds=rng.randrange(1000))
        author = f"org{rng.randrange(max(1, n // 20))}"
        modified = created + timedelta(days=rng.randrange(400))
        downloads = int(rng.paretovariate(1.2)) - 1
        model = {
            "_id": object_id(created, i) if which is None else legacy_object_id(which, i),
            "id": f"{author}/model-{i}",
            "author": author,
            "createdAt": iso(created) if which is None else PLACEHOLDERS[which],
            "lastModified": iso(modified),
            "tags": [*tags, "en", "region:us"],
            "pipeline_tag": PIPELINES[i % len(PIPELINES)],
            "downloads": downloads,
            "downloadsAllTime": downloads * 3 + rng.randrange(10),
            "likes": rng.randrange(5),
            "private": False,
            "gated": False if i % 17 else "auto",
            "sha": f"{rng.getrandbits(160):040x}",
            "siblings": make_files(profiles[i], frng),
        }
        if library is not None:
            model["library_name"] = library
        if model["pipeline_tag"] is None:
            del model["pipeline_tag"]
        out.append(model)
    out.sort(key=lambda m: (m["createdAt"], m["_id"]), reverse=True)
    return out


#: When legacy repos (created before 2022-03-02T23:29:04Z, whose ``createdAt`` is a placeholder) were
#: really created: repos per month in a listing of 2022 that still had true dates (2 significant digits).
#: Synthetic legacy repos draw their hidden creation date from it.
LEGACY_MONTHS: tuple[tuple[str, int], ...] = (
    ("2018-11", 7), ("2019-01", 1), ("2019-02", 4), ("2019-05", 1), ("2019-06", 7), ("2019-07", 10),
    ("2019-08", 8), ("2019-09", 2), ("2019-10", 4), ("2019-11", 11), ("2019-12", 43), ("2020-01", 47),
    ("2020-02", 53), ("2020-03", 170), ("2020-04", 1000), ("2020-05", 350), ("2020-06", 280),
    ("2020-07", 330), ("2020-08", 620), ("2020-09", 430), ("2020-10", 420), ("2020-11", 330),
    ("2020-12", 490), ("2021-01", 500), ("2021-02", 770), ("2021-03", 1400), ("2021-04", 1300),
    ("2021-05", 950), ("2021-06", 1000), ("2021-07", 1800), ("2021-08", 2000), ("2021-09", 2300),
    ("2021-10", 2100), ("2021-11", 2400), ("2021-12", 2900), ("2022-01", 2900), ("2022-02", 3600),
    ("2022-03", 290),
)  # fmt: skip
_LEGACY_CUMULATIVE = list(itertools.accumulate(n for _, n in LEGACY_MONTHS))


def _model_rng(model: dict) -> random.Random:
    """A generator seeded by the repo's ``_id``: its hidden facts do not depend on list order or seed."""
    return random.Random(int(hashlib.sha256(model["_id"].encode()).hexdigest()[:16], 16))


def true_created_at(model: dict) -> datetime:
    """When the repo was really created: ``_created`` if the test set one, its ``createdAt`` if that is
    not a placeholder, else a date drawn (per ``_id``) from :data:`LEGACY_MONTHS`, before its placeholder."""
    if "_created" in model:
        return datetime.fromisoformat(model["_created"])
    if not is_legacy(model):
        return datetime.fromisoformat(model["createdAt"])
    rng = _model_rng(model)
    month = LEGACY_MONTHS[bisect_left(_LEGACY_CUMULATIVE, rng.randrange(_LEGACY_CUMULATIVE[-1]) + 1)][0]
    start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
    end = (
        datetime.fromisoformat(model["createdAt"])
        if month == "2022-03"
        else (start + timedelta(days=32)).replace(day=1)
    )
    return start + timedelta(milliseconds=rng.randrange(int((end - start).total_seconds() * 1000)))


def commit_history(model: dict) -> list[dict]:
    """The repo's commits as the Hub lists them, newest first (fields of ``list_repo_commits`` items).

    ``_commits`` (a test's choice; else a few, drawn per ``_id``) commits from :func:`true_created_at`
    to ``lastModified``; the head is the listing's ``sha``. The oldest is ``initial commit`` by
    ``system``, unless the test set ``_first_title`` / ``_first_date`` (a rewritten history).
    """
    rng = _model_rng(model)
    n = int(model.get("_commits", 1 + min(40, int(rng.paretovariate(1.2)))))
    created = true_created_at(model)
    last = max(created, datetime.fromisoformat(model.get("lastModified") or iso(created)))
    out = []
    for i in range(n):  # i = 0 is the oldest
        when = created + (last - created) * (i / (n - 1) if n > 1 else 0)
        commit_id = hashlib.sha1(f"{model['_id']}:{i}".encode()).hexdigest()
        title, user = f"Upload {i}", model.get("author") or "user"
        if i == 0:
            title, user = model.get("_first_title", "initial commit"), "system"
            if "_first_date" in model:
                when = datetime.fromisoformat(model["_first_date"])
        if i == n - 1 and model.get("sha"):
            commit_id = model["sha"]
        out.append(
            {
                "id": commit_id,
                "title": title,
                "message": "",
                "authors": [{"user": user, "avatar": f"https://cdn-avatars.example/{user}.png"}],
                "date": iso(when),
            }
        )
    return out[::-1]


@dataclass
class Faults:
    """What the server does wrong. Lists are consumed one request at a time; rates use ``rng``."""

    status_next: deque[int] = field(default_factory=deque)  # e.g. [503, 502]: the next responses' codes
    truncate_next: int = 0  # the next N pages are cut short (invalid JSON, correct length)
    cut_next: int = 0  # the next N pages announce a length, then close the connection early
    hang_next: int = 0  # the next N requests sleep ``hang_seconds`` before answering
    hang_seconds: float = 5.0
    error_rate: float = 0.0  # share of requests answered 503
    truncate_rate: float = 0.0  # share of pages sent truncated
    bad_json_always: bool = False  # every page is invalid JSON
    quota: tuple[int, int] | None = None  # (requests, window seconds): a fixed-window rate limit
    latency: float = 0.0  # seconds added to every request
    #: (depth, largest limit): a listing page that starts at least ``depth`` models deep and asks for more
    #: than ``largest limit`` models answers 504 Gateway Time-out, as deep cursor pages of the Hub do
    deep_504: tuple[int, int] | None = None
    #: the next requests are answered 429 with exactly these headers each (``{}``: no ``RateLimit`` and
    #: no ``Retry-After``, as a CDN's 429 comes; ``{"Retry-After": "2"}``)
    limit_next: deque[dict[str, str]] = field(default_factory=deque)
    #: headers added to every successful answer (a hostile ``RateLimit`` on a 200, say)
    page_headers: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(1234))

    def __post_init__(self) -> None:
        self.status_next = deque(self.status_next)
        self.limit_next = deque(self.limit_next)


class FakeHub:
    """A fake Hub around a list of models (full dicts, any order). Start it with ``with FakeHub(...)``."""

    def __init__(
        self, models: list[dict], *, faults: Faults | None = None, tokens: dict[str, str] | None = None
    ) -> None:
        self.faults = faults or Faults()
        self.tokens = tokens
        self.requests: list[tuple[str, int]] = []  # (path+query, status)
        self.authorizations: list[str | None] = []  # the Authorization header of each request
        self._lock = threading.Lock()
        # The quota window's time: a test that makes the crawler's waits virtual sets the same clock here
        # (tests/clock.py), so a window resets when the crawler waited for it, as in real time.
        self.clock: Callable[[], float] = time.monotonic
        self._window_start = self.clock()
        self._window_count = 0
        self.over_quota_after_429 = 0
        self._seen_429 = False
        self.renamed: dict[str, str] = {}  # a repo's former name -> its name now (the Hub redirects)
        self.models: list[dict] = []
        self.set_models(models)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.handle_error = _quiet_disconnects  # type: ignore[method-assign]
        self._thread: threading.Thread | None = None

    # -- data

    def set_models(self, models: list[dict]) -> None:
        ordered = sorted(models, key=lambda m: (m["createdAt"], m["_id"]), reverse=True)
        by_id = {m["id"]: m for m in ordered}
        with self._lock:
            names = {m["_id"]: m["id"] for m in ordered}
            for m in self.models:  # a repo that kept its _id under another name was renamed
                new = names.get(m["_id"])
                if new is not None and new != m["id"]:
                    self.renamed[m["id"]] = new
            self.renamed = {old: new for old, new in self.renamed.items() if old not in by_id}
            for old, new in self.renamed.items():  # renamed twice: the oldest name leads to the newest
                while new in self.renamed and new not in by_id:
                    new = self.renamed[new]
                self.renamed[old] = new
            self._by_id = by_id
            self.models = ordered
            # (createdAt, _id) ascending, for bisect: the listing is this order reversed
            self._asc = [(m["createdAt"], m["_id"]) for m in reversed(ordered)]
            self._any_private = any(m.get("private") for m in ordered)

    def add_models(self, models: list[dict]) -> None:
        self.set_models(self.models + models)

    def use_clock(self, clock: Callable[[], float]) -> None:
        """Read the time from ``clock`` (a test's virtual one) from now on; a quota window starts now."""
        with self._lock:
            self.clock = clock
            self._window_start = clock()
            self._window_count = 0

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- lifecycle

    def start(self) -> FakeHub:
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving

    def _quota_check(self) -> int | None:
        """Count this request in the window; return seconds to wait if over quota, else None."""
        if self.faults.quota is None:
            return None
        q, w = self.faults.quota
        with self._lock:
            now = self.clock()
            if now - self._window_start >= w:
                elapsed_windows = math.floor((now - self._window_start) / w)
                self._window_start += elapsed_windows * w
                self._window_count = 0
            self._window_count += 1
            if self._window_count > q:
                if self._seen_429:
                    self.over_quota_after_429 += 1
                self._seen_429 = True
                return max(1, math.ceil(w - (now - self._window_start)))
            return None

    def _remaining(self) -> tuple[int, int] | None:
        if self.faults.quota is None:
            return None
        q, w = self.faults.quota
        reset = max(0, math.ceil(w - (self.clock() - self._window_start)))
        return max(0, q - self._window_count), reset

    def page(self, query: dict[str, list[str]], user: str | None = None) -> tuple[int, Any, str | None]:
        """Answer one listing request by ``user`` (None: anonymous): (status, body, next link)."""
        try:
            limit = min(int(query.get("limit", [str(MAX_LIMIT)])[0]), MAX_LIMIT)
        except ValueError:
            return 400, {"error": "limit must be an integer"}, None
        expand = query.get("expand", []) + query.get("expand[]", [])
        unknown = [e for e in expand if e not in EXPANDABLE]
        if unknown:
            return 400, {"error": f'"expand" must be one of {sorted(EXPANDABLE)}, got {unknown}'}, None
        fields = expand or DEFAULT_FIELDS
        with self._lock:
            models, asc, any_private = self.models, self._asc, self._any_private
        start = 0
        cursor = query.get("cursor", [None])[0]
        if cursor:
            try:
                pos = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
            except (ValueError, UnicodeDecodeError):
                return 400, {"error": "invalid cursor"}, None
            # everything strictly older than the cursor's item comes next
            start = len(models) - bisect_left(asc, (pos["c"], pos["i"]))
        deep = self.faults.deep_504
        if deep is not None and start >= deep[0] and limit > deep[1]:
            return 504, {"error": "Gateway Time-out"}, None
        if any_private:  # skip the private models this user may not see (a page still holds `limit`)

            def shown(m: dict) -> bool:
                return not m.get("private") or (user is not None and m.get("author") == user)

            chunk, end = [], start
            while end < len(models) and len(chunk) < limit:
                if shown(models[end]):
                    chunk.append(models[end])
                end += 1
            more = any(shown(m) for m in models[end:])
        else:
            chunk = models[start : start + limit]
            more = start + limit < len(models)
        body = []
        for m in chunk:
            item = {"_id": m["_id"], "id": m["id"]}
            if not expand:
                item["modelId"] = m["id"]
            for f in fields:
                if f in m:
                    item[f] = m[f] if f != "siblings" else _siblings(m[f])
            body.append(item)
        next_link = None
        if more and chunk:
            last = chunk[-1]
            token = base64.urlsafe_b64encode(json.dumps({"c": last["createdAt"], "i": last["_id"]}).encode())
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            params.append(("cursor", token.decode()))
            next_link = f"{self.url}/api/models?{urlencode(params)}"
        return 200, body, next_link

    def commits_page(
        self, path: str, query: dict[str, list[str]], user: str | None = None
    ) -> tuple[int, Any, str | None, dict[str, str]]:
        """Answer ``GET /api/models/{repo_id}/commits/{revision}``: (status, body, next link, headers).

        ``user`` is None for an anonymous request, ``""`` for a token the fake accepts without knowing
        its user (no ``tokens``), else the token's user. A body that is ``bytes`` is sent as it is.

        As the Hub does: ``limit`` (default 50, at most 1,000, else 400) commits of page ``p`` (from 0),
        newest first; ``X-Total-Count`` is the number of commits of the revision's history; a next link
        while more follow. The error answers copy the real Hub's (recorded answers of 2024–2026: status,
        the presence or absence of ``X-Error-Code`` and ``X-Error-Message``, body shape):

        * a former name: 307, ``Location`` relative, the same path (and query) under the repo's name now,
          ``Content-Type: text/plain``, body ``Temporary Redirect. Redirecting to <Location>``;
        * a repo an anonymous client may not see (unknown, deleted, or someone else's private repo):
          401, body ``{"error":"Invalid username or password."}``, the same text in ``X-Error-Message``,
          no ``X-Error-Code`` (an anonymous client cannot tell missing from private);
        * the same with a token: 404 ``X-Error-Code: RepoNotFound`` (the raw answer is not among the
          recordings, only its status and code; the message text here is the fake's own);
        * a gated repo (``gated`` set), anonymous: 401 ``X-Error-Code: GatedRepo``, the message in
          ``X-Error-Message`` and as ``{"error": …}``. With a token whose user has no access (a user
          not in the model's ``_access``, when the fake has ``tokens``): 403 ``GatedRepo``, as
          huggingface_hub expects it (not among the recordings: the fake's own wording);
        * an unknown revision: 404 ``X-Error-Code: RevisionNotFound``, ``Invalid rev id: <rev>``.
        """
        repo_id, _, revision = unquote(path.removeprefix("/api/models/")).partition("/commits/")
        with self._lock:
            model = self._by_id.get(repo_id)
            new_name = self.renamed.get(repo_id)
        if model is not None and model.get("private") and (user is None or model.get("author") != user):
            model = None
        if model is None:
            if new_name is not None:
                location = f"/api/models/{quote(new_name)}/commits/{quote(revision, safe='')}"
                params = [(k, v) for k, vs in query.items() for v in vs]
                location += f"?{urlencode(params)}" if params else ""
                body = f"Temporary Redirect. Redirecting to {location}".encode()
                headers = {
                    "Content-Type": "text/plain; charset=utf-8",
                    "Location": location,
                    "Vary": "Origin, Accept",
                }
                return 307, body, None, headers
            if user is None:
                message = "Invalid username or password."
                return 401, {"error": message}, None, {"X-Error-Message": message}
            message = "Repository not found"
            return 404, {"error": message}, None, {"X-Error-Code": "RepoNotFound", "X-Error-Message": message}
        if model.get("gated") not in (None, False, "false"):
            name = model["id"]
            if user is None:
                message = (
                    f"Access to model {name} is restricted. You must have access to it and be authenticated "
                    "to access it. Please log in."
                )
                return (
                    401,
                    {"error": message},
                    None,
                    {"X-Error-Code": "GatedRepo", "X-Error-Message": message},
                )
            if self.tokens is not None and user not in model.get("_access", ()):
                message = (
                    f"Access to model {name} is restricted and you are not in the authorized list. "
                    f"Visit https://huggingface.co/{name} to ask for access."
                )
                return (
                    403,
                    {"error": message},
                    None,
                    {"X-Error-Code": "GatedRepo", "X-Error-Message": message},
                )
        try:
            limit = int(query.get("limit", ["50"])[0])
            page = int(query.get("p", ["0"])[0])
        except ValueError:
            return 400, {"error": "limit and p must be integers"}, None, {}
        if not 1 <= limit <= MAX_LIMIT or page < 0:
            return 400, {"error": f'"limit" must be between 1 and {MAX_LIMIT}, "p" at least 0'}, None, {}
        history = commit_history(model)
        if revision != "main":
            start = next((i for i, c in enumerate(history) if c["id"] == revision), None)
            if start is None:
                message = f"Invalid rev id: {revision}"
                headers = {"X-Error-Code": "RevisionNotFound", "X-Error-Message": message}
                return 404, {"error": message}, None, headers
            history = history[start:]
        chunk = history[page * limit : (page + 1) * limit]
        next_link = None
        if (page + 1) * limit < len(history):
            params = [(k, v) for k, vs in query.items() if k != "p" for v in vs] + [("p", str(page + 1))]
            next_link = f"{self.url}{path}?{urlencode(params)}"
        return 200, chunk, next_link, {"X-Total-Count": str(len(history))}

    def commit_requests(self) -> list[str]:
        """The repo ids whose commits were asked, in order (a redirect's new name counts again)."""
        with self._lock:
            paths = [p for p, _ in self.requests]
        out = []
        for p in paths:
            path = unquote(urlsplit(p).path)
            if path.startswith("/api/models/") and "/commits/" in path:
                out.append(path.removeprefix("/api/models/").partition("/commits/")[0])
        return out

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in separate writes: without TCP_NODELAY a keep-alive client waits
            # out the delayed ACK (~40 ms) on every small answer, which no real server makes it do
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(
                self, status: int, body: bytes, headers: dict[str, str], declared: int | None = None
            ) -> None:
                self.send_response(status)
                content_type = headers.get("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(declared if declared is not None else len(body)))
                for k, v in headers.items():
                    if k == "Content-Type":
                        continue
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                with hub._lock:
                    hub.requests.append((self.path, status))

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                f = hub.faults
                with hub._lock:
                    hub.authorizations.append(self.headers.get("Authorization"))
                if f.latency:
                    time.sleep(f.latency)
                with hub._lock:
                    hang = f.hang_next > 0
                    if hang:
                        f.hang_next -= 1
                if hang:
                    time.sleep(f.hang_seconds)
                split = urlsplit(self.path)
                commits = split.path.startswith("/api/models/") and "/commits/" in split.path
                if split.path != "/api/models" and not commits:
                    self._send(404, b'{"error":"not found"}', {})
                    return
                user = None  # anonymous
                auth = self.headers.get("Authorization") or ""
                if hub.tokens is None and auth.startswith("Bearer "):
                    user = ""  # signed in, as a user the fake knows no name for
                if hub.tokens is not None and auth.startswith("Bearer "):
                    user = hub.tokens.get(auth.removeprefix("Bearer "))
                    if user is None:
                        message = "Invalid credentials in Authorization header"
                        self._send(401, json.dumps({"error": message}).encode(), {"X-Error-Message": message})
                        return
                wait = hub._quota_check()
                if wait is not None:
                    q, w = f.quota  # type: ignore[misc]
                    self._send(
                        429,
                        b'{"error":"rate limited"}',
                        {
                            "RateLimit": f'"api";r=0;t={wait}',
                            "RateLimit-Policy": f'"fixed window";"api";q={q};w={w}',
                        },
                    )
                    return
                with hub._lock:
                    limited = f.limit_next.popleft() if f.limit_next else None
                if limited is not None:
                    self._send(429, b'{"error":"rate limited"}', limited)
                    return
                with hub._lock:
                    status = f.status_next.popleft() if f.status_next else None
                    if status is None and f.error_rate and f.rng.random() < f.error_rate:
                        status = 503
                    truncate = cut = False
                    if status is None:  # a failed request does not use up a truncation
                        truncate = f.truncate_next > 0 or f.bad_json_always
                        if f.truncate_next > 0:
                            f.truncate_next -= 1
                        if not truncate and f.truncate_rate and f.rng.random() < f.truncate_rate:
                            truncate = True
                        cut = not truncate and f.cut_next > 0
                        if cut:
                            f.cut_next -= 1
                if status is not None:
                    headers = {}
                    if status == 429:  # an unannounced rate limit: wait 1 s
                        headers = {
                            "RateLimit": '"api";r=0;t=1',
                            "RateLimit-Policy": '"fixed window";"api";q=1000;w=300',
                        }
                    self._send(status, b'{"error":"injected failure"}', headers)
                    return
                query = dict(_multi(parse_qsl(split.query, keep_blank_values=True)))
                headers: dict[str, str] = {}
                if commits:
                    code, body, next_link, headers = hub.commits_page(split.path, query, user)
                else:
                    code, body, next_link = hub.page(query, user)
                if isinstance(body, bytes):
                    data = body
                else:
                    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
                if next_link:
                    headers["Link"] = f'<{next_link}>; rel="next"'
                # a listing page carries no X-Total-Count, as on the real Hub (commits pages do)
                if code == 200:
                    headers.update(f.page_headers)
                remaining = hub._remaining()
                if remaining is not None:
                    q, w = f.quota  # type: ignore[misc]
                    headers["RateLimit"] = f'"api";r={remaining[0]};t={remaining[1]}'
                    headers["RateLimit-Policy"] = f'"fixed window";"api";q={q};w={w}'
                if code == 200 and cut:
                    self._send(code, data[: len(data) // 2], headers, declared=len(data))
                    self.close_connection = True
                    return
                if code == 200 and truncate:
                    data = data[: max(1, len(data) // 3)]
                self._send(code, data, headers)

        return Handler


def _siblings(files: Any) -> Any:
    """A model's files as the listing serves them: ``[{"rfilename": name}, …]`` (dicts pass as they are)."""
    if not isinstance(files, (list, tuple)):
        return files  # an odd value a test put there on purpose
    return [{"rfilename": f} if isinstance(f, str) else f for f in files]


def _quiet_disconnects(request: Any, client_address: Any) -> None:
    """A client that timed out or was killed resets its connection: expected here, not an error."""
    import sys
    import traceback

    if not isinstance(sys.exc_info()[1], ConnectionError):
        traceback.print_exc()


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


@dataclass
class NightChanges:
    """What ``evolve`` did on one night, for tests to check the stored history against."""

    added: list[str] = field(default_factory=list)  # _ids
    deleted: list[str] = field(default_factory=list)
    renamed: dict[str, tuple[str, str]] = field(default_factory=dict)  # _id -> (old id, new id)
    counters_changed: set[str] = field(default_factory=set)
    pushed: set[str] = field(default_factory=set)  # a new commit: new sha and lastModified
    # _id -> (files added, files removed), for the pushes that changed the repo's files
    files_changed: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


def push(
    model: dict, rng: random.Random, day: datetime, *, change_files: bool
) -> tuple[list[str], list[str]]:
    """A new commit on ``model`` (changed in place): a new ``sha`` and ``lastModified``, and with
    ``change_files`` new or removed files, with the tags the Hub derives from them. Returns (added, removed).

    The file changes are the common ones: the safetensors conversion adds ``model.safetensors`` to a
    ``pytorch_model.bin`` repo (the Hub adds the ``safetensors`` tag); a converted repo drops its
    ``pytorch_model.bin`` (and so its ``pytorch`` tag); any other repo gains or loses an evaluation file.
    """
    model["sha"] = f"{rng.getrandbits(160):040x}"
    model["lastModified"] = iso(day + timedelta(seconds=rng.randrange(86_400)))
    if not change_files:
        return [], []
    files = list(model.get("siblings") or ())
    tags = list(model["tags"])
    has_st = any(f.endswith(".safetensors") for f in files)
    if "pytorch_model.bin" in files and not has_st:
        added, removed = ["model.safetensors"], []
        if "safetensors" not in tags:
            tags.insert(tags.index("en") if "en" in tags else len(tags), "safetensors")
    elif "pytorch_model.bin" in files:
        added, removed = [], ["pytorch_model.bin"]
        if "pytorch" in tags and not any(
            f.startswith("pytorch_model") and f.endswith(".bin") for f in files if f != "pytorch_model.bin"
        ):
            tags.remove("pytorch")
    elif "eval_results.json" in files:
        added, removed = [], ["eval_results.json"]
    else:
        added, removed = ["eval_results.json"], []
    model["siblings"] = tuple(_n(f) for f in files if f not in removed) + tuple(_n(f) for f in added)
    model["tags"] = tags
    return added, removed


def evolve(
    models: list[dict],
    night: int,
    seed: int = 0,
    *,
    add_share: float = 0.005,
    delete_share: float = 0.001,
    rename_share: float = 0.0005,
    downloads_share: float = 0.30,
    likes_share: float = 0.05,
    push_share: float = 0.005,
    files_share: float = 0.3,
) -> tuple[list[dict], NightChanges]:
    """The Hub one night later: adds models, deletes ~0.1 %, renames ~0.05 % (same ``_id``, new name),
    changes downloads of ~30 % and likes of ~5 %, pushes a commit to ~0.5 % (a new ``sha``; ~30 % of
    those pushes change the files, see :func:`push`). Returns the new list (unchanged dicts are shared).
    """
    rng = random.Random(seed * 100_003 + night)
    prng = random.Random(seed * 100_019 + night)  # pushes draw apart: the other changes stay as they were
    day = datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(days=night)
    changes = NightChanges()
    n = len(models)
    deleted = set(rng.sample(range(n), int(n * delete_share)))
    renamed = set(rng.sample(range(n), int(n * rename_share))) - deleted
    out: list[dict] = []
    for i, m in enumerate(models):
        if i in deleted:
            changes.deleted.append(m["_id"])
            continue
        new = None
        if i in renamed:
            new = dict(m)
            new["id"] = f"{m['id']}-n{night}"
            changes.renamed[m["_id"]] = (m["id"], new["id"])
        r = rng.random()
        if r < downloads_share:
            new = new or dict(m)
            delta = 1 + int(rng.paretovariate(1.5))
            new["downloads"] = m["downloads"] + delta
            new["downloadsAllTime"] = m["downloadsAllTime"] + delta
        if rng.random() < likes_share:
            new = new or dict(m)
            new["likes"] = m["likes"] + 1
        if new is not None and (
            new.get("downloads") != m.get("downloads") or new.get("likes") != m.get("likes")
        ):
            changes.counters_changed.add(m["_id"])
        if prng.random() < push_share:
            new = new or dict(m)
            added, removed = push(new, prng, day, change_files=prng.random() < files_share)
            changes.pushed.add(m["_id"])
            if added or removed:
                changes.files_changed[m["_id"]] = (added, removed)
        out.append(new or m)
    fresh = make_models(int(n * add_share), seed=seed * 7919 + night, sentinel_share=0.0)
    for j, m in enumerate(fresh):
        m["createdAt"] = iso(day + timedelta(seconds=j))
        m["_id"] = object_id(day, 0xA000_0000 + night * 1_000_000 + j)
        m["id"] = f"night{night}/model-{j}"
        changes.added.append(m["_id"])
    out.extend(fresh)
    return out, changes
