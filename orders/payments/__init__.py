"""Payment gateways: a `PaymentGateway` protocol with a stable `id`, one module per gateway, and a registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from orders.models import Order


class PaymentGateway(Protocol):
    """Start a payment for an order and describe it; notifications arrive through orders.views.webhooks."""

    id: ClassVar[str]
    needs_payment_step: ClassVar[bool]
    starts_remotely: ClassVar[bool]  # start() calls a provider, so it runs after the checkout committed

    def start(self, order: Order) -> None:
        """Prepare whatever the buyer needs to pay (idempotent: safe to call again)."""

    def describe(self, order: Order) -> dict[str, Any]:
        """The `payment` object the API and the payment page show for this order."""


GATEWAYS: dict[str, PaymentGateway] = {}


def register(gateway: PaymentGateway) -> PaymentGateway:
    GATEWAYS[gateway.id] = gateway
    return gateway


def get_gateway(gateway_id: str) -> PaymentGateway:
    if not GATEWAYS:
        load_gateways()
    return GATEWAYS[gateway_id]


def load_gateways() -> None:
    from . import cod, stripe, vietqr

    for module in (vietqr, stripe, cod):
        register(module.GATEWAY)
