"""Supply and demand (kết nối cung cầu): business buyers post demands, sellers offer, accepting places orders."""

from __future__ import annotations

from flask import Flask

from marketplace.demo import register_seeder

from . import api, views
from .demo import seed_demo_demand
from .ratings import seller_rating
from .tasks import BEAT_SCHEDULE, close_demands_command


def init_app(app: Flask, register_api_blueprint) -> None:
    """Register the pages, the API, the deadline task, its command, the demo demand and the `seller_rating`
    template global (the cooperative's public page shows it)."""
    app.register_blueprint(views.bp)
    register_api_blueprint(api.blp)
    app.jinja_env.globals.update(seller_rating=seller_rating)
    app.cli.add_command(close_demands_command)
    register_seeder("demands", seed_demo_demand, order=45)
    overrides = app.config.setdefault("CELERY_OVERRIDES", {})
    overrides.setdefault("beat_schedule", {}).update(BEAT_SCHEDULE)
