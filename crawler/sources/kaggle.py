"""Kaggle Models (TF Hub's successor), listed with Kaggle's public API.

The listing is ``POST {base}/v1/models.ModelApiService/ListModels`` with a JSON body ``{pageSize,
pageToken, sortBy, search, owner}`` (base ``https://api.kaggle.com``). Each answer holds ``models``,
``nextPageToken`` (empty at the end) and ``totalResults``. A page shorter than ``pageSize`` is *not* the
end: only an empty ``nextPageToken`` is. The next page token is the checkpoint, so a killed crawl resumes
at the page after the last one saved. The legacy REST form ``GET https://www.kaggle.com/api/v1/models/list``
is available with ``api="legacy"``.

A model whose ``instances`` are missing or empty (proto JSON omits empty lists) has them fetched with
``POST …/ListModelInstances`` ``{ownerSlug, modelSlug, pageSize, pageToken}``, paged the same way. Each
instance's ``framework`` arrives camelCase (``tensorFlow2``, ``pyTorch``) or as an enum name
(``MODEL_FRAMEWORK_TENSOR_FLOW_2``); both are normalised to the camelCase form, and an unknown value is
kept as it came, with a warning. ``ModelRecord.formats`` is the sorted set of normalised instance
frameworks; every instance also becomes a ``kaggle_instances`` row (``sql/schema/003_kaggle.sql``).

The fields are kagglesdk's (``kagglesdk/models/types``): a listed model is an ``ApiModel`` (``id``,
``ref``, ``title``, ``subtitle``, ``author``, ``slug``, ``isPrivate``, ``description``, ``instances``,
``tags``, ``publishTime``, ``provenanceSources``, ``url``, ``modelVersionLinks``, ``voteCount``,
``authorImageUrl``, ``updateTime``) whose instances are ``ApiModelInstance`` (licence as ``licenseName``);
``ListModelInstances`` answers with the richer ``ModelInstance`` (licence as a ``license`` object, no
``url``, large texts ``renderedUsage``, ``versionNotes``, ``licensePost`` …, and a ``downloadSummary``).
Neither a model nor an instance has a download count or a TF-Hub flag: ``ModelRecord.downloads`` is NULL
for Kaggle (``voteCount`` is its ``likes``), and ``kaggle_instances.is_tfhub_model`` is NULL (the flag
exists only on instance *versions*, ``ListModelInstanceVersions``, one request per instance, which zoo
does not ask). An instance that came from ``ListModelInstances`` keeps its
``downloadSummary.totalDownloads`` as ``total_downloads`` in its ``extra``.

Kaggle wants credentials even for public listings. :func:`find_kaggle_credentials` looks where the
official client (kaggle-api 1.8.3 with kagglesdk 0.1.15) looks, in its order: the access token first
(Bearer) — inside a Kaggle notebook the file ``$KAGGLE_API_V1_TOKEN``; ``KAGGLE_API_TOKEN``, the token
or the path of a file holding it; ``~/.kaggle/access_token`` (or ``access_token.txt``) — then the legacy
API key (Basic): ``KAGGLE_USERNAME`` + ``KAGGLE_KEY``, else ``kaggle.json`` in ``$KAGGLE_CONFIG_DIR``,
else in ``~/.kaggle``, else (on Linux, when ``~/.kaggle`` does not exist) in ``$XDG_CONFIG_HOME/kaggle``
or ``~/.config/kaggle``. ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` count only as a pair (:func:`find_legacy_key`).
Unlike the official client, zoo does not ask Kaggle whether a token is valid before using it; when Kaggle
refuses it (401, 403) and a legacy key is configured, the request is sent again with the key, which
serves the rest of the run (the official client, told the token is invalid, uses the key too), and a
page note says so. It does not read the OAuth ``credentials.json`` of ``KAGGLE_ENABLE_OAUTH``. Credentials
are sent in a header only: never in ``params()``, logs, records or error messages.

An answer whose JSON body is an error object (``{"code": N, "message": …}`` with N ≥ 400), whatever its HTTP
status, is that error (:func:`body_error_code`), as kagglesdk's client reads it; never an empty page.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ._net import HttpStatusError, RetryPolicy, check_endpoint
from ._options import HTTP_OPTIONS
from ._paging import CursorPages
from .base import Meter, NotConfigured, Source, SourceError
from .records import ModelRecord, Page
from .registry import Hub, Option, register

if TYPE_CHECKING:
    import requests

HUB = "kaggle"
DEFAULT_ENDPOINT = "https://api.kaggle.com"
DEFAULT_LEGACY_ENDPOINT = "https://www.kaggle.com/api/v1"
LIST_MODELS_PATH = "/v1/models.ModelApiService/ListModels"
LIST_INSTANCES_PATH = "/v1/models.ModelApiService/ListModelInstances"
PAGE_SIZE = 50
INSTANCE_PAGE_SIZE = 50
#: Sort orders of ``ListModels`` (short name → enum name sent in the POST body).
SORT_ORDERS = {
    "hotness": "LIST_MODELS_ORDER_BY_HOTNESS",
    "downloadCount": "LIST_MODELS_ORDER_BY_DOWNLOAD_COUNT",
    "voteCount": "LIST_MODELS_ORDER_BY_VOTE_COUNT",
    "notebookCount": "LIST_MODELS_ORDER_BY_NOTEBOOK_COUNT",
    "publishTime": "LIST_MODELS_ORDER_BY_PUBLISH_TIME",
    "createTime": "LIST_MODELS_ORDER_BY_CREATE_TIME",
    "updateTime": "LIST_MODELS_ORDER_BY_UPDATE_TIME",
}
#: Creation order keeps a page token meaningful while models are added (hotness reshuffles daily).
DEFAULT_SORT = "createTime"
APIS = ("rpc", "legacy")

#: Every framework Kaggle knows, in its camelCase spelling (kagglesdk ``ModelFramework`` without the
#: ``MODEL_FRAMEWORK_`` prefix), with the enum's number.
FRAMEWORKS: dict[str, int] = {
    "unspecified": 0,
    "tensorFlow1": 1,
    "tensorFlow2": 2,
    "tfLite": 3,
    "tfJs": 4,
    "pyTorch": 5,
    "jax": 6,
    "coral": 7,
    "scikitLearn": 8,
    "mxnet": 9,
    "onnx": 10,
    "keras": 11,
    "api": 12,
    "other": 13,
    "flax": 14,
    "pax": 15,
    "transformers": 16,
    "maxText": 17,
    "gemmaCpp": 18,
    "ggml": 19,
    "tensorRtLlm": 20,
    "gguf": 21,
    "triton": 22,
    # MODEL_FRAMEWORK_VLLM (in kagglesdk 0.1.38, not yet in 0.1.15): a serving engine, so, like triton or
    # gemmaCpp, it has no row in framework_evidence_map
    "vllm": 23,
}
#: Frameworks that are no evidence for any framework, so framework_evidence_map has no row for them (a
#: test holds every other entry of ``FRAMEWORKS`` to have one): no framework declared (``unspecified``,
#: ``other``), a hosted API (``api``), a library or engine that runs several frameworks' weights
#: (``transformers``: PyTorch, TensorFlow or Flax; ``triton``, ``vllm``: serving engines) and Gemma's C++
#: runtime (``gemmaCpp``).
NO_FRAMEWORK_EVIDENCE = ("unspecified", "other", "api", "transformers", "triton", "vllm", "gemmaCpp")
#: Frameworks the stats views count as TensorFlow (documentation; the views own the definition).
TENSORFLOW_FRAMEWORKS = ("tensorFlow1", "tensorFlow2", "tfLite", "tfJs", "coral")
_ALIASES = {"tensorflowlite": "tfLite", "tensorflowjs": "tfJs", "sklearn": "scikitLearn"}
_BY_FOLDED = {re.sub(r"[^a-z0-9]", "", k.lower()): k for k in FRAMEWORKS} | _ALIASES
_BY_NUMBER = {v: k for k, v in FRAMEWORKS.items()}
_ENUM_PREFIX = re.compile(r"^(?:ModelFramework\.)?MODEL_FRAMEWORK_", re.IGNORECASE)


class KaggleError(SourceError):
    """Kaggle answered something unusable, or refused us; the message says what (never a secret)."""


class CredentialsError(NotConfigured, KaggleError):
    """No usable Kaggle credentials; the message is one line telling the user how to provide them."""


# ----------------------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class KaggleCredentials:
    """How to authenticate: a Bearer token, or a username and API key (Basic)."""

    kind: str  # "bearer" | "basic"
    secret: str
    username: str | None = None
    #: where they came from (an environment variable or a file path), for messages
    origin: str = ""

    def __repr__(self) -> str:  # never show the secret, even in a traceback's locals
        return f"KaggleCredentials(kind={self.kind!r}, username={self.username!r}, origin={self.origin!r})"

    __str__ = __repr__

    def header(self) -> dict[str, str]:
        if self.kind == "bearer":
            return {"Authorization": f"Bearer {self.secret}"}
        pair = f"{self.username}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def secrets(self) -> list[str]:
        """Strings that must never appear in output: the secret and its encoded header forms."""
        out = [self.secret, self.header()["Authorization"].split(" ", 1)[1]]
        return [s for s in out if s]


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("HOME")
    return Path(home) if home else Path.home()


def kaggle_config_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where the official client looks for kaggle.json: ``$KAGGLE_CONFIG_DIR``, else ``~/.kaggle``; on
    Linux, when ``~/.kaggle`` does not exist, ``$XDG_CONFIG_HOME/kaggle`` (default ``~/.config/kaggle``)."""
    env = os.environ if env is None else env
    configured = env.get("KAGGLE_CONFIG_DIR")
    if configured:
        return Path(configured).expanduser()
    legacy = _home(env) / ".kaggle"
    if (platform or sys.platform).startswith("linux") and not legacy.exists():
        xdg = env.get("XDG_CONFIG_HOME")
        return (Path(xdg) if xdg else _home(env) / ".config") / "kaggle"
    return legacy


_NO_CREDENTIALS = (
    "no Kaggle credentials: set KAGGLE_API_TOKEN (a token, or the path of a file holding it), or put the "
    "token in ~/.kaggle/access_token, or set KAGGLE_USERNAME and KAGGLE_KEY, "
    'or put kaggle.json ({{"username": …, "key": …}}) in {dir}'
)


def _token_file(path: Path) -> str | None:
    """The token a file holds (stripped), ``None`` if it is missing or empty; never echoes the content."""
    try:
        if not path.is_file():
            return None
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read the Kaggle token file {path}: {type(exc).__name__}") from None
    return token or None


def _access_token(env: Mapping[str, str]) -> tuple[KaggleCredentials | None, str]:
    """The official client's access-token lookup (kagglesdk ``get_access_token_from_env``), in its order.

    Returns the credentials (or None) and, when a place was tried but held nothing, why (for messages).
    """
    if env.get("KAGGLE_KERNEL_RUN_TYPE") is not None and env.get("KAGGLE_DATA_PROXY_URL") is not None:
        inside = env.get("KAGGLE_API_V1_TOKEN")  # a Kaggle notebook names its token file here
        token = _token_file(Path(inside)) if inside else None
        if token:
            return KaggleCredentials("bearer", token, origin=f"{inside} (KAGGLE_API_V1_TOKEN)"), ""
    value = env.get("KAGGLE_API_TOKEN") or ""
    if value:
        if Path(value).exists():
            token = _token_file(Path(value))
            if token:
                return KaggleCredentials("bearer", token, origin=f"{value} (KAGGLE_API_TOKEN)"), ""
            # as the official client does, an empty token file ends the token lookup
            return None, f" (KAGGLE_API_TOKEN names {value}, which holds no token)"
        return KaggleCredentials("bearer", value.strip(), origin="KAGGLE_API_TOKEN"), ""
    for name in ("access_token", "access_token.txt"):
        path = _home(env) / ".kaggle" / name
        token = _token_file(path)
        if token:
            return KaggleCredentials("bearer", token, origin=str(path)), ""
    return None, ""


def find_kaggle_credentials(env: Mapping[str, str] | None = None) -> KaggleCredentials:
    """Kaggle credentials, looked up where and in the order the official client looks (module doc).

    Raises :class:`CredentialsError` with a one-line explanation when none is usable. Secrets read from
    files or the environment never appear in a message, a ``repr`` or ``origin``.
    """
    env = os.environ if env is None else env
    found, why = _access_token(env)
    if found is not None:
        return found
    key = find_legacy_key(env)
    if key is not None:
        return key
    username = (env.get("KAGGLE_USERNAME") or "").strip()
    hint = " (KAGGLE_USERNAME is set but KAGGLE_KEY is not)" if username and not env.get("KAGGLE_KEY") else ""
    if not username and (env.get("KAGGLE_KEY") or "").strip():
        hint = " (KAGGLE_KEY is set but KAGGLE_USERNAME is not)"
    raise CredentialsError(_NO_CREDENTIALS.format(dir=kaggle_config_dir(env)) + hint + why)


def find_legacy_key(env: Mapping[str, str] | None = None) -> KaggleCredentials | None:
    """The legacy API key (Basic), as the official client finds it, or ``None`` when none is configured.

    ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` are used when *both* are set; otherwise ``kaggle.json`` is read
    and used as a whole. This is what kaggle-cli does (``read_config_environment`` fills the two values
    from the environment; when one is missing, ``read_config_file`` replaces them with the file's
    content, so a lone ``KAGGLE_USERNAME`` or ``KAGGLE_KEY`` is ignored), and what kagglehub does
    (``get_kaggle_credentials``). Raises :class:`CredentialsError` for a ``kaggle.json`` that cannot be
    used (unreadable, not JSON, without a username or key).
    """
    env = os.environ if env is None else env
    username = (env.get("KAGGLE_USERNAME") or "").strip()
    key = (env.get("KAGGLE_KEY") or "").strip()
    if username and key:
        return KaggleCredentials("basic", key, username=username, origin="KAGGLE_USERNAME/KAGGLE_KEY")
    path = kaggle_config_dir(env) / "kaggle.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read Kaggle credentials from {path}: {type(exc).__name__}") from None
    except ValueError:
        raise CredentialsError(f'{path} is not valid JSON; expected {{"username": …, "key": …}}') from None
    if not isinstance(data, dict):
        raise CredentialsError(f'{path} is not a JSON object; expected {{"username": …, "key": …}}')
    file_username = data.get("username")
    file_key = data.get("key")
    if (
        not isinstance(file_username, str)
        or not file_username.strip()
        or not isinstance(file_key, str)
        or not file_key.strip()
    ):
        raise CredentialsError(f'{path} lacks a "username" or a "key" string')
    origin = str(path)
    if username or key:  # one of the pair alone: the official clients ignore it, and so does zoo
        alone = "KAGGLE_USERNAME" if username else "KAGGLE_KEY"
        origin += f" ({alone} alone is ignored)"
    return KaggleCredentials("basic", file_key.strip(), username=file_username.strip(), origin=origin)


def kaggle_credentials_problem(env: Mapping[str, str] | None = None) -> str | None:
    """``None`` when credentials are usable, else the one-line reason (for ``zoo crawl all`` notices)."""
    try:
        find_kaggle_credentials(env)
    except CredentialsError as exc:
        return str(exc)
    return None


def kaggle_credentials_available(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``zoo crawl kaggle`` can authenticate (without asking Kaggle whether they are valid)."""
    return kaggle_credentials_problem(env) is None


def resolve_endpoint(endpoint: str | None = None, api: str = "rpc") -> str:
    """``--kaggle-endpoint``, else ``$ZOO_KAGGLE_ENDPOINT``, else Kaggle's own base for ``api``."""
    default = DEFAULT_LEGACY_ENDPOINT if api == "legacy" else DEFAULT_ENDPOINT
    return (endpoint or os.environ.get("ZOO_KAGGLE_ENDPOINT") or default).rstrip("/")


# --------------------------------------------------------------------------------------- normalisation


def normalise_framework(value: Any) -> tuple[str | None, bool]:
    """A framework value as Kaggle sent it → (normalised camelCase value, known?).

    ``tensorFlow2``, ``TensorFlow2``, ``MODEL_FRAMEWORK_TENSOR_FLOW_2`` and ``2`` all give
    ``("tensorFlow2", True)``. An unknown string comes back unchanged with ``False``; ``None`` or an
    empty string gives ``(None, False)``.
    """
    if value is None:
        return None, False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        name = _BY_NUMBER.get(value)
        return (name, True) if name else (str(value), False)
    if not isinstance(value, str):
        return json.dumps(value, default=str)[:100], False
    text = value.strip()
    if not text:
        return None, False
    if text.isdigit():
        return normalise_framework(int(text))
    folded = re.sub(r"[^a-z0-9]", "", _ENUM_PREFIX.sub("", text).lower())
    known = _BY_FOLDED.get(folded)
    if known is not None:
        return known, True
    return value, False


def body_error_code(data: Mapping[str, Any]) -> int | None:
    """The error code of an answer whose body is an error (``{"code": 401, "message": …}``, ``code`` at
    least 400), whatever its HTTP status; ``None`` for any other answer. kagglesdk's client reads every
    JSON answer this way (``"code" in resp and resp["code"] >= 400``); no field of a listing is named
    ``code``."""
    code = _as_int(data.get("code"))
    return code if code is not None and code >= 400 else None


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time (proto JSON: ``Z``, up to 9 fractional digits) → aware datetime in UTC.

    A time without an offset is taken as UTC. Proto's zero time (year 1) means "unset" and gives None.
    Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time string: {value!r}")
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        dt = dt.astimezone(timezone.utc)
    except OverflowError:  # year 1 at +02:00 is year 0 in UTC
        raise ValueError(f"{value!r} is not a time a datetime holds in UTC") from None
    if dt.year <= 1:
        return None
    return dt


def _as_int(value: Any) -> int | None:
    """Proto JSON sends int64 as strings; accept both."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


def _count(value: Any, name: str, warn: Callable[[str], None]) -> int | None:
    """A count (``_as_int``); anything else sent (``12.5``, ``NaN``, ``"many"``) is NULL with a warning."""
    count = _as_int(value)
    if count is None and value is not None:
        warn(f"{name}={str(value)[:60]!r} is not an integer; stored as NULL")
    return count


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


#: Instance fields mapped to ``kaggle_instances`` columns (the rest goes to its ``extra``).
#: ``licenseName`` is the licence of an ``ApiModelInstance`` (listing, legacy GetModel), ``license`` (an
#: object with ``name``) that of a ``ModelInstance`` (ListModelInstances).
_INSTANCE_FIELDS = {
    "id",
    "slug",
    "framework",
    "versionId",
    "versionNumber",
    "licenseName",
    "license",
    "fineTunable",
    "modelInstanceType",
    "totalUncompressedBytes",
    "url",
    "downloadSummary",
}
#: Long texts not worth keeping per instance (Markdown, rendered HTML, a licence's full text) and the
#: download URL (it carries no fact the row lacks).
_INSTANCE_DROPPED = {
    "overview",
    "usage",
    "renderedUsage",
    "versionNotes",
    "textRepresentation",
    "licensePost",
    "downloadUrl",
}
#: Model fields mapped to record columns or ``extra`` keys: every field of kagglesdk's ``ApiModel`` (the
#: rest, a field Kaggle adds later, is kept in ``extra.unknown_fields``).
_MODEL_FIELDS = {
    "id",
    "ref",
    "title",
    "subtitle",
    "author",
    "slug",
    "isPrivate",
    "description",
    "instances",
    "tags",
    "publishTime",
    "updateTime",
    "provenanceSources",
    "url",
    "modelVersionLinks",
    "voteCount",
    "authorImageUrl",
}
_EXTRA_MODEL_FIELDS = ("title", "subtitle", "slug", "url", "provenanceSources")


def _license_name(inst: dict[str, Any]) -> str | None:
    name = inst.get("licenseName")
    if isinstance(name, str) and name:
        return name
    lic = inst.get("license")
    if isinstance(lic, dict) and isinstance(lic.get("name"), str) and lic["name"]:
        return lic["name"]
    return None


def instance_row(key: str, ref: str, inst: Any, source: str, warn: Callable[[str], None]) -> dict | None:
    """One instance object → a ``kaggle_instances`` row (every column present, JSON-friendly)."""
    if not isinstance(inst, dict):
        warn(f"instance is not an object: {str(inst)[:100]}")
        return None
    raw = inst.get("framework")
    framework, known = normalise_framework(raw)
    slug = inst.get("slug")
    where = f"instance {slug!r}" if isinstance(slug, str) else "instance"
    if framework is None:
        warn(f"{where} has no framework")
    elif not known:
        warn(f"{where}: unknown framework {framework!r} kept as sent")
    other = {k: v for k, v in inst.items() if k not in _INSTANCE_FIELDS and k not in _INSTANCE_DROPPED}
    summary = inst.get("downloadSummary")
    if isinstance(summary, dict) and isinstance(summary.get("totalDownloads"), int | float):
        other["total_downloads"] = summary["totalDownloads"]  # not its day-by-day series
    instance_type = inst.get("modelInstanceType")
    if (
        instance_type is not None
        and str(instance_type).removeprefix("ModelInstanceType.") not in INSTANCE_TYPES
    ):
        warn(f"{where}: unknown modelInstanceType {instance_type!r} kept as sent")
    return {
        "hub": HUB,
        "key": key,
        "model_ref": ref,
        "instance_id": _as_int(inst.get("id")),
        "instance_slug": slug if isinstance(slug, str) else None,
        "framework": framework,
        "framework_raw": None if raw is None else (raw if isinstance(raw, str) else json.dumps(raw)),
        "is_tfhub_model": None,  # not in Kaggle's model or instance objects (module doc)
        "version_id": _as_int(inst.get("versionId")),
        "version_number": _as_int(inst.get("versionNumber")),
        "license_name": _license_name(inst),
        "fine_tunable": _as_bool(inst.get("fineTunable")),
        "model_instance_type": None if instance_type is None else str(instance_type),
        "total_uncompressed_bytes": _as_int(inst.get("totalUncompressedBytes")),
        "url": inst.get("url") if isinstance(inst.get("url"), str) else None,
        "instances_from": source,
        # an object, not a JSON text: the store writes the row as JSON, so a text would be stored as a
        # JSON string holding JSON (``extra->>'x'`` would find nothing)
        "extra": dict(sorted(other.items())) if other else None,
    }


#: The instance types Kaggle's API names (kagglesdk's ModelInstanceType), in both spellings it uses.
INSTANCE_TYPES = frozenset(
    [
        "MODEL_INSTANCE_TYPE_UNSPECIFIED",
        "MODEL_INSTANCE_TYPE_BASE_MODEL",
        "MODEL_INSTANCE_TYPE_KAGGLE_VARIANT",
        "MODEL_INSTANCE_TYPE_EXTERNAL_VARIANT",
        "unspecified",
        "baseModel",
        "kaggleVariant",
        "externalVariant",
    ]
)


def _tags(raw: Any, warn: Callable[[str], None]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        warn(f"tags={str(raw)[:100]!r} is not a list")
        return []
    out: list[str] = []
    for tag in raw:
        if isinstance(tag, str):
            name: Any = tag
        elif isinstance(tag, dict):
            name = tag.get("name") or tag.get("ref")
        else:
            name = None
        if isinstance(name, str) and name:
            if name not in out:
                out.append(name)
        else:
            warn(f"tag {str(tag)[:80]!r} without a name dropped")
    return out


def normalise_model(
    item: Any, instances: list[Any] | None, instances_from: str, warnings: list[str]
) -> tuple[ModelRecord, list[dict]] | None:
    """One listed model (and its instances) → a record and its ``kaggle_instances`` rows."""
    if not isinstance(item, dict):
        warnings.append(f"model is not an object: {str(item)[:100]}")
        return None
    model_id = _as_int(item.get("id"))
    ref = item.get("ref")
    if model_id is None or not isinstance(ref, str) or not ref:
        warnings.append(f"model without id or ref skipped: {json.dumps(item, default=str)[:200]}")
        return None
    key = str(model_id)

    def warn(msg: str) -> None:
        warnings.append(f"{ref}: {msg}")

    created_at = last_modified = None
    for field_name in ("publishTime", "updateTime"):
        try:
            value = parse_time(item.get(field_name))
        except ValueError:
            warn(f"{field_name}={item.get(field_name)!r} is not an RFC 3339 time")
            value = None
        if field_name == "publishTime":
            created_at = value
        else:
            last_modified = value
    author = item.get("author")
    if author is not None and not isinstance(author, str):
        warn(f"author={author!r} is not a string")
        author = None
    if not author:
        author = ref.split("/", 1)[0] if "/" in ref else None

    rows: list[dict] = []
    for inst in instances or []:
        row = instance_row(key, ref, inst, instances_from, warn)
        if row is not None:
            rows.append(row)
    formats = sorted({r["framework"] for r in rows if r["framework"]})

    extra: dict[str, Any] = {}
    for name in _EXTRA_MODEL_FIELDS:
        value = item.get(name)
        if value not in (None, "", []):
            extra[name] = value
    extra["instance_count"] = len(rows)
    unknown = sorted(k for k in item if k not in _MODEL_FIELDS)
    if unknown:
        extra["unknown_fields"] = {k: item[k] for k in unknown}

    private = _as_bool(item.get("isPrivate"))
    record = ModelRecord(
        hub=HUB,
        key=key,
        id=ref,
        author=author,
        created_at=created_at,
        created_at_quality="exact" if created_at is not None else "unknown",
        last_modified=last_modified,
        tags=_tags(item.get("tags"), warn),
        downloads=None,  # Kaggle's listing has no download count (module doc)
        likes=_count(item.get("voteCount"), "voteCount", warn),
        private=private,
        formats=formats,
        extra=extra,
    )
    return record, rows


# ---------------------------------------------------------------------------------------------- source


class KaggleSource(Source):
    """Lists every model Kaggle's API shows these credentials, a page (``pageSize``) at a time."""

    name = HUB
    #: child tables this source owns: replaced (or emptied) for the hub when a run completes
    child_tables: tuple[str, ...] = ("kaggle_instances",)

    def __init__(
        self,
        endpoint: str | None = None,
        credentials: KaggleCredentials | None = None,
        *,
        fallback: KaggleCredentials | None = None,
        api: str = "rpc",
        page_size: int = PAGE_SIZE,
        instance_page_size: int = INSTANCE_PAGE_SIZE,
        sort_by: str = DEFAULT_SORT,
        search: str | None = None,
        owner: str | None = None,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if api not in APIS:
            raise ValueError(f"api must be one of {APIS}, not {api!r}")
        if sort_by not in SORT_ORDERS:
            raise ValueError(f"sort_by must be one of {sorted(SORT_ORDERS)}, not {sort_by!r}")
        if page_size < 1 or instance_page_size < 1:
            raise ValueError("page sizes must be at least 1")
        self.api = api
        self.endpoint = check_endpoint(resolve_endpoint(endpoint, api), "--kaggle-endpoint")
        self._credentials = credentials  # resolved lazily, so constructing a source never fails
        #: the legacy key to use when Kaggle refuses the token: looked up lazily (like the credentials)
        #: when the credentials are too, else only the one given
        self._fallback = fallback
        self._fallback_known = credentials is not None or fallback is not None
        self._fallback_problem = ""  # why a configured legacy key cannot be used (broken kaggle.json)
        self._refused: KaggleCredentials | None = None  # the token Kaggle refused, once it did
        self._notes: list[str] = []  # for the next page's notes
        self.page_size = page_size
        self.instance_page_size = instance_page_size
        self.sort_by = sort_by
        self.search = search or ""
        self.owner = owner or ""
        #: a filtered listing is not the whole hub: it must not mark the models it did not list absent
        self.full_listing = not (self.search or self.owner)
        self.policy = policy or RetryPolicy()
        self._session = session

    def __repr__(self) -> str:
        return f"KaggleSource(endpoint={self.endpoint!r}, api={self.api!r})"

    @property
    def credentials(self) -> KaggleCredentials:
        if self._credentials is None:
            self._credentials = find_kaggle_credentials()
        return self._credentials

    @property
    def fallback(self) -> KaggleCredentials | None:
        """The legacy key (Basic) to use if Kaggle refuses the token, ``None`` when there is none to use:
        no key configured, credentials that are a key already, or a token already refused."""
        if not self._fallback_known:
            self._fallback_known = True
            if self.credentials.kind == "bearer":
                try:
                    self._fallback = find_legacy_key()
                except CredentialsError as exc:
                    self._fallback_problem = str(exc)
        if self._fallback is not None and self._fallback.kind != "basic":
            return None
        return self._fallback

    def secrets(self) -> list[str]:
        """The credentials (the token and the legacy key it may fall back to) and the header forms they
        are sent in."""
        out = self.credentials.secrets()
        for other in (self.fallback, self._refused):
            if other is not None:
                out.extend(other.secrets())
        return out

    def params(self) -> dict[str, Any]:
        """What is asked: endpoint, API form and listing options. Never the credentials."""
        return {
            "endpoint": self.endpoint,
            "api": self.api,
            "path": LIST_MODELS_PATH if self.api == "rpc" else "/models/list",
            "pageSize": self.page_size,
            "sortBy": self.sort_by,
            "search": self.search,
            "owner": self.owner,
            "instancePageSize": self.instance_page_size,
        }

    # -- HTTP

    def _call(self, method: str, path: str, counter: Meter, **kwargs: Any) -> Any:
        """One request; when Kaggle refuses a token (401, 403) and a legacy key is configured, the request
        is sent again with the key, which serves the rest of the run (a note on the page says so).

        kaggle-cli does the same in effect: it asks Kaggle about the token first (``IntrospectToken``)
        and, when Kaggle says it is invalid or expired, ignores it and authenticates with the legacy key.
        zoo asks no extra question: the first refusal is the answer.
        """
        try:
            return self._request(method, path, counter, **kwargs)
        except HttpStatusError as exc:
            if exc.status not in (401, 403) or self.credentials.kind != "bearer":
                raise
            fallback = self.fallback
            if fallback is None:
                raise
            refused = self.credentials
            self._refused, self._credentials, self._fallback = refused, fallback, None
            self._notes.append(
                f"Kaggle refused the token from {refused.origin} (HTTP {exc.status}); the legacy key from "
                f"{fallback.origin} was used instead, as Kaggle's own client does"
            )
            return self._request(method, path, counter, **kwargs)

    def _request(self, method: str, path: str, counter: Meter, **kwargs: Any) -> Any:
        from ._http import make_session, request_json  # requests and tenacity: loaded when first used

        session = self._session or make_session()
        self._session = session
        data = request_json(
            session,
            method,
            self.endpoint + path,
            policy=self.policy,
            counter=counter,
            headers=self.credentials.header(),
            **kwargs,
        )
        if not isinstance(data, dict):
            raise KaggleError(f"Kaggle answered {method} {path} with a {type(data).__name__}, not an object")
        code = body_error_code(data)
        if code is not None:
            # kagglesdk (KaggleHttpClient._prepare_response) raises for such a body whatever the status:
            # it is an error, never an empty page. Not retried, as there.
            message = data.get("message")
            text = message if isinstance(message, str) else json.dumps(message, default=str)
            raise HttpStatusError(
                f"{method} {self.endpoint}{path} answered HTTP 200 with an error in its body: code {code}: "
                f"{text[:120]}",
                code,
            )
        return data

    def _list_models(self, token: str, counter: Meter) -> dict[str, Any]:
        if self.api == "legacy":
            params = {"pageSize": self.page_size, "sortBy": self.sort_by}
            if token:
                params["pageToken"] = token
            if self.search:
                params["search"] = self.search
            if self.owner:
                params["owner"] = self.owner
            return self._call("GET", "/models/list", counter, params=params)
        body = {
            "pageSize": self.page_size,
            "pageToken": token,
            "sortBy": SORT_ORDERS[self.sort_by],
            "search": self.search,
            "owner": self.owner,
        }
        return self._call("POST", LIST_MODELS_PATH, counter, json_body=body)

    def _fetch_instances(self, ref: str, counter: Meter, warnings: list[str]) -> list[Any]:
        """All instances of ``owner/slug`` (paged); a 404 (model gone meanwhile) gives none, with a warning."""
        owner, _, slug = ref.partition("/")
        try:
            if self.api == "legacy":
                path = f"/models/{quote(owner, safe='')}/{quote(slug, safe='')}/get"
                data = self._call("GET", path, counter)
                instances = data.get("instances") or []
                return instances if isinstance(instances, list) else []
            out: list[Any] = []
            paging = CursorPages(
                repeated=lambda t: KaggleError(f"ListModelInstances for {ref} repeated the page token {t!r}")
            )
            while True:
                body = {
                    "ownerSlug": owner,
                    "modelSlug": slug,
                    "pageSize": self.instance_page_size,
                    "pageToken": paging.next or "",
                }
                data = self._call("POST", LIST_INSTANCES_PATH, counter, json_body=body)
                instances = data.get("instances") or []
                if not isinstance(instances, list):
                    raise KaggleError(f"ListModelInstances for {ref} sent instances that are not a list")
                out.extend(instances)
                if paging.update(data.get("nextPageToken") or None) is None:
                    return out
        except HttpStatusError as exc:
            if exc.status == 404:
                warnings.append(
                    f"{ref}: instances not found (HTTP 404); the model was probably removed during the crawl"
                )
                return []
            raise

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        """Yield one page per ``ListModels`` answer, starting at the page token ``checkpoint``.

        Every request is counted on ``meter``; an error ending the listing carries the attempts of the
        request that failed (``SourceError.requests``).
        """
        try:
            yield from self._pages(checkpoint, self.meter)
        except HttpStatusError as exc:
            if exc.status not in (401, 403):
                raise
            if self._refused is not None:
                what = (
                    f"the token from {self._refused.origin} and then the legacy key from "
                    f"{self.credentials.origin}"
                )
            else:
                what = f"the credentials from {self.credentials.origin}"
            if self._fallback_problem:
                what += f" (no legacy key to fall back on: {self._fallback_problem})"
            raise KaggleError(
                f"Kaggle refused {what} (HTTP {exc.status}); check them, or create a new API token on "
                "kaggle.com/settings",
                requests=exc.requests,
            ) from None

    def _pages(self, checkpoint: str | None, counter: Meter) -> Iterator[Page]:
        paging = CursorPages(
            checkpoint or None,
            repeated=lambda t: KaggleError(f"Kaggle's model listing repeated the page token {t!r}"),
        )
        token = paging.next or ""
        seen_keys: set[str] = set()
        pages = 0  # pages listed in this session
        widest = 1  # the most models one page held: the server's real page size, or less
        announced: int | None = None  # the largest totalResults seen
        while True:
            try:
                data = self._list_models(token, counter)
            except HttpStatusError as exc:
                if exc.status == 400 and checkpoint and token == checkpoint:
                    raise KaggleError(
                        "Kaggle rejected the page token saved by the interrupted run (HTTP 400; tokens may "
                        "expire); start afresh with --restart"
                    ) from None
                raise
            models = data.get("models")
            if models is None:
                models = []
            if not isinstance(models, list):
                raise KaggleError(f"Kaggle's model listing sent models that are not a list (page {token!r})")
            next_token = data.get("nextPageToken") or None
            if next_token is not None and not isinstance(next_token, str):
                raise KaggleError(f"nextPageToken={next_token!r} is not a string")
            total = _as_int(data.get("totalResults"))
            pages += 1
            widest = max(widest, len(models))
            if total is not None:
                announced = max(announced or 0, total)
            if next_token is not None and announced is not None and pages > 4 * -(-announced // widest) + 10:
                raise KaggleError(
                    f"Kaggle announced {announced:,} models (totalResults) but has already sent {pages:,} pages "
                    "in this run and still gives a next page token: stopped instead of paging without end"
                )
            warnings: list[str] = []
            records: list[ModelRecord] = []
            rows: list[dict] = []
            for item in models:
                instances: Any = item.get("instances") if isinstance(item, dict) else None
                source = "listing"
                if isinstance(item, dict) and (instances is None or instances == []):
                    ref = item.get("ref")
                    if isinstance(ref, str) and "/" in ref:
                        instances = self._fetch_instances(ref, counter, warnings)
                        source = "ListModelInstances" if self.api == "rpc" else "GetModel"
                elif instances is not None and not isinstance(instances, list):
                    warnings.append(f"{item.get('ref')}: instances={str(instances)[:80]!r} is not a list")
                    instances = []
                result = normalise_model(item, instances, source, warnings)
                if result is None:
                    continue
                record, instance_rows = result
                records.append(record)
                # A model listed twice (the listing moved under us) keeps the rows of its first listing.
                if record.key not in seen_keys:
                    seen_keys.add(record.key)
                    rows.extend(instance_rows)
            children = {"kaggle_instances": rows} if rows else {}
            notes, self._notes = self._notes, []
            yield Page(
                records,
                next_token,
                warnings,
                children,
                requests=counter.take(),
                total_hint=total,
                notes=notes,
            )
            # the page is saved first; a token given again then stops the listing
            if paging.update(next_token) is None:
                return
            token = paging.next or ""


def _source(
    endpoint: str | None,
    api: str,
    sort_by: str,
    search: str | None,
    owner: str | None,
    page_size: int,
    timeout: float,
    max_attempts: int,
    backoff: float,
    deadline: float | None = None,
) -> KaggleSource:
    policy = RetryPolicy(max_attempts=max_attempts, backoff_base=backoff, timeout=timeout, deadline=deadline)
    return KaggleSource(
        endpoint, api=api, page_size=page_size, sort_by=sort_by, search=search, owner=owner, policy=policy
    )


register(
    Hub(
        KaggleSource,
        label="Kaggle Models",
        command="kaggle",
        order=4,
        factory=_source,
        help="""Crawl every model of Kaggle Models (TF Hub's successor) with Kaggle's ListModels API.

Credentials, looked up where and in the order Kaggle's own client looks: an API token (Bearer) from
KAGGLE_API_TOKEN (the token, or the path of a file holding it), else ~/.kaggle/access_token; else the
legacy key (Basic): KAGGLE_USERNAME and KAGGLE_KEY, else kaggle.json in $KAGGLE_CONFIG_DIR, ~/.kaggle
or $XDG_CONFIG_HOME/kaggle (~/.config/kaggle). A token Kaggle refuses is replaced by the legacy key
when one is configured (the run's notes say so). Without credentials the command exits 1 before opening
the database. Each model's instance frameworks go to models.formats and the kaggle_instances table
(Kaggle's API gives no download count, so downloads stay empty; voteCount is stored as likes). An
interrupted crawl resumes at the next page token; --restart abandons it. Exit code 0 means the run
completed.

Example: KAGGLE_API_TOKEN=... zoo crawl kaggle --db zoo.duckdb""",
        options=(
            Option(
                "--kaggle-endpoint",
                "endpoint",
                "API base to crawl (default: $ZOO_KAGGLE_ENDPOINT, else https://api.kaggle.com, or "
                "https://www.kaggle.com/api/v1 with --api legacy).",
                envvar="ZOO_KAGGLE_ENDPOINT",
            ),
            Option(
                "--api",
                "api",
                "rpc: POST …/ListModels (default); legacy: GET /api/v1/models/list.",
                default="rpc",
                choices=APIS,
            ),
            Option(
                "--sort-by",
                "sort_by",
                "Listing order: createTime, publishTime, updateTime, hotness, downloadCount, voteCount "
                "or notebookCount.",
                default=DEFAULT_SORT,
                choices=tuple(SORT_ORDERS),
            ),
            Option("--search", "search", "Only models matching this term."),
            Option("--owner", "owner", "Only models of this user or org."),
            Option("--page-size", "page_size", "Models asked per page.", type=int, default=PAGE_SIZE, min=1),
            *HTTP_OPTIONS,
            Option(
                "--max-attempts",
                "max_attempts",
                "Attempts per request (5xx, 429, timeouts); a server that cannot be reached at all (refused, DNS) "
                "is tried for 30 s only.",
                type=int,
                default=6,
                min=1,
            ),
            Option(
                "--backoff",
                "backoff",
                "First retry wait in seconds; doubles per retry.",
                type=float,
                default=1.0,
                min=0.0,
            ),
        ),
        secrets=("KAGGLE_API_TOKEN", "KAGGLE_KEY"),
        endpoints=("ZOO_KAGGLE_ENDPOINT",),
        env=(
            "KAGGLE_USERNAME",
            "KAGGLE_CONFIG_DIR",
            "XDG_CONFIG_HOME",
            "KAGGLE_API_V1_TOKEN",
            "KAGGLE_KERNEL_RUN_TYPE",
            "KAGGLE_DATA_PROXY_URL",
        ),
        unavailable=kaggle_credentials_problem,
        unit="one model = one Kaggle model (its instances and variations apart)",
    )
)
