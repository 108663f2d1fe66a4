"""VietQR (NAPAS EMVCo merchant-presented QR) for a transfer straight to the cooperative's own account, and the
bank's transfer notifications (`POST /webhooks/bank-transfer`, SePay-style) that pay it."""

from __future__ import annotations

import binascii
import hmac
import re
import unicodedata
from typing import Any

from flask import Request, current_app, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.urls import public_url
from orders import reconcile, services
from orders.cart import CartGroup
from orders.models import Order, Payment, PaymentStatus

from .base import Gateway, refused

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


def parse_bank_notification(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("id") in (None, ""):
        raise ValidationFailed(_("Thiếu mã giao dịch."), code="invalid_notification")
    try:
        amount = int(data.get("transferAmount") or 0)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Số tiền không hợp lệ."), code="invalid_notification") from None
    return {
        "reference": str(data["id"])[:100],
        "direction": str(data.get("transferType") or "in").lower(),
        "amount": amount,
        "content": str(data.get("content") or data.get("description") or "")[:500],
        "account_no": re.sub(r"\D", "", str(data.get("accountNumber") or "")) or None,
    }


def record_bank_transfer(data: Any) -> Payment | None:
    """Apply one SePay-style notification; outgoing or non-positive transfers are ignored."""
    info = parse_bank_notification(data)
    if info["direction"] == "out" or info["amount"] <= 0:
        return None
    payment = Payment(
        gateway=PLUGIN.id,
        provider_reference=info["reference"],
        amount_vnd=info["amount"],
        status=PaymentStatus.UNMATCHED,
        account_no=info["account_no"],
        content=info["content"],
        raw=data,
    )
    if not reconcile.record_once(payment):
        return None
    order = reconcile.find_order_for_transfer(info["content"], info["account_no"])
    if order is not None:
        services.apply_payment(payment, services.lock_order(order.id))
    db.session.flush()
    return payment


def _apikey_ok(request: Request) -> bool:
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    expected = current_app.config.get("BANK_WEBHOOK_API_KEY") or ""
    return scheme.lower() == "apikey" and bool(expected) and hmac.compare_digest(key.strip(), expected)


class VietQR(Gateway):
    id = "vietqr"
    label = _l("Chuyển khoản bằng mã VietQR")
    position = 10
    needs_payment_page = True
    payment_template = "orders/payments/vietqr.html"
    notification_path = "bank-transfer"
    refund_methods = ("bank_transfer",)  # the money went to the cooperative's account: it transfers it back

    def check_checkout(self, groups: list[CartGroup]) -> None:
        """The money goes straight to each cooperative: every one of them needs a bank account."""
        for group in groups:
            if not (group.cooperative.bank_bin and group.cooperative.account_no):
                raise refused(
                    _(
                        "%(coop)s chưa có tài khoản nhận chuyển khoản; hãy chọn cách trả khác.",
                        coop=group.cooperative.name,
                    )
                )

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

    def qr_payload(self, order: Order) -> str | None:
        return payload_for(order) if order.cooperative.account_no else None

    def handle_notification(self, request: Request) -> Response:
        """A repeat of the same transaction id answers 200 and changes nothing; a wrong API key is a 401."""
        if not _apikey_ok(request):
            raise DomainError(_("Sai khoá API."), code="unauthorized", status=401)
        record_bank_transfer(request.get_json(silent=True))
        return jsonify({"success": True})


PLUGIN = VietQR()
