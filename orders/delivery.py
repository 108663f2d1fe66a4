"""Delivery: the order reaches the buyer, and what a gateway collects at the door (cash) counts as paid then."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import User

from . import services
from .models import Order, OrderStatus, Payment, PaymentStatus
from .payments import get_gateway


def mark_delivered(actor: User, order: Order) -> None:
    """Seller or buyer says it arrived; a gateway settled on delivery (cash) is paid at this moment."""
    if not (services.is_seller_of(actor, order) or services.is_buyer_of(actor, order) or actor.is_admin):
        raise Forbidden(_("Bạn không có quyền với đơn này."))
    order = services.locked(order)
    services.transition(order, OrderStatus.DELIVERED, actor)
    if get_gateway(order.payment_method).settled_on_delivery and order.due_vnd > 0:
        db.session.add(
            Payment(
                order_id=order.id,
                gateway=order.payment_method,
                provider_reference=f"{order.payment_method}-{order.id}",
                amount_vnd=order.due_vnd,
                status=PaymentStatus.APPLIED,
            )
        )
        order.paid_vnd = order.total_vnd


def confirm_received(actor: User, order: Order) -> None:
    """The buyer's one button: shipped → delivered, or delivered → completed."""
    if order.status == OrderStatus.SHIPPED:
        mark_delivered(actor, order)
    else:
        services.complete_order(actor, order)
