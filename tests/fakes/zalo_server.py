"""A small Zalo stand-in: a real HTTP server on 127.0.0.1 (a free port, its own thread) for the two documented calls
a Zalo Official Account makes to send ZNS template messages:

- `POST /v4/oa/access_token` (OAuth v4, header `secret_key`, form `app_id, refresh_token, grant_type=refresh_token`)
  → `{access_token, refresh_token, expires_in}`; the refresh token is single use (a new one comes back).
- `POST /message/template` (header `access_token`, JSON `{phone, template_id, template_data, tracking_id}`)
  → `{error: 0, message: "Success", data: {msg_id, sent_time, quota: {dailyQuota, remainingQuota}}}`;
  errors: `-124` access token invalid/expired, `-108` phone invalid, `-118` no Zalo account on the number,
  `-144` the OA's daily quota is used up, `-1123`… are not used here.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.jsonhttp import JsonHandler, serve

APP_ID = "4312345678901234567"
APP_SECRET = "ZaloAppSecret2026"
OA_ID = "1234567890123456789"
FIRST_REFRESH_TOKEN = "refresh-0"
TOKEN_PATH = "/v4/oa/access_token"
SEND_PATH = "/message/template"
_PHONE = re.compile(r"^84(3|5|7|8|9)[0-9]{8}$")


@dataclass
class FakeZalo:
    url: str = ""
    refresh_token: str = FIRST_REFRESH_TOKEN
    access_tokens: set[str] = field(default_factory=set)
    refreshes: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    not_on_zalo: set[str] = field(default_factory=set)  # phones (84…) without a Zalo account
    daily_quota: int = 500
    tracking_ids: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.refresh_token = FIRST_REFRESH_TOKEN
        self.access_tokens.clear()
        self.refreshes = 0
        self.sent.clear()
        self.refused.clear()
        self.not_on_zalo.clear()
        self.daily_quota = 500
        self.tracking_ids.clear()

    def expire_tokens(self) -> None:
        """Every access token given so far stops working (as after `expires_in`)."""
        self.access_tokens.clear()

    def token(self, headers, form: dict[str, str]) -> dict[str, Any]:
        if headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return {"error": -14014, "error_name": "Invalid app secret", "error_description": "invalid secret"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return {"error": -14008, "error_name": "Invalid refresh token", "error_description": "invalid token"}
        self.refreshes += 1
        access = secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_token = f"refresh-{self.refreshes}"
        return {"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"}

    def send(self, access_token: str | None, body: Any) -> dict[str, Any]:
        code = self._check(access_token, body)
        if code:
            self.refused.append((body, code))
            return {
                "error": code,
                "message": {
                    -124: "Access token is invalid",
                    -108: "Phone number is invalid",
                    -118: "Zalo account not existed",
                    -144: "OA has exceeded daily quota",
                }.get(code, "error"),
            }
        if body.get("tracking_id") in self.tracking_ids:  # the same tracking id twice: Zalo answers the first msg
            msg_id = self.tracking_ids[body["tracking_id"]]
        else:
            msg_id = secrets.token_hex(10)
            self.tracking_ids[body["tracking_id"]] = msg_id
            self.sent.append({**body, "msg_id": msg_id})
            self.daily_quota -= 1
        return {
            "error": 0,
            "message": "Success",
            "data": {
                "msg_id": msg_id,
                "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": str(self.daily_quota)},
            },
        }

    def _check(self, access_token: str | None, body: Any) -> int:
        if access_token not in self.access_tokens:
            return -124
        if not isinstance(body, dict) or not body.get("template_id") or not isinstance(body.get("template_data"), dict):
            return -100
        phone = str(body.get("phone") or "")
        if not _PHONE.match(phone):
            return -108
        if phone in self.not_on_zalo:
            return -118
        if self.daily_quota <= 0:
            return -144
        return 0


class _Handler(JsonHandler):
    fake: FakeZalo

    def do_POST(self) -> None:  # the name http.server calls
        raw = self.read_body()
        if self.path == TOKEN_PATH:
            form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
            self.answer(200, self.fake.token(self.headers, form))
        elif self.path == SEND_PATH:
            self.answer(200, self.fake.send(self.headers.get("access_token"), self.parse_json(raw)))
        else:
            self.send_response(404)
            self.end_headers()


def start_fake_zalo() -> tuple[FakeZalo, ThreadingHTTPServer]:
    """Serve a FakeZalo on a free loopback port (both the OAuth and the OpenAPI host); `server.shutdown()` ends it."""
    fake = FakeZalo()
    server, fake.url = serve(fake, _Handler, "fake-zalo")
    return fake, server
