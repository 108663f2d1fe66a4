"""Supply and demand in a commune's or province's workspace: open demands by category and province, offers by its
sellers, what was matched (volume and value) and what nobody offered — as figures, and as a sheet of the report."""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import ColumnElement, func, select, true

from catalog.models import Category
from marketplace.extensions import db
from marketplace.models import Cooperative, Province
from marketplace.services import province_of_commune
from marketplace.text import format_vnd
from orders.demands.models import CloseReason, Demand, DemandStatus, Offer, OfferOrder, OfferStatus
from orders.models import Order, OrderLine

from . import charts
from .charts import Point, group_digits
from .excel import INT_FORMAT, VND_FORMAT, Block, Column, write_blocks
from .figure import Figure
from .scope import Scope

Rows = list[tuple[str, int, int]]  # (label, count or volume, quantity or value)


def _ints(result) -> Rows:
    """Rows with whole numbers (PostgreSQL sums integers as numeric, which Python reads as Decimal)."""
    return [(label, int(first or 0), int(second or 0)) for label, first, second in result]


def demand_region(scope: Scope) -> ColumnElement[bool]:
    """Demands delivered in the scope's province (a commune's sellers serve its whole province)."""
    province = scope.province_code
    if scope.commune_code is not None:
        province = province_of_commune(scope.commune_code)
    return Demand.province_code == province if province is not None else true()


def _category_name():
    return func.coalesce(Category.name, _("Chưa phân loại"))


def open_by_category(scope: Scope) -> Rows:
    name = _category_name()
    query = (
        select(name, func.count(Demand.id), func.sum(Demand.quantity))
        .select_from(Demand)
        .outerjoin(Category, Category.id == Demand.category_id)
        .where(Demand.status == DemandStatus.OPEN, demand_region(scope))
        .group_by(name)
        .order_by(func.count(Demand.id).desc(), name)
    )
    return _ints(db.session.execute(query))


def open_by_province(scope: Scope) -> Rows:
    query = (
        select(Province.name, func.count(Demand.id), func.sum(Demand.quantity))
        .join(Province, Province.code == Demand.province_code)
        .where(Demand.status == DemandStatus.OPEN, demand_region(scope))
        .group_by(Province.name)
        .order_by(func.count(Demand.id).desc(), Province.name)
    )
    return _ints(db.session.execute(query))


def offers_by_status(scope: Scope) -> Rows:
    """Offers made by the scope's sellers, by state: (state, offers, quantity per delivery)."""
    query = (
        select(Offer.status, func.count(Offer.id), func.sum(Offer.quantity))
        .join(Cooperative, Cooperative.id == Offer.cooperative_id)
        .where(scope.where(Cooperative.commune_code))
        .group_by(Offer.status)
    )
    found = {status: (int(count), int(quantity or 0)) for status, count, quantity in db.session.execute(query)}
    labels = {
        OfferStatus.OPEN: _("Đang chờ"),
        OfferStatus.ACCEPTED: _("Được nhận"),
        OfferStatus.WITHDRAWN: _("Đã rút"),
        OfferStatus.EXPIRED: _("Hết hạn"),
    }
    return [(label, *found.get(status, (0, 0))) for status, label in labels.items()]


def matched_by_category(scope: Scope) -> Rows:
    """Orders made by accepted offers of the scope's sellers: (category, volume, value in đồng)."""
    name = _category_name()
    lines = (
        select(OrderLine.order_id, func.sum(OrderLine.quantity).label("volume")).group_by(OrderLine.order_id).subquery()
    )
    query = (
        select(name, func.sum(lines.c.volume), func.sum(Order.subtotal_vnd))
        .select_from(OfferOrder)
        .join(Order, Order.id == OfferOrder.order_id)
        .join(lines, lines.c.order_id == Order.id)
        .join(Offer, Offer.id == OfferOrder.offer_id)
        .join(Demand, Demand.id == Offer.demand_id)
        .outerjoin(Category, Category.id == Demand.category_id)
        .join(Cooperative, Cooperative.id == Offer.cooperative_id)
        .where(scope.where(Cooperative.commune_code))
        .group_by(name)
        .order_by(func.sum(Order.subtotal_vnd).desc(), name)
    )
    return _ints(db.session.execute(query))


def unmet_by_category(scope: Scope) -> Rows:
    """Demands in the region that nobody offered on (cancelled ones aside): (category, demands, quantity)."""
    name = _category_name()
    offered = select(Offer.id).where(Offer.demand_id == Demand.id).exists()
    query = (
        select(name, func.count(Demand.id), func.sum(Demand.quantity))
        .select_from(Demand)
        .outerjoin(Category, Category.id == Demand.category_id)
        .where(
            demand_region(scope),
            ~offered,
            (Demand.close_reason.is_(None)) | (Demand.close_reason != CloseReason.CANCELLED),
        )
        .group_by(name)
        .order_by(func.sum(Demand.quantity).desc(), name)
    )
    return _ints(db.session.execute(query))


def _figure(key: str, title: str, rows: Rows, headers: list[str], money: bool = False) -> Figure:
    points = [Point(label, value) for label, _count, value in rows] if money else [Point(r[0], r[1]) for r in rows]
    fmt = format_vnd if money else group_digits
    chart = charts.hbar_chart(points, title=title, value_format=fmt, empty_text=_("Chưa có dữ liệu"))
    return Figure(
        key,
        title,
        chart,
        headers,
        [[label, group_digits(first), fmt(second) if money else group_digits(second)] for label, first, second in rows],
        total=[_("Tổng"), group_digits(sum(r[1] for r in rows)), fmt(sum(r[2] for r in rows))],
    )


def demand_figures(scope: Scope) -> list[Figure]:
    """The supply-and-demand figures of the dashboard, each a chart with its table."""
    demands, quantity = _("Số nhu cầu"), _("Số lượng cần")
    return [
        _figure(
            "demands-category",
            _("Nhu cầu đang mở theo danh mục"),
            open_by_category(scope),
            [_("Danh mục"), demands, quantity],
        ),
        _figure(
            "demands-province",
            _("Nhu cầu đang mở theo tỉnh"),
            open_by_province(scope),
            [_("Tỉnh/thành phố"), demands, quantity],
        ),
        _figure(
            "offers",
            _("Chào hàng của hợp tác xã trong địa bàn"),
            offers_by_status(scope),
            [_("Trạng thái"), _("Số chào hàng"), _("Số lượng chào")],
        ),
        _figure(
            "matched",
            _("Đã kết nối: sản lượng và giá trị theo danh mục"),
            matched_by_category(scope),
            [_("Danh mục"), _("Sản lượng"), _("Giá trị")],
            money=True,
        ),
        _figure(
            "unmet",
            _("Nhu cầu chưa ai chào hàng theo danh mục"),
            unmet_by_category(scope),
            [_("Danh mục"), demands, quantity],
        ),
    ]


def supply_demand_sheet(sheet: Worksheet, scope: Scope) -> None:
    """The report's "Cung cầu" sheet: the figures' tables, with numbers as numbers."""
    sheet.title = _("Cung cầu")
    count, amount = Column(_("Số nhu cầu"), INT_FORMAT), Column(_("Số lượng cần"), INT_FORMAT)
    blocks = [
        (
            _("Nhu cầu đang mở theo danh mục"),
            [Column(_("Danh mục"), min_width=24), count, amount],
            open_by_category(scope),
        ),
        (
            _("Nhu cầu đang mở theo tỉnh"),
            [Column(_("Tỉnh/thành phố"), min_width=24), count, amount],
            open_by_province(scope),
        ),
        (
            _("Chào hàng của hợp tác xã trong địa bàn"),
            [Column(_("Trạng thái")), Column(_("Số chào hàng"), INT_FORMAT), Column(_("Số lượng chào"), INT_FORMAT)],
            offers_by_status(scope),
        ),
        (
            _("Đã kết nối: sản lượng và giá trị theo danh mục"),
            [Column(_("Danh mục")), Column(_("Sản lượng"), INT_FORMAT), Column(_("Giá trị"), VND_FORMAT)],
            matched_by_category(scope),
        ),
        (
            _("Nhu cầu chưa ai chào hàng theo danh mục"),
            [Column(_("Danh mục")), count, amount],
            unmet_by_category(scope),
        ),
    ]
    write_blocks(
        sheet,
        [
            Block(
                title, columns, [list(r) for r in rows], [_("Tổng"), sum(r[1] for r in rows), sum(r[2] for r in rows)]
            )
            for title, columns, rows in blocks
        ],
    )
