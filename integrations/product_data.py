"""What every channel needs to know about a product, computed once: links, photos, OCOP facts, parcel size."""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from catalog.models import Category, Product, ProductVariant
from catalog.queries import IS_PUBLIC, is_public
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative
from marketplace.storage import StoredFile, media_base, storage

PLACEHOLDER_IMAGE = "/static/img/ocop-product.png"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
DAYS_TO_SHIP = 2


def sku(product_id: int) -> str:
    """Our stable seller SKU; platforms echo it back in their exports, which is how we match rows."""
    return f"OCOP-{product_id}"


def variant_sku(product_id: int, variant_id: int) -> str:
    """The SKU of one variant of a product sold in several: the product's SKU and the variant's id."""
    return f"{sku(product_id)}-{variant_id}"


def product_id_from_sku(value: object) -> int | None:
    match = re.fullmatch(r"\s*OCOP-(\d+)(?:-\d+)?\s*", str(value or ""), re.IGNORECASE)
    return int(match.group(1)) if match else None


class MediaIndex:
    """Every stored product photo file (through storage, so every host sees the same files), sorted by name, so a
    photo's files are found by its stem in O(log n)."""

    def __init__(self, files: list[StoredFile]):
        names = sorted(
            (f.key.rsplit("/", 1)[-1], f.key, f.size) for f in files if f.key.lower().endswith(IMAGE_SUFFIXES)
        )
        self._names = [n for n, _k, _s in names]
        self._keys = [k for _n, k, _s in names]
        self._sizes = dict((k, size) for _n, k, size in names)

    def files_for(self, stem: str) -> list[str]:
        start = bisect.bisect_left(self._names, stem)
        found = []
        for i in range(start, len(self._names)):
            if not self._names[i].startswith(stem):
                break
            found.append(self._keys[i])
        return found

    def best(self, stem: str) -> str | None:
        """The storage key of the largest file of a photo (the original or its biggest variant)."""
        files = self.files_for(stem)
        return max(files, key=lambda k: self._sizes[k]) if files else None

    @staticmethod
    def url(key: str) -> str:
        return f"{media_base()}/{key}"


def media_index() -> MediaIndex:
    return MediaIndex(list(storage().list("products/")))


def parcel_size_cm(weight_g: int) -> tuple[int, int, int]:
    """A parcel size that fits the weight (L, W, H); the seller can correct it in the sheet before upload."""
    if weight_g <= 500:
        return 20, 15, 10
    if weight_g <= 2000:
        return 30, 20, 15
    if weight_g <= 5000:
        return 40, 30, 20
    return 50, 40, 30


def packed_weight_g(weight_g: int) -> int:
    """Weight with packaging: the net weight plus a tenth, at least 50 g."""
    return weight_g + max(50, weight_g // 10)


def category_path(category: Category | None) -> list[str]:
    names: list[str] = []
    while category is not None and len(names) < 6:
        names.insert(0, category.name)
        category = category.parent
    return names


@dataclass
class ProductFacts:
    id: int
    sku: str
    name: str
    description: str
    price_vnd: int
    stock: int
    unit: str
    weight_g: int
    packed_weight_g: int
    size_cm: tuple[int, int, int]
    days_to_ship: int
    category_id: int | None
    category_path: list[str]
    link: str
    trace_url: str
    image_urls: list[str]
    image_files: list[str] = field(default_factory=list)
    gtin: str | None = None
    ocop_stars: int | None = None
    ocop_decision: str = ""
    ocop_expires_on: date | None = None
    shelf_life_days: int | None = None
    producer: str = ""
    producer_address: str = ""
    province: str = ""
    commune: str = ""
    published: bool = True
    item_group_id: str | None = None  # a variant's row: the SKU of the product it belongs to

    def content_hash(self) -> str:
        """Fingerprint of what a listing shows; a different hash means the platform copy is out of date."""
        data = asdict(self)
        data.pop("image_files")
        if data["item_group_id"] is None:  # a single-variant product hashes as it did before variants
            data.pop("item_group_id")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _absolute(url: str) -> str:
    if url.startswith(("https://", "http://")):  # a photo on the S3 public base URL
        return url
    return current_app.config["PUBLIC_BASE_URL"] + url


def facts_for(product: Product, media: MediaIndex) -> ProductFacts:
    coop = product.cooperative
    commune = product.commune
    images = [media.best(image.stem) for image in product.public_images]  # not photos still under review
    files = [p for p in images if p is not None]
    cert = product.certificate
    link = _absolute(f"/p/{product.slug}")
    published = is_public(product)  # a product of an unverified seller is exported with stock 0
    return ProductFacts(
        id=product.id,
        sku=sku(product.id),
        name=product.name,
        description=(product.description or "").strip() or f"{product.name} — {coop.name}",
        price_vnd=product.price_vnd,
        stock=product.stock if published else 0,
        unit=product.unit,
        weight_g=product.weight_g,
        packed_weight_g=packed_weight_g(product.weight_g),
        size_cm=parcel_size_cm(packed_weight_g(product.weight_g)),
        days_to_ship=DAYS_TO_SHIP,
        category_id=product.category_id,
        category_path=category_path(product.category),
        link=link,
        trace_url=link + "#nguon-goc",
        image_urls=[_absolute(media.url(p)) for p in files] or [_absolute(PLACEHOLDER_IMAGE)],
        image_files=files,  # storage keys
        gtin=product.gtin,
        ocop_stars=product.valid_stars() or None,  # a lapsed certificate shows no stars
        ocop_decision=cert.certificate_no if cert else "",
        ocop_expires_on=cert.expires_on if cert else None,
        shelf_life_days=product.shelf_life_days,
        producer=coop.name,
        producer_address=coop.address,
        province=commune.province.name,
        commune=commune.name,
        published=published,
    )


def _for_variant(base: ProductFacts, variant: ProductVariant) -> ProductFacts:
    packed = packed_weight_g(variant.weight_g)
    return replace(
        base,
        sku=variant_sku(base.id, variant.id),
        name=f"{base.name} — {variant.name}",
        price_vnd=variant.price_vnd,
        stock=variant.stock if base.published else 0,
        weight_g=variant.weight_g,
        packed_weight_g=packed,
        size_cm=parcel_size_cm(packed),
        gtin=variant.gtin,
        link=f"{base.link}?loai={variant.id}",
        item_group_id=base.sku,
    )


def facts_per_variant(product: Product, media: MediaIndex) -> list[ProductFacts]:
    """What is sold: one row per active variant of a product sold in several (grouped by the product's SKU),
    else the product's one row as before."""
    base = facts_for(product, media)
    if not product.has_choices:
        return [base]
    return [_for_variant(base, variant) for variant in product.active_variants]


def listing_hash(rows: list[ProductFacts]) -> str:
    """The content hash of a product's listing: its row's, or one over all its variant rows."""
    if len(rows) == 1:
        return rows[0].content_hash()
    return hashlib.sha256("".join(row.content_hash() for row in rows).encode()).hexdigest()


def products_query() -> Select[tuple[Product]]:
    """Products with everything a channel row needs, loaded in a handful of queries."""
    return select(Product).options(
        selectinload(Product.variants),
        selectinload(Product.images),
        selectinload(Product.certificate),
        selectinload(Product.category).selectinload(Category.parent),
        selectinload(Product.cooperative).selectinload(Cooperative.commune).selectinload(Commune.province),
        selectinload(Product.origin_commune).selectinload(Commune.province),
    )


def published_products(cooperative_ids: list[int] | None = None) -> list[Product]:
    query = products_query().where(IS_PUBLIC).order_by(Product.id)
    if cooperative_ids is not None:
        query = query.where(Product.cooperative_id.in_(cooperative_ids))
    return list(db.session.scalars(query))
