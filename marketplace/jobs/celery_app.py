"""The one Celery app: embedded filesystem broker by default, Redis or RabbitMQ in production."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

# Periodic work, by task name (beat sends names, so no package imports another's tasks).
BEAT_SCHEDULE = {
    "expire-unpaid-orders": {"task": "orders.expire_unpaid_orders", "schedule": timedelta(minutes=5)},
    "sweep-outbox-mail": {"task": "integrations.sweep_outbox", "schedule": timedelta(minutes=2)},
    "sweep-webhooks": {"task": "integrations.sweep_webhooks", "schedule": timedelta(minutes=1)},
    "rebuild-feeds": {"task": "integrations.rebuild_feeds", "schedule": timedelta(minutes=15)},
    "rebuild-feeds-daily": {
        "task": "integrations.rebuild_feeds",
        "schedule": timedelta(hours=24),
        "kwargs": {"force": True},
    },
    "reconcile-channels": {"task": "integrations.reconcile_channels", "schedule": timedelta(hours=1)},
    "sweep-deliveries": {"task": "marketplace.notify.sweep", "schedule": timedelta(minutes=5)},
    # 07:00 in Asia/Ho_Chi_Minh (the Celery timezone): commune staff hear what waits for them
    "staff-digest": {"task": "marketplace.notify.daily_digest", "schedule": crontab(hour=7, minute=0)},
}


def broker_options(broker_url: str) -> dict:
    """Transport options: the filesystem transport needs its folders, Redis a visibility timeout."""
    if not broker_url.startswith("filesystem://"):
        # Redis re-delivers a message a dead worker had taken once this many seconds have passed.
        # CELERY_BROKER_TRANSPORT_OPTIONS (JSON) adds kombu options, e.g. a Redis `global_keyprefix`.
        options = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}
        return options | json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS") or "{}")
    folder = Path(broker_url[len("filesystem://") :] or "instance/broker")
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),  # exchange bindings; kombu's default is ./control
        "store_processed": False,
    }


def init_celery(app: Flask) -> Celery:
    """Create the Celery app bound to this Flask app (tasks run inside an app context)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    broker_url = app.config["CELERY_BROKER_URL"]
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url="filesystem://" if broker_url.startswith("filesystem://") else broker_url,
        broker_transport_options=broker_options(broker_url),
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_expires=7 * 24 * 3600,
        timezone="Asia/Ho_Chi_Minh",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        task_default_retry_delay=5,
        task_default_queue=os.environ.get("CELERY_QUEUE", "celery"),
        beat_schedule=BEAT_SCHEDULE,
        # one beat per site: sends only while it holds the lease (Redis or the database), marketplace.jobs.beat
        beat_scheduler="marketplace.jobs.beat:SingleBeatScheduler",
        worker_cancel_long_running_tasks_on_connection_loss=True,
        include=[
            "marketplace.tasks",
            "marketplace.notify.tasks",
            "catalog.tasks",
            "orders.tasks",
            "traceability.tasks",
            "integrations.tasks",
        ],
    )
    overrides = dict(app.config.get("CELERY_OVERRIDES", {}))
    # Packages add periodic tasks through CELERY_OVERRIDES["beat_schedule"]: add them, never replace ours.
    celery.conf.update(overrides, beat_schedule={**BEAT_SCHEDULE, **overrides.pop("beat_schedule", {})})
    celery.set_default()
    celery.flask_app = app  # the beat scheduler's lease runs in this app's context
    app.extensions["celery"] = celery
    return celery
