"""Administration for the province: communes and staff, verification, categories, banks, channels, settings, audit."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models, views  # noqa: F401 — models registers the site_settings table

    app.register_blueprint(views.bp)
