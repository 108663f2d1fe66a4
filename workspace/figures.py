"""The dashboard's figures in reading order (the catalogue ones here, the activity ones in sales_figures.py)
and its headline numbers."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from catalog.models import ProductStatus
from marketplace.text import format_vnd

from . import charts, sales, stats
from .charts import Point, group_digits
from .figure import Figure
from .sales_figures import activity_figures
from .scope import Period, Scope


def status_labels() -> dict[ProductStatus, str]:
    return {
        ProductStatus.PUBLISHED: _("Đang bán"),
        ProductStatus.PENDING_REVIEW: _("Chờ duyệt"),
        ProductStatus.DRAFT: _("Bản nháp"),
        ProductStatus.REJECTED: _("Bị từ chối"),
        ProductStatus.ARCHIVED: _("Đã lưu trữ"),
    }


def cooperatives_figure(scope: Scope) -> Figure:
    counts = stats.cooperative_counts(scope)
    points = [Point(_("Đã xác minh"), counts.verified), Point(_("Chưa xác minh"), counts.unverified)]
    title = _("Hợp tác xã")
    return Figure(
        "cooperatives",
        title,
        charts.donut_chart(points, title=title, empty_text=_("Chưa có hợp tác xã")),
        [_("Trạng thái"), _("Số hợp tác xã")],
        [[p.label, group_digits(p.value)] for p in points],
        total=[_("Tổng"), group_digits(counts.total)],
    )


def products_figure(scope: Scope) -> Figure:
    counts = stats.product_status_counts(scope)
    labels = status_labels()
    points = [Point(labels[status], counts[status]) for status in labels]
    title = _("Sản phẩm theo trạng thái")
    return Figure(
        "products",
        title,
        charts.donut_chart(points, title=title, empty_text=_("Chưa có sản phẩm")),
        [_("Trạng thái"), _("Số sản phẩm")],
        [[p.label, group_digits(p.value)] for p in points],
        total=[_("Tổng"), group_digits(sum(counts.values()))],
    )


def ocop_figure(scope: Scope, today: date) -> Figure:
    counts = stats.ocop_star_counts(scope, today)
    points = [Point(_("%(n)d sao", n=stars), counts[stars]) for stars in (3, 4, 5)]
    title = _("Sản phẩm OCOP còn hiệu lực theo số sao")
    return Figure(
        "ocop",
        title,
        charts.bar_chart(points, title=title, empty_text=_("Chưa có sản phẩm OCOP"), colour=charts.GOLD),
        [_("Hạng"), _("Số sản phẩm")],
        [[p.label, group_digits(p.value)] for p in points],
        total=[_("Tổng"), group_digits(sum(counts.values()))],
    )


def catalogue_figures(scope: Scope, today: date) -> list[Figure]:
    return [cooperatives_figure(scope), products_figure(scope), ocop_figure(scope, today)]


def dashboard_figures(scope: Scope, period: Period, today: date) -> list[Figure]:
    """Every figure of the dashboard, in reading order."""
    return catalogue_figures(scope, today) + activity_figures(scope, period)


def summary_values(scope: Scope, period: Period, today: date) -> list[tuple[str, int, bool]]:
    """The headline numbers: (label, value, is money)."""
    cooperatives = stats.cooperative_counts(scope)
    products = stats.product_status_counts(scope)
    ocop = stats.ocop_star_counts(scope, today)
    orders, revenue = sales.sales_totals(scope, period)
    return [
        (_("Đơn hàng trong kỳ"), orders, False),
        (_("Doanh thu trong kỳ"), revenue, True),
        (_("Lượt quét tem trong kỳ"), sales.scan_total(scope, period), False),
        (_("Hợp tác xã"), cooperatives.total, False),
        (_("Hợp tác xã đã xác minh"), cooperatives.verified, False),
        (_("Sản phẩm đang bán"), products[ProductStatus.PUBLISHED], False),
        (_("Sản phẩm chờ duyệt"), products[ProductStatus.PENDING_REVIEW], False),
        (_("Sản phẩm OCOP còn hiệu lực"), sum(ocop.values()), False),
        (_("Chứng nhận OCOP hết hạn trong 90 ngày"), len(stats.expiring_certificates(scope, today)), False),
    ]


# Where each headline number is explained on the dashboard (its figure or list), in summary_values' order.
SUMMARY_ANCHORS = (
    "orders_by_month",
    "revenue_by_month",
    "scans_by_time",
    "cooperatives",
    "cooperatives",
    "products",
    "products",
    "ocop",
    "chung-nhan-sap-het-han",
)


def summary(scope: Scope, period: Period, today: date) -> list[tuple[str, str, str]]:
    """The headline numbers formatted for the page, each with the anchor of the figure it opens."""
    return [
        (label, format_vnd(value) if money else group_digits(value), anchor)
        for (label, value, money), anchor in zip(summary_values(scope, period, today), SUMMARY_ANCHORS, strict=True)
    ]
