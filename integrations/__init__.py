"""Sales channels, product feeds, outbound webhooks and the Celery app."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this package's blueprints and CLI commands with the app."""
    from . import models, views  # noqa: F401 — tables known to Alembic and the app

    app.register_blueprint(views.bp)
