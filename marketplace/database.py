"""Engine set-up (SQLite WAL and foreign keys), and work queued to run after a commit."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from flask import Flask, request
from sqlalchemy import DateTime, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, Result, make_url
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Executable

from . import plain_reads
from .extensions import db
from .plain_reads import PlainRows

_AFTER_COMMIT_KEY = "ocop_after_commit"
_ONCE_KEY = "ocop_after_commit_once"
T = TypeVar("T", bound=Callable[[], object])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# SQLite: requests that may write take the write lock at BEGIN, so a read-then-write never fails to upgrade.
sqlite_begin_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)
# SQLite reads the database file through mmap: a page its 2 MB page cache no longer holds costs no read() call
# (a broad search reads thousands of index pages, ~3,000 read() calls each time at 100,000 products without it)
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def sqlite_file(url: str | URL) -> str | None:
    """The SQLite database file a database URL names; None for another database or an in-memory one."""
    parsed = make_url(url)
    database = parsed.database
    in_memory = database == ":memory:" or "mode=memory" in (database or "") or parsed.query.get("mode") == "memory"
    if parsed.get_backend_name() != "sqlite" or not database or in_memory:
        return None
    return database


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def configure_engine(engine: Engine) -> None:
    """SQLite: WAL, foreign keys, a busy timeout, reads through mmap, and BEGIN IMMEDIATE so writers queue instead of
    failing."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _sqlite_pragmas)

    @event.listens_for(engine, "connect")
    def _no_pysqlite_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_begin_immediate.get() else "BEGIN")


def init_database(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    @app.before_request
    def _choose_begin_mode() -> None:
        sqlite_begin_immediate.set(request.method not in SAFE_METHODS)


def read_plain(statement: Executable, params: dict[str, Any] | None = None) -> Result | PlainRows:
    """Run a SELECT of plain columns (no ORM entities to build) on the session's connection: the same transaction as
    `db.session.execute`, after the same autoflush, without the ORM's per-execution set-up, which costs as much as
    running a small prebuilt statement (cart badge: 94 → 45 µs), and where it can without SQLAlchemy's either
    (`marketplace.plain_reads`: rows as named tuples)."""
    session = db.session()
    if session.autoflush:
        session.flush()  # what the session's own execute does first; nothing to do on a read-only page
    connection = session.connection()
    params = params or {}
    rows = plain_reads.run(connection, statement, params)
    return rows if rows is not None else connection.execute(statement, params)


def after_commit(callback: Callable[[], object], session: Session | None = None) -> None:
    """Run `callback` once the current transaction commits; drop it if the transaction rolls back."""
    session = session or db.session()
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


def dialect_insert(model: type):
    """`INSERT` with the current database's `ON CONFLICT` clauses (PostgreSQL or SQLite)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def after_commit_once(key: str, factory: Callable[[], T], session: Session | None = None) -> T:
    """The after-commit callback kept under `key` for this transaction, made by `factory` on first use
    (work queued once per transaction however many rows ask for it: the outbox drain, the feed rebuild)."""
    session = session or db.session()
    once = session.info.setdefault(_ONCE_KEY, {})
    if key not in once:
        once[key] = factory()
        after_commit(once[key], session)
    return once[key]


def pending_after_commit(key: str, session: Session | None = None) -> bool:
    """Whether this transaction holds the `after_commit_once` callback kept under `key`."""
    return key in (session or db.session()).info.get(_ONCE_KEY, ())


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_AFTER_COMMIT_KEY, [])
    session.info.pop(_ONCE_KEY, None)
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, _previous) -> None:
    session.info.pop(_AFTER_COMMIT_KEY, None)
    session.info.pop(_ONCE_KEY, None)


@cache
def _aware_datetime_keys(model: type) -> tuple[str, ...]:
    """Attribute names of a model's `DateTime(timezone=True)` columns."""
    return tuple(
        attr.key
        for attr in inspect(model).column_attrs
        if isinstance(attr.columns[0].type, DateTime) and attr.columns[0].type.timezone
    )


def _make_datetimes_aware(target: object) -> None:
    """SQLite hands timezone-aware columns back naive; they were stored in UTC, so say so."""
    for key in _aware_datetime_keys(type(target)):
        value = target.__dict__.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            set_committed_value(target, key, value.replace(tzinfo=UTC))


@event.listens_for(db.Model, "load", propagate=True)
def _aware_on_load(target: object, _context) -> None:
    _make_datetimes_aware(target)


@event.listens_for(db.Model, "refresh", propagate=True)
def _aware_on_refresh(target: object, _context, _attrs) -> None:
    _make_datetimes_aware(target)
