"""Cooperative screens: batch list, new batch, add an event in three taps, read-only for commune staff."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import today_vn
from tests.factories import login, make_product, make_user
from tests.factories.catalog import jpeg_bytes
from tests.factories.traceability import make_batch, make_labels
from traceability.models import Batch, TraceEvent, TracePhoto


def test_cooperative_opens_a_batch_records_three_events_and_sees_the_chain(client, app):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, ocop_stars=4)
    db.session.commit()
    login(client, owner)
    form = client.get("/cooperative/batches/new").get_data(as_text=True)
    assert product.name in form and 'data-draft="batch-new"' in form and 'name="client_token"' in form
    r = client.form_post(
        "/cooperative/batches/new",
        {
            "product_id": product.id,
            "lot": "NM-2025-11",
            "harvested_on": (today_vn() - timedelta(days=2)).isoformat(),
            "quantity": "250",
            "certifications": "VietGAP",
            "client_token": "tok-batch-1",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    batch = db.session.scalar(select(Batch).where(Batch.lot == "NM-2025-11"))
    assert batch.certifications == ["VietGAP"] and batch.quantity == 250
    url = f"/cooperative/batches/{batch.code}/events/new"
    page = client.get(url).get_data(as_text=True)
    assert "capture=" not in page and 'accept="image/*"' in page and 'value="harvest"' in page and "Thu hoạch" in page
    for stage, token in (("harvest", "t1"), ("processing", "t2"), ("packing", "t3")):
        data = {"stage": stage, "note": f"Ghi {stage}", "client_token": token}
        if stage == "harvest":
            data["photo"] = (io.BytesIO(jpeg_bytes()), "nam.jpg")
        r = client.form_post(url, data, content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)
    detail = client.get(f"/cooperative/batches/{batch.code}").get_data(as_text=True)
    assert "Chuỗi dữ liệu toàn vẹn: 3 công đoạn" in detail
    assert detail.index("Thu hoạch") < detail.index("Sơ chế/chế biến") < detail.index("Đóng gói")
    photo = db.session.scalar(select(TracePhoto))
    assert photo.event_id is not None and f"/media/trace/{batch.id}/{photo.stem}-320.jpg" in detail
    assert client.get(f"/media/trace/{batch.id}/{photo.stem}-320.jpg").status_code == 200
    assert "Lô hàng và truy xuất" in client.get("/cooperative/batches").get_data(as_text=True)


def test_a_repeated_submit_records_one_event(client):
    batch = make_batch(events=())
    owner = batch.cooperative.members[0]
    db.session.commit()
    login(client, owner)
    url = f"/cooperative/batches/{batch.code}/events/new"
    for _ in range(3):
        assert client.form_post(url, {"stage": "harvest", "client_token": "same-tap"}).status_code == 302
    assert db.session.scalar(select(func.count(TraceEvent.id))) == 1


def test_bad_input_comes_back_with_a_message_and_the_values(client):
    batch = make_batch(events=())
    db.session.commit()
    login(client, batch.cooperative.members[0])
    r = client.form_post(
        f"/cooperative/batches/{batch.code}/events/new",
        {"stage": "harvest", "note": "giữ lại", "withholding_days": "ba"},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Phải là số nguyên" in page and "giữ lại" in page
    r = client.form_post(
        "/cooperative/batches/new", {"product_id": batch.product_id, "lot": batch.lot, "quantity": "1"}
    )
    assert r.status_code == 422 and "Cần ngày sản xuất" in r.get_data(as_text=True)


def test_commune_staff_only_look_and_other_cooperatives_see_nothing(client):
    batch = make_batch()
    staff = make_user(Role.COMMUNE_STAFF, commune_code=batch.cooperative.commune_code)
    intruder = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, staff)
    listing = client.get("/cooperative/batches").get_data(as_text=True)
    assert batch.lot in listing and "Mở lô mới" not in listing
    detail = client.get(f"/cooperative/batches/{batch.code}").get_data(as_text=True)
    assert "Ghi công đoạn" not in detail
    assert client.get(f"/cooperative/batches/{batch.code}/events/new").status_code == 403
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    other = client.application.test_client()
    login(other, intruder)
    assert batch.lot not in other.get("/cooperative/batches").get_data(as_text=True)
    assert other.get(f"/cooperative/batches/{batch.code}").status_code == 404
    assert other.form_post(f"/cooperative/batches/{batch.code}/events/new", {"stage": "sale"}).status_code == 404
    assert other.get(f"/cooperative/batches/{batch.code}/epcis.json").status_code == 404


def test_batch_page_counts_labels_and_scans(client):
    batch = make_batch()
    labels = make_labels(batch, 3)
    db.session.commit()
    client.get(f"/t/{labels[0].serial}")
    login(client, batch.cooperative.members[0])
    page = client.get(f"/cooperative/batches/{batch.code}").get_data(as_text=True)
    assert "3 tem đã cấp, 1 lượt quét." in page
    epcis = client.get(f"/cooperative/batches/{batch.code}/epcis.json")
    assert epcis.get_json()["type"] == "EPCISDocument"
