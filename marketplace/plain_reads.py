"""Prebuilt reads of plain columns run straight on the DB-API cursor (`marketplace.database.read_plain`).

A hot page runs the same few statements, built once per worker, with new values: the tiles, the product page, the
cart badge. Through `Connection.execute` each run still hashes the statement's cache key, sets up an execution
context and wraps the rows, which cost a signed-in page more than SQLite's own work. Here a statement is compiled
once per dialect with its bind and result processors (the same ones SQLAlchemy would apply), and each run hands the
driver the SQL text and the processed values, and gives back the rows as named tuples with the processed values.

Anything this path does not cover goes through SQLAlchemy as before: expanding `IN` parameters, parameters with
callables, escaped parameter names, a statement that fails (run again through SQLAlchemy, whose error wrapping and
connection invalidation apply), and every statement while something listens to the engine's cursor events (the
tests' statement counter, an error reporter's SQL breadcrumbs), so those still see every statement.
"""

from __future__ import annotations

import functools
import logging
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

log = logging.getLogger(__name__)
PREPARED_STATEMENTS = 2048


class PlainRows(list):
    """The rows of a plain read, with the `Result` methods its callers use."""

    def all(self) -> PlainRows:
        return self

    def first(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise LookupError(f"expected one row, got {len(self)}")
        return self[0]

    def scalar(self) -> Any:
        return self[0][0] if self else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self]


@dataclass(frozen=True)
class StatementText:
    """A statement compiled for one dialect: its SQL, the order of its parameters (None: the driver takes them by
    name) and the values of its literal parameters. Shared with the scan lane (`traceability.scanpage`), which
    runs its statements on the cursor the same way."""

    sql: str
    names: tuple[str, ...] | None
    literals: dict[str, Any]

    def args(self, params: dict[str, Any]) -> Any:
        """The driver's parameters: the literals and `params`, in order (or by name)."""
        return self.ordered({**self.literals, **params})

    def ordered(self, values: dict[str, Any]) -> Any:
        """Every parameter's value (the literals included) as the driver takes them: in order, or by name."""
        return tuple(values[name] for name in self.names) if self.names is not None else values


def statement_text(compiled: Compiled) -> StatementText:
    names = tuple(compiled.positiontup) if compiled.positional else None
    literals = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    return StatementText(compiled.string, names, literals)


@dataclass
class PreparedRead:
    """A statement's text, SQLAlchemy's own processors for its values and its columns, and how to make its rows: a
    named tuple of the names the driver gives the columns, as SQLAlchemy's rows have them (made on the first run)."""

    text: StatementText
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...] | None
    row: Callable[..., tuple] | None = None

    def args(self, params: dict[str, Any]) -> Any:
        merged = {**self.text.literals, **params}
        for name, process in self.processors:
            merged[name] = process(merged[name])
        return self.text.ordered(merged)

    def rows(self, fetched: Sequence[tuple], description: Sequence[tuple]) -> PlainRows:
        results, row = self.results, self.row
        if row is None:
            row = self.row = namedtuple("Row", [column[0] for column in description], rename=True)
        if results is not None:
            fetched = [
                [process(v) if process else v for process, v in zip(results, raw, strict=True)] for raw in fetched
            ]
        return PlainRows(row(*values) for values in fetched)


@functools.lru_cache(maxsize=PREPARED_STATEMENTS)
def prepared(statement: Executable, dialect: Dialect) -> PreparedRead | None:
    """The statement compiled for `dialect`, or None when it needs SQLAlchemy at each run (see the module docstring)."""
    compiled = statement.compile(dialect=dialect)
    binds = compiled.binds
    if getattr(compiled, "escaped_bind_names", None) or any(
        bind.expanding or bind.literal_execute or bind.callable is not None for bind in binds.values()
    ):
        return None
    processors = ((name, bind.type.dialect_impl(dialect).bind_processor(dialect)) for name, bind in binds.items())
    columns = getattr(statement, "selected_columns", None)
    results = tuple(_result_processor(column.type, dialect) for column in columns) if columns is not None else ()
    return PreparedRead(
        text=statement_text(compiled),
        processors=tuple((name, process) for name, process in processors if process is not None),
        results=results if any(results) else None,
    )


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


def run(connection: Connection, statement: Executable, params: dict[str, Any]) -> PlainRows | None:
    """The rows of `statement` read on `connection`'s DB-API connection, or None: run it through SQLAlchemy."""
    dispatch = connection.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        return None
    found = prepared(statement, connection.dialect)
    if found is None:
        return None
    cursor = connection.connection.cursor()
    try:
        cursor.execute(found.text.sql, found.args(params))
        fetched, description = cursor.fetchall(), cursor.description
    except connection.dialect.loaded_dbapi.Error as error:
        # SQLAlchemy runs it again and raises its own error, invalidating a lost connection; on PostgreSQL that
        # error is "transaction aborted", so the first one is logged here
        log.warning("A plain read failed, run again through SQLAlchemy: %s", error)
        return None
    finally:
        cursor.close()
    return found.rows(fetched, description)
