"""Order verbs: every state change through `transition()` (allowed moves in orders.states), stock release,
cancellation, expiry, and money applied to an order."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from catalog.models import Product
from catalog.services import stock_changed_for
from marketplace.errors import Conflict, Forbidden, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.ops.metrics import count
from marketplace.text import clean_text, utcnow

from . import notifications
from .models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus
from .states import BUYER_CANCELLABLE, NO_LONGER_PAYABLE, can_move, status_label

S = OrderStatus
CARRIERS = {"vnpost": "VNPost", "viettelpost": "Viettel Post", "own": "Tự giao"}
SYSTEM = "hệ thống"


def transition(order: Order, target: OrderStatus, actor: User | None, note: str = "") -> OrderEvent:
    """The one way an order changes state: check the table, write a history row, tell both sides."""
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
        actor_label=(actor.full_name or actor.email)[:60] if actor else SYSTEM,
        note=(note or "")[:300],
    )
    db.session.add(event)
    db.session.flush()
    notifications.order_moved(order, target)
    return event


def record_note(order: Order, actor: User | None, note: str) -> OrderEvent:
    """A line in the order's history without a change of state (a refund, a correction): from and to are the same."""
    status = str(OrderStatus(order.status))
    event = OrderEvent(
        order_id=order.id,
        from_status=status,
        to_status=status,
        actor_id=actor.id if actor else None,
        actor_label=(actor.full_name or actor.email)[:60] if actor else SYSTEM,
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
            actor_label=(actor.full_name or actor.email)[:60],
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


def release_stock(order: Order) -> None:
    """Give the order's reserved units back, once, rows in product-id order, and tell the catalogue."""
    if order.stock_released:
        return
    for line in sorted(order.lines, key=lambda item: item.product_id):
        db.session.execute(
            update(Product).where(Product.id == line.product_id).values(stock=Product.stock + line.quantity)
        )
    order.stock_released = True
    stock_changed_for(line.product_id for line in order.lines)


# --- verbs ----------------------------------------------------------------------------------------


def cancel_order(actor: User, order: Order, reason: str = "") -> None:
    """Buyer cancels while nothing has shipped; a paid order becomes a refund request. Stock comes back."""
    buyer = is_buyer_of(actor, order)
    if not (buyer or is_seller_of(actor, order) or actor.is_admin):
        raise Forbidden(_("Bạn không có quyền huỷ đơn này."))
    status = OrderStatus(order.status)
    if buyer and not (is_seller_of(actor, order) or actor.is_admin) and status not in BUYER_CANCELLABLE:
        raise Conflict(_("Đơn đã được xác nhận, không thể tự huỷ. Hãy liên hệ hợp tác xã."), code="not_cancellable")
    target = S.REFUND_REQUESTED if order.paid_vnd > 0 else S.CANCELLED
    transition(order, target, actor, clean_text(reason) or "")
    release_stock(order)


def confirm_order(actor: User, order: Order) -> None:
    ensure_seller(actor, order)
    transition(order, S.CONFIRMED, actor)


def ship_order(actor: User, order: Order, carrier: str, tracking_no: str) -> None:
    ensure_seller(actor, order)
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
    transition(order, S.COMPLETED, actor)


def lock_order(order_id: int) -> Order | None:
    """The order row locked for this transaction (PostgreSQL; SQLite writers are already serialised)."""
    return db.session.scalar(
        select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    )


def apply_payment(payment: Payment, order: Order, actor: User | None = None) -> None:
    """Count money towards an order: paid once it covers the total; late money never revives an order."""
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
    """Cancel unpaid orders past their payment deadline (gateways that expire unpaid) and return their stock."""
    now = now or utcnow()
    orders = db.session.scalars(
        select(Order)
        .where(Order.status == S.PENDING_PAYMENT, Order.expires_at.is_not(None), Order.expires_at < now)
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for order in orders:
        transition(order, S.CANCELLED, None, _("Quá hạn thanh toán"))
        release_stock(order)
    db.session.flush()
    return len(orders)
