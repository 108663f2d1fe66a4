"""Background work queued at most once per delay: a burst of commits shares one task.

After a commit, `request(app)` queues the task `delay` seconds ahead, unless one queued earlier has not run
yet. That one reads the database when it runs, after this commit, so it covers this commit too: a busy
hour of checkouts is a handful of mail drains and feed rebuilds instead of one of each per checkout.

With REDIS_URL set the "already queued" mark is shared by every worker on every host (`SET NX PX`), so a site
of several hosts still queues one task per delay; without Redis each worker keeps its own mark (the tasks are
safe to run more often, only busier).
"""

from __future__ import annotations

import logging
import time

import redis
from flask import Flask

log = logging.getLogger(__name__)
_STATE_KEY = "ocop_debounced_tasks"


class DebouncedTask:
    def __init__(self, task: str, delay_setting: str) -> None:
        self.task = task
        self.delay_setting = delay_setting

    def _queued_until(self, app: Flask) -> dict[str, float]:
        return app.extensions.setdefault(_STATE_KEY, {})

    def request(self, app: Flask) -> bool:
        """Queue the task unless one queued by this worker is still to run; True when a message was sent."""
        delay = float(app.config.get(self.delay_setting, 0))
        queued_until = self._queued_until(app)
        now = time.monotonic()
        if delay and now < queued_until.get(self.task, 0.0):
            return False
        if delay and not self._first_on_site(app, delay):
            # another worker or host queued it and it has not run: it covers this commit. No local mark: the
            # shared one ends when that task runs, and the next commit here must then queue a new one.
            return False
        queued_until[self.task] = now + delay  # the task's ETA is later still: it is sent after this line
        try:
            app.extensions["celery"].send_task(self.task, countdown=delay or None)
        except Exception:  # the broker being down must not fail the caller; periodic sweeps catch up
            queued_until.pop(self.task, None)
            self._clear_shared(app)
            log.exception("could not enqueue %s", self.task)
            return False
        return True

    def _shared_key(self) -> str:
        return f"ocop:debounce:{self.task}"

    def _first_on_site(self, app: Flask, delay: float) -> bool:
        """True unless another worker (any host) queued this task in the last `delay` seconds (needs Redis)."""
        url = app.config.get("REDIS_URL")
        if not url:
            return True
        try:
            client = app.extensions.get("ocop_debounce_redis")
            if client is None:
                client = app.extensions["ocop_debounce_redis"] = redis.Redis.from_url(url, socket_timeout=1)
            return bool(client.set(self._shared_key(), "1", nx=True, px=max(1, int(delay * 1000))))
        except redis.RedisError:  # Redis down: queue anyway, the task is safe to run twice
            log.warning("debounce of %s: Redis unavailable, queueing anyway", self.task)
            return True

    def forget(self, app: Flask) -> None:
        """Drop the memory of a queued task (after purging the queue, or in tests), here and in Redis."""
        self._queued_until(app).pop(self.task, None)
        self._clear_shared(app)

    def _clear_shared(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            try:
                redis.Redis.from_url(url, socket_timeout=1).delete(self._shared_key())
            except redis.RedisError:
                log.warning("debounce of %s: Redis unavailable", self.task)
