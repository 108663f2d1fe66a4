"""The order state machine as data: the allowed moves and each state's Vietnamese label.

Money decides where a cancelled order goes: with nothing received it is `cancelled`; with money kept (paid, or
under-paid when cancelled or expired) it is `refund_requested` until the cooperative refunds. A cancelled or
refund-requested order that never shipped can be reopened (→ `paid`) when money that arrived late covers it."""

from __future__ import annotations

from flask_babel import gettext as _

from .models import OrderStatus

S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.REFUND_REQUESTED}),
    S.AWAITING_CONFIRMATION: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.PAID: frozenset({S.CONFIRMED, S.REFUND_REQUESTED}),
    S.CONFIRMED: frozenset({S.SHIPPED, S.CANCELLED, S.REFUND_REQUESTED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUND_REQUESTED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUND_REQUESTED}),
    S.REFUND_REQUESTED: frozenset({S.REFUNDED, S.PAID}),  # → paid: reopened with late money
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset({S.PAID}),  # reopened with late money
    S.REFUNDED: frozenset(),
}
BUYER_CANCELLABLE = frozenset({S.PENDING_PAYMENT, S.AWAITING_CONFIRMATION, S.PAID})
NO_LONGER_PAYABLE = frozenset({S.CANCELLED, S.REFUNDED, S.REFUND_REQUESTED})
REOPENABLE = frozenset({S.CANCELLED, S.REFUND_REQUESTED})  # with late money covering the total, never shipped
LEFT_THE_SELLER = frozenset({S.SHIPPED, S.DELIVERED, S.COMPLETED})  # goods out of stock until a return is recorded


def status_labels() -> dict[OrderStatus, str]:
    """Every state as the buyer and the cooperative read it (a page listing many orders translates them once)."""
    return {
        S.PENDING_PAYMENT: _("Chờ thanh toán"),
        S.AWAITING_CONFIRMATION: _("Chờ hợp tác xã xác nhận"),
        S.PAID: _("Đã thanh toán"),
        S.CONFIRMED: _("Đã xác nhận"),
        S.SHIPPED: _("Đang giao"),
        S.DELIVERED: _("Đã giao"),
        S.COMPLETED: _("Hoàn tất"),
        S.CANCELLED: _("Đã huỷ"),
        S.REFUND_REQUESTED: _("Chờ hoàn tiền"),
        S.REFUNDED: _("Đã hoàn tiền"),
    }


def status_label(status: OrderStatus | str) -> str:
    """The state as the buyer and the cooperative read it."""
    return status_labels().get(OrderStatus(status), str(status))


def can_move(current: OrderStatus | str, target: OrderStatus) -> bool:
    return target in ALLOWED[OrderStatus(current)]


# who carries a shipped order (orders.services.ship_order; the buyer's "shipped" notice names it)
CARRIERS = {"vnpost": "VNPost", "viettelpost": "Viettel Post", "own": "Tự giao"}


def carrier_label(carrier: str | None) -> str:
    return CARRIERS.get(carrier or "", carrier or "")
