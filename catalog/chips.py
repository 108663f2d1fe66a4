"""Per-worker cache of the chips on the home page and listings: the product groups and provinces that hold public
products (one query each, run on every signed-in page view before), each group's sub-categories (a lazy load of
`Category.children` on every category page before), and the categories by slug (the lookup of every category
page's URL).

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
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from marketplace.database import read_plain
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


@dataclass(frozen=True)
class CategoryRef:
    """A category as listings read it: the chip, and its group (None for a group)."""

    id: int
    slug: str
    name: str
    parent_id: int | None


_CATEGORY_COLUMNS = (Category.id, Category.slug, Category.name, Category.parent_id)
_CATEGORY_BY_SLUG = select(*_CATEGORY_COLUMNS).where(Category.slug == bindparam("slug"))  # built once


def _every_category() -> dict[int, CategoryRef]:
    return {row.id: CategoryRef(*row) for row in db.session.execute(select(*_CATEGORY_COLUMNS))}


def categories_by_id() -> dict[int, CategoryRef]:
    """Every product group and sub-group by id (the names of a listing's facet counts)."""
    return _cached("every category", _every_category)


def _categories_by_slug() -> dict[str, CategoryRef]:
    return {category.slug: category for category in categories_by_id().values()}


def category_by_slug(slug: str) -> CategoryRef | None:
    """The category of a listing's URL (slugs never change once made); one the cache does not know yet (added on
    another worker) is looked up in the database."""
    found = _cached("categories by slug", _categories_by_slug).get(slug)
    if found is None:
        row = read_plain(_CATEGORY_BY_SLUG, {"slug": slug}).first()
        found = CategoryRef(*row) if row is not None else None
    return found


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
