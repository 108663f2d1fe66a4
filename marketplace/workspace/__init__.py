"""Commune workspace: the dashboard with charts, cooperative verification and the province report."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import indexes, views  # noqa: F401 — indexes adds the dashboard's indexes to the metadata

    app.register_blueprint(views.bp)
