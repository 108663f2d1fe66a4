"""One host vs two hosts: the mixed load of tests/integration/test_two_hosts.py (browse, search, product pages,
checkouts, bank notifications, label scans, photo uploads) against one gunicorn host, then against two hosts on the
same PostgreSQL, Redis and storage (tests/perf/cluster.py), with two Celery workers behind them in both cases.

Both hosts share this machine's cores with each other, the workers, PostgreSQL, Redis and the load generator, so
two hosts can approach 2× one host only when there are idle cores for them: the rows say how many cores this process
may use (`os.sched_getaffinity`) and how many the machine has (`os.cpu_count`). Rate limits are off, as in the
other benches (they would turn the figure into a count of 429 answers).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from tests.perf.cluster import Cluster, MixedLoad
from tests.perf.harness import GUNICORN_WORKERS, BenchRow

SECONDS = 15
WARM_UP_SECONDS = 3
THREADS = 8
APP_SPEC = "marketplace:create_app({'RATELIMIT_ENABLED': False})"


def cores() -> tuple[int, int]:
    """(cores this process may run on, cores the machine has)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return usable, os.cpu_count() or usable


def measure(cluster: Cluster, seeded, hosts) -> float:
    """Answered requests per second (any status; connection errors excluded) over SECONDS, after a warm-up."""
    warm = MixedLoad(cluster, seeded, hosts, threads=THREADS)
    with warm.running():
        time.sleep(WARM_UP_SECONDS)
    load = MixedLoad(cluster, seeded, hosts, threads=THREADS)
    start = time.monotonic()
    with load.running() as outcome:
        time.sleep(SECONDS)
    elapsed = time.monotonic() - start
    if outcome.unexpected:
        raise RuntimeError("errors under the mixed load:\n" + "\n".join(outcome.unexpected[:20]))
    return outcome.total / elapsed


def run(baseline_rps: float) -> list[BenchRow]:
    usable, machine = cores()
    core_note = f"{usable} cores usable (machine: {machine})"
    with (
        tempfile.TemporaryDirectory(prefix="ocop-two-hosts-") as folder,
        Cluster(Path(folder), page_cache_seconds=10, app_spec=APP_SPEC) as cluster,
    ):
        seeded = cluster.seed_load(buyers=20, serials=50)
        first = cluster.start_host("a", wait=False)
        cluster.start_worker("1")
        cluster.start_worker("2")
        cluster.wait_ready(first)
        one = measure(cluster, seeded, [first])
        second = cluster.start_host("b")
        two = measure(cluster, seeded, [first, second])
    setup = (
        f"PostgreSQL + Redis, gunicorn {GUNICORN_WORKERS} workers per host, 2 Celery workers, {THREADS} client threads"
    )
    return [
        BenchRow("mixed load, one host", one, "req/s", "", one / baseline_rps, f"{setup}; {core_note}"),
        BenchRow("mixed load, two hosts", two, "req/s", "", two / baseline_rps, f"{setup}; {core_note}"),
        BenchRow(
            "two hosts ÷ one host",
            two / one,
            "×",
            "≈ 2× only with idle cores",
            None,
            f"{core_note}; the hosts, workers, databases and load generator share them",
        ),
    ]
