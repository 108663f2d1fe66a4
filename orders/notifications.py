"""Vietnamese e-mails and in-app notices about orders, written in the caller's transaction (outbox).

Who hears what on their own channel (Zalo, SMS, e-mail: marketplace.notify.services.tell): the seller's members on a
new order, a payment and a cancellation; the buyer on payment received, shipped (carrier and tracking number),
delivered and refunded. Other changes are in-app notices (and the buyer's e-mail as before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from marketplace.mail import queue_mail
from marketplace.notify.services import tell
from marketplace.services import active_members, notify, notify_cooperative
from marketplace.text import format_vnd
from marketplace.urls import public_url

from .models import OrderStatus as S
from .states import carrier_label, status_label

if TYPE_CHECKING:
    from .models import Order, OrderStatus, Payment


def _link(endpoint: str, order: Order) -> str:
    """Absolute, on PUBLIC_BASE_URL (the seller's mail carries it), also outside a request."""
    return public_url(endpoint, code=order.code)


def tell_sellers(order: Order, event: str, message: str, *, subject: str | None = None) -> None:
    """Every active member of the order's cooperative: the in-app notice and their channel."""
    link = _link("orders.desk_order", order)
    for member in active_members(order.cooperative_id):
        tell(member, event, message, link, key=order.code, subject=subject)


def tell_buyer(order: Order, event: str, message: str, *, subject: str | None = None) -> None:
    tell(order.buyer, event, message, _link("orders.detail", order), key=order.code, subject=subject)


def order_placed(order: Order) -> None:
    buyer_link = _link("orders.detail", order)
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
    tell_sellers(
        order,
        "order.placed",
        _("Đơn mới %(code)s: %(total)s.", code=order.code, total=format_vnd(order.total_vnd)),
        subject=_("Chợ OCOP: đơn mới %(code)s", code=order.code),
    )


# the buyer hears these on their channel; the seller hears a payment and a cancellation
BUYER_EVENTS = {
    S.PAID: "order.paid",
    S.SHIPPED: "order.shipped",
    S.DELIVERED: "order.delivered",
    S.REFUNDED: "order.refunded",
}
SELLER_EVENTS = {S.PAID: "order.paid", S.CANCELLED: "order.cancelled"}


def _buyer_message(order: Order, target: OrderStatus) -> str:
    if target == S.PAID:
        return _("Đã nhận %(paid)s cho đơn %(code)s.", paid=format_vnd(order.paid_vnd), code=order.code)
    if target == S.SHIPPED:
        if order.tracking_no:
            return _(
                "Đơn %(code)s đã giao cho %(carrier)s, mã vận đơn %(tracking)s.",
                code=order.code,
                carrier=carrier_label(order.carrier),
                tracking=order.tracking_no,
            )
        return _("Đơn %(code)s đã được gửi đi.", code=order.code)
    if target == S.DELIVERED:
        return _("Đơn %(code)s đã giao tới bạn.", code=order.code)
    if target == S.REFUNDED:
        return _("Đơn %(code)s đã được hoàn tiền.", code=order.code)
    return _("Đơn %(code)s: %(status)s.", code=order.code, status=status_label(target))


def order_moved(order: Order, target: OrderStatus) -> None:
    message = _("Đơn %(code)s: %(status)s.", code=order.code, status=status_label(target))
    subject = _("Chợ OCOP: đơn %(code)s — %(status)s", code=order.code, status=status_label(target))
    if target in BUYER_EVENTS:
        tell_buyer(order, BUYER_EVENTS[target], _buyer_message(order, target), subject=subject)
    else:
        notify(order.buyer, "order.status", message, _link("orders.detail", order))
        queue_mail(order.buyer.email, subject, message)
    if target in SELLER_EVENTS:
        if target == S.PAID:
            message = _("Đơn %(code)s đã thanh toán %(paid)s.", code=order.code, paid=format_vnd(order.paid_vnd))
        tell_sellers(order, SELLER_EVENTS[target], message, subject=subject)
    else:
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
