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
from orders.payments import get_gateway

from .blueprint import bp
from .desk import DESK_ROLES, desk_order_page


@bp.post("/cooperative/orders/<code>/refunds")
@require_roles(*DESK_ROLES)
def refund(code: str):
    """Refund form: amount, reason, and for a refund by hand the method and the bank reference."""
    order = queries.managed_order(current_user, code)
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
