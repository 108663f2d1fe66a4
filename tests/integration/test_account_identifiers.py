"""One account, a phone and an e-mail: a phone is added by a code, an e-mail by a mailed link opened while signed in;
either verified one signs in; taken ones are refused; commune staff invite a seller's owner by phone."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from sqlalchemy import select

from marketplace.extensions import db, limiter
from marketplace.models import AuditLog, CooperativeStatus, Role, User
from marketplace.notify import outbox_dir
from tests.factories import MUONG_LAT, PASSWORD, login, make_cooperative, make_user, sent_mails
from tests.factories.phones import fresh_phone, national, outbox_code


def _sign_in_by_phone(client, phone: str):
    client.form_post("/login/phone", {"phone": national(phone)})
    return client.form_post("/login/phone/code", {"code": outbox_code(phone)})


def _confirm_link(app, email: str) -> str:
    mail = [m for m in sent_mails(app) if m["to"] == email][-1]["body"]
    return re.search(r"/account/email/confirm/[\w.\-]+", mail).group(0)


def test_a_phone_account_adds_an_email_by_its_link_sets_a_password_and_signs_in_by_email(app, client):
    phone = fresh_phone()
    assert _sign_in_by_phone(client, phone).status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "Thêm e-mail" in page and "Đặt mật khẩu" in page
    email = f"mai-{uuid.uuid4().hex[:8]}@example.vn"
    asked = client.form_post("/account/email", {"email": email.upper()})
    assert asked.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == phone))
    assert user.email is None  # nothing changes before the link is opened
    link = _confirm_link(app, email)
    assert client.get(link).status_code == 302
    db.session.refresh(user)
    assert user.email == email and user.email_verified_at is not None
    assert email in client.get("/account/").get_data(as_text=True)
    set_password = client.form_post("/account/password", {"password": PASSWORD, "confirm": PASSWORD})
    assert set_password.status_code == 302
    assert "Đặt mật khẩu" not in client.get("/account/").get_data(as_text=True)
    client.form_post("/logout")
    assert login(client, email).status_code == 302
    assert phone and national(phone)[:4] in client.get("/account/").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(user.id))))
    assert {"account.email_changed", "account.password_set"} <= actions


def test_a_link_opened_by_another_account_or_forged_sets_nothing(app, client):
    owner = make_user()
    other = make_user()
    db.session.commit()
    login(client, owner)
    email = f"moi-{uuid.uuid4().hex[:8]}@example.vn"
    client.form_post("/account/email", {"email": email})
    link = _confirm_link(app, email)
    client.form_post("/logout")
    login(client, other)
    client.get(link)
    client.get(link[:-3] + "abc")
    assert db.session.scalar(select(User.id).where(User.email == email)) is None


def test_an_email_account_adds_a_phone_by_code_then_signs_in_by_phone(app, client):
    user = make_user()
    db.session.commit()
    login(client, user)
    phone = fresh_phone()
    sent = client.form_post("/account/phone", {"phone": national(phone)})
    assert sent.status_code == 302 and "/account/phone/code" in sent.headers["Location"]
    assert "Gửi lại mã sau" in client.get("/account/phone/code").get_data(as_text=True)
    code = outbox_code(phone)
    wrong = "000000" if code != "000000" else "111111"
    refused = client.form_post("/account/phone/code", {"code": wrong})
    assert refused.status_code == 401 and "còn 4 lần thử" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.phone is None
    saved = client.form_post("/account/phone/code", {"code": code})
    assert saved.status_code == 302
    db.session.refresh(user)
    assert user.phone == phone and user.phone_verified_at is not None
    client.form_post("/logout")
    limiter.reset()
    assert _sign_in_by_phone(client, phone).status_code == 302
    assert user.email in client.get("/account/").get_data(as_text=True)  # the same account
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == str(user.id))) is not None


def test_a_taken_phone_or_email_is_refused(app, client):
    holder = make_user()
    phone = fresh_phone()
    holder.phone = phone
    user = make_user()
    db.session.commit()
    login(client, user)
    refused = client.form_post("/account/phone", {"phone": national(phone)}, follow_redirects=True)
    assert "đã được dùng cho một tài khoản khác" in refused.get_data(as_text=True)
    assert not list(Path(outbox_dir()).glob(f"*-{phone.lstrip('+')}-*.txt"))  # no code sent
    taken = client.form_post("/account/email", {"email": holder.email.upper()}, follow_redirects=True)
    assert "đã được dùng cho một tài khoản khác" in taken.get_data(as_text=True)
    lookalike = client.form_post("/account/email", {"email": "ｈｏｌｄ" + holder.email}, follow_redirects=True)
    assert lookalike.status_code == 200
    db.session.refresh(user)
    assert user.phone is None and user.email != holder.email


def test_staff_invite_an_owner_by_phone_who_signs_in_by_code_and_owns_the_seller(app, client):
    cooperative = make_cooperative(status=CooperativeStatus.PENDING)
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()
    login(client, staff)
    page = client.get(f"/commune/cooperatives/{cooperative.id}").get_data(as_text=True)
    assert "Mời chủ gian hàng (e-mail hoặc số di động)" in page
    invitee = fresh_phone()
    invited = client.form_post(
        f"/commune/cooperatives/{cooperative.id}/invite-owner", {"contact": national(invitee)}, follow_redirects=True
    )
    assert "Đã gửi lời mời làm chủ gian hàng" in invited.get_data(as_text=True)
    client.form_post("/logout")
    message = next(Path(outbox_dir()).glob(f"*-{invitee.lstrip('+')}-*.txt")).read_text(encoding="utf-8")
    link = re.search(r"https://ocop\.test(/invite/\S+)", message).group(1)
    assert client.form_post(link, {"full_name": "Người lạ"}).status_code in (401, 403)
    client.form_post(f"/login/phone?next={link}", {"phone": invitee})
    client.form_post(f"/login/phone/code?next={link}", {"code": outbox_code(invitee)})
    assert client.form_post(link, {"full_name": "Vàng Thị Dợ"}).status_code == 302
    owner = db.session.scalar(select(User).where(User.phone == invitee))
    assert owner.cooperative_id == cooperative.id and owner.is_cooperative_owner


def test_a_buyer_cannot_invite_an_owner(app, client):
    cooperative = make_cooperative()
    db.session.commit()
    outsider = make_user(Role.BUYER)
    db.session.commit()
    login(client, outsider)
    invitee = fresh_phone()
    refused = client.form_post(f"/commune/cooperatives/{cooperative.id}/invite-owner", {"contact": invitee})
    assert refused.status_code in (403, 404)
    assert not list(Path(outbox_dir()).glob(f"*-{invitee.lstrip('+')}-*.txt"))


def test_staff_of_another_commune_cannot_invite_its_owner(app, client):
    cooperative = make_cooperative()  # in Văn Sơn
    staff = make_user(Role.COMMUNE_STAFF, commune_code=MUONG_LAT)
    db.session.commit()
    login(client, staff)
    invitee = fresh_phone()
    refused = client.form_post(f"/commune/cooperatives/{cooperative.id}/invite-owner", {"contact": invitee})
    assert refused.status_code in (403, 404)
    assert not list(Path(outbox_dir()).glob(f"*-{invitee.lstrip('+')}-*.txt"))
