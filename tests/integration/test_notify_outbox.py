"""The embedded outbox: one file per message to a phone, its digits in the name, written once per key."""

from __future__ import annotations

import uuid

from marketplace.notify import outbox_dir, send_text


def test_a_message_to_a_phone_is_one_file_named_by_its_digits_and_written_once(app):
    run = uuid.uuid4().hex  # the instance folder outlives one test: keys and phone unique to this run
    phone = "+8491" + str(int(run[:8], 16) % 10**7).zfill(7)
    with app.app_context():
        first = send_text(phone, "Mã đăng nhập Chợ OCOP: 123456", key=f"otp:{run}:1")
        again = send_text(phone, "Mã đăng nhập Chợ OCOP: 123456", key=f"otp:{run}:1")
        other = send_text(phone, "Mã đăng nhập Chợ OCOP: 654321", key=f"otp:{run}:2")
        assert first is not None and again is None and other is not None
        assert phone[1:] in first.name and first.parent == outbox_dir()
        assert "Mã đăng nhập Chợ OCOP: 123456" in first.read_text(encoding="utf-8")
        assert sorted(p.name for p in outbox_dir().glob(f"*{phone[1:]}*.txt")) == sorted([first.name, other.name])
