"""Commune workspace and province administration: dashboards with charts, reports, the admin pages.

The read side above every domain: it may read any package's models; no domain imports it."""

from __future__ import annotations

from flask import Flask

from . import indexes, views  # noqa: F401 — indexes adds the dashboard's indexes to the metadata


def init_app(app: Flask) -> None:
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
