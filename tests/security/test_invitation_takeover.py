"""An invitation link for an address that already has an account never signs a browser in as that
account without its credentials, and never changes the account unless its owner agrees."""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Role, User
from tests.factories import PASSWORD, login, make_user, sent_mails


def _invite(app, client, email: str) -> str:
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    client.form_post("/cooperative/members", {"email": email})
    mail = [m for m in sent_mails(app) if m["to"] == email][-1]
    return re.search(r"/invite/[\w\-]+", mail["body"]).group(0)


def _signed_in_as(client) -> str | None:
    page = client.get("/account/")
    return None if page.status_code != 200 else page.get_data(as_text=True)


def test_invitation_without_password_does_not_sign_in_the_existing_account(app, client):
    victim = make_user(email="nan@example.vn")
    db.session.commit()
    link = _invite(app, client, "nan@example.vn")
    stranger = app.test_client()
    stranger.form_post(link, {"full_name": "Kẻ lạ", "password": ""})
    assert _signed_in_as(stranger) is None
    db.session.expire_all()
    assert db.session.get(User, victim.id).role == Role.BUYER


def test_invitation_with_a_wrong_password_is_refused(app, client):
    victim = make_user(email="nan@example.vn")
    db.session.commit()
    link = _invite(app, client, "nan@example.vn")
    stranger = app.test_client()
    stranger.form_post(link, {"full_name": "Kẻ lạ", "password": "doan-bua-mat-khau"})
    assert _signed_in_as(stranger) is None
    db.session.expire_all()
    assert db.session.get(User, victim.id).role == Role.BUYER


def test_the_owner_of_the_address_joins_with_their_password(app, client):
    member = make_user(email="nan@example.vn")
    db.session.commit()
    link = _invite(app, client, "nan@example.vn")
    browser = app.test_client()
    assert browser.form_post(link, {"full_name": "Nàn", "password": PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).role == Role.COOPERATIVE


def test_the_owner_signed_in_joins_without_typing_the_password(app, client):
    member = make_user(email="nan@example.vn")
    db.session.commit()
    link = _invite(app, client, "nan@example.vn")
    browser = app.test_client()
    login(browser, member)
    assert browser.form_post(link, {"full_name": "Nàn", "password": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).role == Role.COOPERATIVE
