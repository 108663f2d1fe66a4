"""Read scopes: every list and lookup starts from one, so a forgotten check is a 404, not someone else's product.

Who sees what: everyone sees published products of verified sellers (`IS_PUBLIC`, the one public scope: pages,
search, sitemap, feeds, channel exports, the API, the cart); a cooperative's members see their own in any state; commune
staff see their commune's; admin sees all (`products_visible_to`). Changing a product needs more
(`products_managed_by`, `products_reviewable_by`).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import BindParameter, Select, and_, or_, select
from sqlalchemy.orm import selectinload

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, Role, User
from marketplace.text import today_vn

from .models import OcopCertificate, Product, ProductRevision, ProductStatus, RevisionStatus

IS_PUBLISHED = Product.status == ProductStatus.PUBLISHED
SELLER_VERIFIED = Product.cooperative_id.in_(select(Cooperative.id).where(Cooperative.verified))
# What the public sees: a published product of a seller its commune has verified. Every public list, page, index,
# feed and export starts from this (or `published_products()` / `is_public`), never from IS_PUBLISHED alone.
IS_PUBLIC = and_(IS_PUBLISHED, SELLER_VERIFIED)


def is_public(product: Product) -> bool:
    """`IS_PUBLIC` for a loaded product: published, and its seller verified."""
    return product.status == ProductStatus.PUBLISHED and product.cooperative.verified


def with_card_data(query: Select[tuple[Product]]) -> Select[tuple[Product]]:
    """Load what a product card, an API item or a search document shows, in a handful of queries."""
    return query.options(
        selectinload(Product.cooperative).selectinload(Cooperative.commune).selectinload(Commune.province),
        selectinload(Product.origin_commune).selectinload(Commune.province),
        selectinload(Product.category),
        selectinload(Product.certificate),
    )


def product_loader() -> Select[tuple[Product]]:
    """Every product, with its card data loaded (callers narrow it)."""
    return with_card_data(select(Product))


def published_products() -> Select[tuple[Product]]:
    """What buyers and anonymous visitors see: published products of verified sellers."""
    return select(Product).where(IS_PUBLIC)


def products_visible_to(user: User | None) -> Select[tuple[Product]]:
    """Public products (published, verified seller) for everyone; besides, a cooperative's own in any state for its members, a commune's
    for its staff, and every product for admin."""
    if user is None or not getattr(user, "is_authenticated", False):
        return published_products()
    if user.role == Role.ADMIN:
        return select(Product)
    if user.role == Role.COOPERATIVE and user.cooperative_id is not None:
        return select(Product).where(or_(IS_PUBLIC, Product.cooperative_id == user.cooperative_id))
    if user.role == Role.COMMUNE_STAFF and user.commune_code is not None:
        in_commune = select(Cooperative.id).where(Cooperative.commune_code == user.commune_code)
        return select(Product).where(or_(IS_PUBLIC, Product.cooperative_id.in_(in_commune)))
    return published_products()


def products_managed_by(user: User) -> Select[tuple[Product]]:
    """A cooperative's own products; every product for admin; nothing for anyone else."""
    return products_managed_as(user.role, user.cooperative_id)


def products_managed_as(role: Role, cooperative_id: int | BindParameter | None) -> Select[tuple[Product]]:
    """`products_managed_by` for someone of this role and cooperative (a bind parameter in a statement built once)."""
    query = select(Product)
    if role == Role.ADMIN:
        return query
    if role == Role.COOPERATIVE:
        return query.where(Product.cooperative_id == cooperative_id)
    return query.where(False)


def products_reviewable_by(user: User) -> Select[tuple[Product]]:
    """Products of cooperatives in the staff member's commune; all for admin."""
    query = select(Product).join(Cooperative, Cooperative.id == Product.cooperative_id)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COMMUNE_STAFF:
        return query.where(Cooperative.commune_code == user.commune_code)
    return query.where(False)


def with_valid_certificate(
    query: Select[tuple[Product]], on: date | BindParameter | None = None
) -> Select[tuple[Product]]:
    """Narrow to products whose OCOP certificate is valid that day (today; or a bind parameter's value)."""
    return query.join(OcopCertificate, OcopCertificate.product_id == Product.id).where(
        OcopCertificate.valid_on(today_vn() if on is None else on)
    )


def pending_reviews(user: User, commune_code: int | None = None) -> tuple[list[Product], list[ProductRevision]]:
    """New products waiting for review and revisions of published ones, oldest first."""
    products = products_reviewable_by(user).where(Product.status == ProductStatus.PENDING_REVIEW)
    revisions = (
        select(ProductRevision)
        .join(Product, Product.id == ProductRevision.product_id)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(ProductRevision.status == RevisionStatus.PENDING)
    )
    if user.role == Role.COMMUNE_STAFF:
        revisions = revisions.where(Cooperative.commune_code == user.commune_code)
    elif user.role != Role.ADMIN:
        revisions = revisions.where(False)
    if commune_code:
        products = products.where(Cooperative.commune_code == commune_code)
        revisions = revisions.where(Cooperative.commune_code == commune_code)
    return (
        list(db.session.scalars(products.order_by(Product.updated_at))),
        list(db.session.scalars(revisions.order_by(ProductRevision.updated_at))),
    )


def load_published(ids: list[int]) -> list[Product]:
    """Published products with these ids (search hits), with their card data and photos, in the given order."""
    if not ids:
        return []
    query = with_card_data(published_products()).options(selectinload(Product.images))
    by_id = {p.id: p for p in db.session.scalars(query.where(Product.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def _one(query: Select[tuple[Product]], message: str | None = None) -> Product:
    product = db.session.scalar(query)
    if product is None:
        raise NotFound(message or _("Không tìm thấy sản phẩm."))
    return product


def get_visible_product(user: User | None, product_id: int) -> Product:
    """A product this user may see, with its card data; 404 otherwise."""
    return _one(with_card_data(products_visible_to(user)).where(Product.id == product_id))


def get_product(product_id: int) -> Product:
    """Any product, for review actions: the review service itself refuses another commune's staff (403)."""
    return _one(product_loader().where(Product.id == product_id))


def get_managed_product(user: User, product_id: int) -> Product:
    return _one(products_managed_by(user).where(Product.id == product_id))
