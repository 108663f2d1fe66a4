"""Read scopes: who sees which batches. Every lookup starts here, so a forgotten check is a 404."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from catalog.models import Product
from marketplace.errors import Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User

from .models import Batch, TraceEvent


def batches_visible_to(user: User | None) -> Select[tuple[Batch]]:
    """A cooperative's members see its batches, commune staff their commune's (read-only), admin all."""
    query = select(Batch)
    if user is None:
        return query.where(False)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COOPERATIVE and user.cooperative_id:
        return query.where(Batch.cooperative_id == user.cooperative_id)
    if user.role == Role.COMMUNE_STAFF and user.commune_code:
        return query.join(Cooperative, Cooperative.id == Batch.cooperative_id).where(
            Cooperative.commune_code == user.commune_code
        )
    return query.where(False)


def get_visible_batch(user: User | None, code: str) -> Batch:
    batch = db.session.scalar(
        batches_visible_to(user)
        .where(Batch.code == (code or "").strip().upper()[:16])
        .options(
            selectinload(Batch.product).selectinload(Product.certificate),
            selectinload(Batch.events).selectinload(TraceEvent.photos),
            selectinload(Batch.photos),
        )
    )
    if batch is None:
        raise NotFound(_("Không tìm thấy lô hàng."))
    return batch


def get_managed_batch(user: User, code: str) -> Batch:
    """A batch the user may add to: their own cooperative's (commune staff only look)."""
    batch = get_visible_batch(user, code)
    if not (user.role == Role.ADMIN or (user.role == Role.COOPERATIVE and user.cooperative_id == batch.cooperative_id)):
        raise Forbidden(_("Cán bộ xã chỉ được xem lô hàng, không được ghi thêm."))
    return batch


def products_for_batches(user: User) -> list[Product]:
    """Products the user's cooperative can open a batch for."""
    if user.role != Role.COOPERATIVE or not user.cooperative_id:
        return []
    return list(
        db.session.scalars(select(Product).where(Product.cooperative_id == user.cooperative_id).order_by(Product.name))
    )
