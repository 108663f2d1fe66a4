"""Short text messages to people where they are (SMS, Zalo, or the embedded outbox folder).

`send_text(phone, text, key=…)` is the one entry point for a message to a phone. Without an SMS or Zalo provider the
message is written to `NOTIFY_OUTBOX_DIR` (default `instance/outbox/`) as one `.txt` file whose name carries the
phone's digits (`84912345678`); a second call with the same `key` writes nothing, so a retried task never sends twice.

The rest of the package: `channels/` (the NotificationChannel protocol and one module per provider: outbox, email,
sms = eSMS.vn, zalo_zns), `services.tell` (who hears what, on their chosen channel), `tasks` (delivery after commit),
`models.Delivery` (the delivery log), `views` (each person's choice of channel).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from flask import Flask, current_app

from ..text import utcnow


def outbox_dir() -> Path:
    return Path(current_app.config.get("NOTIFY_OUTBOX_DIR") or Path(current_app.config["INSTANCE_PATH"]) / "outbox")


def _file_name(phone: str, key: str) -> str:
    digits = re.sub(r"\D", "", phone)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{digits}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.txt"


def send_text(phone: str, text: str, *, key: str) -> Path | None:
    """Write one message for `phone` (E.164) to the outbox; None when a message with this key was already written."""
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = _file_name(phone, key).split("-", 1)[1]
    if any(folder.glob(f"*-{suffix}")):
        return None
    path = folder / _file_name(phone, key)
    path.write_text(f"To: {phone}\n\n{text}\n", encoding="utf-8")
    return path


# the settings of the channels, read from the environment (docs/operations.md "Notices")
SETTINGS = (
    "NOTIFY_CHANNELS",
    "NOTIFY_OUTBOX_DIR",
    "SMS_PROVIDER",
    "ESMS_API_KEY",
    "ESMS_SECRET_KEY",
    "ESMS_BRANDNAME",
    "ESMS_API_URL",
    "ESMS_UNICODE",
    "ZALO_OA_ID",
    "ZALO_APP_ID",
    "ZALO_APP_SECRET",
    "ZALO_REFRESH_TOKEN",
    "ZALO_TEMPLATES",
    "ZALO_OAUTH_URL",
    "ZALO_API_URL",
)


def init_app(app: Flask) -> None:
    """Channel settings default to the environment; empty means not configured."""
    for name in SETTINGS:
        app.config.setdefault(name, os.environ.get(name) or None)
    if isinstance(app.config.get("ESMS_UNICODE"), str):
        app.config["ESMS_UNICODE"] = app.config["ESMS_UNICODE"] == "1"
