"""Order verbs: every state change through `transition()` (allowed moves in orders.states), stock release and
returns, cancellation, expiry, reopening, and money applied to an order.

Row locks: every verb starts with `locked(order)` (SELECT … FOR UPDATE on PostgreSQL, the row re-read), and
`transition()` locks again, so two requests changing one order take turns and the later one sees what the earlier
one did (a payment and a cancel at the same moment end in one consistent state, never a lost update)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from catalog import variants
from catalog.services import stock_changed_for
from catalog.variants import LineKey
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.ops.metrics import count
from marketplace.services import record_audit
from marketplace.text import clean_text, format_vnd, utcnow

from . import notifications, signals
from .models import Order, OrderEvent, OrderLine, OrderStatus, Payment, PaymentStatus
from .states import (  # CARRIERS is read as services.CARRIERS by the views
    BUYER_CANCELLABLE,
    CARRIERS,
    LEFT_THE_SELLER,
    NO_LONGER_PAYABLE,
    REOPENABLE,
    can_move,
    status_label,
)

S = OrderStatus
SYSTEM = "hệ thống"


def transition(order: Order, target: OrderStatus, actor: User | None, note: str = "") -> OrderEvent:
    """The one way an order changes state: lock the row, check the table, write a history row, tell both sides."""
    order = locked(order)
    current = OrderStatus(order.status)
    if not can_move(current, target):
        raise Conflict(
            _(
                "Không thể chuyển đơn %(code)s từ “%(a)s” sang “%(b)s”.",
                code=order.code,
                a=status_label(current),
                b=status_label(target),
            ),
            code="invalid_transition",
        )
    order.status = target
    event = OrderEvent(
        order_id=order.id,
        from_status=str(current),
        to_status=str(target),
        actor_id=actor.id if actor else None,
        actor_label=actor.label[:60] if actor else SYSTEM,
        note=(note or "")[:300],
    )
    db.session.add(event)
    db.session.flush()
    notifications.order_moved(order, target)
    signals.send_moved(order, target)
    return event


def record_note(order: Order, actor: User | None, note: str) -> OrderEvent:
    """A line in the order's history without a change of state (a refund, a correction): from and to are the same."""
    status = str(OrderStatus(order.status))
    event = OrderEvent(
        order_id=order.id,
        from_status=status,
        to_status=status,
        actor_id=actor.id if actor else None,
        actor_label=actor.label[:60] if actor else SYSTEM,
        note=(note or "")[:300],
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_created(order: Order, actor: User) -> None:
    db.session.add(
        OrderEvent(
            order_id=order.id,
            from_status=None,
            to_status=str(order.status),
            actor_id=actor.id,
            actor_label=actor.label[:60],
        )
    )


# --- permissions ----------------------------------------------------------------------------------


def is_buyer_of(user: User, order: Order) -> bool:
    return user.id == order.buyer_id


def is_seller_of(user: User, order: Order) -> bool:
    return user.role == Role.COOPERATIVE and user.cooperative_id == order.cooperative_id


def ensure_seller(user: User, order: Order) -> None:
    if not (is_seller_of(user, order) or user.is_admin):
        raise Forbidden(_("Chỉ hợp tác xã bán đơn này được thao tác."))


# --- stock ----------------------------------------------------------------------------------------


def line_units(lines: list[OrderLine], quantities: Mapping[int, int] | None = None) -> dict[LineKey, int]:
    """{(product id, variant id): units} of these order lines (all their units, or `quantities` by line id);
    lines from before variants existed count against their product's first variant."""
    defaults = variants.default_variant_ids(line.product_id for line in lines if line.variant_id is None)
    units: dict[LineKey, int] = {}
    for line in lines:
        key = (line.product_id, line.variant_id or defaults[line.product_id])
        units[key] = units.get(key, 0) + (line.quantity if quantities is None else quantities[line.id])
    return units


def release_stock(order: Order) -> None:
    """Give the order's reserved units back, once, in the checkout's row order, and tell the catalogue."""
    if order.stock_released:
        return
    variants.give_back_stock(line_units(order.lines))
    order.stock_released = True
    stock_changed_for(line.product_id for line in order.lines)


def was_shipped(order: Order) -> bool:
    """The goods left the cooperative: their units come back only through `record_return`."""
    if OrderStatus(order.status) in LEFT_THE_SELLER:
        return True
    return (
        db.session.scalar(
            select(OrderEvent.id)
            .where(OrderEvent.order_id == order.id, OrderEvent.to_status == str(S.SHIPPED))
            .limit(1)
        )
        is not None
    )


def _reserve_again(order: Order) -> None:
    """Take the order's units out of stock again, all or nothing: one guarded UPDATE per line in product-id order
    (compare-and-set, as at checkout); the first short line aborts with a 409 and the caller rolls back."""
    try:
        variants.take_stock(line_units(order.lines), published_only=False)
    except Conflict as short:
        line = next(line for line in order.lines if line.product_id == short.extra["product_id"])
        available = short.extra["available"]
        raise Conflict(
            _("“%(name)s” không đủ hàng để mở lại đơn (còn %(n)d).", name=line.product_name, n=available),
            code="insufficient_stock",
            product_id=line.product_id,
            available=available,
        ) from short
    order.stock_released = False
    stock_changed_for(line.product_id for line in order.lines)


def returned_units(order: Order, quantities: Mapping[int, int]) -> dict[int, int]:
    """The units per line a return takes back, checked: only goods that left, each unit once, at least one."""
    if not was_shipped(order):
        raise Conflict(_("Đơn chưa gửi hàng đi: hàng vẫn trong kho, không cần nhận trả."), code="not_shipped")
    lines = {line.id: line for line in order.lines}
    wanted: dict[int, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationFailed(_("Dòng hàng không thuộc đơn này."), fields={"returned": [_("Không hợp lệ.")]})
        if quantity < 0 or quantity > line.quantity - line.returned_qty:
            raise ValidationFailed(
                _(
                    "“%(name)s”: nhận trả được từ 0 đến %(n)d.",
                    name=line.product_name,
                    n=line.quantity - line.returned_qty,
                ),
                fields={f"line-{line_id}": [_("Không hợp lệ.")]},
            )
        if quantity:
            wanted[line_id] = quantity
    if not wanted:
        raise ValidationFailed(_("Nhập số lượng hàng nhận trả."), fields={"returned": [_("Bắt buộc.")]})
    return wanted


def record_return(actor: User, order: Order, quantities: Mapping[int, int]) -> int:
    """The cooperative took goods of a shipped order back: exactly these units per line go back into stock, each
    unit once (`returned_qty` ≤ quantity, compare-and-set), with a history row and an audit entry. Returns the
    number of units put back."""
    ensure_seller(actor, order)
    order = locked(order)
    wanted = returned_units(order, quantities)
    lines = {line.id: line for line in order.lines}
    for line in sorted((lines[i] for i in wanted), key=lambda item: (item.product_id, item.id)):
        quantity = wanted[line.id]
        claimed = db.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.returned_qty + quantity <= OrderLine.quantity)
            .values(returned_qty=OrderLine.returned_qty + quantity)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise Conflict(_("Hàng của dòng này đã được nhận trả rồi."), code="already_returned")
        db.session.refresh(line, ["returned_qty"])
    variants.give_back_stock(line_units([lines[i] for i in wanted], wanted))
    described = ", ".join(f"{lines[i].product_name} × {n}" for i, n in wanted.items())
    record_note(order, actor, _("Nhận hàng trả lại: %(items)s", items=described))
    record_audit(
        actor,
        "order.returned",
        "order",
        order.id,
        commune_code=order.cooperative.commune_code,
        order=order.code,
        items=described,
    )
    stock_changed_for(lines[i].product_id for i in wanted)
    db.session.flush()
    return sum(wanted.values())


# --- verbs ----------------------------------------------------------------------------------------


def locked(order: Order) -> Order:
    """The same order with its row locked for this transaction and re-read (every verb starts here)."""
    fresh = lock_order(order.id)
    if fresh is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    return fresh


def cancel_target(order: Order) -> OrderStatus:
    """Where cancelling leads: money kept (paid or under-paid) waits for a refund, else the order is cancelled."""
    return S.REFUND_REQUESTED if order.paid_vnd > 0 else S.CANCELLED


def _money_note(order: Order, why: str) -> str:
    """`why`, plus what was received when the order keeps money: the history says why a refund is due."""
    if order.paid_vnd <= 0:
        return why
    kept = _("đã nhận %(paid)s — chờ hoàn tiền", paid=format_vnd(order.paid_vnd))
    return f"{why}, {kept}" if why else kept[:1].upper() + kept[1:]


def ensure_may_cancel(actor: User, order: Order) -> Order:
    """The order, when `actor` may cancel it now: its seller or an admin always, its buyer until it is confirmed."""
    buyer = is_buyer_of(actor, order)
    seller = is_seller_of(actor, order) or actor.is_admin
    if not (buyer or seller):
        raise Forbidden(_("Bạn không có quyền huỷ đơn này."))
    if not seller and OrderStatus(order.status) not in BUYER_CANCELLABLE:
        raise Conflict(_("Đơn đã được xác nhận, không thể tự huỷ. Hãy liên hệ hợp tác xã."), code="not_cancellable")
    return order


def cancel_order(actor: User, order: Order, reason: str = "") -> None:
    """Buyer cancels while nothing has shipped; money kept (paid or under-paid) makes it a refund request. Stock
    comes back unless the goods had left (then only `record_return` puts units back)."""
    ensure_may_cancel(actor, order)
    order = locked(order)
    ensure_may_cancel(actor, order)  # again on the locked row: the state may have moved meanwhile
    shipped = was_shipped(order)
    transition(order, cancel_target(order), actor, _money_note(order, clean_text(reason) or ""))
    if not shipped:
        release_stock(order)


def reopen_order(actor: User, order: Order) -> None:
    """The seller takes a cancelled or expired order back when money that came late covers it: the stock is
    reserved again (409 `insufficient_stock` when it is gone), the late payments count, and the order is paid."""
    ensure_seller(actor, order)
    order = locked(order)
    late = late_payments(order)
    received = order.paid_vnd + sum(payment.amount_vnd for payment in late)
    if OrderStatus(order.status) not in REOPENABLE or not late or was_shipped(order):
        raise Conflict(_("Chỉ mở lại được đơn đã huỷ hoặc hết hạn có tiền đến muộn."), code="not_reopenable")
    if received < order.total_vnd:
        raise Conflict(
            _(
                "Tiền đã nhận (%(paid)s) chưa đủ tổng đơn (%(total)s): hãy hoàn tiền cho người mua.",
                paid=format_vnd(received),
                total=format_vnd(order.total_vnd),
            ),
            code="not_enough_money",
        )
    if order.stock_released:
        _reserve_again(order)
    for payment in late:
        payment.status = PaymentStatus.APPLIED
    order.paid_vnd = received
    transition(order, S.PAID, actor, _("Mở lại đơn: tiền đến muộn %(paid)s", paid=format_vnd(received)))
    record_audit(
        actor,
        "order.reopened",
        "order",
        order.id,
        commune_code=order.cooperative.commune_code,
        order=order.code,
        amount_vnd=received,
    )


def late_payments(order: Order) -> list[Payment]:
    """Money that arrived after the order expired or was cancelled, still waiting for a refund or a reopen."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(Payment.order_id == order.id, Payment.status == PaymentStatus.LATE)
            .order_by(Payment.id)
        )
    )


def can_reopen(order: Order) -> bool:
    """For the desk page: reopening would be accepted if the stock is still there."""
    late = late_payments(order)
    return (
        OrderStatus(order.status) in REOPENABLE
        and bool(late)
        and order.paid_vnd + sum(payment.amount_vnd for payment in late) >= order.total_vnd
        and not was_shipped(order)
    )


def confirm_order(actor: User, order: Order) -> None:
    ensure_seller(actor, order)
    order = locked(order)
    transition(order, S.CONFIRMED, actor)


def ship_order(actor: User, order: Order, carrier: str, tracking_no: str) -> None:
    ensure_seller(actor, order)
    order = locked(order)
    if carrier not in CARRIERS:
        raise ValidationFailed(_("Chọn đơn vị vận chuyển."), fields={"carrier": [_("Không hợp lệ.")]})
    tracking = (clean_text(tracking_no) or "")[:60]
    if carrier != "own" and not tracking:
        raise ValidationFailed(_("Nhập mã vận đơn."), fields={"tracking_no": [_("Bắt buộc.")]})
    order.carrier, order.tracking_no = carrier, tracking or None
    transition(order, S.SHIPPED, actor, f"{CARRIERS[carrier]} {tracking}".strip())


def complete_order(actor: User, order: Order) -> None:
    if not (is_buyer_of(actor, order) or actor.is_admin):
        raise Forbidden(_("Chỉ người mua xác nhận hoàn tất."))
    order = locked(order)
    transition(order, S.COMPLETED, actor)


def lock_order(order_id: int) -> Order | None:
    """The order row locked for this transaction (PostgreSQL; SQLite writers are already serialised)."""
    return db.session.scalar(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    )


def apply_payment(payment: Payment, order: Order, actor: User | None = None) -> None:
    """Count money towards an order: paid once it covers the total; late money never revives an order by itself
    (it is kept as LATE and the seller is told to refund or reopen)."""
    order = locked(order)
    payment.order_id = order.id
    if OrderStatus(order.status) in NO_LONGER_PAYABLE:
        count("payments", on_commit=True, gateway=payment.gateway, status="late")
        payment.status = PaymentStatus.LATE
        notifications.late_payment(order, payment)
        return
    payment.status = PaymentStatus.APPLIED
    count("payments", on_commit=True, gateway=payment.gateway, status="applied")
    order.paid_vnd += payment.amount_vnd
    if order.status == S.PENDING_PAYMENT and order.paid_vnd >= order.total_vnd:
        transition(order, S.PAID, actor, f"{payment.gateway} {payment.provider_reference}")
    elif order.status == S.PENDING_PAYMENT:
        notifications.partial_payment(order, payment)


def expire_unpaid_orders(now: datetime | None = None, limit: int = 500) -> int:
    """Close unpaid orders past their payment deadline (gateways that expire unpaid) and return their stock: an
    order that got part of its money waits for a refund (`refund_requested`), the others are cancelled. Rows
    another transaction holds (a payment arriving now) are skipped and looked at on the next run."""
    now = now or utcnow()
    orders = db.session.scalars(
        select(Order)
        .where(Order.status == S.PENDING_PAYMENT, Order.expires_at.is_not(None), Order.expires_at < now)
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    for order in orders:
        transition(order, cancel_target(order), None, _money_note(order, _("Quá hạn thanh toán")))
        release_stock(order)
    db.session.flush()
    return len(orders)
