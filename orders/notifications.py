"""Vietnamese e-mails and in-app notices about orders, written in the caller's transaction (outbox)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from marketplace.mail import queue_mail
from marketplace.services import notify, notify_cooperative
from marketplace.text import format_vnd
from marketplace.urls import public_url

from .states import status_label

if TYPE_CHECKING:
    from .models import Order, OrderStatus, Payment


def _link(endpoint: str, order: Order) -> str:
    """Absolute, on PUBLIC_BASE_URL (the seller's mail carries it), also outside a request."""
    return public_url(endpoint, code=order.code)


def order_placed(order: Order) -> None:
    buyer_link, seller_link = _link("orders.detail", order), _link("orders.desk_order", order)
    lines = "\n".join(f"- {line.product_name} × {line.quantity}: {format_vnd(line.amount_vnd)}" for line in order.lines)
    summary = _(
        "Đơn %(code)s của %(coop)s\n%(lines)s\nPhí giao hàng: %(ship)s\nTổng cộng: %(total)s",
        code=order.code,
        coop=order.cooperative.name,
        lines=lines,
        ship=format_vnd(order.shipping_vnd),
        total=format_vnd(order.total_vnd),
    )
    notify(order.buyer, "order.placed", _("Đã đặt đơn %(code)s.", code=order.code), buyer_link)
    queue_mail(order.buyer.email, _("Chợ OCOP: đã nhận đơn %(code)s", code=order.code), summary)
    notify_cooperative(
        order.cooperative_id,
        "order.placed",
        _("Đơn mới %(code)s: %(total)s.", code=order.code, total=format_vnd(order.total_vnd)),
        seller_link,
        mail_subject=_("Chợ OCOP: đơn mới %(code)s", code=order.code),
    )


def order_moved(order: Order, target: OrderStatus) -> None:
    message = _("Đơn %(code)s: %(status)s.", code=order.code, status=status_label(target))
    notify(order.buyer, "order.status", message, _link("orders.detail", order))
    queue_mail(
        order.buyer.email,
        _("Chợ OCOP: đơn %(code)s — %(status)s", code=order.code, status=status_label(target)),
        message,
    )
    notify_cooperative(order.cooperative_id, "order.status", message, _link("orders.desk_order", order))


def partial_payment(order: Order, payment: Payment) -> None:
    message = _(
        "Đơn %(code)s mới nhận %(paid)s trên %(total)s; vui lòng chuyển thêm %(rest)s.",
        code=order.code,
        paid=format_vnd(order.paid_vnd),
        total=format_vnd(order.total_vnd),
        rest=format_vnd(order.total_vnd - order.paid_vnd),
    )
    notify(order.buyer, "order.partial_payment", message, _link("orders.detail", order))
    queue_mail(order.buyer.email, _("Chợ OCOP: đơn %(code)s chưa đủ tiền", code=order.code), message)
    notify_cooperative(order.cooperative_id, "order.partial_payment", message, _link("orders.desk_order", order))


def late_payment(order: Order, payment: Payment) -> None:
    message = _(
        "Nhận %(amount)s cho đơn %(code)s đã huỷ/hết hạn: hãy hoàn tiền cho người mua hoặc mở lại đơn.",
        amount=format_vnd(payment.amount_vnd),
        code=order.code,
    )
    notify_cooperative(
        order.cooperative_id,
        "order.late_payment",
        message,
        _link("orders.desk_order", order),
        mail_subject=_("Chợ OCOP: tiền đến sau khi đơn %(code)s hết hạn", code=order.code),
    )


def payment_failed(order: Order, method: str) -> None:
    """The provider says the buyer's payment did not go through; the order still waits for one."""
    message = _("Đơn %(code)s: thanh toán qua %(method)s không thành công.", code=order.code, method=method)
    notify(order.buyer, "order.payment_failed", message, _link("orders.detail", order))
