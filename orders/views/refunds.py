"""Refunds from the order desk: the seller (or admin) gives part or all of an order's money back."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.permissions import require_roles
from marketplace.text import format_vnd
from orders import queries, refunds
from orders.models import Order, RefundMethod
from orders.payments import get_gateway

from .blueprint import bp
from .desk import DESK_ROLES, confirm_step, desk_order_page


@bp.post("/cooperative/orders/<code>/refunds")
@require_roles(*DESK_ROLES)
def refund(code: str):
    """Refund form: amount, reason, and for a refund by hand the method and the bank reference."""
    order = queries.managed_order(current_user, code)
    if request.form.get("confirm") != "1":
        return _refund_confirmation(order)
    try:
        made = refunds.request_refund(
            current_user,
            order,
            get_gateway(order.payment_method),
            request.form.get("amount_vnd", ""),
            method=request.form.get("method", ""),
            reference=request.form.get("reference", ""),
            reason=request.form.get("reason", ""),
            idempotency_key=request.form.get("idempotency_key", ""),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return desk_order_page(queries.managed_order(current_user, code), error.status)
    db.session.commit()
    flash(_("Đã ghi hoàn tiền %(amount)s.", amount=format_vnd(sum(r.amount_vnd for r in made))), "success")
    return redirect(url_for("orders.desk_order", code=order.code))


def _refund_confirmation(order: Order):
    """The amount, the way and the reason of the refund, to confirm before any money moves (a bad amount goes back
    to the form with its message)."""
    try:
        amount = refunds.parse_amount(request.form.get("amount_vnd", ""))
    except DomainError as error:
        flash(error.message, "error")
        return desk_order_page(order, error.status)
    summary = [(_("Số tiền hoàn"), format_vnd(amount))]
    method = request.form.get("method", "")
    if method in set(RefundMethod):
        summary.append((_("Cách hoàn"), refunds.method_label(method)))
    for name, label in (("reference", _("Mã giao dịch ngân hàng")), ("reason", _("Lý do"))):
        if request.form.get(name, "").strip():
            summary.append((label, request.form[name].strip()))
    return confirm_step(
        order,
        _("Hoàn %(amount)s cho người mua?", amount=format_vnd(amount)),
        _("Có, hoàn tiền"),
        url_for("orders.refund", code=order.code),
        summary,
    )
