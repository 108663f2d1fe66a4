"""Session cookies are checked once per worker and CSRF tokens signed once per session (marketplace/sessions.py):
a forged or expired cookie still signs no one in after the genuine one was kept, a kept token still works and is
still the visitor's own, and a session holding flashed messages is never shared between two requests."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_product, make_user

SESSION = "session"


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def _sign_out_token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', page, re.S).group(1)


def _session_cookie(client) -> str:
    return client.get_cookie(SESSION).value


def test_a_forged_cookie_signs_no_one_in_after_the_genuine_one_was_kept(client):
    login(client, make_user(Role.BUYER, email="khach@example.vn"))
    assert _signed_in(client) and _signed_in(client)  # the genuine cookie is now kept
    genuine = _session_cookie(client)
    payload, _dot, signature = genuine.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie(SESSION, forged)
    assert not _signed_in(client)
    client.set_cookie(SESSION, genuine)
    assert _signed_in(client)


def test_a_kept_cookie_is_refused_once_older_than_the_session_lifetime(app, client):
    login(client, make_user(Role.BUYER, email="khach@example.vn"))
    assert _signed_in(client)
    kept_lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=1)
    try:
        time.sleep(2.1)
        assert not _signed_in(client)
    finally:
        app.permanent_session_lifetime = kept_lifetime


def test_a_kept_csrf_token_is_the_visitors_own_and_still_works(app):
    first, second = app.test_client(), app.test_client()
    login(first, make_user(Role.BUYER, email="mot@example.vn"))
    login(second, make_user(Role.BUYER, email="hai@example.vn"))
    tokens = [_sign_out_token(first), _sign_out_token(first)]
    assert tokens[0] == tokens[1]  # signed once for the session
    assert _sign_out_token(second) != tokens[0]
    assert first.post("/logout", data={"csrf_token": _sign_out_token(second)}).status_code == 400
    assert first.post("/logout", data={"csrf_token": tokens[1]}).status_code == 302
    assert not _signed_in(first)


def test_two_requests_with_one_cookie_do_not_share_its_flashed_messages(client):
    honey = make_product(make_user(Role.COOPERATIVE).cooperative, name="Mật ong bạc hà", stock=10)
    login(client, make_user(Role.BUYER, email="khach@example.vn"))
    db.session.commit()
    client.form_post("/cart/add", {"product_id": honey.id, "quantity": 1})  # flashes, shown on the next page
    with_one_message = _session_cookie(client)
    client.form_post("/cart/add", {"product_id": honey.id, "quantity": 1})  # a second tab, the same cookie
    client.set_cookie(SESSION, with_one_message)
    shown = client.get("/cart").get_data(as_text=True)
    assert shown.count("Đã thêm vào giỏ") == 1
