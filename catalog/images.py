"""Photo pipeline: check the content (not the name), refuse bombs, straighten, strip metadata, make sizes."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.errors import ValidationFailed

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
ORIGINAL_MAX_SIDE = 2400
WIDTHS = (320, 800, 1600)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO", "BMP"}


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_image", fields={"image": [message]})


def read_upload(stream) -> bytes:
    """The uploaded bytes, refusing files over MAX_BYTES without reading them all."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(_("Ảnh quá lớn (tối đa %(mb)d MB). Hãy chụp lại ở độ phân giải thấp hơn.", mb=MAX_BYTES // 2**20))
    if not data:
        raise _refuse(_("Tệp ảnh trống."))
    return data


def clean_image(data: bytes) -> Image.Image:
    """Decode a photo safely: real image content, ≤ 40 megapixels, EXIF orientation applied, no metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, OSError, ValueError):
            raise _refuse(_("Tệp này không phải ảnh (chỉ nhận JPEG, PNG, WebP).")) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_("Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel).")) from None
        if probe.format not in ACCEPTED_FORMATS:
            raise _refuse(_("Tệp này không phải ảnh (chỉ nhận JPEG, PNG, WebP)."))
        width, height = probe.size
        if width * height > MAX_PIXELS:
            raise _refuse(_("Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel)."))
        try:
            probe.load()
            upright = ImageOps.exif_transpose(probe)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_("Ảnh bị hỏng hoặc không đọc được.")) from None
    return _pixels_only(upright)


def _pixels_only(image: Image.Image) -> Image.Image:
    """A fresh RGB image holding only the pixels: EXIF, GPS, XMP and ICC are all left behind."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    clean.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    return clean


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
