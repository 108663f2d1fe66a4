"""Rate limits hold across worker processes: two separate processes (two gunicorn workers) count
failed sign-ins against the same limit, so more workers do not mean more guesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.ratelimit_store import SQLiteStorage

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import json, sys
from tests.conftest import make_test_app
from pathlib import Path
app = make_test_app(sys.argv[1], Path(sys.argv[2]), WTF_CSRF_ENABLED=False)
client = app.test_client()
codes = [client.post("/login", data={"email": "ai@example.vn", "password": "sai-mat-khau"}).status_code
         for _ in range(int(sys.argv[3]))]
print(json.dumps(codes))
"""


def _worker(database_url: str, instance: Path, attempts: int) -> list[int]:
    """One worker process: its own app, its own memory; only the configured limit store is shared."""
    done = subprocess.run(
        [sys.executable, "-c", WORKER, database_url, str(instance), str(attempts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_login_limit_counts_across_two_worker_processes(database_url, tmp_path):
    first = _worker(database_url, tmp_path, 3)
    second = _worker(database_url, tmp_path, 3)
    assert first == [400, 400, 400]
    assert second[:2] == [400, 400] and second[2] == 429  # the 6th attempt in a minute, whichever worker


@pytest.mark.parametrize("amount", [1, 3])
def test_the_sqlite_store_counts_expires_and_resets(tmp_path, amount):
    one, two = (
        SQLiteStorage(f"ocop-sqlite://{tmp_path / 'r.sqlite'}"),
        SQLiteStorage(f"ocop-sqlite://{tmp_path / 'r.sqlite'}"),
    )
    assert one.incr("k", 60, amount) == amount and two.incr("k", 60, amount) == 2 * amount
    assert two.get("k") == 2 * amount and one.get_expiry("k") > 0
    assert one.incr("short", 0) == 1 and two.incr("short", 60) == 1  # an expired window starts again
    one.clear("k")
    assert two.get("k") == 0 and one.check()
    one.incr("k", 60)
    two.reset()
    assert one.get("k") == 0


KILLED_COUNTER = """
import os, signal, sys
from marketplace.ratelimit_store import SQLiteStorage
storage = SQLiteStorage("ocop-sqlite://" + sys.argv[1])
for _ in range(5):
    storage.incr("login/1.2.3.4", 60)
synchronous = storage._connection().execute("PRAGMA synchronous").fetchone()[0]
print(synchronous, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_worker_loses_no_count_and_no_count_waits_for_the_disk(tmp_path):
    """A worker killed right after counting (no exit handler, no close) leaves its counts for the others; the counts
    are not forced to disk one by one (NORMAL = 1, not SQLite's default FULL = 2), so a sign-in never waits on it."""
    path = tmp_path / "limits.sqlite"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_COUNTER, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert killed.returncode == -9, killed.stderr
    assert killed.stdout.split() == ["1"]
    assert SQLiteStorage(f"ocop-sqlite://{path}").incr("login/1.2.3.4", 60) == 6
