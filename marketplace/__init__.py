"""Chợ OCOP: the app factory."""

from __future__ import annotations

import gc
import logging
from importlib import import_module

from flask import Flask

from . import chrome, compression, extensions, i18n, security
from .config import PROJECT_ROOT, build_config
from .database import init_database
from .jobs.celery_app import init_celery
from .ops import install as install_ops
from .ops.logs import text_handler
from .pagecache import install as install_page_cache

DOMAIN_PACKAGES = ("marketplace.web", "catalog", "orders", "traceability", "integrations", "workspace")


def create_app(overrides: dict | None = None) -> Flask:
    """Build the Flask app; every domain package registers itself through its `init_app`."""
    config = build_config(overrides)
    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config)
    if not logging.getLogger().handlers:  # logging set up already (pytest, Celery, an embedding app) is kept
        logging.basicConfig(level=logging.INFO, handlers=[text_handler(config["LOG_FLUSH_SECONDS"])])
    init_database(app)
    compression.init_app(app)  # first registered, so its after_request runs last, on the finished answer
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    chrome.init_app(app)
    security.init_app(app)
    extensions.api.init_app(app)
    for dotted in DOMAIN_PACKAGES:
        import_module(dotted).init_app(app)
    init_celery(app)
    install_page_cache(app)
    install_ops(app)  # outermost WSGI layer: ProxyFix, request id, timing
    if not app.testing:
        _freeze_startup_objects()
    return app


def _freeze_startup_objects() -> None:
    """Move everything the app built at start (about 350,000 objects: mappers, templates, translations) out of the
    garbage collector's reach: they live as long as the worker, and each full collection scanned them all (0.2 s).
    Tests build many apps in one process and leave this off, so old apps can still be collected."""
    gc.collect()
    gc.freeze()
