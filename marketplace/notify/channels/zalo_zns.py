"""Zalo Notification Service: template messages to a phone through the site's Zalo Official Account.

- Access token: `POST {ZALO_OAUTH_URL}` (default `https://oauth.zaloapp.com/v4/oa/access_token`), header
  `secret_key: ZALO_APP_SECRET`, form `app_id, refresh_token, grant_type=refresh_token` → `{access_token,
  refresh_token, expires_in}`. The refresh token turns over at each refresh: the newest is kept in the site settings
  table (`zalo_refresh_token`, first taken from ZALO_REFRESH_TOKEN), with the access token and its expiry.
- Send: `POST {ZALO_API_URL}/message/template` (default `https://business.openapi.zalo.me`), header `access_token`,
  JSON `{phone: "84912345678", template_id, template_data: {message, link}, tracking_id}` → `{error: 0, data:
  {msg_id, sent_time, quota}}`. Template ids per event come from ZALO_TEMPLATES (JSON `{"order.placed": "…"}`,
  `"*"` for every other event); an event without a template falls back to SMS.
- Errors: `-124` access token invalid or expired (refreshed, then sent once more), `-108` invalid phone number,
  `-118` no Zalo account on this number, `-144` the OA's daily quota is used up; these three fall back to SMS.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...admin.models import SiteSetting
from ...extensions import db
from ...ops.metrics import count
from ...text import utcnow
from .base import DeliveryFailed, DeliveryResult, Message, enabled

DEFAULT_OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
DEFAULT_API_URL = "https://business.openapi.zalo.me"
TOKEN_EXPIRED = -124
NOT_REACHABLE = {-108: "invalid phone number", -118: "no Zalo account", -144: "daily quota exceeded"}
ACCESS, EXPIRES, REFRESH = "zalo_access_token", "zalo_access_expires", "zalo_refresh_token"


def zalo_phone(phone: str) -> str:
    """`+84912345678` → `84912345678`."""
    return phone.lstrip("+")


def tracking_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _setting(key: str) -> str | None:
    row = db.session.get(SiteSetting, key)
    return row.value if row is not None and row.value else None


def _store(key: str, value: str) -> None:
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()


def template_for(event: str) -> str | None:
    raw = current_app.config.get("ZALO_TEMPLATES") or "{}"
    templates = json.loads(raw) if isinstance(raw, str) else dict(raw)
    return templates.get(event) or templates.get("*")


class ZaloZnsChannel:
    id = "zalo_zns"
    label = _l("Zalo (ZNS)")
    position = 10
    address = "phone"
    inline = False

    def available(self, config) -> bool:
        return enabled(config, self.id) and bool(
            config.get("ZALO_OA_ID") and config.get("ZALO_APP_ID") and config.get("ZALO_APP_SECRET")
        )

    def refresh_token(self) -> str:
        """A new access token from the stored (or configured) refresh token; both are kept."""
        config = current_app.config
        refresh = _setting(REFRESH) or config.get("ZALO_REFRESH_TOKEN")
        if not refresh:
            raise DeliveryFailed("Zalo: no refresh token (ZALO_REFRESH_TOKEN)")
        try:
            response = requests.post(
                config.get("ZALO_OAUTH_URL") or DEFAULT_OAUTH_URL,
                headers={"secret_key": config["ZALO_APP_SECRET"]},
                data={"app_id": config["ZALO_APP_ID"], "refresh_token": refresh, "grant_type": "refresh_token"},
                timeout=15,
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise DeliveryFailed(f"Zalo token refresh failed: {error}") from error
        if not answer.get("access_token"):
            raise DeliveryFailed(f"Zalo token refresh refused: {answer.get('error')} {answer.get('error_name', '')}")
        _store(ACCESS, answer["access_token"])
        _store(REFRESH, answer.get("refresh_token") or refresh)
        expires = utcnow() + timedelta(seconds=int(answer.get("expires_in") or 3600) - 60)
        _store(EXPIRES, expires.isoformat())
        return answer["access_token"]

    def access_token(self) -> str:
        token, expires = _setting(ACCESS), _setting(EXPIRES)
        if token and expires and expires > utcnow().isoformat():
            return token
        return self.refresh_token()

    def _post(self, token: str, body: dict) -> dict:
        url = (current_app.config.get("ZALO_API_URL") or DEFAULT_API_URL).rstrip("/") + "/message/template"
        try:
            response = requests.post(url, headers={"access_token": token}, json=body, timeout=15)
            if response.status_code >= 500:
                raise DeliveryFailed(f"Zalo answered HTTP {response.status_code}")
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise DeliveryFailed(f"Zalo unreachable: {error}") from error

    def send(self, recipient: str, message: Message) -> DeliveryResult:
        template = template_for(message.event)
        if template is None:
            return DeliveryResult(ok=False, error=f"Zalo: no template for {message.event}", fallback=True)
        body = {
            "phone": zalo_phone(recipient),
            "template_id": template,
            "template_data": {"message": message.text[:400], "link": message.link or ""},
            "tracking_id": tracking_id(message.key),
        }
        answer = self._post(self.access_token(), body)
        if answer.get("error") == TOKEN_EXPIRED:
            answer = self._post(self.refresh_token(), body)
        code = answer.get("error")
        if code == 0:
            count("notifications", channel=self.id)
            data = answer.get("data") or {}
            return DeliveryResult(ok=True, provider_id=str(data.get("msg_id") or body["tracking_id"]))
        error = f"Zalo {code}: {answer.get('message') or NOT_REACHABLE.get(code, '')}"[:500]
        if code in NOT_REACHABLE:
            return DeliveryResult(ok=False, error=error, fallback=True)
        if code == TOKEN_EXPIRED:
            raise DeliveryFailed(error)
        return DeliveryResult(ok=False, error=error, fallback=True)


PLUGIN = ZaloZnsChannel()
