from datetime import UTC, date, datetime

import pytest

from marketplace.text import (
    ascii_upper,
    fold,
    format_date,
    format_datetime,
    format_vnd,
    nfc,
    normalise_phone,
    phone_has_known_prefix,
    slugify,
    today_vn,
    vietnamese_sort_key,
)
from marketplace.urls import safe_next_url


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Nấm mèo", "nam meo"),
        ("ĐẶC SẢN Đường phèn", "dac san duong phen"),
        ("hoà", "hoa"),
        ("hòa", "hoa"),
        ("  Mật   ong  ", "mat ong"),
    ],
)
def test_fold_strips_marks_and_maps_d(raw, folded):
    assert fold(raw) == folded


def test_nfd_input_is_stored_as_nfc():
    decomposed = "Na\u0302\u0301m me\u0300o"
    assert nfc(decomposed) == "Nấm mèo"
    assert len(nfc(decomposed)) == len("Nấm mèo")


def test_slug_from_folded_name():
    assert slugify("Mật ong bạc hà Mèo Vạc") == "mat-ong-bac-ha-meo-vac"
    assert slugify("<script>alert(1)</script> Chè") == "script-alert-1-script-che"


def test_money_uses_dot_thousands_and_dong_sign():
    assert format_vnd(125000) == "125.000\u00a0₫"
    assert format_vnd(0) == "0\u00a0₫"
    assert format_vnd(1_250_000_000) == "1.250.000.000\u00a0₫"


def test_dates_shown_in_vietnam_time():
    late_evening_utc = datetime(2026, 1, 31, 18, 30, tzinfo=UTC)
    assert format_datetime(late_evening_utc) == "01:30 01/02/2026"
    assert format_date(late_evening_utc) == "01/02/2026"
    assert format_date(date(2026, 3, 5)) == "05/03/2026"
    assert format_datetime(datetime(2026, 1, 1, 0, 0)) == "07:00 01/01/2026"  # naive values are UTC


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 12, 4, 16, 59, tzinfo=UTC), date(2026, 12, 4)),  # 23:59 in Hà Nội
        (datetime(2026, 12, 4, 17, 0, tzinfo=UTC), date(2026, 12, 5)),  # midnight in Hà Nội, still the 4th in UTC
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_today_is_the_day_in_vietnam_whatever_the_server_clock(monkeypatch, moment, day):
    monkeypatch.setattr("marketplace.text.utcnow", lambda: moment)
    assert today_vn() == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84-912-345-678", "0912345678"),
        ("091234567", None),
        ("abc", None),
        ("", None),
    ],
)
def test_mobile_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_unknown_prefix_is_only_a_warning():
    assert phone_has_known_prefix("0912345678")
    assert not phone_has_known_prefix("0212345678")


def test_transfer_content_is_plain_ascii():
    assert ascii_upper("OCOP đơn OC7K2Q9M") == "OCOP DON OC7K2Q9M"


def test_vietnamese_alphabetical_order():
    names = ["Ưng", "Zơ", "Đào", "Dung", "Ánh", "Anh", "Ăn", "Âu"]
    assert sorted(names, key=vietnamese_sort_key) == ["Anh", "Ánh", "Ăn", "Âu", "Dung", "Đào", "Ưng", "Zơ"]


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("/cart", "/cart"),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("javascript:alert(1)", None),
    ],
)
def test_login_redirect_stays_on_site(target, allowed):
    assert safe_next_url(target) == allowed
