"""Counting the SQL statements the app runs, for the no-N+1 tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from marketplace.extensions import db


@contextlib.contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
