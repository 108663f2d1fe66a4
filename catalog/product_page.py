"""The product page (/p/<slug>): read with plain Core statements (no ORM objects) and rendered once per shown version.

`read_product_page` reads everything the page, the add-to-cart form and the shipping quote show in one statement
(the product with its cooperative, place, category and certificate, a row per public photo), plus a second for its
variants and their wholesale tiers only when they show (several variants, or tiers). `page_parts` keeps the page's
HTML per worker under a key made of every value it shows (`ProductPage` and the variant picked) and the days its
dates are counted from, with the language, URL prefix, media and public addresses (`marketplace.fragments.kept`), so
a changed product gets a new key and is never shown stale; unused keys age out of the LRU. What differs per visitor
is put in per request: the CSRF field, the form's `next` path and the "others" tiles (kept per tile). Keep these
facts in step with templates/catalog/_product.html, which reads only them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from itertools import groupby
from typing import NamedTuple

from flask import Flask, current_app, get_template_attribute
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from marketplace.database import read_plain
from marketplace.errors import NotFound
from marketplace.fragments import kept
from marketplace.models import Commune, Cooperative, Province
from marketplace.text import display_phone, normalise_phone, today_vn
from marketplace.ttlcache import TtlCache
from marketplace.urls import public_url

from .models import Category, OcopCertificate, PriceTier, Product, ProductImage, ProductVariant
from .queries import published_products
from .services import validity_state
from .tiles import TilePhoto

EXTENSION = "ocop_product_page"
# Where the per-visitor parts go in the kept HTML: an HTML comment no product text can carry (text is escaped, a
# description's HTML is cleaned of comments) with a token drawn per worker.
_SLOT_TOKEN = secrets.token_hex(8)
CSRF_SLOT = Markup(f"<!--ocop-csrf-{_SLOT_TOKEN}-->")  # noqa: S704 — our own constant
PATH_SLOT = Markup(f"<!--ocop-path-{_SLOT_TOKEN}-->")  # noqa: S704 — our own constant


class Place(NamedTuple):
    slug: str
    name: str


class CommuneFacts(NamedTuple):
    """The product's origin commune (else its cooperative's) and its province."""

    slug: str
    name: str
    province: Place


class CategoryFacts(NamedTuple):
    """What the page and the `category_name` filter read of a category."""

    slug: str
    name: str


class SellerFacts(NamedTuple):
    """What the page, `seller_contact` and `orders.cart.shipping_fee` read of the cooperative."""

    id: int
    slug: str
    name: str
    phone: str
    shipping_flat_vnd: int
    shipping_per_kg_vnd: int


class CertificateFacts(NamedTuple):
    stars: int
    certificate_no: str
    issued_on: date
    expires_on: date


class TierFacts(NamedTuple):
    min_quantity: int
    price_vnd: int


class VariantFacts(NamedTuple):
    """An active variant as the add-to-cart form shows it."""

    id: int
    name: str
    price_vnd: int
    stock: int
    tiers: tuple[TierFacts, ...]


@dataclass(frozen=True, slots=True)
class ProductPage:
    """Everything the product page shows of a public product: plain values, hashable, the same for every visitor.

    `active_variants` is empty when they cannot show: at most one active variant and no wholesale tiers
    (`variant_count` says how many there are)."""

    id: int
    slug: str
    name: str
    description: str
    unit: str
    price_vnd: int
    stock: int
    weight_g: int
    shelf_life_days: int | None
    gtin: str | None
    min_order_quantity: int
    cooperative: SellerFacts
    commune: CommuneFacts
    category: CategoryFacts | None
    certificate: CertificateFacts | None
    public_images: tuple[TilePhoto, ...]
    variant_count: int
    active_variants: tuple[VariantFacts, ...]

    @property
    def has_choices(self) -> bool:
        """More than the one default variant: buyers pick a variant (`Product.has_choices`)."""
        return self.variant_count > 1

    def valid_stars(self, on: date | None = None) -> int:
        """`Product.valid_stars`: the certificate's stars while it is valid on that day (today), else 0."""
        certificate = self.certificate
        if certificate is None or not certificate.issued_on <= (on or today_vn()) <= certificate.expires_on:
            return 0
        return certificate.stars


@cache
def _product_statement() -> Select:
    """Built once (`slug` bound per call): the public product with its cooperative, place (origin commune, else the
    cooperative's), category, certificate and whether its variants show, one row per public photo in their order
    (`Product.public_images`; one row without a photo when it has none)."""
    place, province = aliased(Commune), aliased(Province)
    active = and_(ProductVariant.product_id == Product.id, ProductVariant.active)
    variant_count = select(func.count(ProductVariant.id)).where(active).correlate(Product).scalar_subquery()
    has_tiers = exists(
        select(PriceTier.id).join(ProductVariant, ProductVariant.id == PriceTier.variant_id).where(active)
    ).correlate(Product)
    public_photo = and_(ProductImage.product_id == Product.id, ProductImage.revision_id.is_(None))
    return (
        published_products()
        .where(Product.slug == bindparam("slug"))
        .with_only_columns(
            *(Product.id, Product.slug, Product.name, Product.description, Product.unit, Product.price_vnd),
            *(Product.stock, Product.weight_g, Product.shelf_life_days, Product.gtin, Product.min_order_quantity),
            *(Cooperative.id, Cooperative.slug, Cooperative.name, Cooperative.phone),
            *(Cooperative.shipping_flat_vnd, Cooperative.shipping_per_kg_vnd),
            *(place.slug, place.name, province.slug, province.name, Category.slug, Category.name),
            *(OcopCertificate.id, OcopCertificate.stars, OcopCertificate.certificate_no),
            *(OcopCertificate.issued_on, OcopCertificate.expires_on, variant_count, has_tiers),
            *(ProductImage.product_id, ProductImage.id, ProductImage.stem, ProductImage.width, ProductImage.height),
            ProductImage.variants_ready,
        )
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .join(place, place.code == func.coalesce(Product.origin_commune_code, Cooperative.commune_code))
        .join(province, province.code == place.province_code)
        .outerjoin(Category, Category.id == Product.category_id)
        .outerjoin(OcopCertificate, OcopCertificate.product_id == Product.id)
        .outerjoin(ProductImage, public_photo)
        .order_by(ProductImage.position, ProductImage.id)
    )


@cache
def _variants_statement() -> Select:
    """Built once: the product's active variants in their order, each with its tiers (one row per tier)."""
    return (
        select(ProductVariant.id, ProductVariant.name, ProductVariant.price_vnd, ProductVariant.stock)
        .add_columns(PriceTier.min_quantity, PriceTier.price_vnd)
        .outerjoin(PriceTier, PriceTier.variant_id == ProductVariant.id)
        .where(ProductVariant.product_id == bindparam("product_id"), ProductVariant.active)
        .order_by(ProductVariant.position, ProductVariant.id, PriceTier.min_quantity)
    )


def _variants(product_id: int) -> tuple[VariantFacts, ...]:
    rows = read_plain(_variants_statement(), {"product_id": product_id}).all()
    return tuple(
        VariantFacts(*variant, tiers=tuple(TierFacts(*row[4:]) for row in group if row[4] is not None))
        for variant, group in groupby(rows, key=lambda row: tuple(row[:4]))
    )


def read_product_page(slug: str) -> ProductPage:
    """The public product with this slug as the page shows it (one statement, two when its variants show); 404
    otherwise."""
    rows = read_plain(_product_statement(), {"slug": slug}).all()
    if not rows:
        raise NotFound(_("Không tìm thấy sản phẩm hoặc sản phẩm chưa được duyệt."))
    row = rows[0]
    variant_count, has_tiers = row[28], bool(row[29])
    return ProductPage(
        *row[:11],
        cooperative=SellerFacts(*row[11:17]),
        commune=CommuneFacts(row[17], row[18], Place(row[19], row[20])),
        category=CategoryFacts(row[21], row[22]) if row[21] is not None else None,
        certificate=CertificateFacts(*row[24:28]) if row[23] is not None else None,
        public_images=tuple(TilePhoto(*photo[30:]) for photo in rows if photo[31] is not None),
        variant_count=variant_count,
        active_variants=_variants(row[0]) if variant_count > 1 or has_tiers else (),
    )


def picked_variant(page: ProductPage, asked: int | None) -> int | None:
    """The variant the form preselects: the one asked for (`?loai=`) while in stock, else the first in stock."""
    if not page.has_choices:
        return None  # no radio buttons to check
    in_stock = [variant.id for variant in page.active_variants if variant.stock > 0]
    return asked if asked in in_stock else next(iter(in_stock), None)


def seller_contact(cooperative: SellerFacts) -> dict[str, str] | None:
    """The cooperative's phone as a `tel:` link and a Zalo link (Zalo finds people by their national number)."""
    national = normalise_phone(cooperative.phone or "")
    digits = national or re.sub(r"\D", "", cooperative.phone or "")
    if not digits:
        return None
    return {"display": display_phone(cooperative.phone), "tel": f"tel:{digits}", "zalo": f"https://zalo.me/{digits}"}


class PageParts(NamedTuple):
    """The product page's own HTML, kept per shown version; `content` is split where the per-visitor parts go."""

    title: Markup
    description: Markup
    head: Markup
    others_title: Markup
    content: tuple[Markup, ...]

    @property
    def has_form(self) -> bool:
        """The add-to-cart form is on the page (the orders blueprint is registered)."""
        return len(self.content) > 1

    def body(self, csrf_field: Markup, path: str) -> Markup:
        """The page's content with this visitor's CSRF field and the form's `next` path (escaped) put in."""
        if not self.has_form:
            return self.content[0]
        before_csrf, before_path, rest = self.content
        return before_csrf + csrf_field + before_path + path + rest  # Markup + str escapes the str


def _key(page: ProductPage, picked: int | None, with_form: bool) -> tuple[Hashable, ...]:
    """Everything the kept HTML shows besides the language and addresses (`kept` adds them): the facts, the variant
    picked, and the day in Việt Nam that the certificate's state and the delivery dates count from."""
    return (page, picked, with_form, today_vn())


def _render(page: ProductPage, picked: int | None, with_form: bool) -> PageParts:
    macro = partial(get_template_attribute, "catalog/_product.html")
    canonical = public_url("catalog.product", slug=page.slug)
    state = validity_state(page.certificate.issued_on, page.certificate.expires_on) if page.certificate else None
    contact = seller_contact(page.cooperative)
    content = macro("content")(page, state, canonical, contact, picked, with_form, CSRF_SLOT, PATH_SLOT)
    return PageParts(
        title=macro("title")(page),
        description=macro("description")(page),
        head=macro("head")(page, canonical),
        others_title=macro("others_title")(page),
        content=_split(content, with_form),
    )


def _split(content: Markup, with_form: bool) -> tuple[Markup, ...]:
    """The content cut at its slots: (before the CSRF field, before the `next` path, the rest)."""
    if not with_form:
        return (content,)
    before_csrf, after_csrf = content.split(CSRF_SLOT)
    before_path, rest = after_csrf.split(PATH_SLOT)
    return (before_csrf, before_path, rest)


def page_parts(page: ProductPage, asked: int | None) -> PageParts:
    """The page's HTML for these facts and the variant asked for, from the cache, rendered the first time."""
    picked = picked_variant(page, asked)
    with_form = "orders.add_to_cart" in current_app.view_functions
    cache: TtlCache = current_app.extensions[EXTENSION]
    return kept(cache, _key(page, picked, with_form), lambda: _render(page, picked, with_form))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = TtlCache(1024)
