"""Incoming money: SePay-style bank notifications, Stripe events, and transfers matched by hand."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import record_audit

from . import services
from .checkout import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX
from .models import Order, OrderStatus, Payment, PaymentStatus, StripeEvent

_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def code_candidates(content: str) -> list[str]:
    """Order codes hidden in transfer text, however the bank wrapped it: case, spaces, dashes, prefixes."""
    compact = _NOT_ALNUM.sub("", (content or "").upper())
    found: list[str] = []
    start = compact.find(CODE_PREFIX)
    while start != -1:
        tail = compact[start + 2 : start + 2 + CODE_LENGTH].translate(_CONFUSABLE)
        if len(tail) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in tail):
            code = CODE_PREFIX + tail
            if code not in found:
                found.append(code)
        start = compact.find(CODE_PREFIX, start + 1)
    return found


def find_order_for_transfer(content: str, account_no: str | None) -> Order | None:
    candidates = code_candidates(content)
    if not candidates:
        return None
    orders = db.session.scalars(select(Order).where(Order.code.in_(candidates))).all()
    for order in sorted(orders, key=lambda o: candidates.index(o.code)):
        if not account_no or order.cooperative.account_no == account_no:
            return order
    return None


def _insert_once(payment: Payment) -> bool:
    """False when this (gateway, provider reference) was already recorded: a repeat changes nothing."""
    exists = db.session.scalar(
        select(Payment.id).where(
            Payment.gateway == payment.gateway, Payment.provider_reference == payment.provider_reference
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(payment)
    except IntegrityError:
        return False
    return True


def parse_bank_notification(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise ValidationFailed(_("Thiếu mã giao dịch."), code="invalid_notification")
    try:
        amount = int(data.get("transferAmount") or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Số tiền không hợp lệ."), code="invalid_notification") from None
    return {
        "reference": str(data["id"])[:100],
        "direction": str(data.get("transferType") or "in").lower(),
        "amount": amount,
        "content": str(data.get("content") or data.get("description") or "")[:500],
        "account_no": re.sub(r"\D", "", str(data.get("accountNumber") or "")) or None,
    }


def record_bank_transfer(data: Any) -> Payment | None:
    """Apply one SePay-style notification; outgoing or non-positive transfers are ignored."""
    info = parse_bank_notification(data)
    if info["direction"] == "out" or info["amount"] <= 0:
        return None
    payment = Payment(
        gateway="vietqr",
        provider_reference=info["reference"],
        amount_vnd=info["amount"],
        status=PaymentStatus.UNMATCHED,
        account_no=info["account_no"],
        content=info["content"],
        raw=data,
    )
    if not _insert_once(payment):
        return None
    order = find_order_for_transfer(info["content"], info["account_no"])
    if order is not None:
        services.apply_payment(payment, services.lock_order(order.id))
    db.session.flush()
    return payment


def match_transfer(actor: User, payment_id: int, order_code: str) -> Payment:
    """A cooperative (its own account) or admin ties an unmatched transfer to an order; audit logged."""
    payment = db.session.get(Payment, payment_id, with_for_update=True)
    if payment is None or payment.status != PaymentStatus.UNMATCHED:
        raise NotFound(_("Không tìm thấy giao dịch chờ đối soát."))
    order = db.session.scalar(select(Order).where(Order.code == (order_code or "").strip().upper()))
    if order is None:
        raise ValidationFailed(
            _("Không tìm thấy đơn %(code)s.", code=order_code), fields={"order_code": [_("Sai mã.")]}
        )
    if not actor.is_admin:
        own = actor.cooperative_id == order.cooperative_id and payment.account_no == order.cooperative.account_no
        if not own:
            raise Forbidden(_("Chỉ ghép được giao dịch vào tài khoản và đơn của hợp tác xã mình."))
    services.apply_payment(payment, services.lock_order(order.id), actor)
    payment.matched_by_id = actor.id
    record_audit(
        actor,
        "payment.matched",
        "payment",
        payment.id,
        commune_code=order.cooperative.commune_code,
        order=order.code,
        amount_vnd=payment.amount_vnd,
    )
    db.session.flush()
    return payment


# --- Stripe ---------------------------------------------------------------------------------------


def _event_seen(event_id: str, event_type: str) -> bool:
    if db.session.get(StripeEvent, event_id) is not None:
        return True
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(id=event_id, type=event_type[:80]))
    except IntegrityError:
        return True
    return False


def _order_for_intent(intent: dict) -> Order | None:
    metadata = intent.get("metadata") or {}
    order_id = str(metadata.get("order_id") or "")
    if order_id.isdigit():
        order = db.session.get(Order, int(order_id))
        if order is not None and order.stripe_payment_intent_id in (None, intent.get("id")):
            return services.lock_order(order.id)
    found = db.session.scalar(select(Order.id).where(Order.stripe_payment_intent_id == intent.get("id")))
    return services.lock_order(found) if found else None


def handle_stripe_event(event: dict) -> str:
    """Succeeded pays (amount and currency checked), failed tells the buyer, refunded refunds; once per id."""
    if _event_seen(event["id"], event["type"]):
        return "duplicate"
    obj = event["data"]["object"]
    if event["type"] == "payment_intent.succeeded":
        order = _order_for_intent(obj)
        if order is None or str(obj.get("currency", "")).lower() != "vnd":
            return "ignored"
        payment = Payment(
            gateway="stripe",
            provider_reference=obj["id"],
            amount_vnd=int(obj.get("amount_received") or obj.get("amount") or 0),
            status=PaymentStatus.UNMATCHED,
            raw={"event": event["id"]},
        )
        if _insert_once(payment):
            services.apply_payment(payment, order)
        return "paid"
    if event["type"] == "payment_intent.payment_failed":
        order = _order_for_intent(obj)
        if order is not None:
            from marketplace.services import notify

            notify(
                order.buyer,
                "order.payment_failed",
                _("Thanh toán thẻ cho đơn %(code)s không thành công.", code=order.code),
            )
        return "failed"
    if event["type"] == "charge.refunded":
        return _stripe_refund(obj)
    return "ignored"


def _stripe_refund(charge: dict) -> str:
    found = db.session.scalar(select(Order.id).where(Order.stripe_payment_intent_id == charge.get("payment_intent")))
    if found is None:
        return "ignored"
    order = services.lock_order(found)
    if order.status in (OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.DELIVERED):
        services.transition(order, OrderStatus.REFUND_REQUESTED, None, "Stripe")
    if order.status != OrderStatus.REFUND_REQUESTED:
        return "ignored"
    services.mark_refunded(None, order, "Stripe")
    return "refunded"
