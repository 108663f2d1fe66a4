"""Search documents built from products: folded text plus the fields used to filter and count."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.text import fold

from ..models import Product
from ..queries import IS_PUBLIC, product_loader
from . import get_backend
from .base import marked

DESCRIPTION_CHARS = 600


@lru_cache(maxsize=8192)
def _fold_shared(value: str) -> str:
    """Folded category, cooperative and place names: the same few strings recur in every batch."""
    return fold(value)


def document_for(product: Product) -> dict:
    """What the index keeps for one published product."""
    commune = product.commune
    category = product.category
    shared = [
        category.name if category else "",
        category.parent.name if category and category.parent else "",
        product.cooperative.name,
        commune.name,
        commune.province.name,
    ]
    name = fold(product.name)
    description = fold((product.description or "")[:DESCRIPTION_CHARS])
    return {
        "product_id": product.id,
        "cooperative_id": product.cooperative_id,
        "name": name,
        "name_marked": marked(product.name),
        "display_name": product.name,
        "document": " ".join([name, *(_fold_shared(p) for p in shared if p), description]).strip(),
        "category_id": product.category_id,
        "category_root_id": (category.parent_id or category.id) if category else None,
        "province_code": commune.province_code,
        "commune_code": commune.code,
        "stars": product.valid_stars(),
        "price_vnd": product.price_vnd,
        "published_at": product.published_at,
    }


def published_products(batch: int = 1000):
    """Every public product (published, verified seller), in id order, in batches (for reindexing)."""
    last_id = 0
    while True:
        rows = db.session.scalars(
            product_loader().where(IS_PUBLIC, Product.id > last_id).order_by(Product.id).limit(batch)
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def reindex(progress=None, batch: int = 1000) -> int:
    """Empty the index and add every published product again; returns how many were indexed."""
    backend = get_backend()
    backend.clear()
    count = 0
    for rows in published_products(batch):
        backend.index([document_for(p) for p in rows])
        count += len(rows)
        if progress:
            progress(len(rows))
        db.session.expunge_all()
    return count


def published_count() -> int:
    return db.session.scalar(select(func.count()).where(IS_PUBLIC)) or 0
