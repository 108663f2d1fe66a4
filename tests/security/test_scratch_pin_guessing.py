"""The scratch PIN tells a buyer genuine or not, remembers its first right check, and cannot be guessed."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from tests.factories.traceability import make_batch
from traceability import scanpage
from traceability.labels import issue_labels


@pytest.fixture(autouse=True)
def _fresh_cache():
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _label(with_pin: bool = True):
    _run, issued = issue_labels(make_batch(), 2, with_pin=with_pin)
    db.session.commit()
    return issued[0]


def _wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10**6:06d}"


def test_the_scan_page_offers_the_pin_check_and_the_first_check_is_recorded(client):
    label = _label()
    page = client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert f'href="/t/{label.serial}/pin"' in page
    assert client.get(f"/t/{label.serial}/pin").status_code == 200
    first = client.form_post(f"/t/{label.serial}/pin", {"pin": label.pin})
    assert first.status_code == 200 and "Đây là lần kiểm tra mã PIN đầu tiên" in first.get_data(as_text=True)
    second = client.form_post(f"/t/{label.serial}/pin", {"pin": label.pin}).get_data(as_text=True)
    assert "đã được kiểm tra lần đầu lúc" in second and re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", second)
    wrong = client.form_post(f"/t/{label.serial}/pin", {"pin": _wrong(label.pin)})
    assert wrong.status_code == 422 and "Mã PIN không đúng" in wrong.get_data(as_text=True)


def test_wrong_pins_are_rate_limited_even_before_a_right_one(client):
    label = _label()
    for _ in range(5):
        assert client.form_post(f"/t/{label.serial}/pin", {"pin": _wrong(label.pin)}).status_code == 422
    blocked = client.form_post(f"/t/{label.serial}/pin", {"pin": label.pin})
    assert blocked.status_code == 429 and "quá nhiều lần" in blocked.get_data(as_text=True)
    assert "đầu tiên" not in blocked.get_data(as_text=True)  # the right PIN told the guesser nothing


def test_a_label_without_pin_has_no_pin_check(client):
    label = _label(with_pin=False)
    assert "/pin" not in client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert client.get(f"/t/{label.serial}/pin").status_code == 404
    assert client.post(f"/t/{label.serial}/pin", data={"pin": "123456"}).status_code in (400, 404)
