"""Sales channels, product feeds, outbound webhooks and the Celery app."""

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.models import Role
from marketplace.web import add_account_link

from . import changes, models, views  # noqa: F401 — models: tables known to Alembic
from .cli import feeds_command, sync_command


def init_app(app: Flask) -> None:
    """Register this package's blueprints, CLI commands, settings, and its listeners of catalogue changes."""
    app.config.setdefault("WEBHOOK_RETRY_BASE_SECONDS", float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30")))
    app.config.setdefault("WEBHOOK_RETRY_MAX_SECONDS", 3600.0)
    app.config.setdefault("WEBHOOK_ALLOW_HTTP", os.environ.get("WEBHOOK_ALLOW_HTTP", "0") == "1")
    # tests only: lets webhooks reach a receiver on loopback; never set it in production (docs/security.md)
    app.config.setdefault("WEBHOOK_ALLOW_PRIVATE", os.environ.get("WEBHOOK_ALLOW_PRIVATE", "0") == "1")
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.cli.add_command(sync_command)
    app.cli.add_command(feeds_command)
    changes.connect(app)
    add_account_link(app, "integrations.channels", _l("Kênh bán hàng"), [Role.COOPERATIVE])
