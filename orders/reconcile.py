"""Incoming money, whatever the gateway: each provider reference recorded once, transfers found by the order code
in their text or matched by hand, and the payment attempt a provider's callback refers to."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import record_audit

from . import services
from .codes import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX
from .models import Order, Payment, PaymentAttempt, PaymentStatus

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


def paid_into(order: Order, account_no: str | None) -> bool:
    """A transfer into this account may pay this order: the payee fixed for the order, or the seller's live
    account while the seller is verified. A notification that names no account pays nothing."""
    if not account_no:
        return False
    if order.payee_account_no == account_no:
        return True
    return order.cooperative.verified and order.cooperative.account_no == account_no


def find_order_for_transfer(content: str, account_no: str | None, cooperative_id: int | None = None) -> Order | None:
    """The order the transfer's text names, if the money went into that order's account; with `cooperative_id`
    (a seller's own notification key) only that seller's orders."""
    candidates = code_candidates(content)
    if not candidates:
        return None
    query = select(Order).where(Order.code.in_(candidates))
    if cooperative_id is not None:
        query = query.where(Order.cooperative_id == cooperative_id)
    orders = db.session.scalars(query).all()
    for order in sorted(orders, key=lambda o: candidates.index(o.code)):
        if paid_into(order, account_no):
            return order
    return None


def record_once(payment: Payment) -> bool:
    """Add the payment; False when this (gateway, provider reference) was already recorded: a repeat changes nothing."""
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
        own = actor.cooperative_id == order.cooperative_id and payment.cooperative_id == order.cooperative_id
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


def attempt_for(gateway: str, provider_reference: str) -> PaymentAttempt | None:
    """The payment this gateway started under that reference (a Stripe PaymentIntent id, a MoMo orderId)."""
    return db.session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.gateway == gateway, PaymentAttempt.provider_reference == provider_reference
        )
    )
