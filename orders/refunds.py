"""Refunds: money given back to an order's buyer, whole or in part.

A gateway with refunds by API (Stripe) is asked for the refund, which stays `pending` until the provider's webhook
confirms it; for the others (VietQR, cash) the seller gives the money back and records it here with the bank
reference, `succeeded` at once. Every refund writes a line in the order's history. Once the refunds that succeeded
cover what was paid, the order moves to `refunded` (through `refund_requested` when it has to) and its payments are
marked refunded; a partial refund leaves the order where it is.

This module does not import `orders.payments` (the Stripe gateway imports it for its webhook): callers pass the
order's gateway.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import record_audit
from marketplace.text import clean_text, format_vnd, utcnow

from . import services
from .models import Order, OrderStatus, Payment, PaymentStatus, Refund, RefundMethod, RefundStatus
from .states import can_move

if TYPE_CHECKING:
    from .payments import PaymentGateway

S = OrderStatus
COUNTED = (RefundStatus.PENDING, RefundStatus.SUCCEEDED)  # what can no longer be refunded again
MAX_KEY = 64


METHOD_LABELS = {
    RefundMethod.STRIPE: _l("Stripe"),
    RefundMethod.BANK_TRANSFER: _l("chuyển khoản"),
    RefundMethod.CASH: _l("tiền mặt"),
}
STATUS_LABELS = {
    RefundStatus.PENDING: _l("Chờ xác nhận"),
    RefundStatus.SUCCEEDED: _l("Đã hoàn"),
    RefundStatus.FAILED: _l("Không thành công"),
}


def method_label(method: RefundMethod | str) -> str:
    return str(METHOD_LABELS.get(RefundMethod(method), method))


def status_label(status: RefundStatus | str) -> str:
    return str(STATUS_LABELS.get(RefundStatus(status), status))


# --- sums -----------------------------------------------------------------------------------------


def refunds_of(order: Order) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))


def refunded_vnd(order: Order) -> int:
    """What has been given back (refunds that succeeded)."""
    return sum(r.amount_vnd for r in refunds_of(order) if r.status == RefundStatus.SUCCEEDED)


RECEIVED = frozenset({PaymentStatus.APPLIED, PaymentStatus.LATE, PaymentStatus.REFUNDED})
REFUNDABLE_PAYMENTS = frozenset({PaymentStatus.APPLIED, PaymentStatus.LATE})


def received_vnd(order: Order) -> int:
    """All the money the buyer sent for this order: counted towards it (`paid_vnd`) or arrived late."""
    return sum(p.amount_vnd for p in order.payments if p.status in RECEIVED)


def refundable_vnd(order: Order) -> int:
    """What can still be refunded: received, less the refunds that succeeded or wait for the provider."""
    return max(received_vnd(order) - sum(r.amount_vnd for r in refunds_of(order) if r.status in COUNTED), 0)


def _payment_remaining(payment: Payment) -> int:
    taken = db.session.scalars(
        select(Refund.amount_vnd).where(Refund.payment_id == payment.id, Refund.status.in_(COUNTED))
    ).all()
    return max(payment.amount_vnd - sum(taken), 0)


def refund_summary(order: Order) -> str:
    """'Đã hoàn 50.000 ₫ / 200.000 ₫' (empty when nothing was refunded)."""
    done = refunded_vnd(order)
    if not done:
        return ""
    return _("Đã hoàn %(done)s / %(paid)s", done=format_vnd(done), paid=format_vnd(received_vnd(order)))


def as_json(order: Order) -> list[dict]:
    """The order API's `refunds`."""
    return [
        {
            "amount_vnd": r.amount_vnd,
            "status": str(r.status),
            "method": str(r.method),
            "reference": r.provider_reference,
            "at": (r.confirmed_at or r.created_at).isoformat(),
        }
        for r in refunds_of(order)
    ]


# --- asking for a refund --------------------------------------------------------------------------


def parse_amount(value: object) -> int:
    """The refund amount typed in the desk form ("120.000" is 120000); 0, blank or text is refused."""
    try:
        amount = int(str(value).replace(".", "").replace(",", "").replace(" ", "").strip())
    except (TypeError, ValueError):
        amount = 0
    if amount <= 0:
        raise ValidationFailed(_("Nhập số tiền hoàn (đồng)."), fields={"amount_vnd": [_("Phải lớn hơn 0.")]})
    return amount


def _already_submitted(order: Order, key: str | None) -> list[Refund]:
    if not key:
        return []
    return list(
        db.session.scalars(
            select(Refund)
            .where(
                Refund.order_id == order.id,
                or_(Refund.idempotency_key == key, Refund.idempotency_key.startswith(f"{key}#", autoescape=True)),
            )
            .order_by(Refund.id)
        )
    )


def request_refund(
    actor: User,
    order: Order,
    gateway: PaymentGateway,
    amount: object,
    *,
    method: str = "",
    reference: str = "",
    reason: str = "",
    idempotency_key: str = "",
) -> list[Refund]:
    """The seller (or admin) gives `amount` back: through the provider's API when the gateway has one (pending
    until its webhook), else recorded by hand (succeeded). One submitted form (`idempotency_key`) refunds once."""
    services.ensure_seller(actor, order)
    order = services.lock_order(order.id) or order
    key = (clean_text(idempotency_key) or "")[: MAX_KEY - 4] or None
    done = _already_submitted(order, key)
    if done:
        return done
    amount_vnd = parse_amount(amount)
    left = refundable_vnd(order)
    if amount_vnd > left:
        raise ValidationFailed(
            _("Số tiền hoàn vượt quá số đã trả: chỉ còn hoàn được %(left)s.", left=format_vnd(left)),
            fields={"amount_vnd": [_("Quá số tiền đã trả.")]},
        )
    note = (clean_text(reason) or "")[:200]
    if gateway.refunds_by_api:
        made = _refund_by_api(actor, order, gateway, amount_vnd, note, key)
    else:
        made = [_refund_by_hand(actor, order, gateway, amount_vnd, method, reference, note, key)]
    for refund in made:
        record_audit(
            actor,
            "order.refund_recorded",
            "order",
            order.id,
            commune_code=order.cooperative.commune_code,
            order=order.code,
            amount_vnd=refund.amount_vnd,
            method=str(refund.method),
            reference=refund.provider_reference,
        )
    settle(order, actor)
    return made


def _refund_by_api(
    actor: User, order: Order, gateway: PaymentGateway, amount_vnd: int, note: str, key: str | None
) -> list[Refund]:
    """Spread the amount over the order's payments through this gateway, newest first, one provider refund each."""
    payments = [p for p in order.payments if p.gateway == gateway.id and p.status in REFUNDABLE_PAYMENTS]
    plan: list[tuple[Payment, int]] = []
    rest = amount_vnd
    for payment in reversed(payments):
        part = min(rest, _payment_remaining(payment))
        if part > 0:
            plan.append((payment, part))
            rest -= part
    if rest > 0:
        raise ValidationFailed(
            _("Không có đủ khoản thanh toán qua cổng để hoàn %(amount)s.", amount=format_vnd(amount_vnd)),
            fields={"amount_vnd": [_("Quá số tiền đã trả.")]},
        )
    base_key = key or secrets.token_hex(16)
    made = []
    for index, (payment, part) in enumerate(plan):
        part_key = base_key if index == 0 else f"{base_key}#{index + 1}"
        reference, provider_status = gateway.refund(payment, part, f"ocop-refund-{order.id}-{part_key}")
        if provider_status in ("failed", "canceled"):
            raise DomainError(
                _(
                    "%(method)s từ chối hoàn %(amount)s.",
                    method=method_label(RefundMethod.STRIPE),
                    amount=format_vnd(part),
                ),
                code="refund_refused",
                status=502,
            )
        refund = Refund(
            order_id=order.id,
            payment_id=payment.id,
            amount_vnd=part,
            gateway=gateway.id,
            method=RefundMethod.STRIPE,
            provider_reference=reference,
            status=RefundStatus.PENDING,
            reason=note,
            actor_id=actor.id,
            idempotency_key=part_key if key else None,
        )
        db.session.add(refund)
        db.session.flush()
        services.record_note(
            order,
            actor,
            _(
                "Yêu cầu hoàn %(amount)s qua %(method)s (%(ref)s), chờ xác nhận",
                amount=format_vnd(part),
                method=method_label(refund.method),
                ref=reference,
            )
            + (f" · {note}" if note else ""),
        )
        made.append(refund)
    return made


def _refund_by_hand(
    actor: User,
    order: Order,
    gateway: PaymentGateway,
    amount_vnd: int,
    method: str,
    reference: str,
    note: str,
    key: str | None,
) -> Refund:
    allowed = tuple(gateway.refund_methods)
    chosen = method or (allowed[0] if allowed else "")
    if chosen not in allowed:
        raise ValidationFailed(_("Chọn cách hoàn tiền."), fields={"method": [_("Không hợp lệ.")]})
    ref = (clean_text(reference) or "")[:100] or None
    if chosen == RefundMethod.BANK_TRANSFER and not ref:
        raise ValidationFailed(_("Nhập mã giao dịch chuyển khoản hoàn tiền."), fields={"reference": [_("Bắt buộc.")]})
    if ref and db.session.scalar(
        select(Refund.id).where(Refund.gateway == gateway.id, Refund.provider_reference == ref)
    ):
        raise ValidationFailed(
            _("Mã giao dịch %(ref)s đã được ghi cho một lần hoàn tiền khác.", ref=ref),
            fields={"reference": [_("Đã dùng.")]},
        )
    refund = Refund(
        order_id=order.id,
        amount_vnd=amount_vnd,
        gateway=gateway.id,
        method=RefundMethod(chosen),
        provider_reference=ref,
        status=RefundStatus.SUCCEEDED,
        reason=note,
        actor_id=actor.id,
        idempotency_key=key,
        confirmed_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(refund)
    except IntegrityError as error:
        raise ValidationFailed(
            _("Mã giao dịch %(ref)s đã được ghi cho một lần hoàn tiền khác.", ref=ref),
            fields={"reference": [_("Đã dùng.")]},
        ) from error
    services.record_note(order, actor, _manual_note(refund) + (f" · {note}" if note else ""))
    return refund


def _manual_note(refund: Refund) -> str:
    if refund.provider_reference:
        return _(
            "Đã hoàn %(amount)s bằng %(method)s (mã %(ref)s)",
            amount=format_vnd(refund.amount_vnd),
            method=method_label(refund.method),
            ref=refund.provider_reference,
        )
    return _(
        "Đã hoàn %(amount)s bằng %(method)s", amount=format_vnd(refund.amount_vnd), method=method_label(refund.method)
    )


# --- the provider's word --------------------------------------------------------------------------


def provider_refund_update(
    gateway_id: str,
    method: RefundMethod,
    reference: str,
    status: str,
    amount_vnd: int,
    payment_reference: str,
) -> str:
    """A provider says what became of a refund (`succeeded`, `pending`, `failed`, `canceled`). A refund we did not
    ask for (made in the provider's dashboard) is recorded when it succeeded. Repeats change nothing.

    The order is locked before the refund is looked up, so an event that overtakes the request that asked for the
    refund waits for it and then confirms its row instead of recording a second one."""
    refund = _refund_by_reference(gateway_id, reference)
    payment = None
    if refund is None:
        payment = db.session.scalar(
            select(Payment).where(
                Payment.gateway == gateway_id,
                Payment.provider_reference == payment_reference,
                Payment.order_id.is_not(None),
            )
        )
    order_id = refund.order_id if refund is not None else payment.order_id if payment is not None else None
    if order_id is None:
        return "ignored"
    order = services.lock_order(order_id)
    refund = _refund_by_reference(gateway_id, reference)
    if refund is None:
        if status != "succeeded" or amount_vnd <= 0 or payment is None:
            return "ignored"
        refund = Refund(
            order_id=order.id,
            payment_id=payment.id,
            amount_vnd=amount_vnd,
            gateway=gateway_id,
            method=method,
            provider_reference=reference,
            status=RefundStatus.SUCCEEDED,
            reason="",
            confirmed_at=utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(refund)
        except IntegrityError:
            return "duplicate"
        services.record_note(order, None, _confirmed_note(refund))
        settle(order, None)
        return "refunded"
    if status == "succeeded" and refund.status == RefundStatus.PENDING:
        refund.status, refund.confirmed_at = RefundStatus.SUCCEEDED, utcnow()
        services.record_note(order, None, _confirmed_note(refund))
        settle(order, None)
        return "refunded"
    if status in ("failed", "canceled") and refund.status != RefundStatus.FAILED:
        refund.status = RefundStatus.FAILED
        services.record_note(
            order,
            None,
            _(
                "%(method)s báo hoàn %(amount)s không thành công (%(ref)s)",
                method=method_label(refund.method),
                amount=format_vnd(refund.amount_vnd),
                ref=reference,
            ),
        )
        return "refund_failed"
    return "duplicate"


def _refund_by_reference(gateway_id: str, reference: str) -> Refund | None:
    return db.session.scalar(
        select(Refund)
        .where(Refund.gateway == gateway_id, Refund.provider_reference == reference)
        .execution_options(populate_existing=True)
    )


def _confirmed_note(refund: Refund) -> str:
    return _(
        "%(method)s xác nhận đã hoàn %(amount)s (%(ref)s)",
        method=method_label(refund.method),
        amount=format_vnd(refund.amount_vnd),
        ref=refund.provider_reference,
    )


# --- the order after a refund ---------------------------------------------------------------------


def settle(order: Order, actor: User | None) -> None:
    """Refunds that succeeded cover what was paid → the order is refunded (via refund_requested when needed) and
    its payments are marked refunded; anything less leaves the order as it is."""
    received = received_vnd(order)
    if received <= 0 or refunded_vnd(order) < received:
        return
    for payment in order.payments:
        if payment.status in REFUNDABLE_PAYMENTS:
            payment.status = PaymentStatus.REFUNDED
    if order.paid_vnd <= 0:
        return  # only late money, given back: the order stays cancelled
    note = _("Đã hoàn đủ %(amount)s", amount=format_vnd(received))
    status = OrderStatus(order.status)
    if not can_move(status, S.REFUNDED) and can_move(status, S.REFUND_REQUESTED):
        services.transition(order, S.REFUND_REQUESTED, actor, note)
    if can_move(order.status, S.REFUNDED):
        services.transition(order, S.REFUNDED, actor, note)


def panel(order: Order, gateway: PaymentGateway) -> dict:
    """What the order desk shows about refunds: the lines, the 'Đã hoàn x / y' summary and the form's choices."""
    return {
        "rows": [
            {
                "amount_vnd": r.amount_vnd,
                "method": method_label(r.method),
                "reference": r.provider_reference or "",
                "status": status_label(r.status),
                "at": r.confirmed_at or r.created_at,
                "reason": r.reason,
            }
            for r in refunds_of(order)
        ],
        "summary": refund_summary(order),
        "refundable_vnd": refundable_vnd(order),
        "received_vnd": received_vnd(order),
        "by_api": gateway.refunds_by_api,
        "methods": [(m, method_label(m)) for m in gateway.refund_methods],
        "key": secrets.token_hex(16),
    }
