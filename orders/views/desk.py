"""Cooperative order desk: filter by state, confirm, ship, deliver, cancel, refund, reopen with late money, goods
returned, packing slip, reconciliation."""

from __future__ import annotations

from functools import cache

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, bindparam

from catalog.names import unit_label
from marketplace.database import read_plain
from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.permissions import require_roles
from orders import delivery, queries, reconcile, refunds, services, states
from orders.forms import ShipForm
from orders.models import Order, OrderStatus
from orders.packing_slip import packing_slip_pdf
from orders.payments import get_gateway, payment_label

from .blueprint import bp
from .shop import cancel_confirmation

DESK_ROLES = (Role.COOPERATIVE, Role.ADMIN)
# what a row of the order list shows: read as plain rows, translated once per page
DESK_COLUMNS = (Order.code, Order.status, Order.ship_name, Order.created_at, Order.total_vnd, Order.payment_method)


@cache
def _desk_statement(role: Role, by_status: bool) -> Select:
    """The order list's rows, built once per role and filter (building it cost more than running it)."""
    query = queries.orders_managed_as(role, bindparam("cooperative_id"))
    query = query.with_only_columns(*DESK_COLUMNS).order_by(Order.created_at.desc())
    if by_status:  # several statuses: the cooperative home's "to confirm" (paid, and cash orders awaiting it)
        query = query.where(Order.status.in_(bindparam("statuses", expanding=True)))
    return query.limit(200)


@bp.get("/cooperative/orders")
@require_roles(*DESK_ROLES)
def desk():
    wanted = [s for s in request.args.getlist("status") if s in {s.value for s in OrderStatus}]
    status = wanted[0] if len(wanted) == 1 else ""
    params = {"cooperative_id": current_user.cooperative_id, "statuses": wanted}
    orders = read_plain(_desk_statement(current_user.role, bool(wanted)), params).all()
    return render_template(
        "orders/desk.html",
        orders=orders,
        status=status,
        statuses=list(OrderStatus),
        labels=states.status_labels(),
        payments={method: payment_label(method) for method in {order.payment_method for order in orders}},
    )


@bp.get("/cooperative/orders/<code>")
@require_roles(*DESK_ROLES)
def desk_order(code: str):
    return desk_order_page(queries.managed_order(current_user, code))


def desk_order_page(order: Order, status: int = 200):
    shipped = services.was_shipped(order)
    return render_template(
        "orders/desk_order.html",
        order=order,
        form=ShipForm(),
        status_label=states.status_label,
        payment_label=payment_label,
        can_move=states.can_move,
        cancel_target=services.cancel_target(order),
        late=services.late_payments(order),
        reopenable=services.can_reopen(order),
        shipped=shipped,
        returnable=shipped and any(line.returned_qty < line.quantity for line in order.lines),
        OrderStatus=OrderStatus,
        carriers=services.CARRIERS,
        refund=refunds.panel(order, get_gateway(order.payment_method)),
    ), status


def _returned_quantities() -> dict[int, int]:
    """`line-<id>` fields of the return form: the units of each line taken back (blank is 0)."""
    quantities: dict[int, int] = {}
    for key, value in request.form.items():
        if key.startswith("line-") and key[5:].isdigit():
            text = value.strip() or "0"
            if not text.isdigit():
                raise ValidationFailed(_("Số lượng nhận trả phải là số nguyên."), fields={key: [_("Không hợp lệ.")]})
            quantities[int(key[5:])] = int(text[:6])
    return quantities


def confirm_step(order: Order, question: str, yes: str, action_url: str, summary: list[tuple[str, str]]) -> str:
    """The "Bạn chắc chắn…?" page before a desk action that cannot be undone: the form's fields ride along hidden."""
    fields = [(name, value) for name, value in request.form.items() if name not in ("csrf_token", "confirm")]
    return render_template(
        "orders/confirm_step.html",
        order=order,
        question=question,
        yes=yes,
        action_url=action_url,
        summary=summary,
        fields=fields,
    )


def _return_confirmation(order: Order) -> str:
    """What goes back into stock, line by line, to confirm (checked first: a refusal comes before the question)."""
    services.ensure_seller(current_user, order)
    wanted = services.returned_units(order, _returned_quantities())
    summary = [
        (line.product_name, f"{wanted[line.id]} {unit_label(line.unit)}") for line in order.lines if line.id in wanted
    ]
    return confirm_step(
        order,
        _("Nhận hàng trả lại vào kho cho đơn %(code)s?", code=order.code),
        _("Có, nhận hàng trả lại"),
        url_for("orders.desk_action", code=order.code, action="return"),
        summary,
    )


ACTIONS = {
    "confirm": lambda user, order: services.confirm_order(user, order),
    "deliver": lambda user, order: delivery.mark_delivered(user, order),
    "cancel": lambda user, order: services.cancel_order(user, order, request.form.get("reason", "")),
    "ship": lambda user, order: services.ship_order(
        user, order, request.form.get("carrier", ""), request.form.get("tracking_no", "")
    ),
    "reopen": lambda user, order: services.reopen_order(user, order),
    "return": lambda user, order: services.record_return(user, order, _returned_quantities()),
}
SHOW_REFUSAL = {"reopen", "return"}  # refused: the order page with the reason and its 4xx (e.g. 409 no stock)


@bp.post("/cooperative/orders/<code>/<action>")
@require_roles(*DESK_ROLES)
def desk_action(code: str, action: str):
    order = queries.managed_order(current_user, code)
    if action not in ACTIONS:
        return redirect(url_for("orders.desk_order", code=order.code))
    if action == "cancel" and request.form.get("confirm") != "1":
        return cancel_confirmation(
            order,
            url_for("orders.desk_action", code=order.code, action="cancel"),
            url_for("orders.desk_order", code=order.code),
        )
    if action == "return" and request.form.get("confirm") != "1":
        try:
            return _return_confirmation(order)
        except DomainError as error:
            flash(error.message, "error")
            return desk_order_page(order, error.status)
    try:
        ACTIONS[action](current_user, order)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        if action in SHOW_REFUSAL:
            return desk_order_page(queries.managed_order(current_user, code), error.status)
    else:
        db.session.commit()
        if action == "return":
            flash(_("Đơn %(code)s: đã nhận hàng trả lại vào kho.", code=order.code), "success")
        else:
            flash(_("Đơn %(code)s: %(status)s.", code=order.code, status=states.status_label(order.status)), "success")
    return redirect(url_for("orders.desk_order", code=order.code))


@bp.get("/cooperative/orders/<code>/packing-slip.pdf")
@require_roles(*DESK_ROLES)
def packing_slip(code: str):
    order = queries.managed_order(current_user, code)
    response = make_response(packing_slip_pdf(order))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="phieu-giao-{order.code}.pdf"'
    return response


@bp.route("/cooperative/reconciliation", methods=["GET", "POST"])
@require_roles(*DESK_ROLES)
def reconciliation():
    """Transfers that matched no order: the cooperative (its own account) or admin ties them to an order."""
    if request.method == "POST":
        try:
            payment = reconcile.match_transfer(
                current_user, request.form.get("payment_id", type=int) or 0, request.form.get("order_code", "")
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã ghép giao dịch vào đơn %(code)s.", code=payment.order.code), "success")
        return redirect(url_for("orders.reconciliation"))
    transfers = db.session.scalars(queries.unmatched_transfers_for(current_user).limit(200)).all()
    late = db.session.scalars(queries.orders_with_late_money(current_user).limit(100)).all()
    return render_template("orders/reconciliation.html", transfers=transfers, late=late)
