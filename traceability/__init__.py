"""Batches, supply-chain events, label serials, QR label sheets and public scan pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this package's blueprints and CLI commands with the app."""
    from . import models  # noqa: F401 — tables known to Alembic and the app

    from . import cli, label_views  # labels (issue 6): label-run pages and `ocop labels`

    app.register_blueprint(label_views.bp)  # labels
    cli.register(app)  # labels
