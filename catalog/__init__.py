"""Products, categories, OCOP certification, photos and search."""

from flask import Flask
from flask_babel import lazy_gettext as _l

BEAT_SCHEDULE = {
    "catalog-expiring-certificates": {"task": "catalog.warn_expiring_certificates", "schedule": 6 * 3600.0},
}


def init_app(app: Flask) -> None:
    from marketplace.demo import register_seeder
    from marketplace.web import add_account_link, register_api_blueprint

    from . import admin, api, cli, demo, excel_views, manage, photos_view, views  # noqa: F401 — routes on views.bp

    app.register_blueprint(views.bp)
    register_api_blueprint(api.blp)
    photos_view.init_app(app)
    cli.register(app)
    register_seeder("catalog", demo.seed_catalog, order=20)
    add_account_link(app, "catalog.my_products", _l("Sản phẩm của hợp tác xã"))
    add_account_link(app, "catalog.admin_categories", _l("Danh mục sản phẩm"))
    overrides = app.config.setdefault("CELERY_OVERRIDES", {})
    overrides.setdefault("beat_schedule", {}).update(BEAT_SCHEDULE)
