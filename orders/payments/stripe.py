"""Stripe card payments: one PaymentIntent per order, in VND (a zero-decimal currency), and Stripe's signed events
at `POST /webhooks/stripe`."""

from __future__ import annotations

import logging
import os
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe as stripe_sdk
from flask import Flask, Request, current_app, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from marketplace.errors import DomainError
from marketplace.extensions import db
from orders import notifications, reconcile, refunds, services
from orders.cart import CartGroup
from orders.models import (
    AttemptStatus,
    Order,
    Payment,
    PaymentAttempt,
    PaymentStatus,
    RefundMethod,
    StripeEvent,
)

from .base import CspSources, Gateway, Page, refused

WEBHOOK_TOLERANCE_SECONDS = 300
DEFAULT_FEE_PERCENT = "3.0"
STRIPE_JS = "https://js.stripe.com"
PAYMENT_PAGE_SOURCES: CspSources = {
    "script-src": (STRIPE_JS,),
    "frame-src": (STRIPE_JS, "https://hooks.stripe.com"),
    "connect-src": ("https://api.stripe.com",),  # Stripe.js confirms the payment from the page
}
REFUND_EVENTS = frozenset({"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"})
log = logging.getLogger(__name__)


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


class Stripe(Gateway):
    id = "stripe"
    label = _l("Thẻ quốc tế (Stripe)")
    position = 30
    needs_payment_page = True
    starts_remotely = True
    payment_template = "orders/payments/stripe.html"
    notification_path = "stripe"
    refunds_by_api = True
    refund_methods: tuple[str, ...] = ()
    held_by_platform = True  # card money lands in the platform's Stripe account (no Stripe Connect in Vietnam)

    def init_app(self, app: Flask) -> None:
        """STRIPE_FEE_PERCENT (default 3.0) and STRIPE_FEE_FIXED_VND (default 0): the fee the ledger charges a
        seller for each card payment when Stripe's own fee is not known."""
        app.config.setdefault("STRIPE_FEE_PERCENT", os.environ.get("STRIPE_FEE_PERCENT") or DEFAULT_FEE_PERCENT)
        app.config.setdefault("STRIPE_FEE_FIXED_VND", os.environ.get("STRIPE_FEE_FIXED_VND") or "0")

    def fee_vnd(self, amount_vnd: int) -> int:
        """amount × STRIPE_FEE_PERCENT / 100, rounded half up to the đồng, plus STRIPE_FEE_FIXED_VND."""
        percent = Decimal(str(current_app.config.get("STRIPE_FEE_PERCENT", DEFAULT_FEE_PERCENT)))
        fixed = int(current_app.config.get("STRIPE_FEE_FIXED_VND") or 0)
        rate_part = (Decimal(amount_vnd) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(rate_part) + fixed

    def enabled(self) -> bool:
        return bool(current_app.config.get("STRIPE_SECRET_KEY"))

    def check_checkout(self, groups: list[CartGroup]) -> None:
        if not self.enabled():
            raise refused(_("Thanh toán thẻ chưa được bật."))

    def start(self, order: Order) -> None:
        """Create the PaymentIntent once (the idempotency key makes a retry return the same one)."""
        if order.latest_attempt is not None:
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
        order.attempts.append(
            PaymentAttempt(
                gateway=self.id,
                provider_reference=intent.id,
                client_secret=intent.client_secret,
                status=AttemptStatus.STARTED,
            )
        )

    def describe(self, order: Order) -> dict[str, Any]:
        attempt = order.latest_attempt
        return {
            "gateway": self.id,
            "payment_intent_id": attempt.provider_reference if attempt else None,
            "client_secret": attempt.client_secret if attempt else None,
            "publishable_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
            "amount_vnd": order.total_vnd,
        }

    def content_security(self, page: Page) -> CspSources:
        """Stripe.js and its frames, on the card payment page only."""
        return PAYMENT_PAGE_SOURCES if page == "payment" else {}

    def handle_notification(self, request: Request) -> Response:
        """Stripe events, signature checked on the raw body; each event id is handled once."""
        event = verify_event(request.get_data(cache=False), request.headers.get("Stripe-Signature", ""))
        return jsonify({"received": True, "outcome": handle_event(event.to_dict())})

    def refund(self, payment: Payment, amount_vnd: int, idempotency_key: str) -> tuple[str, str]:
        """POST /v1/refunds for part or all of this payment's PaymentIntent; the webhook confirms it."""
        try:
            refund = client().v1.refunds.create(
                params={
                    "payment_intent": payment.provider_reference,
                    "amount": amount_vnd,
                    "metadata": {"order_id": str(payment.order_id)},
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe_sdk.StripeError as error:
            log.warning("Stripe refund for payment %s failed: %s", payment.provider_reference, error)
            raise DomainError(
                _("Stripe chưa nhận yêu cầu hoàn tiền. Vui lòng thử lại sau."), code="gateway_error", status=502
            ) from error
        return refund.id, str(refund.status or "pending")


PLUGIN = Stripe()


def handle_event(event: dict) -> str:
    """Succeeded pays (amount and currency checked), failed tells the buyer, refunded refunds; once per id."""
    if _event_seen(event["id"], event["type"]):
        return "duplicate"
    obj = event["data"]["object"]
    if event["type"] == "payment_intent.succeeded":
        return _succeeded(obj)
    if event["type"] == "payment_intent.payment_failed":
        return _failed(obj)
    if event["type"] == "charge.refunded":
        return _refunded(obj)
    if event["type"] in REFUND_EVENTS:
        return _refund_update(obj, None)
    return "ignored"


def _event_seen(event_id: str, event_type: str) -> bool:
    if db.session.get(StripeEvent, event_id) is not None:
        return True
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(id=event_id, type=event_type[:80]))
    except IntegrityError:
        return True
    return False


def _order_for_intent(intent_id: str | None) -> Order | None:
    """The card order that created this PaymentIntent (our attempt with that reference), locked; any other
    intent (another site's, one made by hand, one whose metadata names some order) is ignored and logged."""
    attempt = reconcile.attempt_for(PLUGIN.id, str(intent_id or ""))
    if attempt is None or attempt.order.payment_method != PLUGIN.id:
        log.warning("Stripe event for PaymentIntent %s, which no card order of ours created: ignored", intent_id)
        return None
    return services.lock_order(attempt.order_id)


def _succeeded(intent: dict) -> str:
    order = _order_for_intent(intent.get("id"))
    if order is None or str(intent.get("currency", "")).lower() != "vnd":
        return "ignored"
    payment = Payment(
        gateway=PLUGIN.id,
        provider_reference=intent["id"],
        amount_vnd=int(intent.get("amount_received") or intent.get("amount") or 0),
        status=PaymentStatus.UNMATCHED,
        raw={"event": intent["id"], "fee_vnd": _fee(intent)},
    )
    if reconcile.record_once(payment):
        services.apply_payment(payment, order)
        _mark(order, intent["id"], AttemptStatus.SUCCEEDED)
    return "paid"


def _fee(intent: dict) -> int:
    """Stripe's fee when the event carries the charge's balance transaction, else the configured rate; kept on the
    payment so a later change of rate does not rewrite the ledger."""
    charge = intent.get("latest_charge")
    transaction = charge.get("balance_transaction") if isinstance(charge, dict) else None
    if isinstance(transaction, dict) and isinstance(transaction.get("fee"), int) and transaction["fee"] > 0:
        return transaction["fee"]
    return PLUGIN.fee_vnd(int(intent.get("amount_received") or intent.get("amount") or 0))


def _failed(intent: dict) -> str:
    order = _order_for_intent(intent.get("id"))
    if order is not None:
        _mark(order, intent.get("id"), AttemptStatus.FAILED)
        notifications.payment_failed(order, PLUGIN.label)
    return "failed"


def _refunded(charge: dict) -> str:
    """A charge was refunded, in part or in full: each of its refunds is confirmed (or recorded) once."""
    listed = (charge.get("refunds") or {}).get("data")
    if listed is None:  # newer API versions leave the list out of the event: ask Stripe
        listed = _refunds_of_charge(str(charge.get("id") or ""))
    outcomes = [_refund_update(refund, charge.get("payment_intent")) for refund in listed]
    if "refunded" in outcomes:
        return "refunded"
    return "duplicate" if "duplicate" in outcomes else "ignored"


def _refunds_of_charge(charge_id: str) -> list[dict]:
    if not charge_id:
        return []
    try:
        found = client().v1.refunds.list(params={"charge": charge_id, "limit": 100})
    except stripe_sdk.StripeError as error:
        log.warning("Stripe refunds of charge %s could not be listed: %s", charge_id, error)
        return []
    return [refund.to_dict() for refund in found.data]


def _refund_update(refund: dict, intent_id: object) -> str:
    intent = refund.get("payment_intent") or intent_id
    if isinstance(intent, dict):
        intent = intent.get("id")
    if str(refund.get("currency") or "vnd").lower() != "vnd" or not refund.get("id"):
        return "ignored"
    return refunds.provider_refund_update(
        PLUGIN.id,
        RefundMethod.STRIPE,
        str(refund["id"]),
        str(refund.get("status") or ""),
        int(refund.get("amount") or 0),
        str(intent or ""),
    )


def _mark(order: Order, intent_id: str | None, status: AttemptStatus) -> None:
    for attempt in order.attempts:
        if attempt.provider_reference == intent_id and attempt.status == AttemptStatus.STARTED:
            attempt.status = status
