"""Payment gateways: one module each in this package (`PLUGIN = ...`), found by the registry; `base` has the protocol.

Adding a gateway is adding a module (and its template under templates/orders/payments/): the checkout choices,
the API's `payment_method` values, the payment page, its CSP and its webhook all come from here.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _

from marketplace.registry import Registry

from .base import CspSources, Page, PaymentGateway, refused

GATEWAYS: Registry[PaymentGateway] = Registry("orders.payments")


def get_gateway(gateway_id: str) -> PaymentGateway:
    """The gateway with this id (an order's `payment_method`)."""
    return GATEWAYS.get(gateway_id)


def payment_label(gateway_id: str) -> str:
    """How a payment method reads on a page (its id when the gateway is gone)."""
    return str(GATEWAYS.get(gateway_id).label) if gateway_id in GATEWAYS else gateway_id


def enabled_gateways() -> list[PaymentGateway]:
    """The gateways configured on this site, in their checkout order."""
    return [gateway for gateway in GATEWAYS if gateway.enabled()]


def chosen_gateway(gateway_id: str) -> PaymentGateway:
    """The gateway a buyer chose, or a translated 422 when there is no such gateway."""
    if gateway_id not in GATEWAYS:
        raise refused(_("Chọn cách thanh toán."))
    return GATEWAYS.get(gateway_id)


def notified_gateway(path: str) -> PaymentGateway | None:
    """The gateway whose provider calls `POST /webhooks/<path>`."""
    return next((gateway for gateway in GATEWAYS if gateway.notification_path == path), None)


def checkout_security() -> CspSources:
    """The extra CSP sources the checkout page needs for the gateways it offers."""
    return merge_sources(gateway.content_security("checkout") for gateway in enabled_gateways())


def merge_sources(parts) -> CspSources:
    merged: dict[str, tuple[str, ...]] = {}
    for part in parts:
        for directive, sources in part.items():
            merged[directive] = tuple(dict.fromkeys(merged.get(directive, ()) + tuple(sources)))
    return merged


def init_app(app: Flask) -> None:
    """Let every gateway set its configuration defaults."""
    for gateway in GATEWAYS:
        gateway.init_app(app)


__all__ = [
    "GATEWAYS",
    "CspSources",
    "Page",
    "PaymentGateway",
    "checkout_security",
    "chosen_gateway",
    "enabled_gateways",
    "get_gateway",
    "init_app",
    "notified_gateway",
    "payment_label",
]
