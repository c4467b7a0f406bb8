"""Real answers of the Hugging Face Hub's commits endpoint and its error answers, replayed on 127.0.0.1
through ``zoo crawl hf-dates``' own reader and error handling, and the fake Hub checked against them.

Each fixture is copied from an answer the real Hub gave, recorded by another project (the source is
named beside it; values are copied, never edited). Trimmed recordings keep only some headers; the replay
serves what was recorded and nothing more. Where a fixture had to be completed (a body the recording left
out, the answer to a page the recording did not ask for), the comment beside it says what was added and
from where.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest

from crawler.sources.base import SourceError
from crawler.sources.huggingface_dates import DATES_POLICY, TABLE, HuggingFaceDatesSource
from tests.fakes.hub import FakeHub, make_models

RATELIMIT = {  # the headers every recorded answer of 2026-10-02 carries (values of the gpt2 answer)
    "ratelimit": '"api";r=467;t=47',
    "ratelimit-policy": '"fixed window";"api";q=500;w=300',
}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- 200: gpt2's commits -------------------------------------------------------------------------------
# Source: New1Direction/repo.ing@b5bf0b634b3c tests/fixtures/hf/commits-gpt2.json, recorded 2026-10-02
# (trimmed by that repository), request /api/models/openai-community/gpt2/commits/main?limit=1.
GPT2_HEAD = {
    "id": "607a30d783dfa663caf39e06633721c8d4cfcd7e",
    "title": "Adds the tokenizer configuration file (#80)",
    "message": "\n\n\n- Adds tokenizer_config.json file (db6d57930088fb63e52c010bd9ac77c955ac55e7)\n\n",
    "authors": [
        {
            "user": "lysandre",
            "avatar": "https://cdn-avatars.huggingface.co/v1/production/uploads/5e3aec01f55e2b62848a5217/"
            "PMKS0NNB4MJQlTSFzh918.jpeg",
        }
    ],
    "date": "2024-02-19T10:57:45.000Z",
}
GPT2_PAGE_0 = Answer(
    200,
    {
        "content-type": "application/json; charset=utf-8",
        **RATELIMIT,
        "x-total-count": "26",
        "link": '<https://huggingface.co/api/models/openai-community/gpt2/commits/main?p=1&limit=1>; rel="next"',
    },
    _json([GPT2_HEAD]),
)
# gpt2's oldest commit, the 26th: huggingface_hub@ee0a4510f4bc src/huggingface_hub/hf_api.py (lines
# 4280-4301), the docstring of list_repo_commits printing it parsed: commit_id 9b865efd…, authors
# ['system'], created_at 2019-02-18 10:36:15 UTC, title 'initial commit', message ''. Written here as the
# Hub writes an item (the shape of the answer above); its avatar is not in the recording and is left out.
# The recorded answer above was asked with limit=1, and the replay serves it to zoo's limit=1000 too (a
# Hub that sends one commit a page), so zoo asks page p=25 of pages of one; the headers are page 0's,
# without its next link (no page follows the last one).
GPT2_INITIAL = {
    "id": "9b865efde13a30c13e0a33e536cf3e4a5a9d71d8",
    "title": "initial commit",
    "message": "",
    "authors": [{"user": "system"}],
    "date": "2019-02-18T10:36:15.000Z",
}
GPT2_PAGE_25 = Answer(
    200,
    {"content-type": "application/json; charset=utf-8", **RATELIMIT, "x-total-count": "26"},
    _json([GPT2_INITIAL]),
)

# --- 401, anonymous, a repo that does not exist (or is private: the Hub answers both alike) ------------
# Source: New1Direction/repo.ing@ea8e14776947 tests/fixtures/hf/model-not-found.json, recorded 2026-10-02,
# request /api/models/openai-community/no-such-model-repoing-x9 (the model's info; the Hub answers every
# /api/models/{id}/… path of a repo it does not show an anonymous client this way). No X-Error-Code.
ANON_MISSING = Answer(
    401,
    {
        "content-type": "application/json; charset=utf-8",
        "ratelimit": '"api";r=483;t=212',
        "ratelimit-policy": '"fixed window";"api";q=500;w=300',
        "x-error-message": "Invalid username or password.",
    },
    _json({"error": "Invalid username or password."}),
)

# --- 401, anonymous, a gated repo's commits ----------------------------------------------------------
# Source: New1Direction/repo.ing@b5bf0b634b3c tests/fixtures/hf/commits-gated.json, recorded 2026-10-02,
# request /api/models/meta-llama/Llama-3.1-8B/commits/main?limit=1.
GATED_MESSAGE = (
    "Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be authenticated "
    "to access it. Please log in."
)
ANON_GATED = Answer(
    401,
    {
        "content-type": "application/json; charset=utf-8",
        "ratelimit": '"api";r=499;t=251',
        "ratelimit-policy": '"fixed window";"api";q=500;w=300',
        "x-error-code": "GatedRepo",
        "x-error-message": GATED_MESSAGE,
    },
    _json({"error": GATED_MESSAGE}),
)

# --- 404, a revision the repo does not have ------------------------------------------------------------
# Source: New1Direction/repo.ing@ea8e14776947 tests/fixtures/hf/commits-bad-revision.json, recorded
# 2026-10-02, request /api/models/openai-community/gpt2/commits/no-such-branch-x9?limit=1.
BAD_REVISION = Answer(
    404,
    {
        "content-type": "application/json; charset=utf-8",
        "ratelimit": '"api";r=466;t=45',
        "ratelimit-policy": '"fixed window";"api";q=500;w=300',
        "x-error-code": "RevisionNotFound",
        "x-error-message": "Invalid rev id: no-such-branch-x9",
    },
    _json({"error": "Invalid rev id: no-such-branch-x9"}),
)

# --- 401, a token the Hub refuses ----------------------------------------------------------------------
# Source: the server's message as quoted in lldacing/ComfyUI_PuLID_Flux_ll issue 30 (2025-02-03; the last
# line of huggingface_hub's error is the answer's X-Error-Message): "Invalid credentials in Authorization
# header". Only the text is recorded; status 401 with it, the header and the {"error": …} body are shaped
# as in the recorded 401s above.
INVALID_TOKEN_MESSAGE = "Invalid credentials in Authorization header"
INVALID_TOKEN = Answer(
    401,
    {"content-type": "application/json; charset=utf-8", "x-error-message": INVALID_TOKEN_MESSAGE},
    _json({"error": INVALID_TOKEN_MESSAGE}),
)


# --- 307, a renamed repo ---------------------------------------------------------------------------------
# Sources: New1Direction/repo.ing@ea8e14776947 tests/fixtures/hf/redirect-case-gpt2.json (2026-10-02:
# /api/models/OpenAI-Community/GPT2 -> location /api/models/openai-community/gpt2) and
# redirect-meta-llama-3.1-8b.json (/api/models/meta-llama/Meta-Llama-3.1-8B -> /api/models/meta-llama/
# Llama-3.1-8B), trimmed, body null there; the body, its type and Vary from the raw VCR recording of
# huggingface/huggingface_hub@906a25538c1f tests/cassettes/InferenceApiTest.test_simple_inference.yaml
# (2025-01-22: text/plain "Temporary Redirect. Redirecting to <location>"), and the query kept in the
# relative Location as in huggingface_hub@bd8c8e46bddc's cassette of
# /api/models/meta-llama/Meta-Llama-3.1-8B-Instruct?expand=inferenceProviderMapping (2025-02-11). The
# recordings are of the model's info; here the same rename is answered for the commits under it.
def redirect(new_name: str, ratelimit: str) -> Callable[[str, str], Answer]:
    def answer(path: str, query: str) -> Answer:
        rest = path.split("/commits/", 1)[1]
        location = f"/api/models/{new_name}/commits/{rest}" + (f"?{query}" if query else "")
        return Answer(
            307,
            {
                "content-type": "text/plain; charset=utf-8",
                "location": location,
                "ratelimit": ratelimit,
                "ratelimit-policy": '"fixed window";"api";q=500;w=300',
                "vary": "Origin, Accept",
            },
            f"Temporary Redirect. Redirecting to {location}".encode(),
        )

    return answer


Route = Answer | Callable[[str, str], Answer]
ROUTES: dict[tuple[str, str | None], Route] = {
    ("/api/models/openai-community/gpt2/commits/main", None): GPT2_PAGE_0,
    ("/api/models/openai-community/gpt2/commits/main", "25"): GPT2_PAGE_25,
    ("/api/models/openai-community/no-such-model-repoing-x9/commits/main", None): ANON_MISSING,
    ("/api/models/meta-llama/Llama-3.1-8B/commits/main", None): ANON_GATED,
    ("/api/models/openai-community/gpt2/commits/no-such-branch-x9", None): BAD_REVISION,
    ("/api/models/OpenAI-Community/GPT2/commits/main", None): redirect(
        "openai-community/gpt2", '"api";r=487;t=221'
    ),
    ("/api/models/meta-llama/Meta-Llama-3.1-8B/commits/main", None): redirect(
        "meta-llama/Llama-3.1-8B", '"api";r=488;t=223'
    ),
}


class Replay:
    """A 127.0.0.1 server answering each request with the recorded answer of its path (and page ``p``);
    ``refuse_tokens``: any request with a token gets the invalid-token answer."""

    def __init__(self, *, refuse_tokens: bool = False) -> None:
        self.requests: list[tuple[str, str | None]] = []  # (path and query, Authorization)
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                split = urlsplit(self.path)
                auth = self.headers.get("Authorization")
                replay.requests.append((self.path, auth))
                page = dict(parse_qsl(split.query)).get("p")
                route = ROUTES.get((split.path, page))
                if refuse_tokens and auth:
                    answer = INVALID_TOKEN
                elif route is None:  # nothing recorded for it: a test asked what it should not
                    answer = Answer(599, {}, b"no recorded answer")
                else:
                    answer = route(split.path, split.query) if callable(route) else route
                self.send_response(answer.status)
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # polls for shutdown every 0.05 s (the default 0.5 s is waited out at every stop)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Replay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def replay() -> Iterator[Replay]:
    with Replay() as server:
        yield server


def date_models(
    endpoint: str, work: list[tuple[str, str, str | None]], token: str | None = None
) -> tuple[HuggingFaceDatesSource, list[dict], list[str]]:
    """Run hf-dates' reader over ``work`` (key, repo id, listed revision): its rows and warnings."""
    source = HuggingFaceDatesSource(
        endpoint, policy=replace(DATES_POLICY, backoff_base=0.01, max_attempts=1), token=token
    )
    source.work = work
    rows: list[dict] = []
    warnings: list[str] = []
    for page in source.pages(None):
        rows += page.children[TABLE]
        warnings += page.warnings
    return source, rows, warnings


def test_the_recorded_gpt2_commits_date_it_by_its_initial_commit(replay: Replay) -> None:
    source, [row], warnings = date_models(replay.url, [("k1", "openai-community/gpt2", None)])
    assert warnings == []
    assert row["created_at"] == datetime(2019, 2, 18, 10, 36, 15, tzinfo=timezone.utc).isoformat()
    assert (row["created_at_quality"], row["commit_title"], row["commit_authors"]) == (
        "first_commit",
        "initial commit",
        ["system"],
    )
    assert (row["commit_id"], row["total_commits"], row["requests"]) == (GPT2_INITIAL["id"], 26, 2)
    # the total (26) with one commit a page names page 25, asked by number with the query kept
    [first, last] = [path for path, _ in replay.requests]
    assert first == "/api/models/openai-community/gpt2/commits/main?limit=1000"
    assert dict(parse_qsl(urlsplit(last).query)) == {"limit": "1000", "p": "25"}
    assert source.tally.first_commit == 1


def test_recorded_401_and_404_answers_are_counted_and_settle_nothing(replay: Replay) -> None:
    work: list[tuple[str, str, str | None]] = [
        ("k1", "openai-community/no-such-model-repoing-x9", None),
        ("k2", "meta-llama/Llama-3.1-8B", None),
        ("k3", "openai-community/gpt2", "no-such-branch-x9"),
    ]
    source, rows, warnings = date_models(replay.url, work)
    assert rows == []  # nothing stored: each is asked again another night
    t = source.tally
    assert (t.asked, t.hidden, t.gated, t.revision_missing, t.gone, t.other) == (3, 1, 1, 1, 0, 0)
    assert warnings == [
        "openai-community/no-such-model-repoing-x9: 401 no X-Error-Code (Invalid username or password.): "
        "missing or private, the Hub does not say which; not dated, asked again another night",
        "meta-llama/Llama-3.1-8B: gated (401 GatedRepo): not dated without a token; asked again another "
        "night (dated once HF_TOKEN is set for an account with access)",
        "openai-community/gpt2: 404 RevisionNotFound: the repo no longer has the listing's revision (its "
        "history was rewritten); asked again after the next listing",
    ]
    assert all(auth is None for _, auth in replay.requests)  # anonymous, as recorded


def test_recorded_renames_are_followed_with_their_query(replay: Replay) -> None:
    work: list[tuple[str, str, str | None]] = [
        ("k1", "OpenAI-Community/GPT2", None),
        ("k2", "meta-llama/Meta-Llama-3.1-8B", None),
    ]
    source, [row], warnings = date_models(replay.url, work)
    assert (row["key"], row["repo_id"], row["commit_id"]) == (
        "k1",
        "OpenAI-Community/GPT2",
        GPT2_INITIAL["id"],
    )
    assert (source.tally.renamed, source.tally.gated, source.tally.refused) == (2, 1, 0)
    paths = [path for path, _ in replay.requests]
    assert paths[:3] == [
        "/api/models/OpenAI-Community/GPT2/commits/main?limit=1000",
        "/api/models/openai-community/gpt2/commits/main?limit=1000",  # the relative Location, query kept
        "/api/models/openai-community/gpt2/commits/main?limit=1000&p=25",
    ]
    assert paths[3:] == [
        "/api/models/meta-llama/Meta-Llama-3.1-8B/commits/main?limit=1000",
        "/api/models/meta-llama/Llama-3.1-8B/commits/main?limit=1000",
    ]
    assert (
        "OpenAI-Community/GPT2: renamed: the Hub answered 307 to openai-community/gpt2; followed"
        in warnings[0]
    )
    assert warnings[2].startswith("meta-llama/Meta-Llama-3.1-8B: gated (401 GatedRepo)")


def test_the_recorded_invalid_token_answer_fails_the_run_in_one_line() -> None:
    with Replay(refuse_tokens=True) as server:
        with pytest.raises(SourceError) as failed:
            date_models(server.url, [("k1", "openai-community/gpt2", None)], token="hf_not_a_valid_token")
        assert server.requests == [
            ("/api/models/openai-community/gpt2/commits/main?limit=1000", "Bearer hf_not_a_valid_token")
        ]
    message = str(failed.value)
    assert message == (
        f"{server.url} refused the Hugging Face token (401 Invalid credentials in Authorization header): set a "
        "valid HF_TOKEN, or none, and run again"
    )
    assert "hf_not_a_valid_token" not in message


# ------------------------------------------------------------------------- the fake answers as recorded


def shape(status: int, headers: httpx2.Headers | dict[str, str], body: bytes) -> dict[str, Any]:
    """What must match between a recorded answer and the fake's: status, content type, which error
    headers there are (and the error code), and the body's form."""
    headers = httpx2.Headers(headers)
    kind = headers.get("content-type", "").split(";")[0]
    form: Any = body.decode().split(" Redirecting to ")[0] if kind == "text/plain" else None
    if kind == "application/json":
        value = json.loads(body)
        form = sorted(value) if isinstance(value, dict) else sorted(value[0]) if value else []
    return {
        "status": status,
        "type": kind,
        "x-error-code": headers.get("x-error-code"),
        "x-error-message": "x-error-message" in headers,
        "location": headers.get("location", "").startswith("/api/models/") or None,
        "x-total-count": "x-total-count" in headers,
        "form": form,
    }


def test_the_fake_answers_like_each_recording() -> None:
    models = make_models(60, seed=3, sentinel_share=0.5)
    plain = next(m for m in models if not m["gated"])
    gated = next(m for m in models if m["gated"])
    with FakeHub(models) as hub:

        def fake(path: str, token: str | None = None) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = httpx2.get(f"{hub.url}{path}", headers=headers)
            return shape(r.status_code, r.headers, r.content)

        def recorded(answer: Answer) -> dict[str, Any]:
            return shape(answer.status, answer.headers, answer.body)

        assert fake(f"/api/models/{plain['id']}/commits/main?limit=1") == recorded(GPT2_PAGE_0)
        assert fake("/api/models/nobody/nothing/commits/main?limit=1") == recorded(ANON_MISSING)
        assert fake(f"/api/models/{gated['id']}/commits/main?limit=1") == recorded(ANON_GATED)
        assert fake(f"/api/models/{plain['id']}/commits/no-such-branch-x9?limit=1") == recorded(BAD_REVISION)
        hub.set_models([{**plain, "id": "someone/renamed"} if m is plain else m for m in models])
        moved = recorded(
            redirect("someone/renamed", "")(f"/api/models/{plain['id']}/commits/main", "limit=1")
        )
        assert fake(f"/api/models/{plain['id']}/commits/main?limit=1") == moved
    with FakeHub(models, tokens={"hf_alice": "alice"}) as hub:
        assert fake("/api/models/nobody/nothing/commits/main", token="hf_wrong") == recorded(INVALID_TOKEN)
