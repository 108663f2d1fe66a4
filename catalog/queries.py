"""Read scopes: every lookup starts from one, so a forgotten check is a 404, not someone else's product."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User

from .models import Product, ProductRevision, ProductStatus, RevisionStatus


def published_products() -> Select[tuple[Product]]:
    return select(Product).where(Product.status == ProductStatus.PUBLISHED)


def products_managed_by(user: User) -> Select[tuple[Product]]:
    """A cooperative's own products; every product for admin; nothing for anyone else."""
    query = select(Product)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COOPERATIVE:
        return query.where(Product.cooperative_id == user.cooperative_id)
    return query.where(False)


def products_reviewable_by(user: User) -> Select[tuple[Product]]:
    """Products of cooperatives in the staff member's commune; all for admin."""
    query = select(Product).join(Cooperative, Cooperative.id == Product.cooperative_id)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COMMUNE_STAFF:
        return query.where(Cooperative.commune_code == user.commune_code)
    return query.where(False)


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


def get_managed_product(user: User, product_id: int) -> Product:
    product = db.session.scalar(products_managed_by(user).where(Product.id == product_id))
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return product


def get_published_by_slug(slug: str) -> Product:
    product = db.session.scalar(published_products().where(Product.slug == slug))
    if product is None:
        raise NotFound(_("Không tìm thấy sản phẩm hoặc sản phẩm chưa được duyệt."))
    return product
