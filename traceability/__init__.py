"""Batches, supply-chain events, label serials, QR label sheets and public scan pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this package's blueprints and CLI commands with the app."""
    from . import models  # noqa: F401 — tables known to Alembic and the app
    from .cli import register as register_label_cli  # labels (issue 6): `ocop labels`
    from .label_views import bp as labels_bp  # labels (issue 6): /cooperative/batches/<code>/labels

    app.register_blueprint(labels_bp)  # labels
    register_label_cli(app)  # labels
