"""An account's phone is an identifier: one E.164 spelling (`+84912345678`), and every look-alike spelling of a
number that already has an account (full-width digits, `84…`, spaces, dots) is refused instead of making a second
account with the same number. Shipping and cooperative contact phones stay in national form."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.migrate import alembic_config, upgrade
from marketplace.models import User
from marketplace.services import register_buyer, set_account_phone
from marketplace.text import display_phone, normalise_phone, normalise_phone_e164
from tests.factories import PASSWORD, make_cooperative, make_user

SPELLINGS = [
    "0912345678",
    "0912 345 678",
    "84912345678",
    "+84 912-345-678",
    "０９１２３４５６７８",
    "(+84) 912.345.678",
]


@pytest.mark.parametrize("raw", SPELLINGS)
def test_every_spelling_is_one_e164_number(raw):
    assert normalise_phone_e164(raw) == "+84912345678"
    assert display_phone(normalise_phone_e164(raw)) == "0912 345 678"


def test_contact_phones_keep_the_national_form():
    assert normalise_phone("+84912345678") == "0912345678"
    assert display_phone("0912345678") == "0912 345 678"
    assert display_phone("") == "" and display_phone(None) == ""
    assert normalise_phone_e164("02838123456x") is None


def _register(client, email: str, phone: str):
    return client.form_post(
        "/register",
        {"full_name": "Người mới", "email": email, "phone": phone, "password": PASSWORD, "confirm": PASSWORD},
        follow_redirects=True,
    )


def test_registration_stores_the_phone_in_e164(client):
    _register(client, "ha@example.vn", "0912 345 678")
    assert db.session.query(User).filter_by(email="ha@example.vn").one().phone == "+84912345678"


@pytest.mark.parametrize("lookalike", ["０９１２３４５６７８", "84912345678", "0912.345.678"])
def test_a_lookalike_phone_does_not_make_a_second_account(client, lookalike):
    _register(client, "chu@example.vn", "0912345678")
    page = _register(client, "ke-gia@example.vn", lookalike)
    assert "Số điện thoại này đã được dùng cho một tài khoản khác." in page.get_data(as_text=True)
    assert db.session.query(User).filter_by(phone="+84912345678").count() == 1
    assert db.session.query(User).filter_by(email="ke-gia@example.vn").count() == 0


def test_a_phone_that_is_not_a_mobile_number_is_refused(client):
    page = _register(client, "sai@example.vn", "12345")
    assert "Số điện thoại di động gồm 10 chữ số" in page.get_data(as_text=True)
    assert db.session.query(User).filter_by(email="sai@example.vn").count() == 0


def test_changing_to_a_lookalike_of_a_taken_phone_is_refused(app):
    register_buyer("chu@example.vn", PASSWORD, "Chủ", "0912345678")
    other = make_user()
    with pytest.raises(Conflict) as caught:
        set_account_phone(other, "＋８４ ９１２ ３４５ ６７８")
    assert caught.value.code == "phone_taken"
    set_account_phone(other, "0987 654 321")
    db.session.commit()
    assert db.session.get(User, other.id).phone == "+84987654321"
    set_account_phone(other, "0987654321")  # its own number again is fine
    set_account_phone(other, "")
    assert other.phone is None
    with pytest.raises(ValidationFailed):
        set_account_phone(other, "không có số")


def test_the_database_refuses_a_second_account_with_the_same_number(app):
    first, second = make_user(), make_user()
    first.phone = "+84912345678"
    db.session.flush()
    second.phone = "+84912345678"
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_cooperative_contact_phones_stay_national(app):
    cooperative = make_cooperative(phone="+84 912 345 678")
    assert cooperative.phone == "0912345678"


def test_migration_0008_converts_stored_phones_and_keeps_one_account_per_number(tmp_path):
    url = f"sqlite:///{tmp_path / 'phones.sqlite'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0004_sellers")
    engine = create_engine(url)
    stored = ["0912345678", "０９１２３４５６７８", "+84 987 654 321", "không rõ", None]
    with engine.begin() as conn:
        for n, phone in enumerate(stored, start=1):
            conn.execute(
                text(
                    "INSERT INTO users (email, password_hash, full_name, phone, role, locale, active, created_at, "
                    "session_version) VALUES (:e, 'x', '', :p, 'buyer', 'vi', 1, '2026-01-01 00:00:00', 1)"
                ),
                {"e": f"u{n}@example.vn", "p": phone},
            )
    upgrade(url)
    with engine.connect() as conn:
        phones = conn.execute(text("SELECT phone FROM users ORDER BY id")).scalars().all()
    engine.dispose()
    assert phones == ["+84912345678", None, "+84987654321", None, None]
