"""The report's activity sheets: "Đơn hàng và doanh thu" (by month, by cooperative, best sellers) and
"Lượt quét" (by day, by product). Several tables stacked on one sheet; the first has the frozen, filtered
header row, each has a bold title and a totals row written as plain values."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from . import sales
from .excel import DATE_FORMAT, INT_FORMAT, VND_FORMAT, Block, Column, write_blocks
from .scope import Period, Scope

MONTH_FORMAT = "MM/YYYY"


def month_start(month: str) -> date:
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def month_block(scope: Scope, period: Period) -> Block:
    months = sales.sales_by_month(scope, period)
    columns = [
        Column(_("Tháng"), MONTH_FORMAT, min_width=10),
        Column(_("Số đơn đặt"), INT_FORMAT),
        Column(_("Số đơn tính doanh thu"), INT_FORMAT),
        Column(_("Doanh thu (không gồm phí vận chuyển)"), VND_FORMAT, min_width=16),
    ]
    rows = [[month_start(m.month), m.orders, m.sold, m.revenue_vnd] for m in months]
    total = [_("Tổng"), sum(m.orders for m in months), sum(m.sold for m in months), sum(m.revenue_vnd for m in months)]
    return Block(None, columns, rows, total)


def cooperative_block(scope: Scope, period: Period) -> Block:
    rows = sales.sales_by_cooperative(scope, period)
    columns = [
        Column(_("STT"), min_width=4),
        Column(_("Hợp tác xã"), min_width=24),
        Column(_("Xã/phường")),
        Column(_("Số đơn tính doanh thu"), INT_FORMAT),
        Column(_("Doanh thu (không gồm phí vận chuyển)"), VND_FORMAT, min_width=16),
    ]
    body = [[i, r.name, r.commune, r.sold, r.revenue_vnd] for i, r in enumerate(rows, start=1)]
    total = [_("Tổng"), len(rows), None, sum(r.sold for r in rows), sum(r.revenue_vnd for r in rows)]
    return Block(_("Theo hợp tác xã"), columns, body, total)


def product_block(scope: Scope, period: Period) -> Block:
    rows = sales.top_products(scope, period, limit=None)
    columns = [
        Column(_("STT"), min_width=4),
        Column(_("Sản phẩm"), min_width=24),
        Column(_("Hợp tác xã"), min_width=20),
        Column(_("Đơn vị"), min_width=6),
        Column(_("Số lượng bán"), INT_FORMAT),
        Column(_("Doanh thu (không gồm phí vận chuyển)"), VND_FORMAT, min_width=16),
    ]
    body = [[i, r.name, r.cooperative, r.unit, r.quantity, r.revenue_vnd] for i, r in enumerate(rows, start=1)]
    total = [_("Tổng"), len(rows), None, None, None, sum(r.revenue_vnd for r in rows)]
    return Block(_("Theo sản phẩm"), columns, body, total)


def orders_sheet(sheet: Worksheet, scope: Scope, period: Period) -> None:
    sheet.title = _("Đơn hàng và doanh thu")
    write_blocks(sheet, [month_block(scope, period), cooperative_block(scope, period), product_block(scope, period)])


def scans_sheet(sheet: Worksheet, scope: Scope, period: Period) -> None:
    sheet.title = _("Lượt quét")
    days = [b for b in sales.scans_by_day_or_month(scope, period, by_month=False) if b.count]
    by_day = Block(
        None,
        [Column(_("Ngày"), DATE_FORMAT, min_width=10), Column(_("Lượt quét"), INT_FORMAT)],
        [[date.fromisoformat(b.key), b.count] for b in days],
        [_("Tổng"), sum(b.count for b in days)],
    )
    products = sales.scans_by_product(scope, period, limit=None)
    by_product = Block(
        _("Theo sản phẩm"),
        [
            Column(_("STT"), min_width=4),
            Column(_("Sản phẩm"), min_width=24),
            Column(_("Hợp tác xã"), min_width=20),
            Column(_("Lượt quét"), INT_FORMAT),
        ],
        [[i, r.name, r.cooperative, r.scans] for i, r in enumerate(products, start=1)],
        [_("Tổng"), len(products), None, sum(r.scans for r in products)],
    )
    write_blocks(sheet, [by_day, by_product])
