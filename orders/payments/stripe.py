"""Stripe card payments: one PaymentIntent per order, in VND (a zero-decimal currency)."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import stripe as stripe_sdk
from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from orders.models import Order

WEBHOOK_TOLERANCE_SECONDS = 300
log = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe_sdk.StripeClient:
    """A client for Stripe, or for the Stripe-compatible server in STRIPE_API_BASE."""
    base = current_app.config.get("STRIPE_API_BASE")
    addresses = {"api": base.rstrip("/")} if base else None
    return stripe_sdk.StripeClient(current_app.config["STRIPE_SECRET_KEY"], base_addresses=addresses)


def verify_event(payload: bytes, signature: str) -> stripe_sdk.Event:
    """Check the signature on the raw body and refuse timestamps older than five minutes."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise DomainError(_("Chưa cấu hình khoá webhook Stripe."), code="not_configured", status=400)
    try:
        return stripe_sdk.Webhook.construct_event(
            payload.decode("utf-8"), signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except (ValueError, UnicodeDecodeError, stripe_sdk.SignatureVerificationError) as error:
        raise DomainError(_("Chữ ký Stripe không hợp lệ."), code="invalid_signature", status=400) from error


class StripeGateway:
    id: ClassVar[str] = "stripe"
    needs_payment_step: ClassVar[bool] = True
    starts_remotely: ClassVar[bool] = True

    def start(self, order: Order) -> None:
        """Create the PaymentIntent once (the idempotency key makes a retry return the same one)."""
        if order.stripe_payment_intent_id:
            return
        try:
            intent = client().v1.payment_intents.create(
                params={
                    "amount": order.total_vnd,
                    "currency": "vnd",
                    "payment_method_types": ["card"],
                    "metadata": {"order_id": str(order.id), "order_code": order.code},
                },
                options={"idempotency_key": f"ocop-order-{order.id}"},
            )
        except stripe_sdk.StripeError as error:
            log.warning("Stripe PaymentIntent for order %s failed: %s", order.code, error)
            raise DomainError(
                _("Chưa kết nối được cổng thanh toán thẻ. Vui lòng thử lại sau."), code="gateway_error", status=502
            ) from error
        order.stripe_payment_intent_id = intent.id
        order.stripe_client_secret = intent.client_secret

    def describe(self, order: Order) -> dict[str, Any]:
        return {
            "gateway": self.id,
            "payment_intent_id": order.stripe_payment_intent_id,
            "client_secret": order.stripe_client_secret,
            "publishable_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
            "amount_vnd": order.total_vnd,
        }


GATEWAY = StripeGateway()
