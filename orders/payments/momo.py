"""MoMo e-wallet ("captureWallet", payment API v2): after checkout the buyer is sent to MoMo's page (`payUrl`) and
MoMo posts a signed IPN to `POST /webhooks/momo`, which pays the order.

Settings (environment variables, defaults below): MOMO_PARTNER_CODE, MOMO_ACCESS_KEY and MOMO_SECRET_KEY (MoMo
is offered only when all three are set) and MOMO_ENDPOINT (MoMo's test environment unless set).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Request, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from marketplace.errors import DomainError
from marketplace.text import format_vnd
from marketplace.urls import public_url
from orders import notifications, reconcile, services
from orders.cart import CartGroup
from orders.models import AttemptStatus, Order, Payment, PaymentAttempt, PaymentStatus

from .base import CspSources, Gateway, Page, refused

SETTINGS: dict[str, str | None] = {
    "MOMO_PARTNER_CODE": None,
    "MOMO_ACCESS_KEY": None,
    "MOMO_SECRET_KEY": None,
    "MOMO_ENDPOINT": "https://test-payment.momo.vn",
}
CREATE_PATH = "/v2/gateway/api/create"
TIMEOUT_SECONDS = (5, 30)  # connect, read
MIN_AMOUNT_VND, MAX_AMOUNT_VND = 1_000, 50_000_000  # what captureWallet takes for one payment
# the fields of the signed text, in MoMo's documented order
CREATE_SIGNED = (
    "accessKey",
    "amount",
    "extraData",
    "ipnUrl",
    "orderId",
    "orderInfo",
    "partnerCode",
    "redirectUrl",
    "requestId",
    "requestType",
)
IPN_SIGNED = (
    "accessKey",
    "amount",
    "extraData",
    "message",
    "orderId",
    "orderInfo",
    "orderType",
    "partnerCode",
    "payType",
    "requestId",
    "responseTime",
    "resultCode",
    "transId",
)
log = logging.getLogger(__name__)


def sign(secret_key: str, fields: Mapping[str, Any], names: Iterable[str]) -> str:
    """HMAC-SHA256 (hex) of `name=value&…` in the given order, as MoMo signs requests and IPNs."""
    text = "&".join(f"{name}={'' if fields[name] is None else fields[name]}" for name in names)
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _setting(name: str) -> str:
    return current_app.config.get(name) or ""


def _whole_number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise DomainError(_("Thông báo MoMo không hợp lệ."), code="invalid_notification", status=400) from None


class MoMo(Gateway):
    id = "momo"
    label = _l("Ví MoMo")
    position = 40
    needs_payment_page = True
    starts_remotely = True
    payment_template = "orders/payments/momo.html"
    notification_path = "momo"

    def init_app(self, app: Flask) -> None:
        for name, default in SETTINGS.items():
            app.config.setdefault(name, os.environ.get(name) or default)

    def enabled(self) -> bool:
        return all(_setting(name) for name in SETTINGS)

    def check_checkout(self, groups: list[CartGroup]) -> None:
        if not self.enabled():
            raise refused(_("Ví MoMo chưa được bật trên Chợ OCOP; hãy chọn cách trả khác."))
        for group in groups:
            if not MIN_AMOUNT_VND <= group.total_vnd <= MAX_AMOUNT_VND:
                raise refused(
                    _(
                        "Ví MoMo nhận mỗi đơn từ %(low)s đến %(high)s; đơn của %(coop)s là %(total)s.",
                        low=format_vnd(MIN_AMOUNT_VND),
                        high=format_vnd(MAX_AMOUNT_VND),
                        coop=group.cooperative.name,
                        total=format_vnd(group.total_vnd),
                    )
                )

    def start(self, order: Order) -> None:
        """Ask MoMo for a payment page for what the order still owes, unless one is waiting for the buyer."""
        if self.pay_url(order) is not None:
            return
        body = {
            "partnerCode": _setting("MOMO_PARTNER_CODE"),
            "requestType": "captureWallet",
            "ipnUrl": public_url("order_webhooks.notification", path=self.notification_path),
            "redirectUrl": public_url("orders.pay", code=order.code),
            "orderId": f"{order.code}-{secrets.token_hex(4)}",  # MoMo takes each orderId once; a retry needs a new one
            "amount": order.due_vnd,
            "lang": "vi",
            "orderInfo": _("Thanh toán đơn %(code)s tại Chợ OCOP", code=order.code),
            "requestId": uuid.uuid4().hex,
            "extraData": "",
        }
        fields = {**body, "accessKey": _setting("MOMO_ACCESS_KEY")}
        body["signature"] = sign(_setting("MOMO_SECRET_KEY"), fields, CREATE_SIGNED)
        answer = self._create(order, body)
        order.attempts.append(
            PaymentAttempt(
                gateway=self.id,
                provider_reference=body["orderId"],
                redirect_url=answer["payUrl"],
                status=AttemptStatus.STARTED,
            )
        )

    def _create(self, order: Order, body: dict[str, Any]) -> dict[str, Any]:
        url = _setting("MOMO_ENDPOINT").rstrip("/") + CREATE_PATH
        try:
            response = requests.post(url, json=body, timeout=TIMEOUT_SECONDS)
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("MoMo create for order %s failed: %s", order.code, error)
            answer = None
        if not isinstance(answer, dict) or answer.get("resultCode") != 0 or not answer.get("payUrl"):
            if answer is not None:
                log.warning("MoMo refused order %s: %s", order.code, answer)
            raise DomainError(_("Chưa kết nối được ví MoMo. Vui lòng thử lại sau."), code="gateway_error", status=502)
        return answer

    def describe(self, order: Order) -> dict[str, Any]:
        return {"gateway": self.id, "amount_vnd": order.total_vnd, "pay_url": self.pay_url(order)}

    def pay_url(self, order: Order) -> str | None:
        attempt = order.latest_attempt
        if attempt is None or attempt.status != AttemptStatus.STARTED:
            return None
        return attempt.redirect_url

    def content_security(self, page: Page) -> CspSources:
        """The checkout form's answer redirects to MoMo's page, which `form-action` must allow."""
        if page != "checkout":
            return {}
        parts = urlsplit(_setting("MOMO_ENDPOINT"))
        return {"form-action": (f"{parts.scheme}://{parts.netloc}",)}

    def handle_notification(self, request: Request) -> Response:
        """Signature (constant-time), partner and amount checked; each MoMo transId recorded once; 204 as MoMo asks."""
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or any(name not in data for name in (*IPN_SIGNED[1:], "signature")):
            raise DomainError(_("Thông báo MoMo không hợp lệ."), code="invalid_notification", status=400)
        if not self.enabled():
            raise DomainError(_("Chưa cấu hình ví MoMo."), code="not_configured", status=400)
        expected = sign(_setting("MOMO_SECRET_KEY"), {**data, "accessKey": _setting("MOMO_ACCESS_KEY")}, IPN_SIGNED)
        if not hmac.compare_digest(expected, str(data["signature"])):
            raise DomainError(_("Chữ ký MoMo không hợp lệ."), code="invalid_signature", status=401)
        if str(data["partnerCode"]) != _setting("MOMO_PARTNER_CODE"):
            raise DomainError(_("Thông báo MoMo không dành cho Chợ OCOP."), code="wrong_partner", status=400)
        record_notification(data)
        return Response(status=204)


PLUGIN = MoMo()


def record_notification(data: dict[str, Any]) -> None:
    """A verified IPN: a failure frees the order for a new attempt; money that is exactly what the order owes pays
    it (or is late money if the order was cancelled); any other amount waits for a person in reconciliation."""
    attempt = reconcile.attempt_for(PLUGIN.id, str(data["orderId"]))
    if attempt is None or attempt.order.payment_method != PLUGIN.id:
        log.warning("MoMo IPN for an orderId no MoMo order of ours sent: %s", data["orderId"])
        return
    order = services.lock_order(attempt.order_id)
    if _whole_number(data["resultCode"]) != 0:
        if attempt.status == AttemptStatus.STARTED:
            attempt.status = AttemptStatus.FAILED
            notifications.payment_failed(order, str(PLUGIN.label))
        return
    amount = _whole_number(data["amount"])
    payment = Payment(
        gateway=PLUGIN.id,
        provider_reference=str(data["transId"])[:100],
        amount_vnd=max(amount, 0),
        status=PaymentStatus.UNMATCHED,
        content=_(
            "MoMo %(reference)s, đơn %(code)s: nhận %(amount)s, đơn cần %(due)s",
            reference=data["orderId"],
            code=order.code,
            amount=format_vnd(amount),
            due=format_vnd(order.due_vnd),
        )[:500],
        raw=data,
    )
    if not reconcile.record_once(payment):
        return  # MoMo repeats an IPN it got no answer to: nothing changes
    attempt.status = AttemptStatus.SUCCEEDED
    if amount == order.due_vnd:
        services.apply_payment(payment, order)
    else:
        log.warning(
            "MoMo paid %s for order %s, which owes %s: held for reconciliation", amount, order.code, order.due_vnd
        )
