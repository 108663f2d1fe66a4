"""Cart, checkout, stock reservation, orders and payment gateways."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.demo import register_seeder
from marketplace.hooks import on_login
from marketplace.models import Role
from marketplace.web import add_account_link, register_api_blueprint

from . import api, demands, payments, views
from .cart import header_count, merge_guest_cart, shipping_quote
from .demo import seed_demo_orders
from .tasks import expire_orders_command


def init_app(app: Flask) -> None:
    """Register this package's blueprints, webhooks, API, CLI commands, login hook, demo seeder and gateways."""
    payments.init_app(app)
    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_api_blueprint(api.blp)
    app.jinja_env.globals.update(cart_count=header_count, shipping_quote=shipping_quote)
    on_login(merge_guest_cart)
    register_seeder("orders", seed_demo_orders, order=40)
    add_account_link(app, "orders.my_orders", _l("Đơn hàng của tôi"))
    add_account_link(app, "orders.desk", _l("Đơn hàng của hợp tác xã"), [Role.COOPERATIVE])
    add_account_link(app, "orders.reconciliation", _l("Đối soát chuyển khoản"), [Role.COOPERATIVE])
    add_account_link(app, "orders.statement", _l("Sao kê tiền thẻ"), [Role.COOPERATIVE])
    app.cli.add_command(expire_orders_command)
    demands.init_app(app, register_api_blueprint)
    add_account_link(app, "demands.demand_list", _l("Nhu cầu mua sỉ"))
    add_account_link(app, "demands.seasonal_supply", _l("Nguồn hàng theo mùa"), [Role.COOPERATIVE])
