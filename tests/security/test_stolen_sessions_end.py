"""Signing out, a password reset and an admin taking a role away end EVERY session and remember-me
cookie of that account, not only the browser that asked; remember-me tokens are random, stored hashed
and work once."""

from __future__ import annotations

import hashlib
import re

from marketplace.extensions import db
from marketplace.models import RememberToken, Role
from marketplace.sessions import REMEMBER_COOKIE
from tests.factories import PASSWORD, login, make_user, sent_mails


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def _remember_cookie(client) -> str | None:
    cookie = client.get_cookie(REMEMBER_COOKIE)
    return cookie.value if cookie else None


def _browser_with_only(app, token: str):
    """A fresh browser holding nothing but a (stolen) remember-me cookie."""
    browser = app.test_client()
    browser.set_cookie(REMEMBER_COOKIE, token)
    return browser


def test_logging_out_ends_the_other_sessions_of_the_account(app, client):
    user = make_user()
    db.session.commit()
    other = app.test_client()
    login(client, user)
    login(other, user)
    assert _signed_in(other)
    client.form_post("/logout")
    assert not _signed_in(other)


def test_a_password_reset_ends_every_session(app, client):
    user = make_user(email="lan@example.vn")
    db.session.commit()
    thief = app.test_client()
    login(thief, user)
    client.form_post("/password/forgot", {"email": user.email})
    link = re.search(r"/password/reset/\S+", sent_mails(app)[-1]["body"]).group(0)
    client.form_post(link, {"password": "mat-khau-moi-123", "confirm": "mat-khau-moi-123"})
    assert not _signed_in(thief)


def test_an_admin_revoking_a_staff_role_ends_the_staff_sessions(app, client):
    admin = make_user(Role.ADMIN)
    staff = make_user(Role.COMMUNE_STAFF)
    db.session.commit()
    staff_browser = app.test_client()
    login(staff_browser, staff)
    assert _signed_in(staff_browser)
    login(client, admin)
    client.form_post(f"/admin/staff/{staff.id}/revoke")
    assert not _signed_in(staff_browser)


def test_remember_me_is_random_stored_hashed_and_works_once(app, client):
    user = make_user()
    db.session.commit()
    client.form_post("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    token = _remember_cookie(client)
    assert token and len(token) >= 40 and not token.startswith(f"{user.id}|")  # not derived from the user id
    stored = db.session.query(RememberToken).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    browser = _browser_with_only(app, token)
    assert _signed_in(browser)
    assert _remember_cookie(browser) not in (None, token)  # rotated on use
    assert not _signed_in(_browser_with_only(app, token))  # the used token is spent


def test_logging_out_revokes_every_remember_me_cookie(app, client):
    user = make_user()
    db.session.commit()
    client.form_post("/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    stolen = _remember_cookie(client)
    other = app.test_client()
    login(other, user)
    other.form_post("/logout")
    assert not _signed_in(_browser_with_only(app, stolen))
    assert not _signed_in(client)


def test_flask_login_remember_cookie_of_the_old_kind_is_not_accepted(app, client):
    """The old remember cookie carried only the user id: it no longer signs anyone in."""
    from flask_login.utils import _cookie_digest

    user = make_user()
    db.session.commit()
    with app.test_request_context():
        forged = f"{user.id}|{_cookie_digest(str(user.id))}"
    browser = app.test_client()
    browser.set_cookie("remember_token", forged)
    assert not _signed_in(browser)
