"""Papers with Code, a frozen source: the last dumps of paperswithcode.com, streamed into child tables.

Papers with Code shut down in July 2025. Its final JSON dumps survive as files of the Hugging Face dataset
repo ``pwc-archive/files``. Two of them matter here:

``jul-28-links-between-papers-and-code.json.gz``
    a gzipped JSON list of paper↔repository links (``paper_url``, ``paper_title``, ``paper_arxiv_id``,
    ``repo_url``, ``is_official``, ``framework``, …). Rows go to ``pwc_links``.
``jul-29-papers-with-abstracts.json.gz``
    a gzipped JSON list of papers (``paper_url``, ``arxiv_id``, ``title``, ``date``, ``abstract``, …),
    about 564 MB. Only the URL, arXiv id and date go to ``pwc_papers`` (no abstracts); the SQL view
    ``papers_links`` joins them to the links.

(Those are the names in the archive; any other name is answered 404 ``EntryNotFound`` by the Hub.)

The files are hundreds of MB uncompressed, so they are parsed incrementally (``ijson`` over
``gzip.open``) and staged a page (default 10,000 items) at a time; the whole list is never in memory.
Files are downloaded through ``huggingface_hub.hf_hub_download`` (its cache, ``HF_ENDPOINT`` and token)
or given as local copies, whose kind is recognised from their first item (or their name, for an empty
list). A connection that breaks mid-download is resumed by huggingface_hub within the same run: it asks
again with ``Range: bytes=N-`` for the rest (up to five times in a row without progress). huggingface_hub
2.4 writes each download to a partial file of its own process and deletes it on failure, so a download
whose *process* is killed starts again from the first byte next time. The download shows
huggingface_hub's own progress bar on a terminal; in a log file (:class:`DownloadBar`) it is one line
when it starts and one per tenth of the file.

Resumability: the checkpoint is ``{"files": [...], "file": i, "items": n}``: the next item to read is item
``n`` of file ``i``. A killed import **resumes**: it opens that file again, skips the ``n`` items already
staged (a gzip stream cannot seek, so they are decompressed and parsed again, not staged again) and goes
on. If the files changed since the interrupted run (other ``--file`` paths, a different size), it fails
with a message asking for ``--restart``, which restarts cleanly from the first file. Whether resumed or
not, the store replaces the hub's rows of ``pwc_links`` and ``pwc_papers`` when the run completes, so an
import is idempotent.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import ijson
from huggingface_hub.utils import are_progress_bars_disabled
from huggingface_hub.utils import tqdm as hf_tqdm

from ._net import check_endpoint
from .base import Source, SourceError
from .records import Page
from .registry import Hub, Option, register

HUB = "paperswithcode"
REPO_ID = "pwc-archive/files"
REPO_TYPE = "dataset"
REVISION = "main"
LINKS_FILE = "jul-28-links-between-papers-and-code.json.gz"
PAPERS_FILE = "jul-29-papers-with-abstracts.json.gz"
DEFAULT_ENDPOINT = "https://huggingface.co"
PAGE_SIZE = 10_000

#: The two kinds of dump this source reads, in the order they are imported.
KIND_PAPERS = "papers"
KIND_LINKS = "links"
KIND_ORDER = (KIND_PAPERS, KIND_LINKS)
DEFAULT_FILES = {KIND_PAPERS: PAPERS_FILE, KIND_LINKS: LINKS_FILE}
TABLES = {KIND_PAPERS: "pwc_papers", KIND_LINKS: "pwc_links"}

#: Normalised frameworks; anything else named is ``other``, nothing named is ``none``.
FRAMEWORKS = ("pytorch", "tensorflow", "jax", "mxnet", "other", "none")
_FRAMEWORK_ALIASES = {
    "pytorch": "pytorch",
    "torch": "pytorch",
    "tf": "tensorflow",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "mxnet": "mxnet",
    "none": "none",
    "": "none",
}

# New-style arXiv ids (April 2007 on): YYMM.NNNN or YYMM.NNNNN, optional version, optional "arXiv:".
_ARXIV_NEW = re.compile(r"^(?:arxiv:)?(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)
# Old-style ids (1991 to March 2007): archive[.subject]/YYMMNNN.
_ARXIV_OLD = re.compile(
    r"^(?:arxiv:)?[a-z][a-z\-]*(?:\.[a-z\-]{2,})?/(\d{2})(\d{2})\d{3}(?:v\d+)?$", re.IGNORECASE
)


# --------------------------------------------------------------------------------------- normalising


def normalize_framework(raw: Any) -> str:
    """``torch``→``pytorch``, ``tf``/``tensorflow``→``tensorflow``; ``jax``, ``mxnet`` as they are;
    ``none``/empty/missing→``none``; any other name→``other``. Case and surrounding blanks are ignored."""
    if raw is None:
        return "none"
    return _FRAMEWORK_ALIASES.get(str(raw).strip().lower(), "other")


def arxiv_month(arxiv_id: Any) -> date | None:
    """The first day of the month an arXiv id was submitted in, read from the id itself.

    ``1706.03762`` → 2017-06-01; ``hep-th/9901001`` → 1999-01-01. ``None`` for anything that is not an
    arXiv id or names an impossible month.
    """
    if not isinstance(arxiv_id, str):
        return None
    text = arxiv_id.strip()
    match = _ARXIV_NEW.match(text)
    if match:
        yy, mm = int(match.group(1)), int(match.group(2))
        year = 2000 + yy
        if year < 2007 or (year == 2007 and mm < 4):  # new-style ids began in April 2007
            return None
    else:
        match = _ARXIV_OLD.match(text)
        if not match:
            return None
        yy, mm = int(match.group(1)), int(match.group(2))
        year = 1900 + yy if yy >= 91 else 2000 + yy
        if year > 2007 or (year == 2007 and mm > 3):
            return None
    if not 1 <= mm <= 12:
        return None
    return date(year, mm, 1)


def parse_paper_date(value: Any) -> date | None:
    """A paper's ``date`` (``YYYY-MM-DD``, possibly followed by a time) as a date, else ``None``."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int):
        return bool(value)
    return None


def link_row(item: dict[str, Any]) -> dict[str, Any] | None:
    """A ``pwc_links`` row from one link of the dump (``None`` when it names no repository)."""
    repo_url = _text(item.get("repo_url"))
    if repo_url is None:
        return None
    arxiv_id = _text(item.get("paper_arxiv_id"))
    month = arxiv_month(arxiv_id)
    raw = item.get("framework")
    return {
        "hub": HUB,
        "paper_url": _text(item.get("paper_url")),
        "paper_title": _text(item.get("paper_title")),
        "arxiv_id": arxiv_id,
        "arxiv_date": month.isoformat() if month else None,
        "repo_url": repo_url,
        "is_official": _bool(item.get("is_official")),
        "framework": normalize_framework(raw),
        "framework_raw": None if raw is None else str(raw),
    }


def paper_row(item: dict[str, Any]) -> dict[str, Any] | None:
    """A ``pwc_papers`` row from one paper of the dump (``None`` when it has neither URL nor arXiv id)."""
    paper_url = _text(item.get("paper_url"))
    arxiv_id = _text(item.get("arxiv_id"))
    if paper_url is None and arxiv_id is None:
        return None
    when = parse_paper_date(item.get("date"))
    return {
        "hub": HUB,
        "paper_url": paper_url,
        "arxiv_id": arxiv_id,
        "paper_date": when.isoformat() if when else None,
    }


_ROW_BUILDERS = {KIND_PAPERS: paper_row, KIND_LINKS: link_row}


# ------------------------------------------------------------------------------------------ reading


def _open(path: Path) -> IO[bytes] | gzip.GzipFile:
    """The file's bytes, decompressed when it is gzip (by its magic number, not its name)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_READ_ERRORS = (EOFError, OSError, zlib.error, ijson.JSONError, UnicodeDecodeError)


def iter_items(path: Path, hint: str) -> Iterator[Any]:
    """Stream the items of a JSON list in ``path`` (gzip or plain), one at a time.

    A truncated or corrupt file raises :class:`SourceError` naming the file, how far it got, and
    ``hint`` (what the user can do).
    """
    n = 0
    try:
        with _open(path) as raw:
            head = raw.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if not head.startswith(b"["):
            raise SourceError(
                f"{path.name} is not a JSON list (it starts with {head[:20]!r}); a Papers with Code dump is "
                "a gzipped JSON list"
            )
        with _open(path) as raw:
            for item in ijson.items(raw, "item", use_float=True):
                yield item
                n += 1
    except _READ_ERRORS as exc:
        raise SourceError(
            f"{path.name} is truncated or corrupt ({_describe(exc)}) after {n:,} items; {hint}"
        ) from exc


def detect_kind(path: Path) -> str:
    """``links`` or ``papers``, from the keys of the file's first item (or its name, if the list is empty)."""
    hint = "is it a Papers with Code dump (a gzipped JSON list)?"
    for item in iter_items(path, hint):
        if not isinstance(item, dict):
            break
        if "repo_url" in item:
            return KIND_LINKS
        if "paper_url" in item and ("date" in item or "abstract" in item or "arxiv_id" in item):
            return KIND_PAPERS
        break
    else:
        name = path.name.lower()
        if "links" in name:
            return KIND_LINKS
        if "papers" in name:
            return KIND_PAPERS
    raise SourceError(
        f"{path.name} is neither a Papers with Code links dump (items with repo_url) nor a papers dump "
        "(items with paper_url and date)"
    )


# ------------------------------------------------------------------------------------------ download


def _size(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:,.0f} MB"
    return f"{n / 1e3:,.0f} kB" if n >= 1e3 else f"{n:,.0f} bytes"


class DownloadBar(hf_tqdm):
    """huggingface_hub's download bar, readable in a log file too.

    On a terminal it is huggingface_hub's tqdm bar, unchanged. Where tqdm switches itself off because the
    output is not a terminal (cron, a log file), it writes plain lines instead: one when the download
    starts and one per tenth of the file, never more than eleven (tqdm would write one line per update).
    ``HF_HUB_DISABLE_PROGRESS_BARS=1`` silences both. :meth:`for_file` names the file in those lines
    (huggingface_hub's own description is the URL's tail, cut to 40 characters).
    """

    #: the file the lines name
    label = "download"

    @classmethod
    def for_file(cls, filename: str) -> type[DownloadBar]:
        return type(cls.__name__, (cls,), {"label": filename})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        stream = kwargs.get("file") or sys.stderr
        forced = kwargs.get("disable")
        name = kwargs.get("name")
        self._log_stream: Any = stream
        self._log_desc = self.label
        self._log_total = kwargs.get("total")
        self._log_done = float(kwargs.get("initial") or 0)
        self._log_tenth = -1
        super().__init__(*args, **kwargs)
        isatty = getattr(stream, "isatty", None)
        self._log = (
            forced is None and not are_progress_bars_disabled(name) and not (callable(isatty) and isatty())
        )
        if self._log:
            total = f", {_size(self._log_total)}" if self._log_total else ""
            resumed = f", resuming at {_size(self._log_done)}" if self._log_done else ""
            self._log_line(f"downloading {self._log_desc}{total}{resumed}")
            self._log_progress()

    def _log_line(self, text: str) -> None:
        try:
            print(f"paperswithcode: {text}", file=self._log_stream, flush=True)
        except (OSError, ValueError):  # a closed or broken log stream must not break the download
            self._log = False

    def _log_progress(self) -> None:
        if not self._log_total:
            return
        tenth = min(10, int(10 * self._log_done / self._log_total))
        if tenth > self._log_tenth:
            if self._log_tenth >= 0 or tenth > 0:
                self._log_line(
                    f"{self._log_desc}: {10 * tenth} % ({_size(self._log_done)} of {_size(self._log_total)})"
                )
            self._log_tenth = tenth

    def update(self, n: float | None = 1) -> bool | None:
        if getattr(self, "_log", False) and n:
            self._log_done += n
            if n < 0:  # the server ignored a Range: the download starts again
                self._log_tenth = min(
                    self._log_tenth, int(10 * max(self._log_done, 0) / (self._log_total or 1))
                )
            self._log_progress()
        return super().update(n)


# ----------------------------------------------------------------------------------------- the source


@dataclass(frozen=True)
class _File:
    kind: str
    path: Path
    downloaded: bool

    def fingerprint(self) -> list[Any]:
        return [self.kind, self.path.name, self.path.stat().st_size]


def resolve_endpoint(endpoint: str | None = None) -> str:
    """``--hf-endpoint``, else ``$HF_ENDPOINT`` (read now, not at import), else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _cache_dir(cache_dir: str | os.PathLike[str] | None) -> str | None:
    """The huggingface_hub cache to use, read now (huggingface_hub reads its variables once, at import)."""
    if cache_dir:
        return str(cache_dir)
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    return None


class PapersWithCodeSource(Source):
    """The frozen Papers with Code dumps, as pages of ``pwc_papers`` then ``pwc_links`` rows.

    ``files`` are local copies (any order, kind recognised from content); without them both dumps are
    downloaded from ``pwc-archive/files`` on ``endpoint``. Pages carry no model records: the data are
    child rows, replaced as a whole when the run completes.
    """

    name = HUB
    #: replaced (or emptied) for the hub when a run completes; pwc_papers is only replaced when sent,
    #: so an import of the links file alone keeps the paper dates of an earlier import
    child_tables: tuple[str, ...] = ("pwc_links",)

    def __init__(
        self,
        files: list[str | os.PathLike[str]] | None = None,
        *,
        endpoint: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        force_download: bool = False,
        page_size: int = PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.files = [Path(f) for f in files or []]
        self.endpoint = None if self.files else check_endpoint(resolve_endpoint(endpoint), "--hf-endpoint")
        self.cache_dir = cache_dir
        self.force_download = force_download
        self.page_size = page_size

    def secrets(self) -> list[str]:
        """The Hugging Face token huggingface_hub sends with the downloads, if any."""
        from huggingface_hub import get_token

        token = None if self.files else get_token()
        return [token] if token else []

    def params(self) -> dict[str, Any]:
        if self.files:
            return {"files": [str(f) for f in self.files], "page_size": self.page_size}
        return {
            "endpoint": self.endpoint,
            "repo_id": REPO_ID,
            "revision": REVISION,
            "files": [DEFAULT_FILES[k] for k in KIND_ORDER],
            "page_size": self.page_size,
        }

    # -- resolving the files

    def _download(self) -> tuple[list[_File], int]:
        from huggingface_hub import hf_hub_download, try_to_load_from_cache
        from huggingface_hub.errors import RemoteEntryNotFoundError

        cache_dir = _cache_dir(self.cache_dir)
        out = []
        requests = 0
        for kind in KIND_ORDER:
            name = DEFAULT_FILES[kind]
            cached = try_to_load_from_cache(
                REPO_ID, name, cache_dir=cache_dir, repo_type=REPO_TYPE, revision=REVISION
            )
            try:
                path = hf_hub_download(
                    REPO_ID,
                    name,
                    repo_type=REPO_TYPE,
                    revision=REVISION,
                    endpoint=self.endpoint,
                    cache_dir=cache_dir,
                    force_download=self.force_download,
                    tqdm_class=DownloadBar.for_file(name),
                )
            except RemoteEntryNotFoundError:
                raise SourceError(
                    f"{self.endpoint} has no file {name} in the dataset {REPO_ID} (404 "
                    "EntryNotFound); download the dumps by hand and import them with --file"
                ) from None
            # a HEAD for the metadata, then a GET for the bytes unless the cached copy is still current
            requests += 1 if cached == path and not self.force_download else 2
            out.append(_File(kind, Path(path), True))
        return out, requests

    def _local(self) -> list[_File]:
        found: dict[str, _File] = {}
        for path in self.files:
            if not path.is_file():
                raise SourceError(f"no such file: {path}")
            kind = detect_kind(path)
            if kind in found:
                raise SourceError(f"{found[kind].path} and {path} are both {kind} dumps; pass one of each")
            found[kind] = _File(kind, path, False)
        if KIND_LINKS not in found:
            raise SourceError(
                "no links dump among the files (a JSON list of items with repo_url, e.g. " + LINKS_FILE + ")"
            )
        return [found[k] for k in KIND_ORDER if k in found]

    def resolve(self) -> tuple[list[_File], int, list[str]]:
        """The files to import, in import order, the HTTP requests that cost, and warnings."""
        if not self.files:
            files, requests = self._download()
            return files, requests, []
        files = self._local()
        warnings = []
        if all(f.kind != KIND_PAPERS for f in files):
            warnings.append(
                "no papers dump given: paper dates come from arXiv ids only, and pwc_papers keeps the rows "
                "of the previous import, if any"
            )
        return files, 0, warnings

    # -- pages

    def _hint(self, f: _File) -> str:
        if f.downloaded:
            return "download it again with `zoo import pwc --force-download --restart`"
        return f"replace {f.path} with a complete copy and run `zoo import pwc --restart`"

    def pages(self, checkpoint: str | None) -> Iterator[Page]:
        files, requests, warnings = self.resolve()
        fingerprint = [f.fingerprint() for f in files]
        start, skip = 0, 0
        if checkpoint is not None:
            state = json.loads(checkpoint)
            if state.get("files") != fingerprint:
                raise SourceError(
                    "the dump files differ from those of the interrupted import "
                    f"(then {state.get('files')}, now {fingerprint}); run with --restart to import from the "
                    "beginning"
                )
            start, skip = int(state["file"]), int(state["items"])

        def mark(index: int, items: int) -> str | None:
            if index >= len(files):
                return None
            return json.dumps({"files": fingerprint, "file": index, "items": items})

        for index in range(start, len(files)):
            f = files[index]
            build = _ROW_BUILDERS[f.kind]
            table = TABLES[f.kind]
            consumed = skip if index == start else 0
            rows: list[dict[str, Any]] = []
            skipped = 0
            position = -1
            for position, item in enumerate(iter_items(f.path, self._hint(f))):
                if position < consumed:
                    continue
                if len(rows) + skipped >= self.page_size:
                    yield Page([], mark(index, position), warnings, {table: rows} if rows else {}, requests)
                    rows, skipped, warnings, requests = [], 0, [], 0
                row = build(item) if isinstance(item, dict) else None
                if row is None:
                    skipped += 1
                    warnings.append(f"{f.path.name} item {position}: skipped ({_why(f.kind, item)})")
                else:
                    rows.append(row)
            if position < 0:
                raise SourceError(f"{f.path.name} is an empty list: not a Papers with Code {f.kind} dump")
            yield Page([], mark(index + 1, 0), warnings, {table: rows} if rows else {}, requests)
            warnings, requests = [], 0


def _why(kind: str, item: Any) -> str:
    if not isinstance(item, dict):
        return f"not an object but {type(item).__name__}"
    return "no repo_url" if kind == KIND_LINKS else "neither paper_url nor arxiv_id"


def _source(
    files: list[Path] | None,
    endpoint: str | None,
    cache_dir: Path | None,
    force_download: bool,
    page_size: int,
) -> PapersWithCodeSource:
    return PapersWithCodeSource(
        [str(f) for f in files or []],
        endpoint=endpoint,
        cache_dir=cache_dir,
        force_download=force_download,
        page_size=page_size,
    )


def _summary(source: Source, figures: Mapping[str, int]) -> str:
    return (
        f"{HUB}: {figures['links']:,} links to {figures['repositories']:,} repositories, "
        f"{figures['papers']:,} papers ({figures['dated_papers']:,} with a date) stored"
    )


register(
    Hub(
        PapersWithCodeSource,
        label="Papers with Code",
        command="pwc",
        group="import",
        kind="papers",
        nightly=False,
        order=5,
        factory=_source,
        help="""Import the frozen Papers with Code dumps: paper-code links with frameworks, and paper dates.

Papers with Code shut down in July 2025; its last dumps are files of the Hugging Face dataset
pwc-archive/files. By default jul-28-links-between-papers-and-code.json.gz and
jul-29-papers-with-abstracts.json.gz (about 564 MB) are downloaded from there through huggingface_hub
(cached, so only the first import downloads them; HF_TOKEN is sent as huggingface_hub sends it), with
huggingface_hub's progress bar on a terminal and a line per tenth of a file in a log; a connection that
breaks mid-download is resumed with an HTTP Range request. --file imports local copies instead. The
files are streamed, a page at a time, into the tables pwc_links and pwc_papers (no abstracts), recorded
as a run of source paperswithcode (see zoo runs). Re-importing replaces those rows: same files, same
contents.

An interrupted import resumes the next time: it re-reads the file it stopped in, skips the items
already saved and carries on; if the files changed meanwhile it asks for --restart. Exit code 0
means the import completed.

Example: zoo import pwc --db zoo.duckdb

Example: zoo import pwc --file links.json.gz --file jul-29-papers-with-abstracts.json.gz""",
        options=(
            Option(
                "--file",
                "files",
                "A local copy of a dump (gzipped or plain JSON), links or papers, recognised by content; "
                "repeat for both. Without --file both are downloaded. "
                "Example: --file jul-28-links-between-papers-and-code.json.gz --file jul-29-papers-with-abstracts.json.gz",
                type=Path,
                metavar="PATH",
                multiple=True,
            ),
            Option(
                "--hf-endpoint",
                "endpoint",
                "Hub to download pwc-archive/files from (default: $HF_ENDPOINT, else https://huggingface.co). "
                "Example: --hf-endpoint https://hf-mirror.example.org",
                envvar="HF_ENDPOINT",
                metavar="URL",
            ),
            Option(
                "--cache-dir",
                "cache_dir",
                "huggingface_hub cache for the downloads (default: $HF_HUB_CACHE, else $HF_HOME/hub, else "
                "~/.cache/huggingface/hub). Example: --cache-dir /data/hf-cache",
                type=Path,
                metavar="PATH",
            ),
            Option(
                "--force-download",
                "force_download",
                "Download the dumps again even if cached (after a corrupt download). "
                "Example: zoo import pwc --force-download --restart",
                type=bool,
                default=False,
            ),
            Option(
                "--page-size",
                "page_size",
                "Items parsed and staged per page (each page is one saved step of progress). "
                "Example: --page-size 50000",
                type=int,
                default=PAGE_SIZE,
                min=1,
            ),
        ),
        secrets=("HF_TOKEN",),
        endpoints=("HF_ENDPOINT",),
        env=("HF_HUB_CACHE", "HF_HOME"),
        summary=_summary,
        unit="one row = one paper-code link",
    )
)
