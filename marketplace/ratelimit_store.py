"""A `limits` storage in one SQLite file, so every worker process of the embedded runtime (gunicorn
without Redis) counts against the same rate limits; with REDIS_URL set, Redis is used instead.

Each count is its own write transaction, on every sign-in, checkout and bank notification. The file is in WAL mode
with `synchronous=NORMAL`, as the database is (`marketplace.database`): a commit is in the write-ahead log before
`incr` returns, so a killed worker loses no count, and only a power cut can lose the last ones, which costs an
attacker's window a few tries at most. SQLite's default (FULL) would fsync the log on every count: about 0.25 ms
per request, with the write lock held meanwhile, so the other workers' counts wait behind it."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEME = "ocop-sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)"
_INCR = """
INSERT INTO limits (key, count, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN limits.expires_at <= :now THEN excluded.count ELSE limits.count + excluded.count END,
    expires_at = CASE WHEN limits.expires_at <= :now THEN excluded.expires_at ELSE limits.expires_at END
RETURNING count
"""


class SQLiteStorage(Storage):
    """Fixed-window counters (Flask-Limiter's default strategy) in `ocop-sqlite:///<path>`."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri[len(SCHEME) + len("://") :]
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker opens its own)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        row = (
            self._connection()
            .execute(_INCR, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now})
            .fetchone()
        )
        return int(row[0])

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute("SELECT count FROM limits WHERE key = ? AND expires_at > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute("SELECT expires_at FROM limits WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM limits").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM limits WHERE key = ?", (key,))
