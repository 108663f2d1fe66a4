"""Product photo files: where originals and sizes live, and making the sizes (the upload itself is checked and
re-encoded by marketplace.images)."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image

from marketplace.images import MAX_BYTES as MAX_BYTES  # re-exported: the Excel import's upload limit
from marketplace.images import clean_image as clean_image  # re-exported: the catalogue's photo services
from marketplace.images import read_upload as read_upload  # re-exported: the photo upload views
from marketplace.storage import storage

WIDTHS = (320, 800, 1600)
JPEG = "image/jpeg"


def media_root() -> Path:
    """The local media folder (the `local` storage backend's public files); files go through `storage()`."""
    return Path(current_app.config["MEDIA_ROOT"])


def product_prefix(product_id: int) -> str:
    return f"products/{product_id}/"


def new_stem() -> str:
    return secrets.token_hex(8)


def original_key(product_id: int, stem: str) -> str:
    return f"{product_prefix(product_id)}{stem}.jpg"


def variant_key(product_id: int, stem: str, width: int, fmt: str) -> str:
    return f"{product_prefix(product_id)}{stem}-{width}.{fmt}"


def original_path(product_id: int, stem: str) -> Path:
    """Where the `local` backend keeps the original (tests and local tools; the app reads through storage)."""
    return media_root() / original_key(product_id, stem)


def variant_path(product_id: int, stem: str, width: int, fmt: str) -> Path:
    return media_root() / variant_key(product_id, stem, width, fmt)


def media_url(key: str) -> str:
    """The public URL of a stored photo (`/media/<key>`, or the S3 public base URL when one is set)."""
    return storage().url(key)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def save_original(image: Image.Image, product_id: int, stem: str) -> str:
    key = original_key(product_id, stem)
    storage().save(key, encode(image, "JPEG", quality=88, optimize=True, progressive=True), JPEG)
    return key


def make_variants(product_id: int, stem: str) -> list[str]:
    """WebP and JPEG at 320/800/1600 px wide (never wider than the original); existing files are kept."""
    made = []
    files = storage()
    with Image.open(io.BytesIO(files.read(original_key(product_id, stem)))) as source:
        source.load()
        for width in WIDTHS:
            target = min(width, source.width)
            height = max(1, round(source.height * target / source.width))
            resized = None
            for fmt, options in (("webp", {"quality": 80, "method": 4}), ("jpg", {"quality": 82, "optimize": True})):
                key = variant_key(product_id, stem, width, fmt)
                if files.exists(key):
                    continue
                resized = resized or source.resize((target, height), Image.Resampling.LANCZOS)
                data = encode(resized, "WEBP" if fmt == "webp" else "JPEG", **options)
                files.save(key, data, "image/webp" if fmt == "webp" else JPEG)
                made.append(key)
    return made


def delete_files(product_id: int, stem: str) -> None:
    files = storage()
    for stored in files.list(f"{product_prefix(product_id)}{stem}"):
        files.delete(stored.key)
