"""``zoo import pwc`` keeps the hub contract (``tests/hub_contract.py``) with a local dump (``--file``).

Its unit of work is a page of items of the dump (``--page-size``), saved with the checkpoint "item n of
file i". The dump is a plain JSON links file (the import reads gzipped or plain JSON alike) written by
the test; ``fail(n)`` damages one byte of an item of page ``n`` in place, keeping the file's size, so the
import fails there for good (the file is corrupt) and, once the byte is restored, the next import takes
it for the same file (name, kind and size: its fingerprint) and resumes after the saved pages. A local
file is asked nothing that could be counted, and a resumed import reads the items before its checkpoint
again by design (a gzip stream cannot seek; they are parsed, not staged): the contract counts the pages
each run saved instead (``Served.pages``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.sources.paperswithcode import LINKS_FILE
from tests.hub_contract import HubContract, Served
from tests.test_pwc import link

PAGE = 4
ITEMS = 10


class _Dump:
    """A links dump on disk, one of whose pages can be damaged in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items = [
            link(f"paper-{i}", f"2401.{i:05d}", f"https://github.com/lab/repo-{i}", "pytorch", True)
            for i in range(ITEMS)
        ]
        self.good = json.dumps(self.items).encode()
        path.write_bytes(self.good)

    def fail(self, page: int | None) -> None:
        if page is None:
            self.path.write_bytes(self.good)
            return
        # the opening quote of the repo_url of the page's second item: the JSON is broken there
        target = json.dumps(self.items[(page - 1) * PAGE + 1]["repo_url"]).encode()
        at = self.good.index(target)
        self.path.write_bytes(self.good[:at] + b"@" + self.good[at + 1 :])
        assert self.path.stat().st_size == len(self.good)


class TestPapersWithCodeContract(HubContract):
    hub = "paperswithcode"

    @contextmanager
    def serve(self, tmp_path: Path) -> Iterator[Served]:
        dump = _Dump(tmp_path / LINKS_FILE.removesuffix(".gz"))
        args = ["--file", str(dump.path), "--page-size", str(PAGE)]
        yield Served(args, ITEMS, dump.fail, None, tables=("pwc_links",), pages=math.ceil(ITEMS / PAGE))
