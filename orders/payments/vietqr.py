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

from marketplace.errors import Conflict, DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Bank, Cooperative
from marketplace.sellers import bank
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


def take_payee(order: Order, cooperative: Cooperative) -> None:
    """Fix where this order's money goes: the seller's verified account when the order is placed. A later change
    of the seller's account (even verified) never moves it."""
    if order.payee_account_no is None:
        order.payee_bin = cooperative.bank_bin
        order.payee_account_no = cooperative.account_no
        order.payee_account_name = cooperative.account_holder


def payee_refusal(order: Order) -> Conflict | None:
    """Why no QR may be shown for this order (a seller not verified, no payee on record), or None."""
    if not order.cooperative.verified:
        return Conflict(
            _("%(coop)s chưa được xã xác minh nên chưa nhận chuyển khoản.", coop=order.cooperative.name),
            code="cooperative_unverified",
        )
    if not (order.payee_bin and order.payee_account_no):
        return Conflict(_("Đơn này không có tài khoản nhận chuyển khoản."), code="no_payee")
    return None


def payload_for(order: Order) -> str:
    """The order's VietQR: always to the payee fixed for the order, never for a seller that is not verified."""
    refusal = payee_refusal(order)
    if refusal is not None:
        raise refusal
    return build_payload(order.payee_bin, order.payee_account_no, order.total_vnd, reference_for(order))


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


def record_bank_transfer(data: Any, seller: Cooperative | None = None) -> Payment | None:
    """Apply one SePay-style notification; outgoing or non-positive transfers are ignored.

    With a seller's own key (`seller`), the transfer belongs to that seller and pays only one of its orders.
    With the platform key, it belongs to the verified seller whose account it names (or whose order names it as
    payee), else to no one (admin sees it). Which seller is stored on the payment, as it was on arrival."""
    info = parse_bank_notification(data)
    if info["direction"] == "out" or info["amount"] <= 0:
        return None
    if seller is not None:
        receiver_id = seller.id
        order = reconcile.find_order_for_transfer(info["content"], info["account_no"], seller.id)
    else:
        order = reconcile.find_order_for_transfer(info["content"], info["account_no"])
        owner = bank.verified_owner_of_account(info["account_no"]) if order is None else order.cooperative
        receiver_id = owner.id if owner is not None else None
    payment = Payment(
        cooperative_id=receiver_id,
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
    if order is not None:
        services.apply_payment(payment, services.lock_order(order.id))
    db.session.flush()
    return payment


def _apikey(request: Request) -> str:
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "apikey" else ""


def _platform_key_ok(key: str) -> bool:
    """The platform-wide key (one-account setups, the demo); empty means that path is off."""
    expected = current_app.config.get("BANK_WEBHOOK_API_KEY") or ""
    return bool(key) and bool(expected) and hmac.compare_digest(key.encode(), expected.encode())


class VietQR(Gateway):
    id = "vietqr"
    label = _l("Chuyển khoản bằng mã VietQR")
    position = 10
    needs_payment_page = True
    payment_template = "orders/payments/vietqr.html"
    notification_path = "bank-transfer"
    refund_methods = ("bank_transfer",)  # the money went to the cooperative's account: it transfers it back

    def check_checkout(self, groups: list[CartGroup]) -> None:
        """The money goes straight to each cooperative: every one of them must be verified (with its account)."""
        for group in groups:
            if not group.cooperative.verified:
                raise refused(
                    _(
                        "%(coop)s chưa được xã xác minh nên chưa nhận chuyển khoản; hãy chọn cách trả khác.",
                        coop=group.cooperative.name,
                    )
                )
            if not (group.cooperative.bank_bin and group.cooperative.account_no):
                raise refused(
                    _(
                        "%(coop)s chưa có tài khoản nhận chuyển khoản; hãy chọn cách trả khác.",
                        coop=group.cooperative.name,
                    )
                )

    def placed(self, order: Order, cooperative: Cooperative) -> None:
        take_payee(order, cooperative)

    def describe(self, order: Order) -> dict[str, Any]:
        """The transfer details to the order's payee; when none may be shown, `error` says why and no account
        or QR is given."""
        refusal = payee_refusal(order)
        if refusal is not None:
            return {
                "gateway": self.id,
                "qr_payload": None,
                "amount_vnd": order.total_vnd,
                "reference": reference_for(order),
                "error": {"code": refusal.code, "message": refusal.message},
            }
        payee_bank = db.session.get(Bank, order.payee_bin)
        return {
            "gateway": self.id,
            "qr_payload": payload_for(order),
            "qr_image_url": public_url("orders.qr_image", code=order.code, fmt="png"),
            "bank_bin": order.payee_bin,
            "bank_name": payee_bank.short_name if payee_bank else "",
            "account_no": order.payee_account_no,
            "account_holder": order.payee_account_name,
            "amount_vnd": order.total_vnd,
            "reference": reference_for(order),
        }

    def qr_payload(self, order: Order) -> str | None:
        return None if payee_refusal(order) is not None else payload_for(order)

    def handle_notification(self, request: Request) -> Response:
        """A repeat of the same transaction id answers 200 and changes nothing; an unknown API key is a 401.
        A seller's own key is looked up first, then the platform key."""
        key = _apikey(request)
        seller = bank.cooperative_for_webhook_key(key)
        if seller is None and not _platform_key_ok(key):
            raise DomainError(_("Sai khoá API."), code="unauthorized", status=401)
        record_bank_transfer(request.get_json(silent=True), seller)
        return jsonify({"success": True})


PLUGIN = VietQR()
