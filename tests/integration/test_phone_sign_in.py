"""Phone-first sign-in: numbers parsed with phonenumbers, 6-digit codes (5 minutes, 5 tries, once, hashed), send
limits per number, client and in all, new numbers become buyers, staff sign in by phone, the API's otp + token."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace import otp
from marketplace.demo import DEMO_PHONES, seed
from marketplace.errors import ValidationFailed
from marketplace.extensions import db, limiter
from marketplace.models import OneTimeCode, OtpPurpose, Role, User
from marketplace.notify import outbox_dir
from marketplace.services import require_mobile
from marketplace.text import normalise_phone_e164
from tests.factories import make_user
from tests.factories.phones import fresh_phone, national, outbox_code


def _age(phone: str, minutes: float) -> None:
    """Move this number's codes `minutes` into the past (as if that much time had gone by)."""
    delta = timedelta(minutes=minutes)
    for row in db.session.scalars(select(OneTimeCode).where(OneTimeCode.phone == phone)):
        row.sent_at -= delta
        row.expires_at -= delta
    db.session.commit()


@pytest.mark.parametrize(
    "raw", ["0912 345 678", "+84912345678", "84912345678", "０９１２３４５６７８", "(+84) 912.345.678"]
)
def test_every_way_of_typing_a_mobile_is_one_number(raw):
    assert normalise_phone_e164(raw) == "+84912345678"


@pytest.mark.parametrize(
    ("raw", "says"),
    [("024 3825 1234", "máy bàn"), ("+1 415 555 2671", "Việt Nam"), ("+33 6 12 34 56 78", "Việt Nam"), ("12ab", "10")],
)
def test_landlines_and_foreign_numbers_are_refused_with_a_clear_message(app, raw, says):
    with pytest.raises(ValidationFailed) as refused:
        require_mobile(raw)
    assert says in refused.value.message


def test_a_new_number_signs_up_by_the_code_from_its_text_message(app, client):
    phone = fresh_phone()
    sent = client.form_post("/login/phone", {"phone": national(phone)})
    assert sent.status_code == 302 and "/login/phone/code" in sent.headers["Location"]
    page = client.get("/login/phone/code").get_data(as_text=True)
    assert "Gửi lại mã sau" in page and "disabled" in page  # a countdown before another code
    stored = db.session.scalar(select(OneTimeCode).where(OneTimeCode.phone == phone))
    code = outbox_code(phone)
    assert stored.code_hash != code and code not in stored.code_hash and len(stored.code_hash) == 64  # hashed
    signed_in = client.form_post("/login/phone/code", {"code": code})
    assert signed_in.status_code == 302 and "/account/" in signed_in.headers["Location"]
    user = db.session.scalar(select(User).where(User.phone == phone))
    assert user.role == Role.BUYER and user.email is None and user.phone_verified_at is not None
    account = client.get("/account/").get_data(as_text=True)
    assert national(phone)[:4] in account
    named = client.form_post("/account/name", {"full_name": "Lò Thị Mai"})
    assert named.status_code == 302
    assert "Lò Thị Mai" in client.get("/account/").get_data(as_text=True)


def test_a_wrong_code_tells_the_tries_left_and_the_fifth_ends_the_code(app, client):
    phone = fresh_phone()
    client.form_post("/login/phone", {"phone": phone})
    code = outbox_code(phone)
    wrong = "000000" if code != "000000" else "111111"
    first = client.form_post("/login/phone/code", {"code": wrong})
    assert first.status_code == 401 and "còn 4 lần thử" in first.get_data(as_text=True)
    for _ in range(4):
        client.form_post("/login/phone/code", {"code": wrong})
    limiter.reset()  # the page's own rate limit (5 a minute) is not what this test is about
    spent = client.form_post("/login/phone/code", {"code": code})  # the right code, but after five tries
    assert spent.status_code == 401 and "gửi mã mới" in spent.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.phone == phone)) is None


def test_a_code_is_used_once_and_lasts_five_minutes(app):
    phone = fresh_phone()
    otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.1")
    db.session.commit()
    code = outbox_code(phone)
    assert otp.check_code(national(phone), OtpPurpose.SIGN_IN, code) == phone
    db.session.commit()
    with pytest.raises(otp.OtpRejected):  # once
        otp.check_code(phone, OtpPurpose.SIGN_IN, code)
    db.session.rollback()
    _age(phone, 2)  # past the resend wait
    otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.1")
    db.session.commit()
    late = outbox_code(phone)
    _age(phone, 5.1)
    with pytest.raises(otp.OtpRejected) as expired:
        otp.check_code(phone, OtpPurpose.SIGN_IN, late)
    assert expired.value.code == "otp_expired"
    db.session.rollback()
    # a code for one purpose does not confirm another
    _age(phone, 2)
    otp.send_code(phone, OtpPurpose.COD_CONFIRM, "10.0.0.1")
    db.session.commit()
    with pytest.raises(otp.OtpRejected):
        otp.check_code(phone, OtpPurpose.SIGN_IN, outbox_code(phone))


def test_sends_are_limited_per_number_per_client_and_in_all(app, monkeypatch):
    monkeypatch.setitem(app.config, "OTP_SENDS_PER_NUMBER_HOUR", 3)
    monkeypatch.setitem(app.config, "OTP_SENDS_PER_CLIENT_HOUR", 4)
    monkeypatch.setitem(app.config, "OTP_SENDS_GLOBAL_HOUR", 6)
    phone = fresh_phone()
    otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.1")
    db.session.commit()
    with pytest.raises(otp.OtpLimited) as too_soon:  # the resend wait
        otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.2")
    assert 0 < too_soon.value.extra["retry_after"] <= 60
    db.session.rollback()
    for _ in range(2):
        _age(phone, 1.5)
        otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.2")
        db.session.commit()
    _age(phone, 1.5)
    with pytest.raises(otp.OtpLimited) as per_number:
        otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.3")
    assert per_number.value.extra["retry_after"] > 60 * 50  # the oldest of the three leaves the hour in ~55 min
    db.session.rollback()
    # per client: 10.0.0.2 has sent 2; two more numbers fill its 4, the fifth is refused
    for _ in range(2):
        otp.send_code(fresh_phone(), OtpPurpose.SIGN_IN, "10.0.0.2")
        db.session.commit()
    with pytest.raises(otp.OtpLimited):
        otp.send_code(fresh_phone(), OtpPurpose.SIGN_IN, "10.0.0.2")
    db.session.rollback()
    # in all: 5 sent, one more fits, then every client is refused
    otp.send_code(fresh_phone(), OtpPurpose.SIGN_IN, "10.0.0.9")
    db.session.commit()
    with pytest.raises(otp.OtpLimited):
        otp.send_code(fresh_phone(), OtpPurpose.SIGN_IN, "10.0.0.10")
    db.session.rollback()
    # an hour later the window is free again
    for row in db.session.scalars(select(OneTimeCode)):
        row.sent_at -= timedelta(hours=1)
    db.session.commit()
    otp.send_code(phone, OtpPurpose.SIGN_IN, "10.0.0.2")


def test_the_api_sends_a_code_and_trades_it_for_a_token(app, client, monkeypatch):
    phone = fresh_phone()
    sent = client.post("/api/v1/auth/otp", json={"phone": national(phone)})
    assert sent.status_code == 202 and sent.get_json() == {"sent": True, "retry_after": 60}
    again = client.post("/api/v1/auth/otp", json={"phone": phone})
    assert again.status_code == 429 and again.get_json()["error"]["retry_after"] > 0
    landline = client.post("/api/v1/auth/otp", json={"phone": "024 3825 1234"})
    assert landline.status_code == 422 and "máy bàn" in landline.get_json()["error"]["message"]
    code = outbox_code(phone)
    wrong = client.post("/api/v1/auth/token", json={"phone": phone, "code": "12345x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["tries_left"] == 4
    token = client.post("/api/v1/auth/token", json={"phone": phone, "code": code})
    assert token.status_code == 201, token.get_json()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.get_json()['token']}"}).get_json()
    assert me["phone"] == phone and me["email"] is None and me["role"] == "buyer"
    assert client.post("/api/v1/auth/token", json={"phone": phone}).status_code == 422


def test_cooperative_members_and_commune_staff_sign_in_by_phone(app, client):
    for role in (Role.COOPERATIVE, Role.COMMUNE_STAFF):
        phone = fresh_phone()
        person = make_user(role)
        person.phone = phone
        db.session.commit()
        client.form_post("/login/phone", {"phone": national(phone)})
        client.form_post("/login/phone/code", {"code": outbox_code(phone)})
        me = client.get("/account/").get_data(as_text=True)
        assert person.full_name in me
        client.form_post("/logout")
        assert db.session.scalar(select(User.role).where(User.phone == phone)) == role
    # e-mail and password keep working for the same kind of account
    assert client.form_post("/login", {"email": person.email, "password": "mat-khau-an-toan"}).status_code == 302


def test_staff_invited_by_phone_accept_after_signing_in_with_that_phone(app, client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    client.form_post("/login", {"email": owner.email, "password": "mat-khau-an-toan"})
    invitee = fresh_phone()
    invited = client.form_post("/cooperative/members", {"email": national(invitee)})
    assert invited.status_code == 302
    client.form_post("/logout")
    message = next(Path(outbox_dir()).glob(f"*-{invitee.lstrip('+')}-*.txt")).read_text(encoding="utf-8")
    link = re.search(r"https://ocop\.test(/invite/\S+)", message).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Đăng nhập bằng số điện thoại" in page.get_data(as_text=True)
    refused = client.form_post(link, {"full_name": "Người lạ"})
    assert refused.status_code in (401, 403)
    client.form_post(f"/login/phone?next={link}", {"phone": invitee})
    client.form_post(f"/login/phone/code?next={link}", {"code": outbox_code(invitee)})
    joined = client.form_post(link, {"full_name": "Vàng Thị Dợ"})
    assert joined.status_code == 302
    member = db.session.scalar(select(User).where(User.phone == invitee))
    assert member.cooperative_id == owner.cooperative_id and member.role == Role.COOPERATIVE


def test_demo_accounts_have_their_phones_and_sign_in_by_code(app, client):
    seed()
    db.session.commit()
    phones = {email: db.session.scalar(select(User.phone).where(User.email == email)) for email in DEMO_PHONES}
    assert phones == {
        "admin@demo.ocop.vn": "+84912000001",
        "xa@demo.ocop.vn": "+84912000002",
        "htx@demo.ocop.vn": "+84912000003",
        "khach@demo.ocop.vn": "+84912000004",
    }
    # the outbox outlives one test: only the newest code counts, and this one was just sent
    client.form_post("/login/phone", {"phone": "0912 000 003"})
    client.form_post("/login/phone/code", {"code": outbox_code("+84912000003")})
    assert "Nguyễn Văn Sơn" in client.get("/account/").get_data(as_text=True)
