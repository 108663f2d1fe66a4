"""The dashboard's activity figures for the period: orders and revenue, best sellers, label scans, channels."""

from __future__ import annotations

from flask_babel import gettext as _

from integrations.channels import all_channels
from marketplace.text import format_vnd

from . import charts, sales
from .charts import Point, group_digits
from .figure import Figure, day_label, empty_text, month_label
from .scope import Period, Scope


def revenue_note() -> str:
    return _(
        "Doanh thu là tiền hàng (không gồm phí vận chuyển) của đơn đã thanh toán, hoặc đã xác nhận với đơn "
        "trả tiền khi nhận hàng; không tính đơn đã huỷ, chờ hoàn tiền hoặc đã hoàn tiền. Đơn tính theo tháng đặt "
        "hàng (giờ Việt Nam)."
    )


def top_note(shown: int, total: int) -> str:
    if total <= shown:
        return ""
    return _("Hiển thị %(shown)d trên %(total)d; dòng tổng tính tất cả.", shown=shown, total=total)


def orders_figure(months: list[sales.MonthSales]) -> Figure:
    title = _("Đơn hàng theo tháng")
    points = [Point(month_label(m.month), m.orders) for m in months]
    return Figure(
        "orders_by_month",
        title,
        charts.bar_chart(points, title=title, empty_text=empty_text()),
        [_("Tháng"), _("Đơn đặt"), _("Đơn tính doanh thu")],
        [[month_label(m.month), group_digits(m.orders), group_digits(m.sold)] for m in months],
        total=[_("Tổng"), group_digits(sum(m.orders for m in months)), group_digits(sum(m.sold for m in months))],
    )


def revenue_figure(months: list[sales.MonthSales]) -> Figure:
    title = _("Doanh thu theo tháng")
    points = [Point(month_label(m.month), m.revenue_vnd) for m in months]
    return Figure(
        "revenue_by_month",
        title,
        charts.bar_chart(points, title=title, value_format=format_vnd, empty_text=empty_text(), colour=charts.GOLD),
        [_("Tháng"), _("Doanh thu")],
        [[month_label(m.month), format_vnd(m.revenue_vnd)] for m in months],
        note=revenue_note(),
        total=[_("Tổng"), format_vnd(sum(m.revenue_vnd for m in months))],
    )


def cooperative_revenue_figure(rows: list[sales.CooperativeSales]) -> Figure:
    title = _("Doanh thu theo hợp tác xã")
    shown = rows[: sales.TOP_LIMIT]
    points = [Point(r.name, r.revenue_vnd) for r in shown]
    return Figure(
        "revenue_by_cooperative",
        title,
        charts.hbar_chart(points, title=title, value_format=format_vnd, empty_text=empty_text()),
        [_("Hợp tác xã"), _("Đơn"), _("Doanh thu")],
        [[r.name, group_digits(r.sold), format_vnd(r.revenue_vnd)] for r in shown],
        note=top_note(len(shown), len(rows)),
        total=[_("Tổng"), group_digits(sum(r.sold for r in rows)), format_vnd(sum(r.revenue_vnd for r in rows))],
    )


def top_products_figure(rows: list[sales.ProductSales]) -> Figure:
    title = _("Sản phẩm bán chạy")
    points = [Point(r.name, r.revenue_vnd) for r in rows]
    return Figure(
        "top_products",
        title,
        charts.hbar_chart(points, title=title, value_format=format_vnd, empty_text=empty_text(), colour=charts.GOLD),
        [_("Sản phẩm"), _("Số lượng"), _("Doanh thu")],
        [[r.name, f"{group_digits(r.quantity)} {r.unit}", format_vnd(r.revenue_vnd)] for r in rows],
        note=_("Tối đa %(n)d sản phẩm có doanh thu cao nhất trong kỳ.", n=sales.TOP_LIMIT),
    )


def scans_time_figure(scope: Scope, period: Period) -> Figure:
    by_month = sales.scans_by_month_for(period)
    buckets = sales.scans_by_day_or_month(scope, period, by_month)
    label = month_label if by_month else day_label
    points = [Point(label(b.key), b.count) for b in buckets]
    if by_month:
        title = _("Lượt quét tem theo tháng")
        chart = charts.bar_chart(points, title=title, empty_text=empty_text())
        header, note = _("Tháng"), ""
    else:
        title = _("Lượt quét tem theo ngày")
        chart = charts.line_chart(points, title=title, empty_text=empty_text())
        header, note = _("Ngày"), _("Bảng chỉ liệt kê những ngày có lượt quét.")
    shown = buckets if by_month else [b for b in buckets if b.count]
    return Figure(
        "scans_by_time",
        title,
        chart,
        [header, _("Lượt quét")],
        [[label(b.key), group_digits(b.count)] for b in shown],
        note=note,
        total=[_("Tổng"), group_digits(sum(b.count for b in buckets))],
    )


def scans_product_figure(scope: Scope, period: Period) -> Figure:
    rows = sales.scans_by_product(scope, period, limit=None)
    shown = rows[: sales.TOP_LIMIT]
    title = _("Lượt quét tem theo sản phẩm")
    points = [Point(r.name, r.scans) for r in shown]
    return Figure(
        "scans_by_product",
        title,
        charts.hbar_chart(points, title=title, empty_text=empty_text()),
        [_("Sản phẩm"), _("Lượt quét")],
        [[r.name, group_digits(r.scans)] for r in shown],
        note=top_note(len(shown), len(rows)),
        total=[_("Tổng"), group_digits(sum(r.scans for r in rows))],
    )


def channel_names() -> dict[str, str]:
    return {c.id: c.name for c in all_channels()}


def channels_figure(scope: Scope) -> Figure:
    rows = sales.channel_counts(scope)
    names = channel_names()
    title = _("Sản phẩm trên các kênh bán hàng")
    points = [Point(names.get(r.channel, r.channel), r.listed + r.out_of_sync) for r in rows]
    return Figure(
        "channels",
        title,
        charts.hbar_chart(points, title=title, empty_text=_("Chưa có sản phẩm nào được đưa lên kênh bán hàng")),
        [_("Kênh"), _("Đang bán"), _("Cần cập nhật"), _("Chờ đăng")],
        [
            [
                names.get(r.channel, r.channel),
                group_digits(r.listed),
                group_digits(r.out_of_sync),
                group_digits(r.exported),
            ]
            for r in rows
        ],
        note=_(
            "Số hiện tại, không theo kỳ. Biểu đồ đếm sản phẩm đang bán trên từng kênh. Cần cập nhật: đang bán "
            "nhưng thông tin đã đổi từ lần xuất trước. Chờ đăng: đã xuất tệp, chưa đăng lên sàn."
        ),
        total=[
            _("Tổng"),
            group_digits(sum(r.listed for r in rows)),
            group_digits(sum(r.out_of_sync for r in rows)),
            group_digits(sum(r.exported for r in rows)),
        ],
    )


def activity_figures(scope: Scope, period: Period) -> list[Figure]:
    """Orders, revenue, best sellers, scans and channels, in reading order."""
    months = sales.sales_by_month(scope, period)
    return [
        orders_figure(months),
        revenue_figure(months),
        cooperative_revenue_figure(sales.sales_by_cooperative(scope, period)),
        top_products_figure(sales.top_products(scope, period)),
        scans_time_figure(scope, period),
        scans_product_figure(scope, period),
        channels_figure(scope),
    ]
