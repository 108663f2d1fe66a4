"""Uploaded photos, re-encoded: check the content (not the name), refuse bombs, straighten, keep only the pixels.

Shared by every upload (product photos in the catalogue, batch photos, a seller's certificate photos)."""

from __future__ import annotations

import io
import warnings

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
ORIGINAL_MAX_SIDE = 2400
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO", "BMP"}


def _refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_image", fields={field: [message]})


def read_upload(stream, field: str = "image") -> bytes:
    """The uploaded bytes, refusing files over MAX_BYTES without reading them all."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(
            _("Ảnh quá lớn (tối đa %(mb)d MB). Hãy chụp lại ở độ phân giải thấp hơn.", mb=MAX_BYTES // 2**20), field
        )
    if not data:
        raise _refuse(_("Tệp ảnh trống."), field)
    return data


def clean_image(data: bytes, field: str = "image") -> Image.Image:
    """Decode a photo safely: real image content, ≤ 40 megapixels, EXIF orientation applied, no metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, OSError, ValueError):
            raise _refuse(_("Tệp này không phải ảnh (chỉ nhận JPEG, PNG, WebP)."), field) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_("Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel)."), field) from None
        if probe.format not in ACCEPTED_FORMATS:
            raise _refuse(_("Tệp này không phải ảnh (chỉ nhận JPEG, PNG, WebP)."), field)
        width, height = probe.size
        if width * height > MAX_PIXELS:
            raise _refuse(_("Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel)."), field)
        try:
            probe.load()
            upright = ImageOps.exif_transpose(probe)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(_("Ảnh bị hỏng hoặc không đọc được."), field) from None
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


def reencode_jpeg(data: bytes, field: str = "image") -> bytes:
    """The upload as a fresh JPEG of its pixels only (what is stored, never the bytes that were sent)."""
    out = io.BytesIO()
    clean_image(data, field).save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()
