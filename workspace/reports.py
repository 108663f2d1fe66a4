"""The period's report as an Excel workbook for the province: one sheet per topic, Vietnamese headers,
totals as values, đồng and dd/mm/yyyy formats, sized columns and a frozen header row."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from marketplace.models import CooperativeKind
from marketplace.sellers.labels import kind_labels
from marketplace.text import spreadsheet_row, to_local, utcnow

from . import figures, stats
from .excel import DATE_FORMAT, HEADER_FILL, HEADER_FONT, INT_FORMAT, VND_FORMAT, Column, write_table
from .sales_report import orders_sheet, scans_sheet
from .scope import Period, Scope
from .supply_demand import supply_demand_sheet


def scope_slug(scope: Scope) -> str:
    if scope.commune_code is not None:
        return f"xa-{scope.commune_code}"
    if scope.province_code is not None:
        return f"tinh-{scope.province_code}"
    return "toan-bo"


def local_date(moment: datetime | None) -> date | None:
    """A UTC timestamp as its date in Vietnam (what people mean by 'the day it happened')."""
    return to_local(moment).date() if moment else None


def level_label(level) -> str:
    if level is None:
        return ""
    return _("Trung ương") if str(level) == "trung_uong" else _("Tỉnh")


def summary_sheet(sheet: Worksheet, scope: Scope, period: Period, today: date) -> None:
    sheet.title = _("Tổng hợp")
    sheet.append([_("Báo cáo sản phẩm OCOP và thương mại điện tử")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(spreadsheet_row([_("Địa bàn"), scope.label]))
    sheet.append([_("Từ ngày"), period.start])
    sheet.append([_("Đến ngày"), period.end])
    sheet.append([_("Ngày lập"), local_date(utcnow())])
    for row in range(3, 6):
        sheet.cell(row=row, column=2).number_format = DATE_FORMAT
    sheet.append([])
    sheet.append([_("Chỉ tiêu"), _("Số liệu")])
    for cell in sheet[sheet.max_row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    for label, value, money in figures.summary_values(scope, period, today):
        sheet.append(spreadsheet_row([label, value]))
        sheet.cell(row=sheet.max_row, column=2).number_format = VND_FORMAT if money else INT_FORMAT
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 36


def cooperatives_sheet(sheet: Worksheet, scope: Scope) -> None:
    sheet.title = _("Hợp tác xã")
    kinds = kind_labels()
    rows = stats.cooperative_rows(scope)
    columns = [
        Column(_("STT"), min_width=4),
        Column(_("Tên hợp tác xã"), min_width=24),
        Column(_("Loại hình")),
        Column(_("Xã/phường")),
        Column(_("Tỉnh/thành phố")),
        Column(_("Điện thoại")),
        Column(_("Đã xác minh")),
        Column(_("Ngày xác minh"), DATE_FORMAT),
        Column(_("Ngày đăng ký"), DATE_FORMAT),
        Column(_("Số sản phẩm"), INT_FORMAT),
        Column(_("Đang bán"), INT_FORMAT),
    ]
    body = [
        [
            i,
            r.name,
            kinds[CooperativeKind(r.kind)],
            r.commune,
            r.province,
            r.phone,
            _("Có") if r.verified else _("Chưa"),
            local_date(r.verified_at),
            local_date(r.created_at),
            r.products,
            r.published,
        ]
        for i, r in enumerate(rows, start=1)
    ]
    verified = sum(1 for r in rows if r.verified)
    total = [_("Tổng"), len(rows), "", "", "", "", verified, None, None]
    total += [sum(r.products for r in rows), sum(r.published for r in rows)]
    write_table(sheet, columns, body, total)


def products_sheet(sheet: Worksheet, scope: Scope) -> None:
    sheet.title = _("Sản phẩm và OCOP")
    labels = figures.status_labels()
    rows = stats.product_rows(scope)
    columns = [
        Column(_("STT"), min_width=4),
        Column(_("Sản phẩm"), min_width=24),
        Column(_("Hợp tác xã"), min_width=20),
        Column(_("Xã/phường")),
        Column(_("Trạng thái")),
        Column(_("Giá bán"), VND_FORMAT),
        Column(_("Đơn vị"), min_width=6),
        Column(_("Tồn kho"), INT_FORMAT),
        Column(_("Hạng OCOP (sao)"), INT_FORMAT),
        Column(_("Số quyết định công nhận")),
        Column(_("Cấp công nhận")),
        Column(_("Ngày cấp"), DATE_FORMAT),
        Column(_("Ngày hết hạn"), DATE_FORMAT),
    ]
    body = [
        [
            i,
            r.name,
            r.cooperative,
            r.commune,
            labels[r.status],
            r.price_vnd,
            r.unit,
            r.stock,
            r.stars,
            r.certificate_no or "",
            level_label(r.level),
            r.issued_on,
            r.expires_on,
        ]
        for i, r in enumerate(rows, start=1)
    ]
    certified = sum(1 for r in rows if r.stars)
    total = [_("Tổng"), len(rows), "", "", "", None, "", sum(r.stock for r in rows), certified]
    write_table(sheet, columns, body, total)


def expiring_sheet(sheet: Worksheet, scope: Scope, today: date) -> None:
    sheet.title = _("Chứng nhận sắp hết hạn")
    rows = stats.expiring_certificates(scope, today)
    columns = [
        Column(_("STT"), min_width=4),
        Column(_("Sản phẩm"), min_width=24),
        Column(_("Hợp tác xã"), min_width=20),
        Column(_("Xã/phường")),
        Column(_("Điện thoại")),
        Column(_("Hạng OCOP (sao)"), INT_FORMAT),
        Column(_("Số quyết định công nhận")),
        Column(_("Ngày hết hạn"), DATE_FORMAT),
        Column(_("Còn lại (ngày)"), INT_FORMAT),
    ]
    body = [
        [i, r.product, r.cooperative, r.commune, r.phone, r.stars, r.certificate_no, r.expires_on, r.days_left]
        for i, r in enumerate(rows, start=1)
    ]
    write_table(sheet, columns, body, [_("Tổng"), len(rows)])


def build_workbook(scope: Scope, period: Period, today: date) -> Workbook:
    workbook = Workbook()
    summary_sheet(workbook.active, scope, period, today)
    cooperatives_sheet(workbook.create_sheet(), scope)
    products_sheet(workbook.create_sheet(), scope)
    expiring_sheet(workbook.create_sheet(), scope, today)
    supply_demand_sheet(workbook.create_sheet(), scope)
    orders_sheet(workbook.create_sheet(), scope, period)
    scans_sheet(workbook.create_sheet(), scope, period)
    workbook.properties.title = _("Báo cáo OCOP %(scope)s, %(period)s", scope=scope.label, period=period.label)
    workbook.properties.creator = "Chợ OCOP"
    return workbook


def build_report(scope: Scope, period: Period, today: date) -> bytes:
    buffer = BytesIO()
    build_workbook(scope, period, today).save(buffer)
    return buffer.getvalue()
