"""Aggregate queries behind the commune dashboard and the province report.

Every function takes a `Scope` (one commune, one province or everything) and answers with plain numbers or
rows computed by SQL (`COUNT`, `SUM`, `GROUP BY`), never by loading objects and adding them up in Python.
A cooperative's commune decides where its products, orders and scans belong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, and_, bindparam, case, func, select

from catalog.models import CertificationLevel, OcopCertificate, Product, ProductStatus
from marketplace.database import read_plain
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, CooperativeKind, CooperativeStatus, Province

from .scope import Scope

EXPIRY_WINDOW_DAYS = 90


@dataclass(frozen=True)
class CooperativeCounts:
    verified: int
    unverified: int

    @property
    def total(self) -> int:
        return self.verified + self.unverified


@dataclass(frozen=True)
class CooperativeRow:
    id: int
    name: str
    kind: CooperativeKind
    commune: str
    province: str
    phone: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime
    products: int
    published: int


@dataclass(frozen=True)
class ProductRow:
    id: int
    name: str
    cooperative: str
    commune: str
    status: ProductStatus
    price_vnd: int
    unit: str
    stock: int
    stars: int | None
    certificate_no: str | None
    level: CertificationLevel | None
    issued_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class ExpiringCertificate:
    product_id: int
    product: str
    cooperative: str
    cooperative_id: int
    commune: str
    phone: str
    stars: int
    certificate_no: str
    expires_on: date
    days_left: int


def cooperative_counts(scope: Scope) -> CooperativeCounts:
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((Cooperative.verified, 1), else_=0)), 0),
            func.count(Cooperative.id),
        ).where(scope.where(Cooperative.commune_code))
    ).one()
    verified, total = int(row[0]), int(row[1])
    return CooperativeCounts(verified=verified, unverified=total - verified)


class WaitingApplication(NamedTuple):
    """What the staff's to-do shows of a seller's application."""

    id: int
    name: str
    phone: str
    commune_name: str
    submitted_at: datetime  # when it was (re)submitted, else when the seller signed up


@cache
def _cooperatives_waiting(shape: str) -> Select:
    """Built once per scope shape (see `Scope.bound`): plain columns, no ORM objects."""
    scope = Scope.bound(shape)
    submitted = func.coalesce(Cooperative.submitted_at, Cooperative.created_at)
    return (
        select(Cooperative.id, Cooperative.name, Cooperative.phone, Commune.name, submitted)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(scope.where(Cooperative.commune_code), Cooperative.status == CooperativeStatus.PENDING)
        .order_by(submitted, Cooperative.id)
        .limit(bindparam("limit"))
    )


def cooperatives_waiting(scope: Scope, limit: int = 50) -> list[WaitingApplication]:
    """Sellers' applications waiting for the staff (pending: not verified, not sent back to the applicant),
    oldest submission first (the staff's to-do list)."""
    statement = _cooperatives_waiting(scope.shape)
    return [WaitingApplication(*row) for row in read_plain(statement, {**scope.params, "limit": limit})]


def product_status_counts(scope: Scope) -> dict[ProductStatus, int]:
    """Products per status; every status is present (zero when none)."""
    rows = db.session.execute(
        select(Product.status, func.count(Product.id))
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(scope.where(Cooperative.commune_code))
        .group_by(Product.status)
    ).all()
    counts = {status: 0 for status in ProductStatus}
    counts.update({ProductStatus(status): int(n) for status, n in rows})
    return counts


def review_queue(scope: Scope) -> Select[tuple[int]]:
    """The ids of the products waiting for the commune's review."""
    return (
        select(Product.id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(scope.where(Cooperative.commune_code), Product.status == ProductStatus.PENDING_REVIEW)
    )


def review_queue_count(scope: Scope) -> int:
    """Products waiting for the commune's review."""
    return int(db.session.scalar(review_queue(scope).with_only_columns(func.count(Product.id))) or 0)


def ocop_star_counts(scope: Scope, today: date) -> dict[int, int]:
    """Products holding a certificate still valid today, by stars (3, 4, 5)."""
    rows = db.session.execute(
        select(OcopCertificate.stars, func.count(OcopCertificate.id))
        .join(Product, Product.id == OcopCertificate.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(
            scope.where(Cooperative.commune_code),
            OcopCertificate.expires_on >= today,
            Product.status != ProductStatus.ARCHIVED,
        )
        .group_by(OcopCertificate.stars)
    ).all()
    counts = {3: 0, 4: 0, 5: 0}
    counts.update({int(stars): int(n) for stars, n in rows})
    return counts


def expiring_certificates(scope: Scope, today: date, days: int = EXPIRY_WINDOW_DAYS) -> list[ExpiringCertificate]:
    """Certificates that expire between today and `days` ahead, soonest first (to follow up)."""
    rows = db.session.execute(
        select(
            Product.id,
            Product.name,
            Cooperative.name,
            Cooperative.id,
            Commune.name,
            Cooperative.phone,
            OcopCertificate.stars,
            OcopCertificate.certificate_no,
            OcopCertificate.expires_on,
        )
        .join(Product, Product.id == OcopCertificate.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(
            scope.where(Cooperative.commune_code),
            OcopCertificate.expires_on >= today,
            OcopCertificate.expires_on <= today + timedelta(days=days),
            Product.status != ProductStatus.ARCHIVED,
        )
        .order_by(OcopCertificate.expires_on, Product.id)
    ).all()
    return [ExpiringCertificate(*row[:8], expires_on=row[8], days_left=(row[8] - today).days) for row in rows]


def cooperative_rows(scope: Scope) -> list[CooperativeRow]:
    """Each cooperative with its commune, province and product counts (one query)."""
    products = (
        select(
            Product.cooperative_id.label("cid"),
            func.count(Product.id).label("n"),
            func.sum(case((Product.status == ProductStatus.PUBLISHED, 1), else_=0)).label("published"),
        )
        .group_by(Product.cooperative_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Cooperative.id,
            Cooperative.name,
            Cooperative.kind,
            Commune.name,
            Province.name,
            Cooperative.phone,
            Cooperative.verified,
            Cooperative.verified_at,
            Cooperative.created_at,
            func.coalesce(products.c.n, 0),
            func.coalesce(products.c.published, 0),
        )
        .join(Commune, Commune.code == Cooperative.commune_code)
        .join(Province, Province.code == Commune.province_code)
        .outerjoin(products, products.c.cid == Cooperative.id)
        .where(scope.where(Cooperative.commune_code))
        .order_by(Province.name, Commune.name, Cooperative.name, Cooperative.id)
    ).all()
    return [CooperativeRow(*row[:9], products=int(row[9]), published=int(row[10])) for row in rows]


def product_rows(scope: Scope) -> list[ProductRow]:
    """Every product of the scope with its OCOP certificate, if any."""
    rows = db.session.execute(
        select(
            Product.id,
            Product.name,
            Cooperative.name,
            Commune.name,
            Product.status,
            Product.price_vnd,
            Product.unit,
            Product.stock,
            OcopCertificate.stars,
            OcopCertificate.certificate_no,
            OcopCertificate.level,
            OcopCertificate.issued_on,
            OcopCertificate.expires_on,
        )
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .outerjoin(OcopCertificate, and_(OcopCertificate.product_id == Product.id))
        .where(scope.where(Cooperative.commune_code))
        .order_by(Cooperative.name, Product.name, Product.id)
    ).all()
    return [ProductRow(*row) for row in rows]
