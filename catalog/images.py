"""Product photo files: where originals and sizes live, and making the sizes (the upload itself is checked and
re-encoded by marketplace.images)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from PIL import Image

from marketplace.images import MAX_BYTES as MAX_BYTES  # re-exported: the Excel import's upload limit
from marketplace.images import clean_image as clean_image  # re-exported: the catalogue's photo services
from marketplace.images import read_upload as read_upload  # re-exported: the photo upload views

WIDTHS = (320, 800, 1600)


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def product_folder(product_id: int) -> Path:
    return media_root() / "products" / str(product_id)


def new_stem() -> str:
    return secrets.token_hex(8)


def original_path(product_id: int, stem: str) -> Path:
    return product_folder(product_id) / f"{stem}.jpg"


def variant_path(product_id: int, stem: str, width: int, fmt: str) -> Path:
    return product_folder(product_id) / f"{stem}-{width}.{fmt}"


def media_url(path: Path) -> str:
    return "/media/" + path.relative_to(media_root()).as_posix()


def save_original(image: Image.Image, product_id: int, stem: str) -> Path:
    path = original_path(product_id, stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=88, optimize=True, progressive=True)
    return path


def make_variants(product_id: int, stem: str) -> list[Path]:
    """WebP and JPEG at 320/800/1600 px wide (never wider than the original); existing files are kept."""
    made = []
    with Image.open(original_path(product_id, stem)) as source:
        source.load()
        for width in WIDTHS:
            target = min(width, source.width)
            height = max(1, round(source.height * target / source.width))
            resized = None
            for fmt, options in (("webp", {"quality": 80, "method": 4}), ("jpg", {"quality": 82, "optimize": True})):
                path = variant_path(product_id, stem, width, fmt)
                if path.exists():
                    continue
                resized = resized or source.resize((target, height), Image.Resampling.LANCZOS)
                tmp = path.with_suffix(path.suffix + ".tmp")
                resized.save(tmp, "WEBP" if fmt == "webp" else "JPEG", **options)
                tmp.replace(path)
                made.append(path)
    return made


def delete_files(product_id: int, stem: str) -> None:
    for path in product_folder(product_id).glob(f"{stem}*"):
        path.unlink(missing_ok=True)
