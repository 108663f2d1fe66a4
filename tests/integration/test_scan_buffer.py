"""The scan fast lane's write buffer (`SCAN_BUFFER_SECONDS`): pages show live counts, no scan is lost on a flush."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.migrate import upgrade
from marketplace.text import as_utc
from tests.conftest import make_test_app
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import Label, Scan
from traceability.scanbuffer import buffer
from traceability.scanspool import decode, encode, recover, spool_folder


@pytest.fixture(autouse=True)
def _buffered(app, monkeypatch):
    """A buffer that only a flush (or a Flask-rendered scan) writes; emptied after the test."""
    scanpage.cache.clear()
    monkeypatch.setitem(app.config, "SCAN_BUFFER_SECONDS", 600)
    monkeypatch.setitem(app.config, "SCAN_BUFFER_SIZE", 1000)
    yield
    buffer.flush()
    scanpage.cache.clear()


def _serial() -> str:
    label = make_labels(make_batch(), 1)[0]
    db.session.commit()
    return label.serial


def _phone(client, path: str, number: int):
    return client.application.test_client().get(path, environ_base={"REMOTE_ADDR": f"203.0.113.{number}"})


def _stored(serial: str) -> tuple[int, int]:
    """The label's stored device count and the number of stored scans."""
    db.session.rollback()  # a fresh snapshot: the buffer wrote on its own connection
    count = db.session.scalar(select(Label.scan_count).where(Label.serial == serial))
    return count, db.session.scalar(select(func.count(Scan.id)))


def test_buffered_scans_show_live_counts_and_are_all_written_on_flush(client):
    serial = _serial()
    path = f"/t/{serial}"
    client.get(path)  # buffered too: Flask only fills the page cache around it
    pages = [_phone(client, path, n).get_data(as_text=True) for n in (2, 3, 4)]
    reload = client.get(path).get_data(as_text=True)  # the first phone again: not a new device
    assert "Mã này đã được quét 4 lần" in pages[-1] and "Mã này đã được quét 4 lần" in reload
    assert _stored(serial) == (0, 0) and len(buffer) == 5
    assert buffer.flush() == 5
    assert _stored(serial) == (4, 5)
    assert "Mã này đã được quét 5 lần" in _phone(client, path, 5).get_data(as_text=True)


def test_scans_by_phones_already_counted_keep_the_count_exact_and_the_latest_time(client):
    serial = _serial()
    path = f"/t/{serial}"
    _phone(client, path, 2)
    _phone(client, path, 3)
    assert buffer.flush() == 2  # both phones now counted in the database
    db.session.rollback()
    first_scan = db.session.scalar(select(Label.first_scanned_at).where(Label.serial == serial))
    for number in (2, 3, 2):  # counted already: written per label, after the others
        _phone(client, path, number)
    _phone(client, path, 4)  # a new phone among them
    page = _phone(client, path, 3).get_data(as_text=True)
    assert "Mã này đã được quét 3 lần" in page
    assert buffer.flush() == 5
    assert _stored(serial) == (3, 7)
    label = db.session.scalars(select(Label).where(Label.serial == serial)).one()
    latest = db.session.scalar(select(func.max(Scan.scanned_at)).where(Scan.label_id == label.id))
    assert as_utc(label.first_scanned_at) == as_utc(first_scan) and as_utc(label.last_scanned_at) == as_utc(latest)


def test_a_label_scanned_by_hundreds_of_new_phones_counts_each_once_and_warns_of_copies(client):
    serial = _serial()
    path = f"/t/{serial}"
    first = client.application.test_client()
    first.get(path, environ_base={"REMOTE_ADDR": "198.51.100.1"})  # no cookie yet: counted by address and browser
    again = first.get(path, environ_base={"REMOTE_ADDR": "198.51.100.1"})  # its new cookie now: the same phone
    assert "Mã chính hãng — quét lần đầu" in again.get_data(as_text=True)
    pages = [_phone(client, path, n).get_data(as_text=True) for n in range(1, 251)]
    assert "Mã này đã được quét 251 lần" in pages[-1]
    assert "Cảnh báo: mã bị quét nhiều lần bất thường" in pages[-1]
    assert "Mã này đã được quét 251 lần" in _phone(client, path, 7).get_data(as_text=True)  # a phone scanning again
    assert buffer.flush() == 253
    assert _stored(serial) == (251, 253)


def test_a_scan_flask_renders_writes_the_buffer_first(client):
    serial = _serial()
    path = f"/t/{serial}"
    client.get(path)
    _phone(client, path, 2)
    data = _phone(client, path, 3).get_data(as_text=True)
    assert "Mã này đã được quét 3 lần" in data and len(buffer) == 3
    as_json = client.get(path, headers={"Accept": "application/json"}).get_json()  # JSON always goes through Flask
    assert as_json["scan_count"] == 3 and len(buffer) == 0
    assert _stored(serial) == (3, 4)


def test_an_unknown_serial_is_not_buffered(client):
    from traceability.serials import new_serial

    client.get(f"/t/{_serial()}")  # one real scan, buffered
    response = client.get(f"/t/{new_serial()}")
    assert response.status_code == 404 and len(buffer) == 1


def _spool_lines(app) -> list[bytes]:
    files = list(spool_folder(app.config["INSTANCE_PATH"]).glob(f"{os.getpid()}-*.scans"))
    return files[0].read_bytes().splitlines() if files else []


def test_a_buffered_scan_is_on_disk_before_its_page_is_answered_and_leaves_once_written(app, client):
    serial = _serial()
    assert client.get(f"/t/{serial}").status_code == 200
    assert len(buffer) == 1 and _stored(serial) == (0, 0)
    lines = _spool_lines(app)
    assert [decode(line).serial for line in lines] == [serial]
    assert buffer.flush() == 1
    assert _spool_lines(app) == [] and _stored(serial) == (1, 1)


def _left_behind(app, scans: list[scanpage.PendingScan]) -> Path:
    """The spool file of a process that was killed before it wrote its buffer."""
    folder = spool_folder(app.config["INSTANCE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "999999-deadbeef.scans"
    path.write_bytes(b"".join(encode(scan) for scan in scans) + b'["half a line')
    return path


def _scan(serial: str, device: str, seconds: int) -> scanpage.PendingScan:
    at = datetime(2026, 12, 3, 9, 0, seconds)
    return scanpage.PendingScan(serial, "qr", scanpage.Device(device, device, None), at)


def test_scans_a_killed_process_left_are_written_once_by_the_next(app):
    serial = _serial()
    committed, lost = _scan(serial, "phone-a", 1), _scan(serial, "phone-b", 2)
    scanpage.write_scans([committed])  # it died after this commit, before emptying its file
    path = _left_behind(app, [committed, lost])
    assert recover(path.parent, scanpage.write_scans) == 1
    assert _stored(serial) == (2, 2) and not path.exists()
    assert recover(path.parent, scanpage.write_scans) == 0


def test_the_spool_of_a_living_process_is_left_alone(app):
    serial = _serial()
    path = _left_behind(app, [_scan(serial, "phone-a", 1)])
    owner = os.open(path, os.O_RDONLY)
    fcntl.flock(owner, fcntl.LOCK_EX)  # as its process holds it for as long as it lives
    try:
        assert recover(path.parent, scanpage.write_scans) == 0
        assert path.exists() and _stored(serial) == (0, 0)
    finally:
        os.close(owner)
    assert recover(path.parent, scanpage.write_scans) == 1


def test_the_fast_lane_writes_each_apps_scans_to_that_apps_database(app, client, tmp_path):
    """The lane runs without an app context: the buffer must follow the app a scan came to, and its database."""
    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    upgrade(other_url)
    other = make_test_app(other_url, tmp_path, SCAN_BUFFER_SECONDS=600, SCAN_BUFFER_SIZE=1000)
    with other.app_context():
        there = _serial()
    here = _serial()
    assert "Mã chính hãng" in client.get(f"/t/{here}").get_data(as_text=True)
    pages = [_phone(other.test_client(), f"/t/{there}", n).get_data(as_text=True) for n in (2, 3, 4)]
    assert "Mã này đã được quét 3 lần" in pages[-1]  # the first filled the page cache; the others took the lane
    assert buffer.flush() == 3  # the main app's scan was written when the other app's first came
    with other.app_context():
        assert _stored(there) == (3, 3)
        db.engine.dispose()
    _phone(client, f"/t/{here}", 5)
    assert buffer.flush() == 1
    assert _stored(here) == (2, 2)
