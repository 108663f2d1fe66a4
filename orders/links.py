"""A buyer's link to an order that works without signing in: `/orders/<code>?t=<signed>`.

The token is the order's code signed with SECRET_KEY (itsdangerous, salt `order-link`): unguessable, no expiry (a
guest keeps the text message); a tampered or borrowed token finds nothing (404). It shows the order, its payment page
and QR code; changing the order (cancel, received) still needs signing in with the order's phone.
"""

from __future__ import annotations

import hmac

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.notify import send_text
from marketplace.urls import public_url

from .models import Order


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="order-link")


def link_token(order: Order) -> str:
    return _serializer().dumps(order.code)


def order_link(order: Order) -> str:
    """The order's page for whoever holds this link (absolute, for a text message)."""
    return public_url("orders.detail", code=order.code, t=link_token(order))


def order_for_token(code: str, token: str) -> Order:
    """The order this link was made for; 404 for a tampered token or one made for another order."""
    missing = NotFound(_("Không tìm thấy đơn hàng."))
    try:
        signed = _serializer().loads(token or "")
    except BadSignature:
        raise missing from None
    if not isinstance(signed, str) or not hmac.compare_digest(signed, (code or "").upper()):
        raise missing
    order = db.session.scalar(select(Order).where(Order.code == signed))
    if order is None:
        raise missing
    return order


def send_order_links(orders: list[Order], phone: str) -> None:
    """Text the buyer a link to each new order (once per order, whatever retries happen)."""
    for order in orders:
        send_text(
            phone,
            _(
                "Cho OCOP: da nhan don %(code)s (%(coop)s). Xem don: %(url)s",
                code=order.code,
                coop=order.cooperative.name,
                url=order_link(order),
            ),
            key=f"order-link:{order.code}",
        )
