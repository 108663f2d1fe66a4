"""Template helpers of the catalogue: photo srcsets in WebP and JPEG with lazy loading, descriptions, states."""

from __future__ import annotations

from flask import Flask

from marketplace.storage import media_base

from .images import WIDTHS
from .markdown import render_description
from .models import ProductImage
from .names import category_name, unit_label
from .services import ALLOWED
from .tiles import tile_html


def photo_sources(image: ProductImage) -> dict[str, str]:
    base = f"{media_base()}/products/{image.product_id}/{image.stem}"
    if not image.variants_ready:
        return {"src": base + ".jpg", "webp": "", "jpeg": ""}
    sizes: dict[int, int] = {}
    for width in WIDTHS:
        sizes.setdefault(min(width, image.width), width)
    return {
        "src": f"{base}-800.jpg",
        "webp": ", ".join(f"{base}-{nominal}.webp {actual}w" for actual, nominal in sizes.items()),
        "jpeg": ", ".join(f"{base}-{nominal}.jpg {actual}w" for actual, nominal in sizes.items()),
    }


def init_app(app: Flask) -> None:
    app.add_template_global(photo_sources)
    app.add_template_global(tile_html, "product_tile")
    app.add_template_filter(render_description, "description_html")
    app.add_template_filter(category_name, "category_name")
    app.add_template_filter(unit_label, "unit_label")
    app.add_template_global(lambda status: {str(s) for s in ALLOWED[status]}, "allowed_moves")
