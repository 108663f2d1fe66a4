"""The write transaction of scans: on SQLite, a connection of the worker's own and a lock file queueing the workers.

Every scan is a write transaction. On SQLite the gunicorn workers take turns at the database's write lock, and
SQLite's busy handler makes a worker that finds the lock taken sleep a whole millisecond or more before trying
again (many times the ~0.1 ms a scan holds it). So scan writers first take an exclusive `flock` on a lock file
beside the database (`<database>.scan-lock`): a worker waiting there wakes the moment the other one is done, and
then finds SQLite's lock free (other writers still meet the busy handler as before). Each worker also keeps one
DB-API connection for scans, made on first use (after gunicorn forks) and again after `engine.dispose()`, instead
of checking one out of the pool per scan; the write buffer's read of a label (`scan_read`) uses it too. Like every
SQLite connection (`marketplace.database`) it reads the database file through mmap: after the other worker's commit
SQLite must read every page it touches again, and pages not rewritten since the last checkpoint then cost no read()
call. An in-memory SQLite database, and PostgreSQL, use the pool as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from sqlalchemy.engine import URL, Engine

from marketplace.database import sqlite_file

LOCK_SUFFIX = ".scan-lock"


class _Writer:
    """One process's scan connection to one SQLite database, its lock file, and a lock for its threads."""

    def __init__(self, engine: Engine, database: str) -> None:
        self.pid = os.getpid()
        self.pool = weakref.ref(engine.pool)  # not the pool itself: its connection factory holds the engine
        proxy = engine.raw_connection()
        proxy.detach()  # ours now: the pool forgets it and never hands it out
        self.connection = proxy.dbapi_connection
        self.lock_fd = os.open(database + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.guard = threading.Lock()
        self.closed = False

    def current(self, engine: Engine) -> bool:
        return not self.closed and self.pid == os.getpid() and self.pool() is engine.pool

    def close(self) -> None:
        with self.guard:
            if self.closed:
                return
            self.closed = True
            with contextlib.suppress(Exception):
                self.connection.close()
            os.close(self.lock_fd)


_writers: dict[int, _Writer] = {}
_inherited: list[_Writer] = []  # made before a fork: never used or closed by the child
_watched: dict[int, weakref.finalize] = {}
_registry_lock = threading.Lock()


def _file_database(engine: Engine) -> str | None:
    return _file_of(engine.url)


@functools.lru_cache(maxsize=64)
def _file_of(url: URL) -> str | None:
    """`sqlite_file`, worked out once per database URL (an engine's URL never changes; this runs on every scan)."""
    return sqlite_file(url)


def _writer(engine: Engine, database: str) -> _Writer:
    """This process's writer for `engine`, made on first use and again after a fork or `engine.dispose()`."""
    found = _writers.get(id(engine))
    if found is not None and found.current(engine):
        return found
    with _registry_lock:
        stale = _writers.get(id(engine))
        if stale is not None and stale.current(engine):
            return stale
        made = _writers[id(engine)] = _Writer(engine, database)
        if id(engine) not in _watched:
            _watched[id(engine)] = weakref.finalize(engine, _engine_gone, id(engine))
    if stale is not None:
        _forget(stale)
    return made


def _engine_gone(key: int) -> None:
    """An engine was garbage collected (a test's app): its scan connection and lock file are closed."""
    with _registry_lock:
        writer = _writers.pop(key, None)
        _watched.pop(key, None)
    if writer is not None:
        _forget(writer)


def _forget(writer: _Writer) -> None:
    if writer.pid == os.getpid():
        writer.close()
    else:
        _inherited.append(writer)


def _drop(engine: Engine, writer: _Writer) -> None:
    """After a failed transaction: the next scan starts from a fresh connection (a broken one is not kept)."""
    with _registry_lock:
        if _writers.get(id(engine)) is writer:
            del _writers[id(engine)]
    _forget(writer)


@contextlib.contextmanager
def scan_transaction(engine: Engine) -> Iterator[Any]:
    """A DB-API cursor in a write transaction (`BEGIN IMMEDIATE` on SQLite): committed when the block ends,
    rolled back if it raises."""
    database = _file_database(engine)
    if database is None:
        with _pooled_transaction(engine) as cursor:
            yield cursor
        return
    failed: _Writer | None = None
    try:
        with _turn(engine, database) as writer:
            connection = writer.connection
            try:
                cursor = connection.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                connection.commit()
            except BaseException:
                failed = writer
                with contextlib.suppress(Exception):
                    connection.rollback()
                raise
    finally:
        if failed is not None:
            _drop(engine, failed)


@contextlib.contextmanager
def scan_read(engine: Engine) -> Iterator[Any]:
    """A DB-API cursor for one read outside any transaction: on a SQLite file this process's scan connection (no
    pool checkout, and its page cache stays warm between scans), else a pooled connection."""
    database = _file_database(engine)
    if database is None:
        connection = engine.raw_connection()
        try:
            yield connection.cursor()
            connection.rollback()
        finally:
            connection.close()
        return
    with _guarded(engine, database) as writer:
        yield writer.connection.cursor()


@contextlib.contextmanager
def _guarded(engine: Engine, database: str) -> Iterator[_Writer]:
    """This process's writer, open, with the lock of its threads held."""
    while True:
        writer = _writer(engine, database)
        writer.guard.acquire()
        if not writer.closed:
            break
        writer.guard.release()
    try:
        yield writer
    finally:
        writer.guard.release()


@contextlib.contextmanager
def _turn(engine: Engine, database: str) -> Iterator[_Writer]:
    """This process's writer, with the lock of its threads and the workers' lock file held."""
    with _guarded(engine, database) as writer:
        fcntl.flock(writer.lock_fd, fcntl.LOCK_EX)
        try:
            yield writer
        finally:
            fcntl.flock(writer.lock_fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def _pooled_transaction(engine: Engine) -> Iterator[Any]:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        yield cursor
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
