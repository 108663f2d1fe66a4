"""What checkout, the pages, the API and the webhooks ask of a payment gateway, and the defaults a gateway inherits.

A gateway is one module of `orders.payments` that defines `PLUGIN`; everything that differs between gateways is
an attribute or a method here, so no code outside a gateway's own module compares a payment method with a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from flask import Flask, Request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from marketplace.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from flask_babel import LazyString

    from marketplace.models import Cooperative, User
    from orders.cart import CartGroup
    from orders.models import Order, Payment

Page = Literal["checkout", "payment"]
CspSources = Mapping[str, tuple[str, ...]]  # directive → extra sources, e.g. {"script-src": ("https://js.stripe.com",)}


class PaymentGateway(Protocol):
    """One way to pay. `id` is stored in `orders.payment_method` and `payments.gateway`; never rename it."""

    id: str
    label: LazyString  # what the buyer picks at checkout
    position: int  # order of the choices at checkout
    pays_first: bool  # the order waits in `pending_payment` (else `awaiting_confirmation`: the cooperative confirms)
    expires_unpaid: bool  # unpaid after ORDER_PAYMENT_TTL_HOURS → cancelled and its stock returned
    settled_on_delivery: bool  # what is still due counts as paid when the order is delivered (cash)
    needs_payment_page: bool  # `/orders/<code>/pay` shows `payment_template` while the order waits for money
    starts_remotely: bool  # start() calls a provider, so it runs only after the checkout committed
    payment_template: str | None  # under templates/, e.g. "orders/payments/vietqr.html"
    notification_path: str | None  # `POST /webhooks/<notification_path>` goes to handle_notification()
    refunds_by_api: bool  # refunds are asked of the provider with refund(); its webhook confirms them
    refund_methods: tuple[str, ...]  # how a seller gives money back by hand (orders.models.RefundMethod values)
    held_by_platform: bool  # the money lands in the platform's account and is owed to the seller (orders.ledger)

    def init_app(self, app: Flask) -> None:
        """Set this gateway's configuration defaults (from the environment)."""

    def enabled(self) -> bool:
        """Configured on this site, so it is offered at checkout."""

    def check_buyer(self, buyer: User) -> None:
        """Refuse (ValidationFailed) a buyer this gateway does not serve, e.g. invoices only for verified businesses."""

    def check_checkout(self, groups: list[CartGroup]) -> None:
        """Refuse (ValidationFailed) a checkout this gateway cannot take, e.g. a cooperative without a bank account."""

    def placed(self, order: Order, cooperative: Cooperative) -> None:
        """Record on a new order (not yet flushed) what its payment keeps from checkout, e.g. VietQR's payee."""

    def start(self, order: Order) -> None:
        """Prepare whatever the buyer needs to pay; idempotent, so the pay page may call it again."""

    def describe(self, order: Order) -> dict[str, Any]:
        """The `payment` object of the API and of the payment page."""

    def pay_url(self, order: Order) -> str | None:
        """The provider's page where the buyer pays, when the buyer is sent there after checkout."""

    def qr_payload(self, order: Order) -> str | None:
        """Text for the QR code at `/orders/<code>/qr.png|svg`, when this gateway pays by scanning one."""

    def content_security(self, page: Page) -> CspSources:
        """Extra CSP sources on the checkout page (while offered) or on this gateway's payment page."""

    def handle_notification(self, request: Request) -> Response:
        """A provider's callback: check it is genuine, record the money once, answer as the provider expects."""

    def refund(self, payment: Payment, amount_vnd: int, idempotency_key: str) -> tuple[str, str]:
        """Ask the provider to give `amount_vnd` of this payment back; (its refund id, its refund status)."""

    def fee_vnd(self, amount_vnd: int) -> int:
        """The provider's fee on a payment of `amount_vnd` when it did not tell us (for the sellers' ledger)."""


class Gateway:
    """Defaults for a gateway module's class: a local, pay-first gateway with no page, callback or CSP needs."""

    id: str
    label: LazyString
    position = 100
    pays_first = True
    expires_unpaid = True
    settled_on_delivery = False
    needs_payment_page = False
    starts_remotely = False
    payment_template: str | None = None
    notification_path: str | None = None
    refunds_by_api = False
    refund_methods: tuple[str, ...] = ("bank_transfer", "cash")
    held_by_platform = False

    def init_app(self, app: Flask) -> None:
        return None

    def enabled(self) -> bool:
        return True

    def check_buyer(self, buyer: User) -> None:
        return None

    def check_checkout(self, groups: list[CartGroup]) -> None:
        if not self.enabled():
            raise refused(_("%(method)s chưa được bật; hãy chọn cách trả khác.", method=self.label))

    def placed(self, order: Order, cooperative: Cooperative) -> None:
        return None

    def start(self, order: Order) -> None:
        return None

    def describe(self, order: Order) -> dict[str, Any]:
        return {"gateway": self.id, "amount_vnd": order.total_vnd}

    def pay_url(self, order: Order) -> str | None:
        return None

    def qr_payload(self, order: Order) -> str | None:
        return None

    def content_security(self, page: Page) -> CspSources:
        return {}

    def handle_notification(self, request: Request) -> Response:
        """A gateway without a `notification_path` receives nothing: its callbacks are not found."""
        raise NotFound(_("Không có cổng thanh toán nào nhận thông báo ở địa chỉ này."))

    def refund(self, payment: Payment, amount_vnd: int, idempotency_key: str) -> tuple[str, str]:
        """A gateway without refunds by API: the seller gives the money back and records it by hand."""
        raise ValidationFailed(_("Cách thanh toán này không hoàn tiền tự động; hãy ghi lại khoản đã hoàn."))

    def fee_vnd(self, amount_vnd: int) -> int:
        return 0


def refused(message: str) -> ValidationFailed:
    """The 422 for a payment method that cannot be used for this checkout."""
    return ValidationFailed(message, fields={"payment_method": [_("Không hợp lệ.")]})
