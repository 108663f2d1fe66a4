"""Look-alike spellings of an address never make a second account, and registration and password reset
answer the same whether or not an address is taken (no account enumeration)."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import User
from marketplace.text import normalise_phone
from tests.factories import PASSWORD, make_user, sent_mails

LOOKALIKES = ["ｋｈａｃｈ@demo.ocop.vn", "KHACH@DEMO.OCOP.VN", " Khach@Demo.Ocop.Vn "]


def _register(client, email: str, full_name: str = "Người lạ"):
    return client.form_post(
        "/register",
        {"full_name": full_name, "email": email, "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    )


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_lookalike_address_does_not_make_a_second_account(client, lookalike):
    make_user(email="khach@demo.ocop.vn")
    db.session.commit()
    _register(client, lookalike)
    assert db.session.query(User).count() == 1


def test_a_lookalike_address_signs_in_to_the_same_account(client):
    make_user(email="khach@demo.ocop.vn")
    db.session.commit()
    response = client.form_post("/login", {"email": "ｋｈａｃｈ@demo.ocop.vn", "password": PASSWORD})
    assert response.status_code == 302


def test_registering_a_taken_address_answers_like_a_new_one_and_mails_the_owner(app, client):
    make_user(email="khach@demo.ocop.vn")
    db.session.commit()
    taken = _register(client, "khach@demo.ocop.vn")
    fresh = _register(app.test_client(), "moi@demo.ocop.vn")
    assert taken.status_code == fresh.status_code == 200
    assert taken.request.path == fresh.request.path
    message = "Nếu địa chỉ này chưa có tài khoản"
    assert message in taken.get_data(as_text=True) and message in fresh.get_data(as_text=True)
    assert "đã được đăng ký" not in taken.get_data(as_text=True)
    owner_mails = [m for m in sent_mails(app) if m["to"] == "khach@demo.ocop.vn"]
    assert len(owner_mails) == 1 and "/password/forgot" in owner_mails[0]["body"]
    assert db.session.query(User).filter_by(email="khach@demo.ocop.vn").one().full_name != "Người lạ"


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    make_user(email="khach@demo.ocop.vn")
    db.session.commit()
    known = client.form_post("/password/forgot", {"email": "khach@demo.ocop.vn"})
    unknown = client.form_post("/password/forgot", {"email": "khong-co@demo.ocop.vn"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])


@pytest.mark.parametrize("raw", ["０９１２ ３４５ ６７８", "+84 912 345 678", "84912345678", "0912.345.678"])
def test_phone_spellings_are_one_number(raw):
    assert normalise_phone(raw) == normalise_phone("0912345678") == "0912345678"
