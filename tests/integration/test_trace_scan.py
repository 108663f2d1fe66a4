"""The public scan page: genuine or not, scan counts, tamper detection, GS1 Digital Link, size on 2G."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from marketplace.admin.settings import SiteSetting
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_product, make_user
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import CounterfeitReport, Label, Scan
from traceability.serials import grouped

NOT_FOUND = "Không tìm thấy mã này — sản phẩm có thể không chính hãng"
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Batch ids restart after each test's wipe on SQLite, so the per-process page cache starts empty."""
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _another_phone(client, path: str, number: int = 2, **kwargs):
    """A scan from another device: its own client (no cookie) at its own address."""
    return client.application.test_client().get(path, environ_base={"REMOTE_ADDR": f"203.0.113.{number}"}, **kwargs)


def _label(**batch_overrides):
    batch = make_batch(**batch_overrides)
    label = make_labels(batch, 2)[0]
    db.session.commit()
    return batch, label


def test_first_scan_shows_the_chain_and_later_scans_count(client):
    batch, label = _label()
    first = client.get(f"/t/{label.serial}")
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Mã chính hãng — quét lần đầu" in page
    assert batch.product.name in page and batch.cooperative.name in page and "Xã Triệu Sơn" in page
    assert page.index("Thu hoạch") < page.index("Sơ chế/chế biến") < page.index("Đóng gói")
    assert "Nhà nấm số 1" in page and "VietGAP" in page and "TCVN 11041-2:2017" in page
    assert "OCOP ★★★★" in page and "Mua lại" in page and "<script" not in page
    reload = client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert "Mã chính hãng — quét lần đầu" in reload  # the same phone again is still one device
    second = _another_phone(client, f"/t/{label.serial}").get_data(as_text=True)
    assert "Mã này đã được quét 2 lần, lần đầu lúc" in second
    assert re.search(r"lần đầu lúc \d\d:\d\d \d\d/\d\d/\d{4}", second)
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == label.serial)) == 2
    assert db.session.scalar(select(func.count(Scan.id))) == 3
    assert first.headers["Cache-Control"] == "private, no-store"


def test_json_gives_the_design_shape(client):
    batch, label = _label()
    r = client.get(f"/t/{label.serial}", headers=JSON)
    data = r.get_json()
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert {
        "genuine",
        "serial",
        "scan_count",
        "first_scanned_at",
        "chain_valid",
        "product",
        "cooperative",
        "batch",
        "events",
    } <= set(data)
    assert data["genuine"] is True and data["serial"] == label.serial and data["scan_count"] == 1
    assert data["chain_valid"] is True and data["first_scanned_at"].endswith("+07:00")
    assert data["product"]["name"] == batch.product.name and data["cooperative"]["name"] == batch.cooperative.name
    assert data["batch"]["lot"] == batch.lot and [e["stage"] for e in data["events"]] == [
        "harvest",
        "processing",
        "packing",
    ]


def test_unknown_serial_is_a_404_that_warns_and_offers_a_report(client):
    r = client.get("/t/7K2Q9MXAB3D4EF")
    page = r.get_data(as_text=True)
    assert r.status_code == 404 and NOT_FOUND in page and 'action="/t/report"' in page
    r = client.get("/t/not-a-code", headers=JSON)
    assert r.status_code == 404 and r.get_json()["genuine"] is False
    assert "không chính hãng" in r.get_json()["error"]["message"]
    sent = client.form_post("/t/report", {"serial": "7K2Q9MXAB3D4EF", "place": "Chợ Nưa", "message": "Tem mờ"})
    assert sent.status_code == 200 and "Cảm ơn bạn đã báo" in sent.get_data(as_text=True)
    assert db.session.scalar(select(CounterfeitReport.place)) == "Chợ Nưa"
    assert client.post("/t/report", data={"serial": "X"}).status_code == 400  # no CSRF token


def test_a_report_on_a_real_label_tells_the_cooperative(client):
    from marketplace.models import Notice

    _batch, label = _label()
    client.form_post("/t/report", {"serial": grouped(label.serial).lower(), "message": "Quét 20 lần"})
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "counterfeit_report")) >= 1


def test_a_row_altered_in_the_database_is_detected(client):
    batch, label = _label()
    db.session.execute(
        text("UPDATE trace_events SET note = 'Không dùng thuốc' WHERE batch_id = :b AND seq = 2"), {"b": batch.id}
    )
    db.session.commit()
    page = client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert "dữ liệu đã bị thay đổi" in page
    assert client.get(f"/t/{label.serial}", headers=JSON).get_json()["chain_valid"] is False


def test_past_the_threshold_the_warning_is_stronger(client):
    _batch, label = _label()
    db.session.add(SiteSetting(key="scan_warning_threshold", value="2"))
    db.session.commit()
    for _ in range(5):  # one phone reloading is one device, never a copy
        assert "bị sao chép" not in client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert "bị sao chép" not in _another_phone(client, f"/t/{label.serial}", 8).get_data(as_text=True)
    page = _another_phone(client, f"/t/{label.serial}", 9).get_data(as_text=True)
    assert "Mã này đã được quét 3 lần" in page and "bị sao chép" in page and "Báo nghi hàng giả" in page


def test_gs1_digital_link_checks_gtin_and_lot(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, gtin="8931234567897")
    _batch, label = _label(owner=owner, product=product, lot="NM-7")
    assert label.url == f"https://ocop.test/01/08931234567897/10/NM-7/21/{label.serial}"
    good = client.get(label.url.removeprefix("https://ocop.test"))
    assert good.status_code == 200 and "Mã chính hãng — quét lần đầu" in good.get_data(as_text=True)
    for wrong in (
        f"/01/08931234567891/10/NM-7/21/{label.serial}",  # bad check digit
        f"/01/08934567890120/10/NM-7/21/{label.serial}",  # another valid GTIN
        f"/01/08931234567897/10/NM-8/21/{label.serial}",  # another lot
    ):
        r = client.get(wrong)
        assert r.status_code == 404 and NOT_FOUND in r.get_data(as_text=True), wrong
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == label.serial)) == 1
    pip = client.get(f"/01/08931234567897/10/NM-7/21/{label.serial}?linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"].endswith(f"/p/{product.slug}")
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == label.serial)) == 1


def test_resolver_description(client):
    data = client.get("/.well-known/gs1resolver").get_json()
    assert data["resolverRoot"] == "https://ocop.test" and "01" in data["supportedPrimaryKeys"]


def test_short_code_lookup_forgives_typing(client):
    _batch, label = _label()
    typed = grouped(label.serial).lower().replace("-", " ").replace("0", "o").replace("1", "l")
    r = client.get("/t", query_string={"code": typed})
    assert r.status_code == 302 and f"/t/{label.serial}" in r.headers["Location"]
    r = client.get("/t", query_string={"code": "ABC"})
    assert r.status_code == 422 and "14 ký tự" in r.get_data(as_text=True)
    assert client.get("/t").status_code == 200
    assert client.get(f"/t/{grouped(label.serial).lower()}").status_code == 200


def test_html_in_notes_never_comes_back_as_markup(client):
    """Tags are stripped when stored (marketplace.text.clean_text); the page escapes whatever is left."""
    owner = make_user(Role.COOPERATIVE)
    batch = make_batch(owner=owner, events=())
    from traceability import services

    services.append_event(owner, batch, {"stage": "harvest", "note": "<script>alert(1)</script>", "place": "<b>x</b>"})
    label = make_labels(batch, 1)[0]
    db.session.commit()
    page = client.get(f"/t/{label.serial}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script" not in page and "<b>x</b>" not in page


def test_the_whole_page_with_its_css_stays_under_30_kb(client):
    _batch, label = _label(events=("planting", "care", "harvest", "processing", "packing", "storage", "shipping"))
    r = client.get(f"/t/{label.serial}")
    html = r.get_data()
    css_links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html.decode())
    css = sum(len(client.get(href).get_data()) for href in css_links)
    scripts = re.findall(r"<script", html.decode())
    assert css_links and not scripts
    assert len(html) + css <= 30 * 1024, (len(html), css)


@pytest.fixture
def flask_calls(app, monkeypatch) -> list[str]:
    """Record which requests reach Flask behind the scan fast lane (restored after the test)."""
    from traceability.fastlane import ScanFastLane

    lane = app.wsgi_app
    while not isinstance(lane, ScanFastLane):  # other middleware (the page cache) may wrap the lane
        lane = lane.inner
    reached: list[str] = []
    inner = lane.inner

    def counting(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(lane, "inner", counting)
    return reached


def _status_free(page: str) -> str:
    return re.sub(r'<section class="status.*?</section>', "", page, flags=re.S)


def test_repeat_scans_take_the_fast_lane_and_count_exactly_once(client, flask_calls):
    _batch, label = _label()
    reached = flask_calls
    path = f"/t/{label.serial}"
    first = client.get(path)
    second = _another_phone(client, path, 2)
    third = _another_phone(client, path, 3)
    reload = client.get(path)  # carries only the device cookie: still the lane
    assert reached == [path], "the first scan fills the cache through Flask, the rest skip it"
    assert "Mã này đã được quét 3 lần" in third.get_data(as_text=True)
    assert "Mã này đã được quét 3 lần" in reload.get_data(as_text=True)
    assert "ocop_device=" in second.headers["Set-Cookie"] and "Set-Cookie" not in reload.headers
    assert _status_free(second.get_data(as_text=True)) == _status_free(first.get_data(as_text=True))
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Cache-Control"):
        assert third.headers[name] == first.headers[name]
    assert third.mimetype == "text/html" and int(third.headers["Content-Length"]) == len(third.get_data())

    scanpage.cache.clear()  # a cache miss after the lane counted: Flask renders without counting again
    fourth = _another_phone(client, path, 4).get_data(as_text=True)
    with_session = client.application.test_client()
    with_session.set_cookie("session", "x")
    with_session.get(path, environ_base={"REMOTE_ADDR": "203.0.113.5"})  # another cookie always goes through Flask
    assert "Mã này đã được quét 4 lần" in fourth
    assert reached == [path, path, path]
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == label.serial)) == 5
    assert db.session.scalar(select(func.count(Scan.id))) == 6


def test_unknown_serial_in_the_fast_lane_is_the_warning_404(client):
    from traceability.serials import new_serial

    unknown = new_serial()
    r = client.get(f"/t/{unknown}")
    assert r.status_code == 404 and NOT_FOUND in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Scan.id))) == 0


def test_a_scan_reads_the_head_of_its_own_batch(app, dialect):
    """The cache key of a scan page is its batch's last event, not the newest event of another, longer batch."""
    short = make_batch(events=("harvest",))
    make_batch(events=("planting", "care", "harvest", "processing", "packing"))
    label = make_labels(short, 1)[0]
    db.session.commit()
    own_head = short.events[-1].hash
    hit = scanpage.record_scan(label.serial, device=scanpage.device_of(None, "203.0.113.9", "phone"))
    assert hit is not None and hit.batch_id == short.id and hit.head == own_head


def test_scans_survive_the_engine_being_disposed(client, dialect):
    """The worker's scan connection (SQLite) is made again after `engine.dispose()`, e.g. a restore."""
    _batch, label = _label()
    assert client.get(f"/t/{label.serial}").status_code == 200
    db.engine.dispose()
    assert _another_phone(client, f"/t/{label.serial}").status_code == 200
    assert db.session.scalar(select(Label.scan_count).where(Label.serial == label.serial)) == 2
