"""Each role's "Việc cần làm": what waits for a cooperative or a commune's staff, counted by SQL.

A card is a label, a count and the list it opens; the home pages show the cards first, then the short lists
behind the ones that have no page of their own (low stock, batches without labels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select

from catalog.models import OcopCertificate, Product, ProductStatus
from marketplace.database import read_plain
from marketplace.extensions import db
from marketplace.models import Cooperative, CooperativeStatus, Role, User
from marketplace.notify.models import Delivery, DeliveryStatus
from marketplace.sellers import bank
from orders.models import Order, OrderStatus
from traceability.models import Batch, LabelRun

from . import stats
from .scope import Scope

LOW_STOCK = 5
CERTIFICATE_WINDOW_DAYS = 60
TO_CONFIRM = (OrderStatus.PAID, OrderStatus.AWAITING_CONFIRMATION)
LIST_LIMIT = 20


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class CooperativeTodo:
    cards: list[Card]
    rejected: list[Product]
    low_stock: list[Product]
    unlabelled: list[Batch]


def _count(query) -> int:
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _orders_in(cooperative_id: int, statuses) -> int:
    return _count(select(Order.id).where(Order.cooperative_id == cooperative_id, Order.status.in_(statuses)))


def _products(cooperative_id: int, *conditions) -> list[Product]:
    query = select(Product).where(Product.cooperative_id == cooperative_id, *conditions)
    return list(db.session.scalars(query.order_by(Product.updated_at.desc(), Product.id.desc()).limit(LIST_LIMIT)))


def _product_count(cooperative_id: int, *conditions) -> int:
    return _count(select(Product.id).where(Product.cooperative_id == cooperative_id, *conditions))


def _unlabelled_batches(cooperative_id: int) -> tuple[int, list[Batch]]:
    """Batches that never had a label run: their products go out without a traceability label."""
    labelled = select(LabelRun.id).where(LabelRun.batch_id == Batch.id).exists()
    query = select(Batch).where(Batch.cooperative_id == cooperative_id, ~labelled)
    rows = db.session.scalars(query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(LIST_LIMIT))
    return _count(query.with_only_columns(Batch.id)), list(rows)


def cooperative_todo(cooperative_id: int) -> CooperativeTodo:
    """The cooperative's to-do: orders to confirm and ship, products sent back, low stock, labels to print."""
    low = (Product.status == ProductStatus.PUBLISHED, Product.stock <= LOW_STOCK)
    rejected = (Product.status == ProductStatus.REJECTED,)
    unlabelled_count, unlabelled = _unlabelled_batches(cooperative_id)
    cards = [
        Card(
            "confirm",
            _("Đơn chờ xác nhận"),
            _orders_in(cooperative_id, TO_CONFIRM),
            url_for("orders.desk", status=[status.value for status in TO_CONFIRM]),
        ),
        Card(
            "ship",
            _("Đơn chờ giao"),
            _orders_in(cooperative_id, (OrderStatus.CONFIRMED,)),
            url_for("orders.desk", status=OrderStatus.CONFIRMED.value),
        ),
        Card(
            "rejected",
            _("Sản phẩm bị trả lại"),
            _product_count(cooperative_id, *rejected),
            url_for("catalog.my_products", status=ProductStatus.REJECTED.value),
        ),
        Card("low-stock", _("Sắp hết hàng"), _product_count(cooperative_id, *low), "#sap-het-hang"),
        Card("labels", _("Lô chưa in nhãn"), unlabelled_count, "#lo-chua-in-nhan"),
    ]
    return CooperativeTodo(cards, _products(cooperative_id, *rejected), _products(cooperative_id, *low), unlabelled)


def _expiring(scope: Scope) -> Select:
    """Certificates expiring between the `today` and `window_end` parameters."""
    return (
        select(OcopCertificate.id)
        .join(Product, Product.id == OcopCertificate.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(
            scope.where(Cooperative.commune_code),
            OcopCertificate.expires_on >= bindparam("today"),
            OcopCertificate.expires_on <= bindparam("window_end"),
            Product.status != ProductStatus.ARCHIVED,
        )
    )


def _bank_changes(role: Role, scope: Scope) -> Select:
    """Bank account changes waiting for staff of this role (`staff_commune` parameter), in the scope's commune
    (`bank.pending_changes_count`'s rows)."""
    query = bank.pending_changes_as(role, bindparam("staff_commune")).order_by(None)
    if scope.commune_code is not None:
        query = query.where(Cooperative.commune_code == scope.commune_code)
    return query


def _counts(*queries: Select) -> Select:
    """One statement giving the row count of each query."""
    return select(*(select(func.count()).select_from(query.subquery()).scalar_subquery() for query in queries))


@cache
def _commune_counts(shape: str, role: Role) -> Select:
    """The commune to-do's four counts, built once per scope shape and role (building it cost more than running it)."""
    scope = Scope.bound(shape)
    applications = select(Cooperative.id).where(
        scope.where(Cooperative.commune_code), Cooperative.status == CooperativeStatus.PENDING
    )
    return _counts(stats.review_queue(scope), applications, _bank_changes(role, scope), _expiring(scope))


def commune_cards(user: User, scope: Scope, today: date, review_url: str | None) -> list[Card]:
    """The commune staff's to-do: products and applications waiting, bank changes, certificates expiring (one
    statement)."""
    params = {
        **scope.params,
        "staff_commune": user.commune_code,
        "today": today,
        "window_end": today + timedelta(days=CERTIFICATE_WINDOW_DAYS),
    }
    row = read_plain(_commune_counts(scope.shape, user.role), params).one()
    review, waiting, bank_changes, expiring = (int(n or 0) for n in row)
    return [
        Card("review", _("Sản phẩm chờ duyệt"), review, review_url or "#viec-can-lam"),
        Card("applications", _("Hồ sơ người bán chờ xác minh"), waiting, "#ho-so-cho"),
        Card("bank", _("Đổi tài khoản nhận tiền chờ xác nhận"), bank_changes, url_for("workspace.bank_changes")),
        Card("certificates", _("Chứng nhận OCOP hết hạn trong 60 ngày"), expiring, "#chung-nhan-sap-het-han"),
    ]


def admin_cards(review_url: str | None) -> list[Card]:
    """The admin's to-do across every commune: sellers not verified yet, products to review, messages that failed."""
    unverified = _count(select(Cooperative.id).where(~Cooperative.verified))
    failed = _count(select(Delivery.id).where(Delivery.status == DeliveryStatus.FAILED))
    return [
        Card("cooperatives", _("Hợp tác xã chưa xác minh"), unverified, url_for("admin.cooperatives")),
        Card("review", _("Sản phẩm chờ duyệt"), stats.review_queue_count(Scope()), review_url or "#"),
        Card("deliveries", _("Tin gửi lỗi"), failed, url_for("admin.deliveries", status=DeliveryStatus.FAILED.value)),
    ]
