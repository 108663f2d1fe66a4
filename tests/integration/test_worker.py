"""A real Celery worker (no eager mode) on each broker this project supports: the embedded filesystem
transport used by `make run`, Redis and RabbitMQ. With `acks_late` and `task_reject_on_worker_lost`, a task
whose worker is SIGKILLed mid-run is delivered again to the next worker and its effect happens once."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from marketplace.jobs.celery_app import broker_options
from tests.factories.integrations import Worker, producer, spawn_worker, wait_for

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
SLOW_TASK = "tests.slow_idempotent"


@pytest.fixture
def run_id() -> str:
    """Unique per test run, so parallel runs never share a queue, a key or a folder."""
    return f"ocoptest-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Every worker a test starts is stopped at the end, whatever happened."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _starts(folder: Path) -> list[str]:
    return (
        [line for line in (folder / "starts.log").read_text().splitlines()] if (folder / "starts.log").exists() else []
    )


def _killed_mid_task_then_done_once(tmp_path: Path, workers: list[Worker], broker_url: str, queue: str, **options):
    """Two workers on one queue; SIGKILL the one running the task; the other must finish it, once."""
    database = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    env = {"CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(options)} if options else {}
    for number in (1, 2):
        workers.append(spawn_worker(database, broker_url, queue, tmp_path / f"worker-{number}.log", **env))
    token = uuid.uuid4().hex[:8]
    producer(broker_url, **options).send_task(SLOW_TASK, args=(str(tmp_path), token, 4.0), queue=queue)
    logs = ", ".join(str(w.log) for w in workers)
    first_pid = int(wait_for(lambda: _starts(tmp_path), timeout=120, what=f"the first start ({logs})")[0].split()[1])
    running = next(w for w in workers if os.getpgid(first_pid) == w.process.pid)
    running.kill()
    assert not (tmp_path / "effects.log").exists()
    wait_for(lambda: (tmp_path / "effects.log").exists(), timeout=180, what=f"the re-delivered task ({logs})")
    starts = _starts(tmp_path)
    assert _lines(tmp_path / "effects.log") == [token]
    assert len(starts) >= 2 and int(starts[-1].split()[1]) != first_pid, "it ran again on the other worker"


@pytest.mark.worker
def test_filesystem_broker_of_make_run_runs_tasks(tmp_path, workers, run_id):
    broker_url = f"filesystem://{tmp_path / 'broker'}"
    database = f"sqlite:///{tmp_path / 'worker.sqlite'}"
    workers.append(spawn_worker(database, broker_url, run_id, tmp_path / "worker.log"))
    client = producer(broker_url)
    tokens = [uuid.uuid4().hex[:8] for _ in range(3)]
    for token in tokens:
        client.send_task(SLOW_TASK, args=(str(tmp_path), token, 0.0), queue=run_id)
    wait_for(
        lambda: len(_lines(tmp_path / "effects.log")) == 3, timeout=120, what="three tasks on the filesystem broker"
    )
    assert sorted(_lines(tmp_path / "effects.log")) == sorted(tokens)


@pytest.mark.worker
def test_redis_task_survives_a_worker_killed_mid_task(tmp_path, workers, run_id):
    prefix = f"{run_id}:"
    try:
        # Re-delivery after `visibility_timeout`; the sweep for abandoned messages runs every 2 s here.
        _killed_mid_task_then_done_once(
            tmp_path,
            workers,
            REDIS_URL,
            run_id,
            global_keyprefix=prefix,
            visibility_timeout=6,
            unacked_restore_interval=2,
            unacked_restore_throttle=1,
        )
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(f"{prefix}*"))
        if keys:
            connection.delete(*keys)


@pytest.mark.worker
def test_rabbitmq_task_survives_a_worker_killed_mid_task(tmp_path, workers, run_id):
    try:
        _killed_mid_task_then_done_once(tmp_path, workers, AMQP_URL, run_id)
    finally:
        with producer(AMQP_URL).connection_for_write() as connection:
            connection.default_channel.queue_delete(run_id)


def test_reliability_settings_and_beat_schedule(app, monkeypatch):
    """Late acks, re-queue on a lost worker, one message at a time, retries with a capped exponential backoff,
    and the periodic expiry, channel and feed work."""
    conf = app.extensions["celery"].conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    scheduled = {entry["task"] for entry in conf.beat_schedule.values()}
    assert {"orders.expire_unpaid_orders", "integrations.reconcile_channels", "integrations.rebuild_feeds"} <= scheduled
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what the worker does at start: load every package's tasks
    tasks = celery.tasks
    sync = tasks["integrations.sync_channel"]
    assert sync.retry_backoff and sync.retry_backoff_max == 300 and sync.max_retries == 5
    mail = tasks["marketplace.send_outbox_mail"]
    assert mail.retry_backoff and mail.retry_backoff_max == 600
    assert broker_options(REDIS_URL) == {"visibility_timeout": 3600}
    monkeypatch.setenv("CELERY_BROKER_TRANSPORT_OPTIONS", '{"global_keyprefix": "ocop:"}')
    assert broker_options(REDIS_URL)["global_keyprefix"] == "ocop:"
