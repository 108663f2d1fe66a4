"""One Celery beat per site: two beats contend for one lease (a database row, or Redis when REDIS_URL is set); only
one wins and sends periodic tasks, and when its lease runs out (the host died) the other takes over."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis

from marketplace.jobs.beat import DatabaseLease, RedisLease, SingleBeatScheduler, make_lease
from marketplace.text import utcnow

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_two_database_lease_holders_only_one_wins_and_expiry_hands_over(app):
    name = f"beat-{uuid.uuid4().hex[:6]}"
    first, second = DatabaseLease("host-a:1", 60, name), DatabaseLease("host-b:2", 60, name)
    now = utcnow()

    assert first.acquire(now) is True
    assert second.acquire(now) is False
    assert first.renew(now + timedelta(seconds=30)) is True  # renewed: valid until now + 90 s
    assert second.acquire(now + timedelta(seconds=80)) is False

    later = now + timedelta(seconds=91)  # host a died: nobody renewed
    assert second.acquire(later) is True
    assert first.renew(later) is False and first.acquire(later) is False
    second.release()
    assert first.acquire(later) is True


def test_the_lease_is_redis_when_redis_url_is_set(app):
    assert isinstance(make_lease({"REDIS_URL": REDIS_URL}, "x"), RedisLease)
    assert isinstance(make_lease({"REDIS_URL": None}, "x"), DatabaseLease)


def test_two_redis_lease_holders_only_one_wins_and_expiry_hands_over():
    name = f"beat-{uuid.uuid4().hex[:6]}"
    first, second = RedisLease(REDIS_URL, "host-a:1", 60, name), RedisLease(REDIS_URL, "host-b:2", 60, name)
    try:
        first.client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        assert first.acquire() is True
        assert second.acquire() is False and second.renew() is False
        assert first.renew() is True
        first.client.pexpire(first.key, 1)  # host a died: its lease runs out
        while first.client.exists(first.key):
            pass
        assert second.acquire() is True
        assert first.renew() is False and first.acquire() is False
        second.release()
        assert first.client.get(first.key) is None  # released by its holder only
    finally:
        first.client.delete(first.key)


def test_two_beat_schedulers_only_the_lease_holder_sends(app, tmp_path):
    celery = app.extensions["celery"]
    assert celery.conf.beat_scheduler == "marketplace.jobs.beat:SingleBeatScheduler"
    one = SingleBeatScheduler(app=celery, schedule_filename=str(tmp_path / "beat-one"), lazy=True)
    two = SingleBeatScheduler(app=celery, schedule_filename=str(tmp_path / "beat-two"), lazy=True)
    assert one._lease_step() is True
    assert two._lease_step() is False
    assert two.tick() == two.lease_seconds / 3  # waits, sends nothing
    assert one._lease_step() is True  # renewed
    one.holding = True
    with app.app_context():
        one.lease.release()  # as `close()` does when beat stops
    assert two._lease_step() is True and two.holding
