"""A small MoMo stand-in: a real HTTP server on 127.0.0.1 (a free port, its own thread) that implements the
documented "captureWallet" create call (API v2) with its signature check, and builds the signed IPNs MoMo sends.

The signatures are computed here from MoMo's documented field lists, independently of orders/payments/momo.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakes.jsonhttp import JsonHandler, serve

PARTNER_CODE = "MOMOOCOP2026"
ACCESS_KEY = "F8BBA842ECF85"
SECRET_KEY = "K951B6PE1waDMi640xX08PD3vg6EkVlz"
CREATE_PATH = "/v2/gateway/api/create"
CREATE_TEXT = (
    "accessKey={accessKey}&amount={amount}&extraData={extraData}&ipnUrl={ipnUrl}&orderId={orderId}"
    "&orderInfo={orderInfo}&partnerCode={partnerCode}&redirectUrl={redirectUrl}&requestId={requestId}"
    "&requestType={requestType}"
)
IPN_TEXT = (
    "accessKey={accessKey}&amount={amount}&extraData={extraData}&message={message}&orderId={orderId}"
    "&orderInfo={orderInfo}&orderType={orderType}&partnerCode={partnerCode}&payType={payType}"
    "&requestId={requestId}&responseTime={responseTime}&resultCode={resultCode}&transId={transId}"
)
REQUIRED = (
    "partnerCode",
    "requestType",
    "ipnUrl",
    "redirectUrl",
    "orderId",
    "amount",
    "lang",
    "orderInfo",
    "requestId",
    "extraData",
    "signature",
)


def hmac_hex(text: str, secret: str = SECRET_KEY) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


@dataclass
class FakeMomo:
    """What the server saw and how it should answer; `url` is its base address (MOMO_ENDPOINT)."""

    url: str = ""
    created: list[dict[str, Any]] = field(default_factory=list)  # accepted create requests, in order
    refused: list[dict[str, Any]] = field(default_factory=list)  # (body, resultCode) of refused ones
    answer_with: int | None = None  # force this resultCode (e.g. 99: system error) until reset
    order_ids: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.created.clear()
        self.refused.clear()
        self.answer_with = None

    def pay_url(self, order_id: str) -> str:
        return next(
            f"{self.url}/v2/gateway/pay?t={body['token']}" for body in self.created if body["orderId"] == order_id
        )

    def create(self, body: Any) -> dict[str, Any]:
        """MoMo's create-payment answer for one request body."""
        code = self._check(body)
        if code == 0:
            token = secrets.token_urlsafe(12)
            self.created.append({**body, "token": token})
            self.order_ids.add(body["orderId"])
        else:
            self.refused.append({"body": body, "resultCode": code})
        answer = {
            "partnerCode": body.get("partnerCode") if isinstance(body, dict) else None,
            "orderId": body.get("orderId") if isinstance(body, dict) else None,
            "requestId": body.get("requestId") if isinstance(body, dict) else None,
            "amount": body.get("amount") if isinstance(body, dict) else None,
            "responseTime": int(time.time() * 1000),
            "message": "Thành công." if code == 0 else "Yêu cầu bị từ chối.",
            "resultCode": code,
        }
        if code == 0:
            answer.update(
                payUrl=f"{self.url}/v2/gateway/pay?t={token}",
                deeplink=f"momo://app?action=payWithApp&t={token}",
                qrCodeUrl=f"momo://app?action=payWithApp&isScanQR=true&t={token}",
            )
        return answer

    def _check(self, body: Any) -> int:
        if self.answer_with is not None:
            return self.answer_with
        if not isinstance(body, dict) or any(name not in body for name in REQUIRED):
            return 20  # bad format
        if body["partnerCode"] != PARTNER_CODE:
            return 11  # access denied
        expected = hmac_hex(CREATE_TEXT.format(accessKey=ACCESS_KEY, **body))
        if not hmac.compare_digest(expected, str(body["signature"])):
            return 11
        if body["requestType"] != "captureWallet" or not isinstance(body["amount"], int):
            return 20
        if not 1_000 <= body["amount"] <= 50_000_000:
            return 22  # amount out of range
        if body["orderId"] in self.order_ids:
            return 41  # duplicated orderId
        return 0


def signed_ipn(created: dict[str, Any], *, trans_id: int, result_code: int = 0, **changes: Any) -> dict[str, Any]:
    """The IPN MoMo posts for a created payment, signed; `changes` alter fields before signing."""
    ipn = {
        "partnerCode": created["partnerCode"],
        "orderId": created["orderId"],
        "requestId": created["requestId"],
        "amount": created["amount"],
        "orderInfo": created["orderInfo"],
        "orderType": "momo_wallet",
        "transId": trans_id,
        "resultCode": result_code,
        "message": "Thành công." if result_code == 0 else "Giao dịch bị từ chối bởi người dùng.",
        "payType": "qr",
        "responseTime": int(time.time() * 1000),
        "extraData": created["extraData"],
        **changes,
    }
    ipn["signature"] = hmac_hex(IPN_TEXT.format(accessKey=ACCESS_KEY, **ipn))
    return ipn


def send_ipn(client, ipn: dict[str, Any]):
    """Post the IPN to our app, as MoMo does (JSON to the ipnUrl we gave it)."""
    return client.post("/webhooks/momo", data=json.dumps(ipn), headers={"Content-Type": "application/json"})


class _Handler(JsonHandler):
    fake: FakeMomo

    def do_POST(self) -> None:  # the name http.server calls
        raw = self.read_body()
        if self.path != CREATE_PATH:
            self.answer(404, {"message": "not found"})
            return
        self.answer(200, self.fake.create(self.parse_json(raw)))


def start_fake_momo() -> tuple[FakeMomo, ThreadingHTTPServer]:
    """Serve a FakeMomo on a free loopback port; call `server.shutdown()` when done."""
    fake = FakeMomo()
    server, fake.url = serve(fake, _Handler, "fake-momo")
    return fake, server
