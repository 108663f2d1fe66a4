"""Catalog factories: photos made with Pillow, products taken through the real workflow."""

from __future__ import annotations

import io
import itertools

from PIL import Image
from sqlalchemy import select, update

from catalog import services, variants
from catalog.models import Category, Product, ProductVariant
from catalog.search.indexing import sync_products
from marketplace.extensions import db
from marketplace.models import Role, User
from tests.factories import VAN_SON, make_cooperative, make_product, make_user


def jpeg_bytes(width: int = 640, height: int = 480, colour=(200, 120, 40), exif: Image.Exif | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", exif=exif or Image.Exif())
    return buffer.getvalue()


def png_bytes(width: int = 300, height: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def bomb_png(side: int = 8000) -> bytes:
    """A tiny file that decodes to side × side pixels (64 megapixels for the default)."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def product_data(**overrides) -> dict:
    data = {
        "name": "Nấm mèo khô Vạn Sơn",
        "description": "Nấm mèo sấy lạnh.\nĐóng túi 500 g.",
        "category": "nong-san-so-che",
        "unit": "kg",
        "price_vnd": "125.000",
        "stock": "40",
        "weight_g": "1000",
    }
    data.update(overrides)
    return data


def owner_of(product: Product) -> User:
    return next(m for m in product.cooperative.members if m.role == Role.COOPERATIVE)


def make_draft(owner: User | None = None, photo: bool = True, **overrides) -> Product:
    owner = owner or make_user(Role.COOPERATIVE)
    product = services.create_product(owner, owner.cooperative, product_data(**overrides))
    if photo:
        services.add_image(owner, product, jpeg_bytes())
    db.session.flush()
    return product


def make_published(owner: User | None = None, staff: User | None = None, **overrides) -> Product:
    """A product taken draft → pending review → published by a staff member of its commune."""
    owner = owner or make_user(Role.COOPERATIVE)
    product = make_draft(owner, **overrides)
    services.submit_product(owner, product)
    staff = staff or make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    services.approve_product(staff, product)
    db.session.flush()
    return product


_coop_seq = itertools.count(1)


def make_listed(
    name: str,
    category: str = "nong-san-so-che",
    commune_code: int | None = None,
    stars: int | None = None,
    price_vnd: int = 125_000,
    cooperative=None,
    **overrides,
) -> Product:
    """A published product indexed for search without going through review (fast set-up for search tests)."""
    if cooperative is None:
        cooperative = make_cooperative(
            name=f"Hợp tác xã Quyết Tiến {next(_coop_seq)}", commune_code=commune_code or VAN_SON
        )
    category_id = db.session.scalar(select(Category.id).where(Category.slug == category))
    product = make_product(
        cooperative, name=name, category_id=category_id, ocop_stars=stars, price_vnd=price_vnd, **overrides
    )
    sync_products([product.id])
    return product


def set_variants(product: Product, rows: list[dict], min_order_quantity: int | None = None) -> list:
    """Give `product` these variants (rows as the API takes them: name, price_vnd, stock, price_tiers…) through the
    catalogue's own checks; returns the product's variants in order."""
    variants.save_variants(product, variants.parse_variants(rows), min_order_quantity)
    db.session.flush()
    return product.variants


def variant_row(name: str, price_vnd: int, stock: int, tiers: dict[int, int] | None = None, **extra) -> dict:
    tiers = [{"min_quantity": q, "price_vnd": p} for q, p in (tiers or {}).items()]
    return {"name": name, "price_vnd": price_vnd, "stock": stock, "weight_g": 200, "price_tiers": tiers, **extra}


def restock(condition, stock: int) -> None:
    """Set the stock of the products matching `condition` (and of their variants, each product having one) in two
    statements: how benchmarks refill their shelves between rounds."""
    matching = select(Product.id).where(condition)
    db.session.execute(update(ProductVariant).where(ProductVariant.product_id.in_(matching)).values(stock=stock))
    db.session.execute(update(Product).where(condition).values(stock=stock))
