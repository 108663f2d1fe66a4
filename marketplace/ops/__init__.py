"""What operators need: `/healthz`, `/readyz`, `/metrics`, request ids and JSON logs, Sentry, backup and restore.

`init_app` (called by `marketplace.web`) registers the routes, commands and Celery hooks; `install` (called last by
the app factory) wraps the WSGI app so ProxyFix and the request observer sit outside the page cache and scan lane.
"""

from __future__ import annotations

from flask import Flask

from marketplace.extensions import csrf, limiter

from . import backup, celery_context, health, logs, metrics, observer
from .sentry import init_sentry


def init_app(app: Flask) -> None:
    log_format = (app.config.get("LOG_FORMAT") or "text").lower()
    logs.configure_logging(log_format)
    celery_context.connect(log_format)
    metrics.connect_celery_signals()
    csrf.exempt(health.bp)
    limiter.exempt(health.bp)  # probes and scrapes are never rate limited, whatever limits are added later
    app.register_blueprint(health.bp)
    backup.register_cli(app)
    init_sentry(app)


def install(app: Flask) -> None:
    observer.install(app)
