"""Batches, supply-chain events, label serials, QR label sheets and public scan pages."""

from __future__ import annotations

import os
from datetime import date, datetime

from celery.schedules import crontab
from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.demo import register_seeder
from marketplace.jobs.views import add_job_link
from marketplace.models import Role
from marketplace.text import format_date, format_datetime
from marketplace.web import add_account_link, register_api_blueprint

from . import api, demo, fastlane, models, views  # noqa: F401 — models registers the tables
from .cli import register as register_label_cli

# beat runs in Asia/Ho_Chi_Minh (marketplace.jobs.celery_app): yesterday's heads, ten minutes after midnight
BEAT_SCHEDULE = {
    "traceability-chain-heads": {"task": "traceability.publish_chain_heads", "schedule": crontab(hour=0, minute=10)},
}


def _isodate_vn(value: str | None) -> str:
    """An ISO date string (as kept in the scan page's cached data) as dd/mm/yyyy."""
    return format_date(date.fromisoformat(value)) if value else ""


def _isotime_vn(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value)) if value else ""


def _configure(app: Flask) -> None:
    app.config.setdefault("TRACE_SCAN_WARNING_AFTER", int(os.environ.get("TRACE_SCAN_WARNING_AFTER", "5")))
    app.config.setdefault("TRACE_SCAN_CACHE_SECONDS", float(os.environ.get("TRACE_SCAN_CACHE_SECONDS", "60")))
    # scans a minute per client address on the scan pages; 0 turns the limit off
    app.config.setdefault("SCAN_RATE_LIMIT", int(os.environ.get("SCAN_RATE_LIMIT", "60")))


def init_app(app: Flask) -> None:
    """Register this package's blueprints, API, CLI, demo data and account link with the app."""
    _configure(app)
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_api_blueprint(api.blp)
    register_label_cli(app)
    overrides = app.config.setdefault("CELERY_OVERRIDES", {})
    overrides.setdefault("beat_schedule", {}).update(BEAT_SCHEDULE)
    register_seeder("traceability", demo.seed_traceability, order=30)
    add_account_link(app, "traceability.batches", _l("Lô hàng và truy xuất nguồn gốc"), [Role.COOPERATIVE])
    add_job_link(app, "labels", views.labels.label_job_link)
    app.jinja_env.filters.update(isodate_vn=_isodate_vn, isotime_vn=_isotime_vn)
    fastlane.install(app)
