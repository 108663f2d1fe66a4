"""Several hosts sharing Redis: a debounced task (feed rebuild, mail drain) is queued once per delay for the whole
site, not once per host; without Redis each worker keeps its own mark."""

from __future__ import annotations

import uuid

import pytest
import redis

from marketplace.jobs.debounce import DebouncedTask
from tests.conftest import make_test_app

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def two_hosts(database_url, tmp_path, keep_celery_app):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return [
        make_test_app(database_url, tmp_path / name, REDIS_URL=REDIS_URL, TEST_DELAY_SECONDS=300)
        for name in ("host-a", "host-b")
    ]


def test_a_debounced_task_is_queued_once_for_two_hosts_sharing_redis(two_hosts):
    task = DebouncedTask(f"tests.debounced_{uuid.uuid4().hex[:6]}", "TEST_DELAY_SECONDS")
    host_a, host_b = two_hosts
    try:
        assert task.request(host_a) is True
        assert task.request(host_b) is False  # host a's task (still to run) covers host b's commit
        assert task.request(host_a) is False
        task.forget(host_a)  # the queued task has run
        assert task.request(host_b) is True
    finally:
        task.forget(host_a)


def test_without_redis_each_worker_keeps_its_own_mark(database_url, tmp_path, keep_celery_app):
    task = DebouncedTask(f"tests.debounced_{uuid.uuid4().hex[:6]}", "TEST_DELAY_SECONDS")
    host_a, host_b = (
        make_test_app(database_url, tmp_path / name, REDIS_URL=None, TEST_DELAY_SECONDS=300) for name in "ab"
    )
    assert task.request(host_a) is True and task.request(host_a) is False
    assert task.request(host_b) is True  # safe: the tasks may run twice, only busier
