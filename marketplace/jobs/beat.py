"""Exactly one Celery beat in the whole site, even when `celery beat` is started on several hosts.

Beat holds a lease and sends periodic tasks only while it holds it: Redis `SET NX PX` (renewed only by its
holder) when REDIS_URL is set, else a row of `beat_leases` in the database. Another beat waits; when the holder
dies its lease runs out (BEAT_LEASE_SECONDS, default 60) and the next one takes over. The periodic tasks are
safe to run twice anyway (docs/operations.md "Several hosts").
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

import redis
from celery.beat import PersistentScheduler
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.text import utcnow

from .models import BeatLease

log = logging.getLogger(__name__)

LEASE_NAME = "celery-beat"
DEFAULT_LEASE_SECONDS = 60


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RedisLease:
    """`SET key holder NX PX ttl`; renew and release only when the key still holds our value (Lua, atomic)."""

    RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
    RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, url: str, holder: str, seconds: float, name: str = LEASE_NAME):
        self.client = redis.Redis.from_url(url)
        self.key, self.holder, self.ms = f"ocop:lease:{name}", holder, int(seconds * 1000)

    def acquire(self) -> bool:
        """Take the lease when it is free, or keep it when it is already ours."""
        if self.client.set(self.key, self.holder, nx=True, px=self.ms):
            return True
        return self.renew()

    def renew(self) -> bool:
        return bool(self.client.eval(self.RENEW, 1, self.key, self.holder, self.ms))

    def release(self) -> None:
        self.client.eval(self.RELEASE, 1, self.key, self.holder)


class DatabaseLease:
    """A `beat_leases` row: taken when missing or expired, renewed only by its holder (one UPDATE … WHERE, so two
    contenders never both win). Runs inside a Flask app context."""

    def __init__(self, holder: str, seconds: float, name: str = LEASE_NAME):
        self.name, self.holder, self.seconds = name, holder, seconds

    def acquire(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        expires = now + timedelta(seconds=self.seconds)
        try:
            taken = db.session.execute(
                update(BeatLease)
                .where(BeatLease.name == self.name)
                .where((BeatLease.holder == self.holder) | (BeatLease.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            ).rowcount
            if not taken:
                try:
                    with db.session.begin_nested():
                        db.session.execute(
                            insert(BeatLease).values(name=self.name, holder=self.holder, expires_at=expires)
                        )
                    taken = 1
                except IntegrityError:  # the row exists and is someone else's, still valid
                    taken = 0
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return bool(taken)

    def renew(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        try:
            kept = db.session.execute(
                update(BeatLease)
                .where(BeatLease.name == self.name, BeatLease.holder == self.holder, BeatLease.expires_at >= now)
                .values(expires_at=now + timedelta(seconds=self.seconds))
            ).rowcount
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return bool(kept)

    def release(self) -> None:
        db.session.execute(delete(BeatLease).where(BeatLease.name == self.name, BeatLease.holder == self.holder))
        db.session.commit()


def make_lease(config, holder: str):
    seconds = float(config.get("BEAT_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)
    if config.get("REDIS_URL"):
        return RedisLease(config["REDIS_URL"], holder, seconds)
    return DatabaseLease(holder, seconds)


class SingleBeatScheduler(PersistentScheduler):
    """Celery's persistent scheduler that sends nothing unless this beat holds the site's lease."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flask_app = self.app.flask_app
        self.lease_seconds = float(self.flask_app.config.get("BEAT_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS)
        self.holder = holder_id()
        self.lease = make_lease(self.flask_app.config, self.holder)
        self.holding = False

    def _lease_step(self) -> bool:
        with self.flask_app.app_context():
            try:
                held = self.lease.renew() if self.holding else self.lease.acquire()
            except Exception as error:  # the lease store is unreachable: send nothing rather than risk two beats
                log.warning("beat lease unavailable: %s", error)
                held = False
        if held and not self.holding:
            log.info("beat %s took the lease: it sends the periodic tasks", self.holder)
        elif self.holding and not held:
            log.warning("beat %s lost the lease: another beat sends the periodic tasks", self.holder)
        self.holding = held
        return held

    def tick(self, *args, **kwargs):
        wait = self.lease_seconds / 3  # renew well before the lease runs out
        if not self._lease_step():
            return wait
        return min(super().tick(*args, **kwargs), wait)

    def close(self):
        if self.holding:
            with self.flask_app.app_context():
                try:
                    self.lease.release()
                except Exception as error:  # the next beat takes over when the lease expires
                    log.warning("beat lease not released: %s", error)
        super().close()
