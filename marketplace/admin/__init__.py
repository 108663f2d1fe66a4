"""Province administration services without pages: site settings, banks and staff accounts (pages in workspace.admin)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401 — registers the site_settings table
