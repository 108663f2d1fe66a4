"""Sending Celery tasks by name once the current transaction has committed (tasks get ids, not objects)."""

from __future__ import annotations

import logging

from flask import current_app

from marketplace.database import after_commit

log = logging.getLogger(__name__)


def enqueue_task(name: str, *args, **kwargs) -> None:
    """Send a Celery task by name after the current transaction commits."""
    celery = current_app.extensions["celery"]

    def _send() -> None:
        try:
            celery.send_task(name, args=args, kwargs=kwargs)
        except Exception:  # the broker being down must not fail the user's request; the sweeper retries
            log.exception("could not enqueue %s", name)

    after_commit(_send)
