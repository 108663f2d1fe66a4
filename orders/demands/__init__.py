"""Supply and demand (kết nối cung cầu): business buyers post demands, sellers offer, accepting places orders."""

from __future__ import annotations

from flask import Flask

from marketplace.demo import register_seeder

from . import api, views
from .demo import seed_demo_demand
from .tasks import BEAT_SCHEDULE, close_demands_command


def init_app(app: Flask, register_api_blueprint) -> None:
    """Register the pages, the API, the deadline task, its command and the demo demand."""
    app.register_blueprint(views.bp)
    register_api_blueprint(api.blp)
    app.cli.add_command(close_demands_command)
    register_seeder("demands", seed_demo_demand, order=45)
    overrides = app.config.setdefault("CELERY_OVERRIDES", {})
    overrides.setdefault("beat_schedule", {}).update(BEAT_SCHEDULE)
