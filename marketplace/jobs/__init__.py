"""Background jobs: the Job record and its service, the job pages, and the one Celery app."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the job pages and their account-menu link."""
    from marketplace.web import add_account_link

    from . import models, views  # noqa: F401 — models registers the jobs table

    app.register_blueprint(views.bp)
    add_account_link(app, "jobs.jobs", _l("Công việc nền"))
