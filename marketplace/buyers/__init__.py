"""Business buyers: the organisations (school kitchens, restaurants, shops…) that buy wholesale and post demands."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from ..demo import register_seeder
from . import views
from .demo import seed_demo_business


def init_app(app: Flask, add_account_link) -> None:
    """Register the pages, the account menu entries and the demo school kitchen."""
    app.register_blueprint(views.bp)
    add_account_link(app, "buyers.apply", _l("Hồ sơ người mua doanh nghiệp"))
    add_account_link(app, "buyers.applications", _l("Xác minh người mua doanh nghiệp"))
    register_seeder("business_buyers", seed_demo_business, order=15)
