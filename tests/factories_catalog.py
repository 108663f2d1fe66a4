"""Catalog factories: photos made with Pillow, products taken through the real workflow."""

from __future__ import annotations

import io

from PIL import Image

from catalog import services
from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role, User
from tests.factories import make_user


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
