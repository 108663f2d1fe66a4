"""Reloading a genuine label never makes it look copied: the scan count is of distinct devices, and scans are
rate-limited per client so a script cannot inflate the count either."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import Label, Scan

JSON = {"Accept": "application/json"}
COPIED = "bị sao chép"
COOKIE = "ocop_device"


@pytest.fixture(autouse=True)
def _fresh_cache():
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _serial() -> str:
    label = make_labels(make_batch(), 1)[0]
    db.session.commit()
    return label.serial


def _count(serial: str) -> int:
    return db.session.scalar(select(Label.scan_count).where(Label.serial == serial))


def test_fifteen_reloads_from_one_phone_are_one_device(client):
    serial = _serial()
    for _ in range(15):
        page = client.get(f"/t/{serial}").get_data(as_text=True)
        assert COPIED not in page and "Mã chính hãng" in page
    data = client.get(f"/t/{serial}", headers=JSON).get_json()
    assert data["genuine"] is True and data["scan_count"] == 1 and data["suspicious"] is False
    assert _count(serial) == 1 and db.session.scalar(select(func.count(Scan.id))) == 16  # every scan is kept


def test_the_device_cookie_is_long_lived_and_private(client):
    serial = _serial()
    r = client.get(f"/t/{serial}", base_url="https://ocop.test")
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "secure" in flags and "max-age=" in flags
    assert client.get_cookie(COOKIE, domain="ocop.test") is not None
    plain = client.application.test_client().get(f"/t/{serial}")
    assert "secure" not in next(c for c in plain.headers.getlist("Set-Cookie") if c.startswith(COOKIE)).lower()


def test_a_cookieless_client_is_counted_by_address_and_browser(client):
    serial = _serial()
    for _ in range(15):
        client.delete_cookie(COOKIE)
        assert COPIED not in client.get(f"/t/{serial}").get_data(as_text=True)
    assert _count(serial) == 1


def test_six_devices_show_the_copy_warning(app):
    serial = _serial()
    for number in range(6):
        device = app.test_client()
        device.get(f"/t/{serial}", environ_base={"REMOTE_ADDR": f"203.0.113.{number + 1}"})
    assert _count(serial) == 6
    page = app.test_client().get(f"/t/{serial}", environ_base={"REMOTE_ADDR": "203.0.113.6"})
    assert COPIED in page.get_data(as_text=True) and _count(serial) == 6


def test_phones_with_their_own_cookie_behind_one_address_are_distinct(app):
    serial = _serial()
    for number in range(6):
        phone = app.test_client()
        phone.set_cookie(COOKIE, f"phone-{number:02d}-aaaaaaaaaaaaaaaaaaaa")
        for _ in range(3):
            phone.get(f"/t/{serial}")
    assert _count(serial) == 6


def test_scans_are_rate_limited_per_client(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "SCAN_RATE_LIMIT", 5)
    serial = _serial()
    codes = [client.get(f"/t/{serial}").status_code for _ in range(5)]
    client.delete_cookie(COOKIE)  # a fresh cookie (or none) does not reset the limit
    limited = client.get(f"/t/{serial}")
    assert codes == [200] * 5 and limited.status_code == 429 and "Retry-After" in limited.headers
    assert db.session.scalar(select(func.count(Scan.id))) == 5  # the refused scan is not recorded
    other = client.application.test_client().get(f"/t/{serial}", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200


def test_zero_turns_the_scan_rate_limit_off(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "SCAN_RATE_LIMIT", 0)
    serial = _serial()
    assert {client.get(f"/t/{serial}").status_code for _ in range(70)} == {200}
