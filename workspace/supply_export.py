"""The supply-and-demand export for the province's connection software: the scope's verified sellers, their
published products, their seasonal supply and the open demands of the province, as one Excel workbook (four
sheets) or one CSV per sheet. The column layout is documented in docs/features.md and must not change silently."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from io import BytesIO, StringIO
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import func, select

from catalog.models import Category, Product, ProductStatus
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, CooperativeStatus
from marketplace.text import spreadsheet_row, to_local
from orders.demands.models import Demand, DemandStatus, Offer, SeasonalSupply

from .excel import DATE_FORMAT, INT_FORMAT, VND_FORMAT, Column, write_table
from .scope import Scope
from .supply_demand import demand_region

Table = tuple[list[Column], list[list[Any]]]


def _sellers(scope: Scope):
    return select(Cooperative.id).where(
        Cooperative.status == CooperativeStatus.VERIFIED, scope.where(Cooperative.commune_code)
    )


def sellers_table(scope: Scope) -> Table:
    columns = [
        Column("ma_htx"),
        Column("ten", min_width=24),
        Column("loai"),
        Column("ma_xa", INT_FORMAT),
        Column("xa"),
        Column("dia_chi", min_width=24),
        Column("dien_thoai"),
    ]
    query = (
        select(Cooperative, Commune.name)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(Cooperative.id.in_(_sellers(scope)))
        .order_by(Cooperative.name)
    )
    rows = [
        [c.slug, c.name, str(c.kind), c.commune_code, commune, c.address, c.phone]
        for c, commune in db.session.execute(query)
    ]
    return columns, rows


def products_table(scope: Scope) -> Table:
    columns = [
        Column("ma_san_pham", INT_FORMAT),
        Column("ten", min_width=24),
        Column("ma_htx"),
        Column("danh_muc"),
        Column("don_vi"),
        Column("gia_vnd", VND_FORMAT),
        Column("ton_kho", INT_FORMAT),
        Column("gtin"),
    ]
    query = (
        select(Product, Cooperative.slug, Category.slug)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .outerjoin(Category, Category.id == Product.category_id)
        .where(Product.cooperative_id.in_(_sellers(scope)), Product.status == ProductStatus.PUBLISHED)
        .order_by(Cooperative.slug, Product.name)
    )
    rows = [
        [p.id, p.name, coop, category or "", p.unit, p.price_vnd, p.stock, p.gtin or ""]
        for p, coop, category in db.session.execute(query)
    ]
    return columns, rows


def seasonal_table(scope: Scope) -> Table:
    columns = [
        Column("ma_htx"),
        Column("san_pham", min_width=24),
        Column("danh_muc"),
        Column("san_luong", INT_FORMAT),
        Column("don_vi"),
        Column("thu_hoach_tu", DATE_FORMAT),
        Column("thu_hoach_den", DATE_FORMAT),
        Column("ghi_chu"),
    ]
    query = (
        select(SeasonalSupply, Cooperative.slug, Category.slug)
        .join(Cooperative, Cooperative.id == SeasonalSupply.cooperative_id)
        .outerjoin(Category, Category.id == SeasonalSupply.category_id)
        .where(SeasonalSupply.cooperative_id.in_(_sellers(scope)))
        .order_by(SeasonalSupply.harvest_from, Cooperative.slug)
    )
    rows = [
        [coop, s.title, category or "", s.quantity, s.unit, s.harvest_from, s.harvest_to, s.note]
        for s, coop, category in db.session.execute(query)
    ]
    return columns, rows


def demands_table(scope: Scope) -> Table:
    columns = [
        Column("ma_nhu_cau", INT_FORMAT),
        Column("ten", min_width=24),
        Column("danh_muc"),
        Column("so_luong", INT_FORMAT),
        Column("don_vi"),
        Column("can_truoc", DATE_FORMAT),
        Column("thu_trong_tuan", INT_FORMAT),
        Column("lich_tu", DATE_FORMAT),
        Column("lich_den", DATE_FORMAT),
        Column("ma_tinh", INT_FORMAT),
        Column("ma_xa", INT_FORMAT),
        Column("gia_toi_da_vnd", VND_FORMAT),
        Column("han_chao_hang", DATE_FORMAT),
        Column("so_chao_hang", INT_FORMAT),
    ]
    offers = select(func.count(Offer.id)).where(Offer.demand_id == Demand.id).scalar_subquery()
    query = (
        select(Demand, Category.slug, offers)
        .outerjoin(Category, Category.id == Demand.category_id)
        .where(Demand.status == DemandStatus.OPEN, demand_region(scope))
        .order_by(Demand.id)
    )
    rows = [
        [
            d.id,
            d.title,
            category or "",
            d.quantity,
            d.unit,
            d.needed_by,
            d.weekday,
            d.schedule_from,
            d.schedule_to,
            d.province_code,
            d.commune_code,
            d.max_price_vnd,
            _deadline_day(d),
            count,
        ]
        for d, category, count in db.session.execute(query)
    ]
    return columns, rows


def _deadline_day(demand: Demand) -> date:
    """The last day offers are taken, in Vietnam (the deadline is the midnight that ends it)."""
    return (to_local(demand.offers_deadline) - timedelta(seconds=1)).date()


SHEETS: dict[str, Callable[[Scope], Table]] = {
    "sellers": sellers_table,
    "products": products_table,
    "seasonal": seasonal_table,
    "demands": demands_table,
}


def sheet_titles() -> dict[str, str]:
    return {
        "sellers": _("Người bán"),
        "products": _("Sản phẩm"),
        "seasonal": _("Nguồn hàng theo mùa"),
        "demands": _("Nhu cầu đang mở"),
    }


def workbook(scope: Scope) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for key, build in SHEETS.items():
        columns, rows = build(scope)
        sheet = book.create_sheet(sheet_titles()[key])
        write_table(sheet, columns, rows)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_sheet(scope: Scope, key: str) -> str:
    """One sheet as CSV (UTF-8 with a byte-order mark, so Excel reads the Vietnamese right; dates ISO)."""
    if key not in SHEETS:
        raise NotFound(_("Không có bảng này."))
    columns, rows = SHEETS[key](scope)
    out = StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow(spreadsheet_row("" if value is None else value for value in row))
    return out.getvalue()
