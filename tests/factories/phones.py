"""Phones for tests: numbers unique to the run, and the messages the outbox folder received for them."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from marketplace.notify import outbox_dir


def fresh_phone() -> str:
    """A Vietnamese mobile number (E.164) no other test of this run uses (the outbox folder outlives one test)."""
    return "+8491" + str(uuid.uuid4().int % 10**7).zfill(7)


def national(phone: str) -> str:
    """`+84912345678` as people type it: `0912345678`."""
    return "0" + phone[3:]


CODE = re.compile(r"OCOP: (\d{6})\b")  # "Ma dang nhap Cho OCOP: 123456 (hieu luc 5 phut)…"


def _files(phone: str) -> list[Path]:
    digits = phone.lstrip("+")
    return sorted(Path(outbox_dir()).glob(f"*-{digits}-*.txt"), key=lambda path: path.stat().st_mtime_ns)


def outbox_messages(phone: str) -> str:
    """Every message written to the outbox for this phone, oldest first, as one text."""
    return "\n".join(path.read_text(encoding="utf-8") for path in _files(phone))


def outbox_code(phone: str) -> str:
    """The 6-digit code in the newest message to this phone, read from the outbox as a person reads the SMS."""
    found = [CODE.search(path.read_text(encoding="utf-8")) for path in _files(phone)]
    codes = [match.group(1) for match in found if match]
    assert codes, f"no code sent to {phone} in the outbox"
    return codes[-1]
