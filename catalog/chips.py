"""Per-worker cache of the chips on the home page and listings: the product groups and provinces that hold public
products (one query each, run on every signed-in page view before), and each group's sub-categories (a lazy load of
`Category.children` on every category page before).

Kept as plain values (slug, name, count: nothing lazy-loads from a closed session) for `REFERENCE_CACHE_SECONDS`
(60 by default; `0`, as in the tests, turns it off), signed-in visitors included. The worker that publishes,
unpublishes or edits a product, saves a category or changes a seller's status forgets them at once through the
domain signals; other workers catch up within that time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, Province
from marketplace.signals import seller_status_changed
from marketplace.ttlcache import TtlCache

from .models import Category, Product
from .queries import IS_PUBLIC
from .signals import product_changed, product_published, product_unpublished

cache = TtlCache(8)


@dataclass(frozen=True)
class Chip:
    """What a chip shows and links to (`category_name` reads `slug` and `name`)."""

    id: int
    slug: str
    name: str


def _cached(key: str, build: Callable[[], Any]) -> Any:
    ttl = float(current_app.config.get("REFERENCE_CACHE_SECONDS") or 0)
    if ttl <= 0:
        return build()
    found = cache.get(key, ttl)
    if found is None:
        found = build()
        cache.put(key, found)
    return found


def _categories() -> tuple[Chip, ...]:
    child = aliased(Category)
    root_of_product = (
        select(func.coalesce(child.parent_id, child.id)).join(Product, Product.category_id == child.id).where(IS_PUBLIC)
    )
    rows = db.session.execute(
        select(Category.id, Category.slug, Category.name)
        .where(Category.parent_id.is_(None), Category.id.in_(root_of_product))
        .order_by(Category.position)
    )
    return tuple(Chip(*row) for row in rows)


def categories_with_products(excluding: int | None = None) -> list[Chip]:
    """Product groups that hold at least one public product (directly or in a sub-category), in menu order."""
    return [chip for chip in _cached("categories", _categories) if chip.id != excluding]


def _every_category() -> dict[int, Chip]:
    return {row.id: Chip(*row) for row in db.session.execute(select(Category.id, Category.slug, Category.name))}


def categories_by_id() -> dict[int, Chip]:
    """Every product group and sub-group by id (the names of a listing's facet counts)."""
    return _cached("every category", _every_category)


def _subcategories() -> dict[int, tuple[Chip, ...]]:
    rows = db.session.execute(
        select(Category.parent_id, Category.id, Category.slug, Category.name)
        .where(Category.parent_id.is_not(None))
        .order_by(Category.parent_id, Category.position, Category.id)
    )
    children: dict[int, list[Chip]] = {}
    for parent_id, *chip in rows:
        children.setdefault(parent_id, []).append(Chip(*chip))
    return {parent_id: tuple(chips) for parent_id, chips in children.items()}


def subcategories(category_id: int) -> tuple[Chip, ...]:
    """A product group's sub-categories in menu order (the chips atop its listing; `Category.children`'s order)."""
    return _cached("subcategories", _subcategories).get(category_id, ())


def _provinces() -> tuple[tuple[Chip, int], ...]:
    rows = db.session.execute(
        select(Province.code, Province.slug, Province.name, func.count(Product.id))
        .join(Commune, Commune.province_code == Province.code)
        .join(Cooperative, Cooperative.commune_code == Commune.code)
        .join(Product, Product.cooperative_id == Cooperative.id)
        .where(IS_PUBLIC)
        .group_by(Province.code, Province.slug, Province.name)
        .order_by(func.count(Product.id).desc())
    )
    return tuple((Chip(code, slug, name), count) for code, slug, name, count in rows)


def provinces_with_products() -> tuple[tuple[Chip, int], ...]:
    """Provinces with their count of public products, most first."""
    return _cached("provinces", _provinces)


def forget(_sender: Any = None, **_extra: Any) -> None:
    cache.clear()


def connect(app: Flask) -> None:
    for signal in (product_changed, product_published, product_unpublished, seller_status_changed):
        signal.connect(forget, sender=app)
