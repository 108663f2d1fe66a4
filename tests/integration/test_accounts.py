"""Sign-in, roles, CSRF, rate limits, password reset and invitations, through the real pages."""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import CooperativeStatus, CoopRole, Role, User
from tests.factories import PASSWORD, login, make_cooperative, make_user, sent_mails


def test_login_and_logout(client):
    user = make_user(email="mua@example.vn")
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "mua@example.vn" in page
    client.form_post("/logout")
    assert client.get("/account/").status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_one_message(client):
    make_user(email="a@example.vn")
    db.session.commit()
    wrong = login(client, "a@example.vn", "sai-mat-khau")
    unknown = login(client, "khong-co@example.vn", "sai-mat-khau")
    assert wrong.status_code == unknown.status_code == 400
    assert "E-mail hoặc mật khẩu không đúng." in wrong.get_data(as_text=True)
    assert "E-mail hoặc mật khẩu không đúng." in unknown.get_data(as_text=True)


def test_passwords_are_argon2(app):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_is_rate_limited(client):
    make_user(email="b@example.vn")
    db.session.commit()
    statuses = [login(client, "b@example.vn", "sai").status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5
    assert statuses[5] == 429
    assert "quá nhanh" in login(client, "b@example.vn", PASSWORD).get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client):
    make_user(email="c@example.vn")
    db.session.commit()
    response = client.post("/login", data={"email": "c@example.vn", "password": PASSWORD})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # not logged in


def test_session_cookie_flags(client):
    make_user(email="d@example.vn")
    db.session.commit()
    response = login(client, "d@example.vn")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_forbid_inline_script(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True).replace("<script src=", "")


def test_register_creates_a_buyer(client):
    response = client.form_post(
        "/register",
        {
            "full_name": "Phạm Thu Hà",
            "email": "Ha@Example.vn",
            "phone": "0912 345 678",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="ha@example.vn").one()
    assert user.role == Role.BUYER and user.full_name == "Phạm Thu Hà" and user.phone == "+84912345678"


def test_register_twice_with_same_email_makes_no_second_account(client):
    make_user(email="e@example.vn")
    db.session.commit()
    page = client.form_post(
        "/register",
        {"full_name": "X", "email": "e@example.vn", "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Nếu địa chỉ này chưa có tài khoản" in page
    assert db.session.query(User).filter_by(email="e@example.vn").count() == 1


def test_password_reset_by_mail(app, client):
    make_user(email="f@example.vn")
    db.session.commit()
    client.form_post("/password/forgot", {"email": "f@example.vn"})
    mail = sent_mails(app)[-1]["body"]
    link = re.search(r"/password/reset/[\w.\-]+", mail).group(0)
    assert client.form_post(link, {"password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"}).status_code == 302
    assert login(client, "f@example.vn", "mat-khau-moi-1").status_code == 302
    reused = client.form_post(link, {"password": "lan-nua-123", "confirm": "lan-nua-123"})
    assert "không hợp lệ hoặc đã hết hạn" in reused.get_data(as_text=True)


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(app, client):
    response = client.form_post("/password/forgot", {"email": "nobody@example.vn"}, follow_redirects=True)
    assert "Nếu e-mail có trong hệ thống" in response.get_data(as_text=True)
    assert not any(m["to"] == "nobody@example.vn" for m in sent_mails(app))


def test_owner_invites_a_member(app, client):
    owner = make_user(Role.COOPERATIVE, email="owner@example.vn")
    db.session.commit()
    login(client, owner)
    client.form_post("/cooperative/members", {"email": "member@example.vn"})
    link = re.search(r"/invite/[\w\-]+", sent_mails(app)[-1]["body"]).group(0)
    other = app.test_client()
    accepted = other.form_post(link, {"full_name": "Lò Văn Páo", "password": "mat-khau-moi-2"})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    member = db.session.query(User).filter_by(email="member@example.vn").one()
    assert member.cooperative_id == owner.cooperative_id and member.role == Role.COOPERATIVE


def test_staff_member_cannot_edit_cooperative_profile(client):
    cooperative = make_cooperative()
    make_user(Role.COOPERATIVE, email="staff@example.vn", cooperative=cooperative, coop_role=CoopRole.STAFF)
    db.session.commit()
    login(client, "staff@example.vn")
    response = client.form_post("/cooperative/settings", {"name": "Tên mới"})
    assert response.status_code == 403
    db.session.refresh(cooperative)
    assert cooperative.name != "Tên mới"


def test_owner_sets_bank_account_for_vietqr(client):
    """A seller still waiting for verification edits its application's account directly (a verified seller's
    change waits for the commune: tests/integration/test_bank_accounts.py)."""
    applicant = make_cooperative(status=CooperativeStatus.PENDING)
    owner = make_user(Role.COOPERATIVE, cooperative=applicant, coop_role=CoopRole.OWNER)
    db.session.commit()
    login(client, owner)
    client.form_post(
        "/cooperative/settings",
        {"name": "HTX Chè Shan Tuyết", "bank_bin": "970436", "account_no": "1023 4567 89", "account_holder": "htx che"},
    )
    cooperative = db.session.get(type(owner.cooperative), owner.cooperative_id)
    db.session.refresh(cooperative)
    assert (cooperative.bank_bin, cooperative.account_no, cooperative.account_holder) == (
        "970436",
        "1023456789",
        "HTX CHE",
    )
    bad = client.form_post("/cooperative/settings", {"name": "X", "bank_bin": "123456", "account_no": "1"})
    assert "NAPAS" in bad.get_data(as_text=True)


def test_pages_need_the_right_role(client):
    buyer = make_user(email="g@example.vn")
    db.session.commit()
    login(client, buyer)
    assert client.get("/cooperative/settings").status_code == 403
    assert client.get("/admin/staff").status_code == 403


def test_admin_creates_commune_staff(client):
    make_user(Role.ADMIN, email="admin@example.vn")
    db.session.commit()
    login(client, "admin@example.vn")
    response = client.form_post(
        "/admin/staff",
        {
            "full_name": "Hà Thị Mai",
            "email": "mai@example.vn",
            "password": PASSWORD,
            "province": "38",
            "commune": "14845",
        },
    )
    assert response.status_code == 302
    staff = db.session.query(User).filter_by(email="mai@example.vn").one()
    assert staff.role == Role.COMMUNE_STAFF and staff.commune.name == "Xã Mường Lát"


def test_commune_picker_works_without_javascript(client):
    page = client.get("/units/communes?province=38&q=muong lat").get_data(as_text=True)
    assert "Xã Mường Lát" in page
    assert client.get("/units/communes?province=38&q=muong&format=json").get_json()[0]["name"].startswith("Xã Mường")


def test_error_pages_are_vietnamese(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần." in response.get_data(as_text=True)


def test_english_can_be_chosen(client):
    assert client.get("/lang/en?next=/login").headers["Location"] == "/login"
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_anonymous_pages_set_no_cookie(client):
    """Pages without forms stay cacheable: no session cookie for anonymous visitors."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
