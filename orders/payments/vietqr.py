"""VietQR (NAPAS EMVCo merchant-presented QR) for a transfer straight to the cooperative's own account."""

from __future__ import annotations

import binascii
import io
import re
import unicodedata
from typing import Any, ClassVar

import qrcode
import qrcode.image.svg

from marketplace.urls import public_url
from orders.models import Order

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
MAX_PURPOSE = 25
REFERENCE_PREFIX = "OCOP"


def tlv(tag: str, value: str) -> str:
    """One EMVCo field: ID (2), length (2, decimal), value."""
    if len(value) > 99:
        raise ValueError(f"field {tag} too long")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), upper-case hex."""
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def clean_purpose(text: str) -> str:
    """Transfer content: accents stripped, ASCII letters, digits and spaces only."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9 ]", "", ascii_text)).strip()[:MAX_PURPOSE]


def build_payload(bank_bin: str, account_no: str, amount_vnd: int | None = None, purpose: str | None = None) -> str:
    """The EMVCo string; with an amount it is a dynamic (one-off) code, without one a static code."""
    if not (bank_bin.isdigit() and len(bank_bin) == 6) or not (account_no.isdigit() and len(account_no) <= 19):
        raise ValueError("invalid bank BIN or account number")
    account = tlv("00", bank_bin) + tlv("01", account_no)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", account) + tlv("02", SERVICE_TO_ACCOUNT)
    fields = [tlv("00", "01"), tlv("01", "12" if amount_vnd else "11"), tlv("38", merchant), tlv("53", "704")]
    if amount_vnd:
        if amount_vnd < 0 or len(str(amount_vnd)) > 13:
            raise ValueError("amount out of range")
        fields.append(tlv("54", str(int(amount_vnd))))
    fields.append(tlv("58", "VN"))
    if purpose:
        fields.append(tlv("62", tlv("08", clean_purpose(purpose))))
    body = "".join(fields) + "6304"
    return body + crc16(body)


def reference_for(order: Order) -> str:
    """What the buyer types as the transfer content: `OCOP OC7K2Q9M` (13 characters, under the 19 limit)."""
    return f"{REFERENCE_PREFIX} {order.code}"


def payload_for(order: Order) -> str:
    cooperative = order.cooperative
    return build_payload(cooperative.bank_bin, cooperative.account_no, order.total_vnd, reference_for(order))


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


class VietQR:
    id: ClassVar[str] = "vietqr"
    needs_payment_step: ClassVar[bool] = True
    starts_remotely: ClassVar[bool] = False

    def start(self, order: Order) -> None:
        return None  # the code is computed from the order; nothing to create elsewhere

    def describe(self, order: Order) -> dict[str, Any]:
        cooperative = order.cooperative
        return {
            "gateway": self.id,
            "qr_payload": payload_for(order),
            "qr_image_url": public_url("orders.qr_image", code=order.code, fmt="png"),
            "bank_bin": cooperative.bank_bin,
            "bank_name": cooperative.bank.short_name if cooperative.bank else "",
            "account_no": cooperative.account_no,
            "account_holder": cooperative.account_holder,
            "amount_vnd": order.total_vnd,
            "reference": reference_for(order),
        }


GATEWAY = VietQR()
