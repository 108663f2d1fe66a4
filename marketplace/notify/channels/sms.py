"""SMS through eSMS.vn (brandname customer-care messages), its documented JSON API:

`POST {ESMS_API_URL}` (default `https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/`) with
`{ApiKey, SecretKey, Phone, Content, Brandname, SmsType: "2", IsUnicode: "0", RequestId}`; the answer's
`CodeResult` `"100"` means taken (`SMSID` is the provider id), any other code is an error: `"99"` (unknown error,
also an invalid phone number), `"101"` (wrong keys), `"103"` (balance used up), `"104"` (brandname not registered),
`"118"` (wrong SmsType), `"124"` (this RequestId was already taken: the message went out before, so it counts as
sent). Texts go without marks (IsUnicode 0) in one 160-character SMS unless `ESMS_UNICODE=1`.
"""

from __future__ import annotations

import hashlib

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...ops.metrics import count
from ..text import phone_text
from .base import DeliveryFailed, DeliveryResult, Message, enabled

DEFAULT_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
ALREADY_TAKEN = "124"
RETRY_CODES = frozenset({"99"})  # eSMS's "unknown error", unless it names the phone


def national(phone: str) -> str:
    """`+84912345678` → `0912345678` (eSMS takes numbers in national form)."""
    return "0" + phone[3:] if phone.startswith("+84") else phone


def request_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class EsmsChannel:
    id = "sms"
    label = _l("SMS (eSMS.vn)")
    position = 20
    address = "phone"
    inline = False

    def available(self, config) -> bool:
        return (
            enabled(config, self.id)
            and (config.get("SMS_PROVIDER") or "").lower() == "esms"
            and bool(config.get("ESMS_API_KEY") and config.get("ESMS_SECRET_KEY"))
        )

    def send(self, recipient: str, message: Message) -> DeliveryResult:
        config = current_app.config
        unicode = bool(config.get("ESMS_UNICODE"))
        body = {
            "ApiKey": config["ESMS_API_KEY"],
            "SecretKey": config["ESMS_SECRET_KEY"],
            "Phone": national(recipient),
            "Content": phone_text(message.text, message.link, ascii_only=not unicode),
            "Brandname": config.get("ESMS_BRANDNAME") or "",
            "SmsType": "2",
            "IsUnicode": "1" if unicode else "0",
            "RequestId": request_id(message.key),
        }
        try:
            response = requests.post(config.get("ESMS_API_URL") or DEFAULT_URL, json=body, timeout=15)
        except requests.RequestException as error:
            raise DeliveryFailed(f"eSMS unreachable: {error}") from error
        if response.status_code >= 500:
            raise DeliveryFailed(f"eSMS answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise DeliveryFailed(f"eSMS answered HTTP {response.status_code} without JSON") from error
        code = str(answer.get("CodeResult"))
        if code in ("100", ALREADY_TAKEN):
            if code == "100":
                count("notifications", channel=self.id)
            return DeliveryResult(ok=True, provider_id=str(answer.get("SMSID") or body["RequestId"]))
        error = f"eSMS {code}: {answer.get('ErrorMessage') or ''}".strip()
        if code in RETRY_CODES and "phone" not in error.lower():
            raise DeliveryFailed(error)
        # a used-up balance: the next phone channel (the outbox) keeps the message; a bad number or keys: failed
        return DeliveryResult(ok=False, error=error[:500], fallback=code == "103")


PLUGIN = EsmsChannel()
