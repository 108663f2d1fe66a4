"""Cart, checkout, stock reservation, orders and payment gateways."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register this package's blueprints, webhooks, API, CLI commands, login hook and demo seeder."""
    from marketplace.demo import register_seeder
    from marketplace.hooks import on_login
    from marketplace.web import add_account_link, register_api_blueprint

    from . import api, models, views  # noqa: F401 — models registers the tables
    from .cart import merge_guest_cart
    from .demo import seed_demo_orders
    from .payments import load_gateways

    load_gateways()
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_api_blueprint(api.blp)
    on_login(merge_guest_cart)
    register_seeder("orders", seed_demo_orders, order=40)
    add_account_link(app, "orders.my_orders", _l("Đơn hàng của tôi"))
    add_account_link(app, "orders.desk", _l("Đơn hàng của hợp tác xã"))
    add_account_link(app, "orders.reconciliation", _l("Đối soát chuyển khoản"))
    app.cli.add_command(expire_orders_command)


@click.command("expire-orders")
def expire_orders_command() -> None:
    """Cancel unpaid VietQR/Stripe orders past ORDER_PAYMENT_TTL_HOURS and return their stock."""
    from .tasks import expire_unpaid_orders

    click.echo(f"Đã huỷ {expire_unpaid_orders()} đơn quá hạn thanh toán.")
