"""Commune workspace and province administration: dashboards with charts, reports, the admin pages.

The read side above every domain: it may read any package's models; no domain imports it."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.models import Role
from marketplace.web import add_account_link, add_home

from . import dashboard_cache, indexes, views  # noqa: F401 — indexes adds the dashboard's indexes to the metadata


def init_app(app: Flask) -> None:
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    dashboard_cache.connect(app)
    app.context_processor(lambda: {"admin_menu": views.admin.admin_menu()})
    add_home(app, Role.COOPERATIVE, "cooperative_home.home")
    add_home(app, Role.COMMUNE_STAFF, "workspace.dashboard")
    add_home(app, Role.ADMIN, "admin.index")
    add_account_link(app, "cooperative_home.home", _l("Việc cần làm"), [Role.COOPERATIVE])
    add_account_link(app, "workspace.dashboard", _l("Việc cần làm và số liệu của xã"), [Role.COMMUNE_STAFF, Role.ADMIN])
    add_account_link(app, "admin.index", _l("Quản trị"), [Role.ADMIN])
