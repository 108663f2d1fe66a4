"""QR images for payment codes (`/orders/<code>/qr.png|svg`), whatever gateway gave the text."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def qr_png(payload: str, box_size: int = 8) -> bytes:
    image = qrcode.make(payload, box_size=box_size, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(payload: str) -> bytes:
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
