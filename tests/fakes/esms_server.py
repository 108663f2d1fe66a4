"""A small eSMS.vn stand-in: a real HTTP server on 127.0.0.1 (a free port, its own thread) that implements the
documented JSON send call `SendMultipleMessage_V4_post_json` with its answers and error codes:

- `CodeResult "100"`: taken, with `SMSID`;
- `"101"`: wrong ApiKey/SecretKey; `"103"`: the account's balance is used up (our quota case);
- `"104"`: brandname not registered; `"118"`: SmsType other than the brandname types;
- `"99"` with `ErrorMessage "Phone not valid: …"`: the number is no Vietnamese mobile;
- `"124"`: this RequestId was already taken (a retried request: no second SMS goes out).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakes.jsonhttp import JsonHandler, serve

API_KEY = "ESMSAPIKEY2026OCOP"
SECRET_KEY = "ESMSSECRET2026OCOP"
BRANDNAME = "CHO_OCOP"
SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
_MOBILE = re.compile(r"^(?:0|84)(3|5|7|8|9)[0-9]{8}$")


@dataclass
class FakeEsms:
    """What the server took (`sent`: one per SMS that went out) and how it should answer; `url` is the send URL."""

    url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    balance: int = 1_000  # SMS the account can still pay for
    request_ids: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.sent.clear()
        self.refused.clear()
        self.balance = 1_000
        self.request_ids.clear()

    def answer(self, body: Any) -> dict[str, Any]:
        code, error = self._check(body)
        if code != "100":
            self.refused.append((body, code))
            return {"CodeResult": code, "ErrorMessage": error}
        sms_id = secrets.token_hex(8)
        self.request_ids.add(body["RequestId"])
        self.sent.append({**body, "SMSID": sms_id})
        self.balance -= 1
        return {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}

    def _check(self, body: Any) -> tuple[str, str]:
        if not isinstance(body, dict) or body.get("ApiKey") != API_KEY or body.get("SecretKey") != SECRET_KEY:
            return "101", "Authorize Failed"
        if body.get("RequestId") and body["RequestId"] in self.request_ids:
            return "124", "RequestId duplicated"
        if str(body.get("SmsType")) not in ("2", "24", "25"):
            return "118", "Invalid SmsType"
        if body.get("Brandname") != BRANDNAME:
            return "104", "Brandname not registered"
        if not _MOBILE.match(str(body.get("Phone") or "")):
            return "99", f"Phone not valid: {body.get('Phone')}"
        if self.balance <= 0:
            return "103", "Balance not enough"
        return "100", ""


class _Handler(JsonHandler):
    fake: FakeEsms

    def do_POST(self) -> None:  # the name http.server calls
        raw = self.read_body()
        if self.path != SEND_PATH:
            self.answer(404, {"message": "not found"})
            return
        self.answer(200, self.fake.answer(self.parse_json(raw)))


def start_fake_esms() -> tuple[FakeEsms, ThreadingHTTPServer]:
    """Serve a FakeEsms on a free loopback port; call `server.shutdown()` when done."""
    fake = FakeEsms()
    server, base_url = serve(fake, _Handler, "fake-esms")
    fake.url = base_url + SEND_PATH
    return fake, server
