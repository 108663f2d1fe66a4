"""Orders, revenue, best sellers, label scans and channel listings for the dashboard and the report.

Every figure is computed by SQL (`COUNT`, `SUM`, `GROUP BY`) over the scope's cooperatives, never by loading
rows into Python. Series over time are grouped by UTC hour in SQL and the hourly sums added up into Vietnam
months or days in Python (`sqlfuncs`), the same on SQLite and PostgreSQL.

Revenue is the goods value without shipping (`orders.subtotal_vnd`, or the lines' price × quantity) of orders
that count as sold: paid, or confirmed for cash on delivery, and not cancelled, refunded or waiting for a
refund. The order state machine only reaches `confirmed` for a prepaid order through `paid`, so the states
below say exactly that. An order and a scan belong to the commune of their cooperative.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from catalog.models import Product
from integrations.channels import all_channels
from integrations.models import ChannelListing, ListingState
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative
from orders.models import Order, OrderLine, OrderStatus
from traceability.models import Scan

from .scope import Period, Scope
from .sqlfuncs import local_bucket, utc_hour

SOLD_STATES = frozenset(
    {OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)
TOP_LIMIT = 10
DAILY_SCANS_MAX_DAYS = 92


@dataclass(frozen=True)
class MonthSales:
    month: str  # 'YYYY-MM'
    orders: int  # every order placed that month
    sold: int  # orders counted in revenue
    revenue_vnd: int


@dataclass(frozen=True)
class CooperativeSales:
    cooperative_id: int
    name: str
    commune: str
    sold: int
    revenue_vnd: int


@dataclass(frozen=True)
class ProductSales:
    product_id: int
    name: str
    cooperative: str
    unit: str
    quantity: int
    revenue_vnd: int


@dataclass(frozen=True)
class Bucket:
    key: str  # 'YYYY-MM' or 'YYYY-MM-DD'
    count: int


@dataclass(frozen=True)
class ProductScans:
    product_id: int
    name: str
    cooperative: str
    scans: int


@dataclass(frozen=True)
class ChannelCounts:
    channel: str
    listed: int
    out_of_sync: int
    exported: int

    @property
    def total(self) -> int:
        return self.listed + self.out_of_sync + self.exported


def _sold():
    return Order.status.in_(sorted(SOLD_STATES))


def _orders_in(scope: Scope, period: Period):
    """Conditions: the order's cooperative is in the scope and it was placed within the period."""
    begin, finish = period.utc_bounds
    return (scope.where(Cooperative.commune_code), Order.created_at >= begin, Order.created_at < finish)


def sales_by_month(scope: Scope, period: Period) -> list[MonthSales]:
    """Every month of the period (zeros included): orders placed, orders sold, revenue."""
    hour = utc_hour(Order.created_at).label("hour")
    rows = db.session.execute(
        select(
            hour,
            func.count(Order.id),
            func.coalesce(func.sum(case((_sold(), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_sold(), Order.subtotal_vnd), else_=0)), 0),
        )
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .where(*_orders_in(scope, period))
        .group_by(hour)
    ).all()
    sums = {month: [0, 0, 0] for month in period.months()}
    for key, orders, sold, revenue in rows:
        bucket = sums[local_bucket(key, by_month=True)]
        bucket[0], bucket[1], bucket[2] = bucket[0] + orders, bucket[1] + sold, bucket[2] + revenue
    return [MonthSales(month, int(o), int(s), int(r)) for month, (o, s, r) in sums.items()]


def sales_by_cooperative(scope: Scope, period: Period, limit: int | None = None) -> list[CooperativeSales]:
    """Cooperatives with sold orders in the period, highest revenue first."""
    revenue = func.sum(Order.subtotal_vnd)
    query = (
        select(Cooperative.id, Cooperative.name, Commune.name, func.count(Order.id), revenue)
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(*_orders_in(scope, period), _sold())
        .group_by(Cooperative.id, Cooperative.name, Commune.name)
        .order_by(revenue.desc(), Cooperative.name, Cooperative.id)
    )
    if limit:
        query = query.limit(limit)
    return [CooperativeSales(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in db.session.execute(query)]


def top_products(scope: Scope, period: Period, limit: int | None = TOP_LIMIT) -> list[ProductSales]:
    """Products of sold orders by revenue (ties by quantity), with the quantity sold in their unit."""
    revenue = func.sum(OrderLine.unit_price_vnd * OrderLine.quantity)
    quantity = func.sum(OrderLine.quantity)
    query = (
        select(Product.id, Product.name, Cooperative.name, Product.unit, quantity, revenue)
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .where(*_orders_in(scope, period), _sold())
        .group_by(Product.id, Product.name, Cooperative.name, Product.unit)
        .order_by(revenue.desc(), quantity.desc(), Product.name)
    )
    if limit:
        query = query.limit(limit)
    return [ProductSales(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in db.session.execute(query)]


def sales_totals(scope: Scope, period: Period) -> tuple[int, int]:
    """(orders placed, revenue) over the whole period."""
    row = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(case((_sold(), Order.subtotal_vnd), else_=0)), 0))
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .where(*_orders_in(scope, period))
    ).one()
    return int(row[0]), int(row[1])


# --- label scans ----------------------------------------------------------------------------------


def _scans_in(scope: Scope, period: Period):
    begin, finish = period.utc_bounds
    return (scope.where(Cooperative.commune_code), Scan.scanned_at >= begin, Scan.scanned_at < finish)


def scans_by_day_or_month(scope: Scope, period: Period, by_month: bool | None = None) -> list[Bucket]:
    """Scans per day, or per month when the period is longer than 92 days; every bucket present."""
    if by_month is None:
        by_month = scans_by_month_for(period)
    hour = utc_hour(Scan.scanned_at).label("hour")
    rows = db.session.execute(
        select(hour, func.count())
        .select_from(Scan)
        .join(Cooperative, Cooperative.id == Scan.cooperative_id)
        .where(*_scans_in(scope, period))
        .group_by(hour)
    ).all()
    counts = dict.fromkeys(period.months() if by_month else period.days(), 0)
    for key, n in rows:
        counts[local_bucket(key, by_month)] += int(n)
    return [Bucket(key, n) for key, n in counts.items()]


def scans_by_month_for(period: Period) -> bool:
    return (period.end - period.start).days + 1 > DAILY_SCANS_MAX_DAYS


def scans_by_product(scope: Scope, period: Period, limit: int | None = TOP_LIMIT) -> list[ProductScans]:
    """Products by number of scans of their labels in the period, most scanned first."""
    count = func.count()
    query = (
        select(Product.id, Product.name, Cooperative.name, count)
        .select_from(Scan)
        .join(Product, Product.id == Scan.product_id)
        .join(Cooperative, Cooperative.id == Scan.cooperative_id)
        .where(*_scans_in(scope, period))
        .group_by(Product.id, Product.name, Cooperative.name)
        .order_by(count.desc(), Product.name, Product.id)
    )
    if limit:
        query = query.limit(limit)
    return [ProductScans(r[0], r[1], r[2], int(r[3])) for r in db.session.execute(query)]


def scan_total(scope: Scope, period: Period) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Scan)
            .join(Cooperative, Cooperative.id == Scan.cooperative_id)
            .where(*_scans_in(scope, period))
        )
        or 0
    )


# --- sales channels -------------------------------------------------------------------------------


def channel_counts(scope: Scope) -> list[ChannelCounts]:
    """For every registered channel: the scope's products listed, listed but out of sync, exported only."""
    rows = db.session.execute(
        select(ChannelListing.channel, ChannelListing.state, func.count(ChannelListing.id))
        .join(Product, Product.id == ChannelListing.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(scope.where(Cooperative.commune_code), ChannelListing.state != ListingState.NOT_LISTED)
        .group_by(ChannelListing.channel, ChannelListing.state)
    ).all()
    counts: dict[str, dict[str, int]] = {}
    for channel, state, n in rows:
        counts.setdefault(channel, {})[str(state)] = int(n)
    known = [c.id for c in all_channels()]
    return [
        ChannelCounts(
            channel,
            listed=counts.get(channel, {}).get(ListingState.LISTED, 0),
            out_of_sync=counts.get(channel, {}).get(ListingState.OUT_OF_SYNC, 0),
            exported=counts.get(channel, {}).get(ListingState.EXPORTED, 0),
        )
        for channel in known + sorted(set(counts) - set(known))
    ]
