"""Search answers reused while the index is unchanged (`SEARCH_ANSWER_SECONDS`; on by default on a SQLite file).

A listing asks the same question again and again: a category's first page, a province's page, a popular query. Every
change of the `sql` backend's index (a product published, edited, archived, restocked or sold out, a certificate
changed, a reindex) goes through `SqlSearch.index`, `remove` or `clear`, and once its transaction commits, in
whichever process of this host, it appends a byte to `<instance>/search-index.version`. Each search reads that file's
size and modification time (one `stat`) and reuses only an answer kept under the same question and the same version,
so an answer is never older than the index it was read from. The answer is the ids, the total and the facet counts; the
tiles (name, price, sold out or not) are still read for every page.

A transaction that changed the index itself is not answered from the memo (it must see its own writes), and
`SEARCH_ANSWER_SECONDS` caps an answer's age: the safety net for an index changed behind this module's back (a
restore, SQL typed by hand). On PostgreSQL the default is 0: web hosts keep their own instance folders, so a change
on one host would not touch another's file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from marketplace.database import after_commit_once, pending_after_commit
from marketplace.ttlcache import TtlCache

from .base import SearchQuery, SearchResult

log = logging.getLogger(__name__)
EXTENSION = "ocop.search_answers"
VERSION_FILE = "search-index.version"
CHANGE_KEY = "search-index-changed"
KEPT_ANSWERS = 512
MAX_VERSION_BYTES = 1_000_000


@dataclass
class _Answers:
    """One app's answers, and the file whose size and modification time are its index's version."""

    version_file: Path
    kept: TtlCache = field(default_factory=lambda: TtlCache(KEPT_ANSWERS))

    def version(self) -> tuple[int, int]:
        """The file's size and modification time: every change appends a byte, so the size moves even where the
        file system keeps times to the second."""
        try:
            found = os.stat(self.version_file)
        except FileNotFoundError:
            return (0, 0)
        return (found.st_size, found.st_mtime_ns)

    def touch(self) -> None:
        """A new version: one byte appended (an append is atomic between processes), the file emptied at a million.
        If the file cannot be written, this process forgets its answers and the others keep theirs at most
        `SEARCH_ANSWER_SECONDS`; the change itself is committed already and stays."""
        try:
            self.version_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.version_file, "ab") as file:
                file.write(b".")
                if file.tell() >= MAX_VERSION_BYTES:
                    file.truncate(0)
        except OSError:
            log.exception("The search index changed but %s could not be written", self.version_file)
            self.kept.clear()


def _answers() -> _Answers:
    extensions = current_app.extensions
    found = extensions.get(EXTENSION)
    if found is None:
        found = extensions[EXTENSION] = _Answers(Path(current_app.config["INSTANCE_PATH"]) / VERSION_FILE)
    return found


def reused(query: SearchQuery, search: Callable[[SearchQuery], SearchResult]) -> SearchResult:
    """`search(query)`, or the answer kept for the same question and index version."""
    seconds = float(current_app.config.get("SEARCH_ANSWER_SECONDS") or 0)
    if seconds <= 0 or pending_after_commit(CHANGE_KEY):
        return search(query)
    answers = _answers()
    key = (answers.version(), *vars(query).values())
    return answers.kept.kept(key, seconds, lambda: search(query))


def index_changed() -> None:
    """Call in the transaction that writes the index: once it commits, every process's kept answers are old."""
    answers = _answers()
    after_commit_once(CHANGE_KEY, lambda: answers.touch)
