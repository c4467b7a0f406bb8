"""A fake Kaggle Models API: a real HTTP server on 127.0.0.1 that answers like ``api.kaggle.com``.

What it copies from the real API:

* ``POST /v1/models.ModelApiService/ListModels`` with a JSON body ``{pageSize, pageToken, sortBy, search,
  owner}``, answering ``{models, nextPageToken, totalResults}``; page tokens are opaque; pages are capped
  at ``max_page_size``; hidden models (private, deleted) take their slot in a page but are not shown, so a
  page can be short — even empty — and still have a next page;
* ``POST /v1/models.ModelApiService/ListModelInstances`` ``{ownerSlug, modelSlug, pageSize, pageToken}``,
  paged at ``instance_page_cap``, answering ``{instances, nextPageToken}`` with kagglesdk's
  ``ModelInstance`` objects (not the listing's ``ApiModelInstance``: the licence is a ``license``
  object, there is no ``url``, and there are large texts and a ``downloadSummary``); models flagged
  ``_strip_instances`` are listed without ``instances`` (as proto JSON does when the list is empty) and
  must be completed with it;
* the legacy REST form: ``GET /api/v1/models/list?pageSize=&pageToken=…`` and
  ``GET /api/v1/models/{owner}/{slug}/get`` (the model with all its instances), its instances in the shape
  of the one recorded real answer of that form (``legacy_instance``);
* authentication: ``Authorization: Bearer <token>`` or ``Basic base64(username:key)``, else 401;
* frameworks sent as camelCase (``tensorFlow2``) or as enum names (``MODEL_FRAMEWORK_TENSOR_FLOW_2``),
  plus values no client knows;
* field names: only those of kagglesdk's ``ApiModel``, ``ApiModelInstance``, ``ModelInstance`` and
  ``ApiCategory`` (``MODEL_FIELDS``, ``API_INSTANCE_FIELDS``, ``INSTANCE_FIELDS``, ``CATEGORY_FIELDS``
  list them; a test holds the fake to them). There is no download count and no TF-Hub flag;
* on demand: any status for the next requests (429 with ``Retry-After``, 5xx), a 200 whose body is an
  error object, a persistent failure from a given listing page on, bodies that are not valid JSON.

Keys starting with ``_`` in a model dict are the fake's own bookkeeping and are never sent.
"""

from __future__ import annotations

import base64
import json
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

LIST_MODELS = "/v1/models.ModelApiService/ListModels"
LIST_INSTANCES = "/v1/models.ModelApiService/ListModelInstances"
LEGACY_LIST = "/api/v1/models/list"
SORT_BYS = {
    "LIST_MODELS_ORDER_BY_UNSPECIFIED",
    "LIST_MODELS_ORDER_BY_HOTNESS",
    "LIST_MODELS_ORDER_BY_DOWNLOAD_COUNT",
    "LIST_MODELS_ORDER_BY_VOTE_COUNT",
    "LIST_MODELS_ORDER_BY_NOTEBOOK_COUNT",
    "LIST_MODELS_ORDER_BY_PUBLISH_TIME",
    "LIST_MODELS_ORDER_BY_CREATE_TIME",
    "LIST_MODELS_ORDER_BY_UPDATE_TIME",
}
LEGACY_SORT_BYS = {"hotness", "downloadCount", "voteCount", "notebookCount", "createTime", "publishTime"}
LEGACY_SORT_BYS |= {"updateTime"}

#: Field names of kagglesdk 0.1.15 (kagglesdk/models/types): the fake sends no other.
MODEL_FIELDS = frozenset(
    "id ref title subtitle author slug isPrivate description instances tags publishTime provenanceSources "
    "url modelVersionLinks voteCount authorImageUrl updateTime".split()
)
API_INSTANCE_FIELDS = frozenset(
    "id slug framework fineTunable overview usage downloadUrl versionId versionNumber trainingData url "
    "licenseName modelInstanceType baseModelInstanceInformation externalBaseModelUrl "
    "totalUncompressedBytes".split()
)
INSTANCE_FIELDS = frozenset(
    "id ownerSlug modelSlug slug versionId fineTunable overview usage textRepresentation sourceUrl "
    "versionNumber framework versionNotes downloadUrl databundleVersionId lastVersionId sourceOrganization "
    "trainingData metrics licensePost renderedUsage license databundleId firestorePath status errorMessage "
    "databundleVersionType canUse creationStatus uncompressedStorageUri modelInstanceType "
    "baseModelInstanceId baseModelInstanceInformation externalBaseModelUrl modelId downloadSummary "
    "totalUncompressedBytes sigstoreState createdByKernelId creatorUserId attestationKernelUrl".split()
)
#: The REST form (``GET /api/v1/models/{owner}/{slug}/get``, ``/models/list``) answers instances with one
#: field more, as recorded (Kaggle's answer for tensorflow/ssd-mobilenet-v1 quoted in kaggle-cli issue 586,
#: 2024-06-02): ``hasBaseModelInstanceInformation``, sent first.
LEGACY_INSTANCE_FIELDS = API_INSTANCE_FIELDS | {"hasBaseModelInstanceInformation"}
CATEGORY_FIELDS = frozenset(
    "ref name description fullPath competitionCount datasetCount scriptCount totalCount".split()
)
LICENSES = [(1, "Apache 2.0"), (9, "MIT"), (21, "Gemma")]

#: The fake's own table (written independently of the crawler's): enum name → camelCase.
ENUM_TO_CAMEL = {
    "MODEL_FRAMEWORK_TENSOR_FLOW_1": "tensorFlow1",
    "MODEL_FRAMEWORK_TENSOR_FLOW_2": "tensorFlow2",
    "MODEL_FRAMEWORK_TF_LITE": "tfLite",
    "MODEL_FRAMEWORK_TF_JS": "tfJs",
    "MODEL_FRAMEWORK_PY_TORCH": "pyTorch",
    "MODEL_FRAMEWORK_JAX": "jax",
    "MODEL_FRAMEWORK_FLAX": "flax",
    "MODEL_FRAMEWORK_KERAS": "keras",
    "MODEL_FRAMEWORK_TRANSFORMERS": "transformers",
    "MODEL_FRAMEWORK_SCIKIT_LEARN": "scikitLearn",
    "MODEL_FRAMEWORK_GGUF": "gguf",
    "MODEL_FRAMEWORK_GGML": "ggml",
    "MODEL_FRAMEWORK_ONNX": "onnx",
    "MODEL_FRAMEWORK_CORAL": "coral",
    "MODEL_FRAMEWORK_OTHER": "other",
    "MODEL_FRAMEWORK_GEMMA_CPP": "gemmaCpp",
    "MODEL_FRAMEWORK_MAX_TEXT": "maxText",
    "MODEL_FRAMEWORK_VLLM": "vllm",
}
CAMEL_TO_ENUM = {v: k for k, v in ENUM_TO_CAMEL.items()}
#: Framework mix, weighted roughly like Kaggle Models (TF Hub migrations are TF-heavy).
FRAMEWORK_WEIGHTS = [
    ("tensorFlow2", 0.30),
    ("tensorFlow1", 0.10),
    ("tfLite", 0.12),
    ("tfJs", 0.06),
    ("coral", 0.02),
    ("pyTorch", 0.18),
    ("jax", 0.04),
    ("flax", 0.03),
    ("keras", 0.06),
    ("transformers", 0.04),
    ("gguf", 0.02),
    ("scikitLearn", 0.01),
    ("onnx", 0.01),
    ("other", 0.01),
    ("vllm", 0.01),
]
#: Values no client knows, sent as they are.
UNKNOWN_FRAMEWORKS = ["quantumFlow", "MODEL_FRAMEWORK_NEURO_SYMBOLIC"]
TF_FRAMEWORKS = {"tensorFlow1", "tensorFlow2", "tfLite", "tfJs", "coral"}
OWNERS = ["google", "tensorflow", "keras", "metaresearch", "alice", "bob-lab", "deepmind"]
#: ``author`` is the owner's display name, not its slug: the recorded answer for
#: ``tensorflow/ssd-mobilenet-v1`` says ``"author": "TensorFlow"`` (kaggle-cli issue 586, 2024-06-02).
AUTHOR_NAMES = {
    "google": "Google",
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "metaresearch": "Meta Research",
    "alice": "Alice A.",
    "bob-lab": "Bob's Lab",
    "deepmind": "DeepMind",
}


def iso(dt: datetime, nanos: bool = False) -> str:
    base = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        return base + f".{dt.microsecond:06d}123Z"
    return base + f".{dt.microsecond // 1000:03d}Z"


def make_kaggle_models(
    n: int,
    seed: int = 0,
    *,
    hidden_share: float = 0.15,
    strip_share: float = 0.2,
    unknown_every: int = 37,
) -> list[dict]:
    """``n`` visible models (plus hidden ones), deterministic for a seed, oldest first.

    Each instance carries ``_expected`` (the camelCase value the crawler must store); every third one is
    sent as an enum name. Every ``unknown_every``-th instance has a framework no client knows.
    """
    rng = random.Random(seed)
    names = [f for f, _ in FRAMEWORK_WEIGHTS]
    weights = [w for _, w in FRAMEWORK_WEIGHTS]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    out: list[dict] = []
    instance_id = 5000
    model_id = 100
    visible = 0
    while visible < n:
        model_id += 1
        hidden = rng.random() < hidden_share
        owner = OWNERS[model_id % len(OWNERS)]
        slug = f"model-{model_id}"
        published = start + timedelta(hours=7 * model_id, microseconds=rng.randrange(1_000_000))
        instances = []
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])):
            instance_id += 1
            expected = rng.choices(names, weights=weights)[0]
            if instance_id % unknown_every == 0:
                raw = UNKNOWN_FRAMEWORKS[instance_id % len(UNKNOWN_FRAMEWORKS)]
                expected = raw
            elif instance_id % 3 == 0:
                raw = CAMEL_TO_ENUM[expected]
            else:
                raw = expected
            license_id, license_name = LICENSES[instance_id % len(LICENSES)]
            version = 1 + instance_id % 4
            # as the listing sends it: kagglesdk's ApiModelInstance
            inst: dict[str, Any] = {
                "id": instance_id,
                "slug": f"v{instance_id}",
                "framework": raw,
                "fineTunable": instance_id % 2 == 0,
                "overview": "A long overview " * 5,
                "usage": "import kagglehub",
                "downloadUrl": f"https://www.kaggle.com/api/v1/models/{owner}/{slug}/{raw}/v{instance_id}/{version}/download",
                "versionId": instance_id * 10,
                "versionNumber": version,
                "trainingData": [],
                "url": f"https://www.kaggle.com/models/{owner}/{slug}/{raw}/v{instance_id}",
                "licenseName": license_name,
                "modelInstanceType": "MODEL_INSTANCE_TYPE_BASE_MODEL",
                "totalUncompressedBytes": str(1000 * instance_id),  # int64 as a string, like proto JSON
                "_expected": expected,
                "_license": (license_id, license_name),
                "_downloads": 17 * instance_id % 5000,
            }
            instances.append(inst)
        tags: list[Any] = [
            {"ref": "image", "name": "Image", "fullPath": "data type > image"},
            {"ref": f"task-{model_id % 4}", "name": f"Task {model_id % 4}"},
        ]
        model: dict[str, Any] = {
            "id": model_id,
            "ref": f"{owner}/{slug}",
            "title": f"Model {model_id}",
            "subtitle": "A model",
            "author": AUTHOR_NAMES[owner],
            "slug": slug,
            "isPrivate": False,
            "description": "# A description",
            "instances": instances,
            "tags": tags,
            "publishTime": iso(published, nanos=model_id % 4 == 0),
            "updateTime": iso(published + timedelta(days=3)),
            "provenanceSources": "",
            "url": f"https://www.kaggle.com/models/{owner}/{slug}",
            "modelVersionLinks": [],
            "voteCount": model_id % 50,
            "authorImageUrl": f"https://storage.googleapis.com/kaggle-avatars/thumbnails/{owner}.png",
            "_hidden": hidden,
            "_strip_instances": (not instances) or rng.random() < strip_share,
        }
        out.append(model)
        if not hidden:
            visible += 1
    return out


def visible(models: list[dict]) -> list[dict]:
    return [m for m in models if not m.get("_hidden")]


def expected_formats(model: dict) -> list[str]:
    return sorted({i["_expected"] for i in model["instances"]})


def unknown_count(models: list[dict]) -> int:
    return sum(1 for m in visible(models) for i in m["instances"] if i["_expected"] in UNKNOWN_FRAMEWORKS)


def _public(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _public(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [_public(v) for v in obj]
    return obj


_INSTANCE_TYPE_CAMEL = {
    "MODEL_INSTANCE_TYPE_UNSPECIFIED": "unspecified",
    "MODEL_INSTANCE_TYPE_BASE_MODEL": "baseModel",
    "MODEL_INSTANCE_TYPE_KAGGLE_VARIANT": "kaggleVariant",
    "MODEL_INSTANCE_TYPE_EXTERNAL_VARIANT": "externalVariant",
}


def legacy_instance(model: dict, inst: Any) -> Any:
    """An instance as the REST form sends it, in the recorded shape (kaggle-cli issue 586, 2024-06-02):
    ``hasBaseModelInstanceInformation`` first; ``framework`` and ``modelInstanceType`` camelCase
    (``"tensorFlow2"``, ``"tfJs"``, ``"unspecified"``); ``trainingData`` sent even when empty;
    ``baseModelInstanceInformation`` null and ``externalBaseModelUrl`` empty when there is none;
    ``downloadUrl`` relative (``/models/tensorflow/ssd-mobilenet-v1/TfLite/metadata/2/download``, the
    framework in PascalCase), ``url`` absolute. A framework no client knows is sent as it is."""
    if not isinstance(inst, dict):
        return inst
    public = _public(inst)
    framework = ENUM_TO_CAMEL.get(str(public.get("framework")), public.get("framework"))
    owner, _, slug = model["ref"].partition("/")
    path_framework = str(framework)[:1].upper() + str(framework)[1:]
    kind = public.get("modelInstanceType")
    out = {  # the recorded order
        "hasBaseModelInstanceInformation": False,
        "id": public.get("id"),
        "slug": public.get("slug"),
        "framework": framework,
        "fineTunable": public.get("fineTunable"),
        "overview": public.get("overview"),
        "usage": public.get("usage"),
        "downloadUrl": f"/models/{owner}/{slug}/{path_framework}/{public.get('slug')}/"
        f"{public.get('versionNumber')}/download",
        "versionId": public.get("versionId"),
        "versionNumber": public.get("versionNumber"),
        "trainingData": public.get("trainingData") or [],
        "url": f"https://www.kaggle.com/models/{owner}/{slug}/{path_framework}/{public.get('slug')}",
        "licenseName": public.get("licenseName"),
        "modelInstanceType": _INSTANCE_TYPE_CAMEL.get(str(kind), kind),
        "baseModelInstanceInformation": public.get("baseModelInstanceInformation"),
        "externalBaseModelUrl": public.get("externalBaseModelUrl") or "",
    }
    # Deliberately unlike the recording: kagglesdk's ApiModelInstance has gained totalUncompressedBytes
    # since (the 2024 answer has no such field); the fake sends it as the newer API would.
    if "totalUncompressedBytes" in public:
        out["totalUncompressedBytes"] = public["totalUncompressedBytes"]
    return out


def _legacy_model(model: dict) -> dict:
    item = _public(model)
    item["instances"] = [legacy_instance(model, i) for i in model["instances"]]
    return item


def model_instance(model: dict, inst: Any) -> Any:
    """An instance as ``ListModelInstances`` sends it: kagglesdk's ``ModelInstance``, built from the
    listing's ``ApiModelInstance`` (same id, slug, framework, version), with its own fields. A field the
    listing's instance lacks is left out here too; something that is not an instance is sent as it is."""
    if not isinstance(inst, dict):
        return inst
    owner, _, slug = model["ref"].partition("/")
    license_id, license_name = inst.get("_license", LICENSES[0])
    downloads = inst.get("_downloads", 0)
    out = {
        "id": inst.get("id"),
        "ownerSlug": owner,
        "modelSlug": slug,
        "slug": inst.get("slug"),
        "versionId": inst.get("versionId"),
        "fineTunable": inst.get("fineTunable"),
        "overview": inst.get("overview"),
        "usage": inst.get("usage"),
        "versionNumber": inst.get("versionNumber"),
        "framework": inst.get("framework"),
        "versionNotes": "Initial release. " * 40,
        "downloadUrl": inst.get("downloadUrl"),
        "databundleVersionId": str((inst.get("versionId") or 0) + 7),
        "trainingData": [],
        "licensePost": {"id": 100 + license_id, "content": f"{license_name} terms. " * 200},
        "renderedUsage": "<p>import kagglehub</p>" * 50,
        "license": {"id": license_id, "name": license_name},
        "databundleId": str((inst.get("id") or 0) * 3),
        "modelInstanceType": inst.get("modelInstanceType"),
        "modelId": model["id"],
        "downloadSummary": {
            "totalDownloads": downloads,
            "downloadSeriesPoints": [{"date": "2025-01-01T00:00:00Z", "count": downloads}],
            "modelInstanceId": inst.get("id"),
        },
        "totalUncompressedBytes": inst.get("totalUncompressedBytes"),
    }
    return {k: v for k, v in out.items() if v is not None}


def _token(offset: int, page: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "p": page}).encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[int, int]:
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    return int(data["o"]), int(data["p"])


@dataclass
class KaggleFaults:
    """What the server does wrong. Deques are consumed one request at a time."""

    status_next: deque[int] = field(default_factory=deque)  # statuses for the next requests (any path)
    retry_after: str | None = "1"  # Retry-After header sent with an injected 429 (and 503)
    fail_from_page: int | None = None  # listing pages with index >= this answer ``fail_status`` forever
    fail_status: int = 500
    bad_json_next: int = 0  # the next N answers are cut short (not valid JSON)
    instances_status_next: deque[int] = field(default_factory=deque)  # for ListModelInstances only
    #: codes for the next answers (any path) sent as HTTP 200 whose body is an error object
    #: ``{"code": N, "message": …}``, the shape kagglesdk's client checks every JSON answer for
    error_body_next: deque[int] = field(default_factory=deque)
    instances_error_body_next: deque[int] = field(default_factory=deque)  # the same, ListModelInstances only
    #: (page index, model): once that listing page is served, the model is inserted at the head of the
    #: listing, so every later page shifts by one and repeats the previous page's last model
    insert_after_page: tuple[int, dict] | None = None


@dataclass
class Seen:
    method: str
    path: str
    status: int
    body: Any
    authorization: str | None
    user_agent: str | None = None


class FakeKaggle:
    """A fake Kaggle API around a list of models. Start it with ``with FakeKaggle(...)``."""

    def __init__(
        self,
        models: list[dict],
        *,
        token: str | None = "kgat_fake-token-0123456789abcdef",
        username: str | None = "alice",
        key: str | None = "fake-key-fedcba9876543210",
        max_page_size: int = 50,
        instance_page_cap: int = 2,
        faults: KaggleFaults | None = None,
    ) -> None:
        self.models = models
        self.token = token
        self.username = username
        self.key = key
        self.max_page_size = max_page_size
        self.instance_page_cap = instance_page_cap
        self.faults = faults or KaggleFaults()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def legacy_url(self) -> str:
        return self.url + "/api/v1"

    def start(self) -> FakeKaggle:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeKaggle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- bookkeeping for tests

    def count(self, path: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (path is None or r.path == path) and (status is None or r.status == status)
            )

    def listing_pages_served(self) -> list[int]:
        """Page index of every ListModels request answered 200, in order."""
        out = []
        with self._lock:
            for r in self.requests:
                if r.path in (LIST_MODELS, LEGACY_LIST) and r.status == 200:
                    token = (r.body or {}).get("pageToken") or ""
                    out.append(_untoken(token)[1] if token else 0)
        return out

    # -- answers

    def authorized(self, header: str | None) -> bool:
        if not header:
            return False
        if self.token and header == f"Bearer {self.token}":
            return True
        if self.username and self.key:
            pair = base64.b64encode(f"{self.username}:{self.key}".encode()).decode()
            return header == f"Basic {pair}"
        return False

    def list_models(self, body: dict, legacy: bool = False) -> tuple[int, Any]:
        size = body.get("pageSize") or 20
        token = body.get("pageToken") or ""
        if not isinstance(size, int) or size < 1:
            return 400, {"code": 400, "message": "pageSize must be a positive integer"}
        size = min(size, self.max_page_size)
        try:
            offset, page = _untoken(token) if token else (0, 0)
        except (ValueError, KeyError, UnicodeDecodeError):
            return 400, {"code": 400, "message": "invalid page token"}
        f = self.faults
        if f.fail_from_page is not None and page >= f.fail_from_page:
            return f.fail_status, {"code": f.fail_status, "message": "injected persistent failure"}
        owner = body.get("owner") or ""
        search = body.get("search") or ""
        pool = [
            m
            for m in self.models
            if (not owner or m["ref"].partition("/")[0] == owner)
            and (not search or search.lower() in m["title"].lower())
        ]
        window = pool[offset : offset + size]
        shown = []
        for m in window:
            if m.get("_hidden"):
                continue
            item = _legacy_model(m) if legacy else _public(m)
            if m.get("_strip_instances"):
                del item["instances"]
            shown.append(item)
        answer: dict[str, Any] = {"models": shown, "totalResults": len(visible(pool))}
        answer["nextPageToken"] = _token(offset + size, page + 1) if offset + size < len(pool) else ""
        if f.insert_after_page is not None and f.insert_after_page[0] == page:
            self.models = [f.insert_after_page[1], *self.models]
            f.insert_after_page = None
        return 200, answer

    def _find(self, owner: str, slug: str) -> dict | None:
        for m in self.models:
            if m["ref"] == f"{owner}/{slug}" and not m.get("_hidden"):
                return m
        return None

    def list_instances(self, body: dict) -> tuple[int, Any]:
        model = self._find(str(body.get("ownerSlug")), str(body.get("modelSlug")))
        if model is None:
            return 404, {"code": 404, "message": "model not found"}
        size = min(int(body.get("pageSize") or 20), self.instance_page_cap)
        token = body.get("pageToken") or ""
        try:
            offset, page = _untoken(token) if token else (0, 0)
        except (ValueError, KeyError, UnicodeDecodeError):
            return 400, {"code": 400, "message": "invalid page token"}
        chunk = model["instances"][offset : offset + size]
        more = offset + size < len(model["instances"])
        answer: dict[str, Any] = {"instances": [model_instance(model, i) for i in chunk]}
        answer["nextPageToken"] = _token(offset + size, page + 1) if more else ""
        return 200, answer

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stalls

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _send(
                self, status: int, payload: Any, path: str, body: Any, raw: bytes | None = None
            ) -> None:
                data = raw if raw is not None else json.dumps(payload, separators=(",", ":")).encode()
                # recorded before answering, so a client that got its answer finds its request counted
                with fake._lock:
                    fake.requests.append(
                        Seen(
                            self.command,
                            path,
                            status,
                            body,
                            self.headers.get("Authorization"),
                            self.headers.get("User-Agent"),
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if status in (429, 503) and fake.faults.retry_after is not None:
                    self.send_header("Retry-After", fake.faults.retry_after)
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, path: str, body: Any, compute: Any) -> None:
                f = fake.faults
                if not fake.authorized(self.headers.get("Authorization")):
                    self._send(401, {"code": 401, "message": "Unauthenticated"}, path, body)
                    return
                with fake._lock:
                    body_code = f.error_body_next.popleft() if f.error_body_next else None
                    if body_code is None and path == LIST_INSTANCES and f.instances_error_body_next:
                        body_code = f.instances_error_body_next.popleft()
                if body_code is not None:
                    self._send(
                        200, {"code": body_code, "message": "injected error in a 200 body"}, path, body
                    )
                    return
                with fake._lock:
                    status = f.status_next.popleft() if f.status_next else None
                    if status is None and path == LIST_INSTANCES and f.instances_status_next:
                        status = f.instances_status_next.popleft()
                    bad_json = status is None and f.bad_json_next > 0
                    if bad_json:
                        f.bad_json_next -= 1
                if status is not None:
                    self._send(status, {"code": status, "message": "injected failure"}, path, body)
                    return
                code, payload = compute()
                if bad_json and code == 200:
                    data = json.dumps(payload).encode()
                    self._send(code, None, path, body, raw=data[: max(1, len(data) // 3)])
                    return
                self._send(code, payload, path, body)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    self._send(400, {"code": 400, "message": "body is not JSON"}, path, None)
                    return
                if not isinstance(body, dict):
                    self._send(400, {"code": 400, "message": "body is not an object"}, path, body)
                    return
                if path == LIST_MODELS:
                    sort_by = body.get("sortBy")
                    if sort_by and sort_by not in SORT_BYS:
                        self._send(400, {"code": 400, "message": f"bad sortBy {sort_by}"}, path, body)
                        return
                    self._answer(path, body, lambda: fake.list_models(body))
                elif path == LIST_INSTANCES:
                    self._answer(path, body, lambda: fake.list_instances(body))
                else:
                    self._send(404, {"code": 404, "message": "not found"}, path, body)

            def do_GET(self) -> None:  # noqa: N802
                split = urlsplit(self.path)
                query = dict(parse_qsl(split.query, keep_blank_values=True))
                path = split.path
                if path == LEGACY_LIST:
                    sort_by = query.get("sortBy")
                    if sort_by and sort_by not in LEGACY_SORT_BYS:
                        self._send(400, {"code": 400, "message": f"bad sortBy {sort_by}"}, path, query)
                        return
                    body: dict[str, Any] = {
                        "pageSize": int(query.get("pageSize") or 20),
                        "pageToken": query.get("pageToken") or "",
                        "owner": query.get("owner") or "",
                        "search": query.get("search") or "",
                    }
                    self._answer(path, body, lambda: fake.list_models(body, legacy=True))
                    return
                parts = [unquote(p) for p in path.split("/")]
                # /api/v1/models/{owner}/{slug}/get
                if len(parts) == 7 and parts[1:4] == ["api", "v1", "models"] and parts[6] == "get":
                    owner, slug = parts[4], parts[5]

                    def get_model() -> tuple[int, Any]:
                        model = fake._find(owner, slug)
                        if model is None:
                            return 404, {"code": 404, "message": "model not found"}
                        return 200, _legacy_model(model)

                    self._answer(path, query, get_model)
                    return
                self._send(404, {"code": 404, "message": "not found"}, path, query)

        return Handler
