"""The ``zoo`` command: a thin typer app over ``crawler.crawl``, ``crawler.store`` and the SQL views."""

from __future__ import annotations

import logging
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from . import __version__, stats
from .crawl import Progress as CrawlProgress
from .crawl import crawl as run_crawl
from .output import Format, render
from .report import ReportFormat
from .sources.base import Meter, Source
from .stats import AdditionsGrain, Definition, Grain, StatTable
from .store import CrawlLocked, RunPolicy, RunResult, StoreError, connect, resolve_db

app = typer.Typer(
    help="zoo: crawl the model zoos into one DuckDB database and compute defined statistics.\n\n"
    "Examples:\n\n"
    "  zoo crawl hf                      # crawl the Hugging Face listing into ./zoo.duckdb\n\n"
    "  zoo runs                          # list crawl runs\n\n"
    '  zoo sql "select count(*) from models"',
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
crawl_app = typer.Typer(
    help="Crawl a hub into the database. Resumes an interrupted run of the same hub unless --restart.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(crawl_app, name="crawl")
import_app = typer.Typer(
    help="Import a frozen source (a dump that no longer changes) into the database, recorded as a run.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")

err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_LOCKED = 3
EXIT_SUSPECT = 4

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to use (default: $ZOO_DB, else ./zoo.duckdb).",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format: table, csv or json.")]
RestartOption = Annotated[
    bool,
    typer.Option("--restart", help="Abandon an interrupted run of this hub and start from the beginning."),
]

DeleteAfterOption = Annotated[
    int,
    typer.Option(
        "--delete-after",
        envvar="ZOO_DELETE_AFTER",
        min=1,
        help="Mark a model deleted once it is missing from this many consecutive complete full runs.",
    ),
]
MaxDropOption = Annotated[
    float,
    typer.Option(
        "--max-drop",
        envvar="ZOO_MAX_DROP",
        min=0.0,
        max=1.0,
        help="A run that sees this share fewer models than the previous one is suspect: it marks nothing "
        "absent or deleted, and the crawl exits with code 4.",
    ),
]


def _one_line(text: object) -> str:
    """A message on one line: an exception text may hold newlines, and a log line must not be split."""
    return " ".join(str(text).split())


def _error(message: object) -> None:
    """Print ``zoo: <message>`` to stderr as one line: never wrapped, never read as console markup."""
    err.print(f"zoo: {_one_line(message)}", highlight=False, markup=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        print(f"zoo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log HTTP retries and waits.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from huggingface_hub.utils import logging as hf_logging

    if verbose:
        hf_logging.set_verbosity_info()
    else:
        hf_logging.set_verbosity_error()


# ----------------------------------------------------------------------------------------------- crawl


def _summary(result: RunResult) -> str:
    c = result.counters
    rate = c.items / result.seconds if result.seconds > 0 else 0.0
    rows_only = not result.models and c.items > 0  # a source that stores child rows only (papers)
    unit = "rows" if rows_only else "models"
    parts = [
        f"{result.source}: run {result.run_id} {result.status}",
        f"{c.items:,} rows"
        if rows_only
        else (f"{result.models:,} models" if result.models is not None else f"{c.items:,} items staged"),
        f"{c.pages:,} pages",
        f"{c.requests:,} requests",
        f"{c.warnings:,} warnings",
        f"{result.seconds:.1f} s ({rate:,.0f} {unit}/s)",
    ]
    if result.resumed:
        parts.append("resumed")
    if result.merge is not None and not rows_only:
        m = result.merge
        parts.insert(2, f"{m.new:,} new, {m.changed:,} changed, {m.absent:,} absent, {m.deleted:,} deleted")
    if result.suspect:
        parts.append(
            "SUSPECT: far fewer models than the previous complete run, so nothing was marked absent or deleted"
        )
    line = ", ".join(parts)
    if result.error:
        line += f" — {_one_line(result.error)}"
    return line


def run_with_progress(
    source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None
) -> RunResult:
    """Crawl with a progress bar on a terminal, or a log line every 100 pages when not on one."""
    meter = Meter()

    interactive = err.is_terminal
    started = time.monotonic()
    waits = {"n": 0, "s": 0.0}

    def on_rate_limit(kind: str, seconds: float) -> None:
        waits["n"] += 1
        waits["s"] += seconds
        if not interactive:
            err.print(f"rate limited: waiting {seconds:.0f} s", highlight=False)

    meter.listeners.append(on_rate_limit)
    try:
        if interactive:
            # The bar starts with the first page, not before: work a source does before it (the Papers
            # with Code download shows huggingface_hub's own bar) writes to the terminal undisturbed.
            bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[pages]:>6,} pages  {task.completed:>10,.0f} models"),
                TextColumn("{task.fields[rate]:>8,.0f} models/s"),
                TextColumn("rate-limit waits: {task.fields[waits]} ({task.fields[wait_s]:.0f} s)"),
                TimeElapsedColumn(),
                console=err,
                transient=False,
            )
            tasks: list[TaskID] = []

            def show(p: CrawlProgress) -> None:
                if not tasks:
                    bar.start()
                    tasks.append(
                        bar.add_task(source.name, total=None, pages=0, rate=0.0, waits=0, wait_s=0.0)
                    )
                elapsed = max(time.monotonic() - started, 1e-6)
                bar.update(
                    tasks[0],
                    completed=p.items,
                    total=p.total_hint,
                    pages=p.pages,
                    rate=p.items / elapsed,
                    waits=waits["n"],
                    wait_s=waits["s"],
                    description=f"{source.name} run {p.run_id}" + (" (resumed)" if p.resumed else ""),
                )

            try:
                return run_crawl(source, db, restart=restart, progress=show, policy=policy, meter=meter)
            finally:
                if tasks:
                    bar.stop()

        def log(p: CrawlProgress) -> None:
            if p.pages % 100 == 0:
                elapsed = max(time.monotonic() - started, 1e-6)
                err.print(
                    f"{source.name} run {p.run_id}: {p.pages:,} pages, {p.items:,} models, "
                    f"{p.items / elapsed:,.0f} models/s",
                    highlight=False,
                )

        return run_crawl(source, db, restart=restart, progress=log, policy=policy, meter=meter)
    finally:
        meter.listeners.remove(on_rate_limit)


def _run_source(source: Source, db: str | None, restart: bool, policy: RunPolicy | None = None) -> None:
    try:
        result = run_with_progress(source, db, restart, policy)
    except CrawlLocked as exc:
        _error(exc)
        raise typer.Exit(EXIT_LOCKED) from None
    except StoreError as exc:
        _error(exc)
        raise typer.Exit(EXIT_FAILED) from None
    except (duckdb.Error, OSError) as exc:
        # The store could not write the database, its lock or its staging file (disk full, read-only
        # file system, permissions). Pages saved before stay saved: the next crawl resumes from them.
        _error(
            f"cannot write the database {resolve_db(db)} or the files next to it: {type(exc).__name__}: "
            f"{exc} (pages saved before are kept; the next crawl resumes from them)"
        )
        raise typer.Exit(EXIT_FAILED) from None
    print(_summary(result))
    if result.status != "complete":
        raise typer.Exit(EXIT_FAILED)
    if result.suspect:
        raise typer.Exit(EXIT_SUSPECT)


def _configured_sources(hf_endpoint: str | None) -> list[tuple[str, Source | None, str]]:
    """Every hub ``zoo crawl all`` knows: (name, source or None when skipped, why skipped)."""
    import shutil

    from .sources.huggingface import HuggingFaceSource
    from .sources.kaggle import CredentialsError, KaggleSource, find_kaggle_credentials
    from .sources.pytorch_hub import PyTorchHubSource
    from .sources.tensorflow_hub import TensorFlowHubSource

    found: list[tuple[str, Source | None, str]] = [("huggingface", HuggingFaceSource(hf_endpoint), "")]
    if shutil.which("git") is None:
        found += [(n, None, "the git command is not installed") for n in ("pytorch-hub", "tf-hub")]
    else:
        found += [("pytorch-hub", PyTorchHubSource(), ""), ("tf-hub", TensorFlowHubSource(), "")]
    try:
        found.append(("kaggle", KaggleSource(None, find_kaggle_credentials()), ""))
    except CredentialsError as exc:
        found.append(("kaggle", None, str(exc)))
    return found


@crawl_app.command("all")
def crawl_all(
    db: DbOption = None,
    hf_endpoint: Annotated[
        str | None,
        typer.Option(
            "--hf-endpoint", envvar="HF_ENDPOINT", help="Hub for the huggingface source.", show_default=False
        ),
    ] = None,
    delete_after: DeleteAfterOption = 2,
    max_drop: MaxDropOption = 0.05,
) -> None:
    """Crawl every configured hub, one after the other: the nightly job.

    The hubs are huggingface, pytorch-hub and tf-hub (git catalogs; ZOO_PYTORCH_HUB_REPO and
    ZOO_TF_HUB_REPO override where they are cloned from, ZOO_GIT_TIMEOUT how many seconds a clone or
    fetch may take, default 600), and kaggle when Kaggle credentials are set (KAGGLE_API_TOKEN,
    ~/.kaggle/access_token, KAGGLE_USERNAME/KAGGLE_KEY or kaggle.json; see zoo crawl kaggle --help). A
    hub that fails (a git remote that hangs past its time-out, say) does not stop the others. One summary line per hub is printed; hubs that are not
    configured (no credentials, say) are skipped with a notice. Exit code: 0 if every crawled hub
    completed, 1 if any failed, 4 if none failed but a run was suspect. Meant for cron: no prompts, and
    plain log lines instead of progress bars when the output is not a terminal.

    Example: zoo crawl all --db /var/lib/zoo/zoo.duckdb
    """
    policy = RunPolicy(delete_after=delete_after, max_drop=max_drop)
    failed: list[str] = []
    suspect: list[str] = []
    for name, source, why in _configured_sources(hf_endpoint):
        if source is None:
            print(f"{name}: skipped — {why}")
            continue
        try:
            result = run_with_progress(source, db, False, policy)
        except CrawlLocked as exc:
            _error(exc)
            raise typer.Exit(EXIT_LOCKED) from None
        except Exception as exc:  # a broken source must not stop the others
            print(f"{name}: failed before its run could start — {type(exc).__name__}: {_one_line(exc)}")
            failed.append(name)
            continue
        print(_summary(result))
        if result.status != "complete":
            failed.append(name)
        elif result.suspect:
            suspect.append(name)
    if failed:
        print(f"zoo crawl all: {len(failed)} hub(s) failed: {', '.join(failed)}")
        raise typer.Exit(EXIT_FAILED)
    if suspect:
        print(f"zoo crawl all: suspect run(s): {', '.join(suspect)}")
        raise typer.Exit(EXIT_SUSPECT)


@crawl_app.command("hf")
def crawl_hf(
    db: DbOption = None,
    hf_endpoint: Annotated[
        str | None,
        typer.Option(
            "--hf-endpoint",
            envvar="HF_ENDPOINT",
            help="Hub to crawl (default: $HF_ENDPOINT, else https://huggingface.co).",
            show_default=False,
        ),
    ] = None,
    restart: RestartOption = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before a request times out.")] = 60.0,
    delete_after: DeleteAfterOption = 2,
    max_drop: MaxDropOption = 0.05,
) -> None:
    """Crawl every public model of the Hugging Face Hub (GET /api/models, pages of 1,000).

    HF_TOKEN is sent as huggingface_hub sends it. An interrupted crawl (kill, crash, failure) resumes from
    its last saved page the next time; --restart abandons it. Exit code 0 means the run completed.

    Example: zoo crawl hf --db zoo.duckdb
    """
    from .sources.huggingface import HuggingFaceSource

    policy = RunPolicy(delete_after=delete_after, max_drop=max_drop)
    _run_source(HuggingFaceSource(hf_endpoint, timeout=timeout), db, restart, policy)


@crawl_app.command("kaggle")
def crawl_kaggle(
    db: DbOption = None,
    kaggle_endpoint: Annotated[
        str | None,
        typer.Option(
            "--kaggle-endpoint",
            envvar="ZOO_KAGGLE_ENDPOINT",
            help="API base to crawl (default: $ZOO_KAGGLE_ENDPOINT, else https://api.kaggle.com, or "
            "https://www.kaggle.com/api/v1 with --api legacy).",
            show_default=False,
        ),
    ] = None,
    api: Annotated[
        str,
        typer.Option("--api", help="rpc: POST …/ListModels (default); legacy: GET /api/v1/models/list."),
    ] = "rpc",
    sort_by: Annotated[
        str,
        typer.Option(
            "--sort-by",
            help="Listing order: createTime, publishTime, updateTime, hotness, downloadCount, voteCount "
            "or notebookCount.",
        ),
    ] = "createTime",
    search: Annotated[str | None, typer.Option("--search", help="Only models matching this term.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only models of this user or org.")] = None,
    page_size: Annotated[int, typer.Option("--page-size", min=1, help="Models asked per page.")] = 50,
    restart: RestartOption = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before a request times out.")] = 60.0,
    max_attempts: Annotated[
        int, typer.Option("--max-attempts", min=1, help="Attempts per request (5xx, 429, timeouts).")
    ] = 6,
    backoff: Annotated[
        float, typer.Option("--backoff", min=0.0, help="First retry wait in seconds; doubles per retry.")
    ] = 1.0,
) -> None:
    """Crawl every model of Kaggle Models (TF Hub's successor) with Kaggle's ListModels API.

    Credentials, looked up where and in the order Kaggle's own client looks: an API token (Bearer) from
    KAGGLE_API_TOKEN (the token, or the path of a file holding it), else ~/.kaggle/access_token; else the
    legacy key (Basic): KAGGLE_USERNAME and KAGGLE_KEY, else kaggle.json in $KAGGLE_CONFIG_DIR, ~/.kaggle
    or $XDG_CONFIG_HOME/kaggle (~/.config/kaggle). Without them the command exits 1 before opening the
    database. Each model's instance frameworks go to models.formats and the kaggle_instances table
    (Kaggle's API gives no download count, so downloads stay empty; voteCount is stored as likes). An interrupted crawl
    resumes at the next page token; --restart abandons it. Exit code 0 means the run completed.

    Example: KAGGLE_API_TOKEN=... zoo crawl kaggle --db zoo.duckdb
    """
    from .sources._http import RetryPolicy
    from .sources.kaggle import APIS, SORT_ORDERS, CredentialsError, KaggleSource, find_kaggle_credentials

    if api not in APIS:
        typer.echo(f"zoo: --api must be one of {', '.join(APIS)}", err=True)
        raise typer.Exit(EXIT_FAILED)
    if sort_by not in SORT_ORDERS:
        typer.echo(f"zoo: --sort-by must be one of {', '.join(SORT_ORDERS)}", err=True)
        raise typer.Exit(EXIT_FAILED)
    try:
        credentials = find_kaggle_credentials()
    except CredentialsError as exc:
        typer.echo(f"zoo: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    policy = RetryPolicy(max_attempts=max_attempts, backoff_base=backoff, timeout=timeout)
    source = KaggleSource(
        kaggle_endpoint,
        credentials,
        api=api,
        page_size=page_size,
        sort_by=sort_by,
        search=search,
        owner=owner,
        policy=policy,
    )
    _run_source(source, db, restart)


CacheDirOption = Annotated[
    str | None,
    typer.Option(
        "--cache-dir",
        help="Folder for the cached partial clone (default: the per-user cache, e.g. ~/.cache/zoo/git). "
        "Example: --cache-dir /var/cache/zoo",
        show_default=False,
    ),
]
BranchOption = Annotated[
    str, typer.Option("--branch", help="Branch whose first-parent history is read. Example: --branch master")
]
GitTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--git-timeout",
        envvar="ZOO_GIT_TIMEOUT",
        min=0.001,
        metavar="SECONDS",
        help="Seconds a git clone, fetch or blob fetch may take before it is killed and the run fails "
        "(default: $ZOO_GIT_TIMEOUT, else 600). Example: --git-timeout 1800",
        show_default=False,
    ),
]


def _catalog_summary(db: str | None, sql: str) -> None:
    """Print one more summary line, read back from the database after a complete catalog crawl."""
    try:
        con = connect(db, read_only=True)
    except StoreError:
        return
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    if row and row[0]:
        print(row[0])


@crawl_app.command("pytorch-hub")
def crawl_pytorch_hub(
    db: DbOption = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            envvar="ZOO_PYTORCH_HUB_REPO",
            help="Catalog git repository, a URL or a local path (default: $ZOO_PYTORCH_HUB_REPO, else "
            "https://github.com/pytorch/hub). Example: --repo ~/src/hub",
            show_default=False,
        ),
    ] = None,
    branch: BranchOption = "master",
    cache_dir: CacheDirOption = None,
    entrypoints: Annotated[
        bool,
        typer.Option(
            "--entrypoints",
            help="Also download each entry's hubconf.py (GITHUB_TOKEN is sent if set) and count its public "
            "callables into pytorch_hub_entrypoints. An approximation: the file is parsed, never imported. "
            "Example: --entrypoints",
        ),
    ] = False,
    raw_base: Annotated[
        str,
        typer.Option(
            "--raw-base",
            help="Where hubconf.py files are downloaded from: <raw-base>/<owner>/<repo>/<ref>/hubconf.py, "
            "<ref> being the one the entry's torch.hub.load('owner/repo:ref', …) names, else HEAD. "
            "Example: --raw-base http://127.0.0.1:8000",
        ),
    ] = "https://raw.githubusercontent.com",
    restart: RestartOption = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Seconds before a hubconf.py request times out. Example: --timeout 60"
        ),
    ] = 30.0,
    git_timeout: GitTimeoutOption = None,
) -> None:
    """Crawl the PyTorch Hub catalog (the *.md entries of github.com/pytorch/hub) with its git history.

    The repository is cloned once (partial, --filter=blob:none) into the cache and fetched on later runs.
    Every entry ever seen is stored, removed ones with deleted_at; created_at is the date the entry landed
    on the branch (first first-parent commit holding it), so a first crawl already knows every past year.
    With --entrypoints, entrypoints (models callable through torch.hub.load) are counted from hubconf.py
    by parsing it, an approximation of torch.hub.list(), and reported apart from entries.

    Example: zoo crawl pytorch-hub --db zoo.duckdb --entrypoints
    """
    from .sources.pytorch_hub import PyTorchHubSource

    source = PyTorchHubSource(
        repo,
        branch=branch,
        cache_dir=cache_dir,
        entrypoints=entrypoints,
        raw_base=raw_base,
        timeout=timeout,
        git_timeout=git_timeout,
    )
    _run_source(source, db, restart)
    _catalog_summary(
        db,
        "SELECT format('pytorch-hub: {} entries ({} live, {} removed){}', "
        "(SELECT count(*) FROM models WHERE hub = 'pytorch-hub'), "
        "(SELECT count(*) FROM models WHERE hub = 'pytorch-hub' AND deleted_at IS NULL), "
        "(SELECT count(*) FROM models WHERE hub = 'pytorch-hub' AND deleted_at IS NOT NULL), "
        + (
            "(SELECT format('; {} entrypoints in {} repositories (public callables of hubconf.py, parsed: "
            "an approximation)', count(DISTINCT (lower(github_id), name)), count(DISTINCT lower(github_id))) "
            "FROM pytorch_hub_entrypoints WHERE hub = 'pytorch-hub'))"
            if entrypoints
            else "'')"
        ),
    )


@crawl_app.command("tf-hub")
def crawl_tf_hub(
    db: DbOption = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            envvar="ZOO_TF_HUB_REPO",
            help="Catalog git repository, a URL or a local path (default: $ZOO_TF_HUB_REPO, else "
            "https://github.com/tensorflow/tfhub.dev). Example: --repo ~/src/tfhub.dev",
            show_default=False,
        ),
    ] = None,
    branch: BranchOption = "master",
    cache_dir: CacheDirOption = None,
    restart: RestartOption = False,
    git_timeout: GitTimeoutOption = None,
) -> None:
    """Crawl the tfhub.dev catalog (markdown under assets/docs, formerly assets/g3doc) with its git history.

    A model is a '# Module' or '# Placeholder' document, keyed by its handle without the version; its
    versions and its Lite, TF.js and Coral variants go to tf_hub_versions and to the model's formats.
    created_at is when any document of the handle first landed on the branch (paths moved in 2020 and
    2021), deleted_at when its last document disappeared. Collections and publishers go to
    tf_hub_collections and tf_hub_publishers.

    Example: zoo crawl tf-hub --db zoo.duckdb --cache-dir ~/.cache/zoo
    """
    from .sources.tensorflow_hub import TensorFlowHubSource

    _run_source(
        TensorFlowHubSource(repo, branch=branch, cache_dir=cache_dir, git_timeout=git_timeout), db, restart
    )
    _catalog_summary(
        db,
        "SELECT format('tf-hub: {} models ({} live, {} removed); {} versions and variants, {} collections, "
        "{} publishers', "
        "(SELECT count(*) FROM models WHERE hub = 'tf-hub'), "
        "(SELECT count(*) FROM models WHERE hub = 'tf-hub' AND deleted_at IS NULL), "
        "(SELECT count(*) FROM models WHERE hub = 'tf-hub' AND deleted_at IS NOT NULL), "
        "(SELECT count(*) FROM tf_hub_versions WHERE hub = 'tf-hub'), "
        "(SELECT count(*) FROM tf_hub_collections WHERE hub = 'tf-hub'), "
        "(SELECT count(*) FROM tf_hub_publishers WHERE hub = 'tf-hub'))",
    )


@import_app.command("pwc")
def import_pwc(
    files: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            metavar="PATH",
            help="A local copy of a dump (gzipped or plain JSON), links or papers, recognised by content; "
            "repeat for both. Without --file both are downloaded. "
            "Example: --file jul-28-links-between-papers-and-code.json.gz --file jul-29-papers-with-abstracts.json.gz",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="ZOO_DB",
            help="DuckDB file to use (default: $ZOO_DB, else ./zoo.duckdb). Example: --db zoo.duckdb",
            show_default=False,
        ),
    ] = None,
    hf_endpoint: Annotated[
        str | None,
        typer.Option(
            "--hf-endpoint",
            envvar="HF_ENDPOINT",
            metavar="URL",
            help="Hub to download pwc-archive/files from (default: $HF_ENDPOINT, else https://huggingface.co). "
            "Example: --hf-endpoint https://hf-mirror.example.org",
            show_default=False,
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir",
            metavar="PATH",
            help="huggingface_hub cache for the downloads (default: $HF_HUB_CACHE, else $HF_HOME/hub, else "
            "~/.cache/huggingface/hub). Example: --cache-dir /data/hf-cache",
            show_default=False,
        ),
    ] = None,
    force_download: Annotated[
        bool,
        typer.Option(
            "--force-download",
            help="Download the dumps again even if cached (after a corrupt download). "
            "Example: zoo import pwc --force-download --restart",
        ),
    ] = False,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Abandon an interrupted import and start from the first file. Example: zoo import pwc --restart",
        ),
    ] = False,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size",
            min=1,
            help="Items parsed and staged per page (each page is one saved step of progress). "
            "Example: --page-size 50000",
        ),
    ] = 10_000,
) -> None:
    """Import the frozen Papers with Code dumps: paper-code links with frameworks, and paper dates.

    Papers with Code shut down in July 2025; its last dumps are files of the Hugging Face dataset
    pwc-archive/files. By default jul-28-links-between-papers-and-code.json.gz and
    jul-29-papers-with-abstracts.json.gz (about 564 MB) are downloaded from there through huggingface_hub
    (cached, so only the first import downloads them; HF_TOKEN is sent as huggingface_hub sends it), with
    huggingface_hub's progress bar on a terminal and a line per tenth of a file in a log; a connection that
    breaks mid-download is resumed with an HTTP Range request. --file imports local copies instead. The files are streamed, a
    page at a time, into the tables pwc_links and pwc_papers (no abstracts), recorded as a run of
    source paperswithcode (see zoo runs). Re-importing replaces those rows: same files, same contents.

    An interrupted import resumes the next time: it re-reads the file it stopped in, skips the items
    already saved and carries on; if the files changed meanwhile it asks for --restart. Exit code 0
    means the import completed.

    Example: zoo import pwc --db zoo.duckdb

    Example: zoo import pwc --file links.json.gz --file jul-29-papers-with-abstracts.json.gz
    """
    from .sources.paperswithcode import PapersWithCodeSource

    source = PapersWithCodeSource(
        [str(f) for f in files or []],
        endpoint=hf_endpoint,
        cache_dir=cache_dir,
        force_download=force_download,
        page_size=page_size,
    )
    _run_source(source, db, restart)
    con = _read(db)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM pwc_links WHERE hub = 'paperswithcode'), "
            "(SELECT count(DISTINCT repo) FROM papers_links WHERE hub = 'paperswithcode'), "
            "(SELECT count(*) FROM pwc_papers WHERE hub = 'paperswithcode'), "
            "(SELECT count(paper_date) FROM pwc_papers WHERE hub = 'paperswithcode')"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    print(
        f"paperswithcode: {row[0]:,} links to {row[1]:,} repositories, {row[2]:,} papers "
        f"({row[3]:,} with a date) stored"
    )


# ------------------------------------------------------------------------------------------ inspection


def _read(db: str | None) -> duckdb.DuckDBPyConnection:
    try:
        return connect(db, read_only=True)
    except StoreError as exc:
        _error(exc)
        raise typer.Exit(EXIT_FAILED) from None


@app.command("runs")
def runs(
    db: DbOption = None,
    source: Annotated[str | None, typer.Option("--source", help="Only runs of this hub.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show the newest N runs.")] = 20,
    fmt: FormatOption = Format.table,
) -> None:
    """List crawl runs, newest first: status, dates, counters, whether a run was resumed or is suspect.

    models is the number of distinct models a complete run saw (items staged so far for others); new,
    changed, absent and deleted say what the run changed in the database.

    Example: zoo runs --source huggingface --format json
    """
    con = _read(db)
    try:
        rel = con.execute(
            "SELECT run_id, source, status, started_at AS started, finished_at AS finished, pages, "
            "models, items, requests, warnings, resumed, suspect, "
            "new_models AS new, changed_models AS changed, absent_models AS absent, "
            "deleted_models AS deleted, error "
            "FROM crawl_runs WHERE ? IS NULL OR source = ? ORDER BY run_id DESC LIMIT ?",
            [source, source, limit],
        )
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    render(columns, rows, fmt, title=f"crawl runs in {resolve_db(db)}")


@app.command("sql")
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query; tables and views can be named directly.")],
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run a read-only SQL query against the database.

    The file is opened read-only and the query cannot read or write other files (no COPY TO, no
    read_csv): it sees the database's tables and views only.

    Example: zoo sql "select hub, count(*) from models group by hub" --format csv
    """
    con = _read(db)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        try:
            rel = con.execute(query)
        except duckdb.Error as exc:
            _error(f"query failed: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        if rel.description is None:
            return
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
    finally:
        con.close()
    render(columns, rows, fmt)


@app.command("history")
def history(
    model: Annotated[str, typer.Argument(help="A model's name (current or former) or key.")],
    db: DbOption = None,
    hub: Annotated[str | None, typer.Option("--hub", help="Only this hub (huggingface, kaggle, …).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Show a model's history: first sighting, renames, tag and counter changes, gaps and deletion.

    A former name finds the model too, because identity is the hub's key, not the name.

    Example: zoo history google-bert/bert-base-uncased
    """
    from .history import find_models, model_timeline

    con = _read(db)
    try:
        mids = find_models(con, model, hub)
        if not mids:
            err.print(f"zoo: no model is or was called {model!r}", highlight=False)
            raise typer.Exit(EXIT_FAILED)
        columns, rows = model_timeline(con, mids)
    finally:
        con.close()
    render(columns, rows, fmt, title=f"history of {model}")


@app.command("export")
def export_cmd(
    out_dir: Annotated[str, typer.Argument(help="Folder to write the Parquet datasets into.")],
    db: DbOption = None,
) -> None:
    """Export models, observations and runs as Hive-partitioned Parquet (hub=…/snapshot_date=…/).

    Only partitions that are new or out of date are written, so running it after every nightly crawl adds
    one day; a day that got a later complete run is rewritten. `models` carries the columns counted,
    tags_class, evidence_class, created_period, created_month and framework flags, so Spark, Trino or
    DuckDB compute zoo's figures with a plain GROUP BY (see examples/spark_stats.py).

    Example: zoo export ./zoo-parquet   then   duckdb -c "select * from read_parquet('zoo-parquet/models/*/*/*.parquet', hive_partitioning=true)"
    """
    from .export import ExportError, export

    con = _read(db)
    try:
        result = export(con, out_dir)
    except ExportError as exc:
        _error(f"export to {out_dir} failed: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    except Exception as exc:  # a cron log gets one line, never a traceback; whole partitions stay
        _error(
            f"export to {out_dir} failed: {type(exc).__name__}: {exc} "
            "(partitions written before are kept; the next export continues)"
        )
        raise typer.Exit(EXIT_FAILED) from None
    finally:
        con.close()
    print(
        f"export to {out_dir}: {len(result.written)} partition files written, {result.skipped} already there, "
        f"{len(result.rewritten)} rewritten"
    )


# ----------------------------------------------------------------------------------------------- stats

stats_app = typer.Typer(
    help="Framework statistics (PyTorch vs TensorFlow) computed by the SQL views stats_*; every table "
    "states its definition and denominator.\n\n"
    "Examples:\n\n"
    "  zoo stats hubs\n\n"
    "  zoo stats exclusivity --hub huggingface --by year\n\n"
    "  zoo stats additions --by year --by-class --definition evidence --format csv",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(stats_app, name="stats")

StatsHubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        help="Only this hub: huggingface (or hf), pytorch-hub, tf-hub, kaggle. Example: --hub huggingface",
        show_default=False,
    ),
]
DefinitionOption = Annotated[
    Definition,
    typer.Option(
        "--definition",
        help="tags = the articles' method (only the pytorch and tf tags); evidence = tags, library, files, "
        "formats and hub. Example: --definition evidence",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Count the models that existed at the end of that day (UTC): catalogs by their git dates, "
        "other hubs by the crawls finished by then. Example: --as-of 2024-12-31",
        show_default=False,
    ),
]
StatsDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZOO_DB",
        help="DuckDB file to read (default: $ZOO_DB, else ./zoo.duckdb); opened read-only. "
        "Example: --db ~/zoo.duckdb",
        show_default=False,
    ),
]
StatsFormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table (with a caption stating definition and denominator), csv or json (stdout stays "
        "machine-readable; notes and the headline go to stderr). Example: --format json",
    ),
]


def _stats_fail(exc: Exception) -> typer.Exit:
    err.print(f"zoo: {exc}", highlight=False)
    return typer.Exit(2)


def _show(table: StatTable, fmt: Format, extra_lines: list[str] | None = None) -> None:
    """Render a stats table; in table mode with its caption and without the constant columns."""
    extra_lines = extra_lines or []
    if fmt is Format.table:
        keep = [i for i, c in enumerate(table.columns) if c not in ("definition", "as_of")]
        share = table.columns.index("share") if "share" in table.columns else None
        rows = [
            tuple(
                (f"{row[i] * 100:.1f} %" if row[i] is not None else "") if i == share else row[i]
                for i in keep
            )
            for row in table.rows
        ]
        render([table.columns[i] for i in keep], rows, fmt, title=table.title, caption=table.caption)
        for line in extra_lines:
            print(line)
    else:
        render(table.columns, table.rows, fmt)
        for line in extra_lines:
            err.print(line, highlight=False, soft_wrap=True)
    for note in table.notes:
        err.print(f"zoo: {note}", highlight=False, soft_wrap=True)


@stats_app.command("exclusivity")
def stats_exclusivity(
    hub: StatsHubOption = None,
    definition: DefinitionOption = Definition.tags,
    by: Annotated[
        Grain,
        typer.Option(
            "--by",
            help="none = all models together; year or month = per creation period ('legacy' = HF repos "
            "of unknown date before 2022-03-02). Example: --by year",
        ),
    ] = Grain.none,
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models per framework class and their share, per hub (and period).

    One row per (hub, period, class) with models and share = models ÷ all counted models of that hub in
    that period. Also prints the articles' headline share, PyTorch-only ÷ (PyTorch-only +
    TensorFlow-only): below the table, or on stderr for csv/json so stdout stays machine-readable.
    Counts only public models seen by each hub's latest complete crawl (view stats_models; private models
    listed because a token was set are stored, never counted).

    Example: zoo stats exclusivity --hub huggingface --definition tags --by year --format json
    """
    con = _read(db)
    try:
        try:
            table = stats.exclusivity(con, hub=hub, definition=definition, by=by, as_of=as_of)
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    heads = stats.headline(table)
    lines = [
        f"Headline ({definition.value} definition): PyTorch-only ÷ (PyTorch-only + TensorFlow-only)"
        + (f" = {heads[0].text()}" if len(heads) == 1 else "")
    ]
    if len(heads) > 1:
        lines += [f"  {h.text()}" for h in heads]
    if not heads:
        lines = []
    _show(table, fmt, lines)


@stats_app.command("additions")
def stats_additions(
    hub: StatsHubOption = None,
    by: Annotated[
        AdditionsGrain,
        typer.Option("--by", help="Period of created_at: year or month. Example: --by month"),
    ] = AdditionsGrain.year,
    definition: DefinitionOption = Definition.tags,
    by_class: Annotated[
        bool,
        typer.Option(
            "--by-class",
            help="One row per framework class of --definition instead of one total. "
            "Example: --by-class --definition evidence",
        ),
    ] = False,
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models added per creation year or month, per hub (optionally per framework class).

    Models with the Hugging Face placeholder date (created before 2022-03-02, exact date unknown) form
    the period 'legacy' and are never counted in 2022. Only models that still exist are counted.

    Example: zoo stats additions --hub huggingface --by year --by-class
    """
    con = _read(db)
    try:
        try:
            table = stats.additions(
                con, hub=hub, by=by, definition=definition, by_class=by_class, as_of=as_of
            )
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    _show(table, fmt)


@stats_app.command("hubs")
def stats_hubs(
    as_of: AsOfOption = None,
    fmt: StatsFormatOption = Format.table,
    db: StatsDbOption = None,
) -> None:
    """Models per hub now (or --as-of a date), with the date of the complete crawl they come from.

    Hubs never crawled are marked 'not crawled' (no count, never 0).

    Example: zoo stats hubs --as-of 2024-12-31 --format json
    """
    con = _read(db)
    try:
        try:
            table = stats.hubs(con, as_of=as_of)
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    _show(table, fmt)


@stats_app.command("downloads")
def stats_downloads(
    models: Annotated[list[str], typer.Argument(help="Model names (current or former) or keys.")],
    hub: StatsHubOption = None,
    db: StatsDbOption = None,
    fmt: StatsFormatOption = Format.table,
) -> None:
    """Each night's downloads and likes of the given models, from the change-only history.

    downloads is the hub's rolling 30-day count, downloads_all_time its running total, likes the likes;
    one row per complete crawl ("night") that saw the model. downloads_per_day is an ESTIMATE: the
    difference of downloads_all_time between two nights divided by the days between them (the Hub
    publishes no daily figure). Views: model_counters_nightly, downloads_per_day.

    Example: zoo stats downloads google-bert/bert-base-uncased openai/whisper-large-v3 --format csv
    """
    from .history import find_models, nightly_counters

    con = _read(db)
    try:
        mids: list[int] = []
        for name in models:
            found = find_models(con, name, stats.HUB_ALIASES.get(hub, hub) if hub else None)
            if not found:
                err.print(f"zoo: no model is or was called {name!r}", highlight=False)
                raise typer.Exit(EXIT_FAILED)
            mids += found
        columns, rows = nightly_counters(con, mids)
    finally:
        con.close()
    render(
        columns,
        rows,
        fmt,
        title="downloads and likes per night",
        caption="downloads: rolling 30 days (as the hub reports it); downloads_per_day: estimated from "
        "the change of downloads_all_time between nights",
    )


class PapersGrain(str, Enum):
    year = "year"
    quarter = "quarter"


@stats_app.command("papers")
def stats_papers(
    by: Annotated[
        PapersGrain, typer.Option("--by", help="Period of the paper: year or quarter. Example: --by quarter")
    ] = PapersGrain.year,
    official_only: Annotated[
        bool,
        typer.Option(
            "--official-only", help="Count only official implementations (code by the paper's authors)."
        ),
    ] = False,
    db: StatsDbOption = None,
    fmt: StatsFormatOption = Format.table,
) -> None:
    """Share of Papers with Code repositories by framework, per year or quarter.

    Each code repository linked to a paper is counted once, in the period of its earliest paper (the
    paper's date in the papers dump, else the month of its arXiv id; repositories with no dated paper are
    left out), with the framework Papers with Code recorded for it: pytorch (also "torch"), tensorflow
    (also "tf"), jax, mxnet, other, or none. share = repos / all repositories dated in that period, so
    the six shares of a period sum to 1. Data: the frozen dumps imported by `zoo import pwc`.

    Example: zoo stats papers --by quarter --official-only --format json
    """
    from .papers import papers_share

    con = _read(db)
    try:
        try:
            columns, rows = papers_share(con, by=by.value, official_only=official_only)
        except duckdb.CatalogException:
            rows, columns = [], ["period", "framework", "repos", "share"]
    finally:
        con.close()
    if not rows:
        err.print("zoo: Papers with Code: not imported (run `zoo import pwc`)", highlight=False)
    if fmt is Format.table:
        share = columns.index("share")
        shown = [
            tuple(f"{v * 100:.1f} %" if i == share and v is not None else v for i, v in enumerate(r))
            for r in rows
        ]
        render(
            columns,
            shown,
            fmt,
            title=f"Paper implementations by framework, per {by.value}"
            + (" (official only)" if official_only else ""),
            caption="Each code repository linked to a paper counted once, dated by its earliest paper; share = "
            "repositories of the framework ÷ all dated repositories of the period (view papers_frameworks).",
        )
    else:
        render(columns, rows, fmt)


@app.command("report")
def report_cmd(
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write (default: report.html, or report.md with --format md). "
            "Example: --out ~/zoo-report.html",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="html = one self-contained file, plots embedded; md = Markdown, plots as PNG files in "
            "<name>-figures/ next to it. Example: --format md",
        ),
    ] = ReportFormat.html,
    db: StatsDbOption = None,
) -> None:
    """Write the articles' figures next to ours: one HTML page (or Markdown) with plots.

    For every figure the "PyTorch vs TensorFlow" articles cite (models per hub, Hugging Face
    PyTorch-/TensorFlow-exclusive shares under both definitions, exclusive models added per year with the
    legacy cohort apart, the Papers with Code share, Kaggle Models by framework) it shows the article's
    value, ours today or --as-of a date, the definition and denominator, and the date of the crawl it comes
    from, then a plot. A hub never crawled is shown as "not crawled", never as 0.

    Example: zoo report --out report.html --as-of 2024-12-31
    """
    from .report import write_report

    con = _read(db)
    try:
        try:
            path, report = write_report(con, out, fmt, as_of, db=resolve_db(db))
        except stats.StatsError as exc:
            raise _stats_fail(exc) from None
    finally:
        con.close()
    missing = report.not_crawled
    print(
        f"zoo report: wrote {path} ({len(report.sections)} figures"
        + (f"; not crawled: {', '.join(missing)}" if missing else "")
        + ")"
    )


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
