"""Products, categories, OCOP certification, photos and search."""

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.demo import register_seeder
from marketplace.models import Role
from marketplace.notify.services import add_waiting_source
from marketplace.signals import seller_status_changed
from marketplace.web import add_account_link, register_api_blueprint

from . import api, chips, cli, demo, product_page, services, templating, views
from .search import indexing

BEAT_SCHEDULE = {
    "catalog-expiring-certificates": {"task": "catalog.warn_expiring_certificates", "schedule": 6 * 3600.0},
}


def init_app(app: Flask) -> None:
    """Register the catalogue's pages, API, CLI commands, demo seeder and beat entries; keep search in step."""
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_api_blueprint(api.blp)
    templating.init_app(app)
    product_page.init_app(app)
    cli.register(app)
    indexing.connect(app)
    seller_status_changed.connect(services.seller_status_moved, sender=app)
    chips.connect(app)
    add_waiting_source(services.waiting_reviews)
    register_seeder("catalog", demo.seed_catalog, order=20)
    add_account_link(app, "catalog.my_products", _l("Sản phẩm của hợp tác xã"), [Role.COOPERATIVE])
    add_account_link(app, "catalog.admin_categories", _l("Danh mục sản phẩm"), [Role.ADMIN])
    overrides = app.config.setdefault("CELERY_OVERRIDES", {})
    overrides.setdefault("beat_schedule", {}).update(BEAT_SCHEDULE)
