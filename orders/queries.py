"""Read scopes: every order lookup starts here, so someone else's order is a 404."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import BindParameter, Select, bindparam, func, select

from marketplace.database import read_plain
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User

from .models import Order, OrderStatus, Payment, PaymentStatus


def orders_of_buyer(user: User) -> Select[tuple[Order]]:
    return orders_of_buyer_id(user.id)


def orders_of_buyer_id(buyer_id: int | BindParameter) -> Select[tuple[Order]]:
    """`orders_of_buyer` by id (a bind parameter in a statement built once)."""
    return select(Order).where(Order.buyer_id == buyer_id)


class BuyerOrderRow(NamedTuple):
    """One line of "Đơn hàng của tôi"."""

    code: str
    status: OrderStatus
    created_at: datetime
    total_vnd: int
    cooperative_name: str


@cache
def _buyer_orders_page() -> Select:
    """Built once (building it costs more than running it): a page of a buyer's orders, newest first."""
    return (
        orders_of_buyer_id(bindparam("buyer_id"))
        .with_only_columns(Order.code, Order.status, Order.created_at, Order.total_vnd, Cooperative.name)
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _buyer_order_count() -> Select[tuple[int]]:
    return orders_of_buyer_id(bindparam("buyer_id")).with_only_columns(func.count(Order.id))


def count_orders_of_buyer(user: User) -> int:
    return read_plain(_buyer_order_count(), {"buyer_id": user.id}).scalar() or 0


def buyer_order_rows(user: User, limit: int, offset: int) -> list[BuyerOrderRow]:
    """A page of the buyer's own orders as plain rows (no ORM objects)."""
    params = {"buyer_id": user.id, "limit": limit, "offset": offset}
    return [BuyerOrderRow(*row) for row in read_plain(_buyer_orders_page(), params)]


def orders_managed_by(user: User) -> Select[tuple[Order]]:
    return orders_managed_as(user.role, user.cooperative_id)


def orders_managed_as(role: Role, cooperative_id: int | BindParameter | None) -> Select[tuple[Order]]:
    """`orders_managed_by` someone of this role and cooperative (a bind parameter in a statement built once)."""
    if role == Role.ADMIN:
        return select(Order)
    if role == Role.COOPERATIVE:
        return select(Order).where(Order.cooperative_id == cooperative_id)
    return select(Order).where(False)


def orders_visible_to(user: User) -> Select[tuple[Order]]:
    """Buyer's own orders plus the ones the user sells (or all for admin)."""
    if user.role == Role.ADMIN:
        return select(Order)
    if user.role == Role.COOPERATIVE:
        return select(Order).where((Order.buyer_id == user.id) | (Order.cooperative_id == user.cooperative_id))
    return orders_of_buyer(user)


def _one(query: Select[tuple[Order]]) -> Order:
    order = db.session.scalar(query)
    if order is None:
        raise NotFound(_("Không tìm thấy đơn hàng."))
    return order


def buyer_order(user: User, code: str) -> Order:
    return _one(orders_of_buyer(user).where(Order.code == code.upper()))


def managed_order(user: User, code: str) -> Order:
    return _one(orders_managed_by(user).where(Order.code == code.upper()))


def visible_order(user: User, *, code: str | None = None, order_id: int | None = None) -> Order:
    query = orders_visible_to(user)
    query = query.where(Order.code == code.upper()) if code else query.where(Order.id == order_id)
    return _one(query)


def unmatched_transfers_for(user: User) -> Select[tuple[Payment]]:
    """Transfers waiting for a person: the cooperative sees those that arrived for it (into its verified account or
    with its own notification key, as resolved on arrival, not by today's account), admin sees all."""
    query = select(Payment).where(Payment.status == PaymentStatus.UNMATCHED).order_by(Payment.at.desc())
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COOPERATIVE and user.cooperative_id is not None:
        return query.where(Payment.cooperative_id == user.cooperative_id)
    return query.where(False)


def orders_with_late_money(user: User) -> Select[tuple[Order]]:
    """Orders of this user's scope that received money after they were cancelled or expired (to refund)."""
    scope = orders_managed_by(user).with_only_columns(Order.id)
    late = select(Payment.order_id).where(Payment.status == PaymentStatus.LATE, Payment.order_id.in_(scope))
    return select(Order).where(Order.id.in_(late)).order_by(Order.id.desc())
