"""Background work queued at most once per delay by each worker: a burst of commits shares one task.

After a commit, `request(app)` queues the task `delay` seconds ahead, unless this worker queued one that has
not run yet. That one reads the database when it runs, after this commit, so it covers this commit too: a busy
hour of checkouts is a handful of mail drains and feed rebuilds instead of one of each per checkout.
"""

from __future__ import annotations

import logging
import time

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
        queued_until[self.task] = now + delay  # the task's ETA is later still: it is sent after this line
        try:
            app.extensions["celery"].send_task(self.task, countdown=delay or None)
        except Exception:  # the broker being down must not fail the caller; periodic sweeps catch up
            queued_until.pop(self.task, None)
            log.exception("could not enqueue %s", self.task)
            return False
        return True

    def forget(self, app: Flask) -> None:
        """Drop this worker's memory of a queued task (after purging the queue, or in tests)."""
        self._queued_until(app).pop(self.task, None)
