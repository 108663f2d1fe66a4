"""The order state machine as data: the allowed moves and each state's Vietnamese label.

Money decides where a cancelled order goes: with nothing received it is `cancelled`; with money kept (paid, or
under-paid when cancelled or expired) it is `refund_requested` until the cooperative refunds. A cancelled or
refund-requested order that never shipped can be reopened (→ `paid`) when money that arrived late covers it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.i18n import labels_in_language

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


STATUS_LABELS = {
    S.PENDING_PAYMENT: _l("Chờ thanh toán"),
    S.AWAITING_CONFIRMATION: _l("Chờ hợp tác xã xác nhận"),
    S.PAID: _l("Đã thanh toán"),
    S.CONFIRMED: _l("Đã xác nhận"),
    S.SHIPPED: _l("Đang giao"),
    S.DELIVERED: _l("Đã giao"),
    S.COMPLETED: _l("Hoàn tất"),
    S.CANCELLED: _l("Đã huỷ"),
    S.REFUND_REQUESTED: _l("Chờ hoàn tiền"),
    S.REFUNDED: _l("Đã hoàn tiền"),
}


def status_label(status: OrderStatus | str) -> str:
    """The state as the buyer and the cooperative read it (one translation per call: lists show many)."""
    found = STATUS_LABELS.get(OrderStatus(status))
    return str(found) if found is not None else str(status)


def status_labels() -> dict[OrderStatus, str]:
    """Every state as read in the current language (a page listing many orders translates them once)."""
    return labels_in_language(STATUS_LABELS)


def can_move(current: OrderStatus | str, target: OrderStatus) -> bool:
    return target in ALLOWED[OrderStatus(current)]


# who carries a shipped order (orders.services.ship_order; the buyer's "shipped" notice names it)
CARRIERS = {"vnpost": "VNPost", "viettelpost": "Viettel Post", "own": "Tự giao"}


def carrier_label(carrier: str | None) -> str:
    return CARRIERS.get(carrier or "", carrier or "")
