"""The dashboard's figures in reading order (the catalogue ones here, the activity ones in sales_figures.py)
and its headline numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from catalog import services as catalog_services
from catalog.models import ProductStatus
from marketplace.text import format_vnd

from . import charts, sales, stats
from .charts import Point, group_digits
from .figure import Figure
from .sales_figures import activity_figures
from .scope import Period, Scope

# the products figure's order: live products first
FIGURE_STATUSES = (
    ProductStatus.PUBLISHED,
    ProductStatus.PENDING_REVIEW,
    ProductStatus.DRAFT,
    ProductStatus.REJECTED,
    ProductStatus.ARCHIVED,
)


def status_labels() -> dict[ProductStatus, str]:
    """Each product status in the catalogue's own words (`catalog.services.status_labels`), in the figure's order."""
    labels = catalog_services.status_labels()
    return {status: labels[status] for status in FIGURE_STATUSES}


@dataclass(frozen=True)
class CatalogueCounts:
    """The catalogue numbers the figures, the headline numbers and the expiring list share (each queried once)."""

    cooperatives: stats.CooperativeCounts
    products: dict[ProductStatus, int]
    ocop: dict[int, int]
    expiring: list[stats.ExpiringCertificate]


def catalogue_counts(scope: Scope, today: date) -> CatalogueCounts:
    return CatalogueCounts(
        stats.cooperative_counts(scope),
        stats.product_status_counts(scope),
        stats.ocop_star_counts(scope, today),
        stats.expiring_certificates(scope, today),
    )


def cooperatives_figure(counts: stats.CooperativeCounts) -> Figure:
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


def products_figure(counts: dict[ProductStatus, int]) -> Figure:
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


def ocop_figure(counts: dict[int, int]) -> Figure:
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


def catalogue_figures(counts: CatalogueCounts) -> list[Figure]:
    return [cooperatives_figure(counts.cooperatives), products_figure(counts.products), ocop_figure(counts.ocop)]


def dashboard_figures(scope: Scope, period: Period, today: date, counts: CatalogueCounts | None = None) -> list[Figure]:
    """Every figure of the dashboard, in reading order."""
    return catalogue_figures(counts or catalogue_counts(scope, today)) + activity_figures(scope, period)


def summary_values(
    scope: Scope, period: Period, today: date, counts: CatalogueCounts | None = None
) -> list[tuple[str, int, bool]]:
    """The headline numbers: (label, value, is money)."""
    counts = counts or catalogue_counts(scope, today)
    cooperatives, products, ocop = counts.cooperatives, counts.products, counts.ocop
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
        (_("Chứng nhận OCOP hết hạn trong 90 ngày"), len(counts.expiring), False),
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


def summary(
    scope: Scope, period: Period, today: date, counts: CatalogueCounts | None = None
) -> list[tuple[str, str, str]]:
    """The headline numbers formatted for the page, each with the anchor of the figure it opens."""
    values = summary_values(scope, period, today, counts)
    return [
        (label, format_vnd(value) if money else group_digits(value), anchor)
        for (label, value, money), anchor in zip(values, SUMMARY_ANCHORS, strict=True)
    ]
