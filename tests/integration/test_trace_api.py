"""Batches, events and labels through the JSON API (the shapes of docs/api.md), with owner checks and idempotency."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import today_vn
from tests.factories import api_token, make_product, make_user
from tests.factories.traceability import make_batch
from traceability.models import Label, TraceEvent


def _owner_and_product():
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, ocop_stars=4, gtin="8931234567897")
    return owner, product


def test_cooperative_creates_a_batch_with_three_events_and_issues_labels(client):
    owner, product = _owner_and_product()
    headers = api_token(client, owner.email)
    harvested = (today_vn() - timedelta(days=3)).isoformat()
    r = client.post(
        "/api/v1/batches",
        json={"product_id": product.id, "lot": "NM-2025-03", "harvested_on": harvested, "quantity": 300},
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    batch = r.get_json()
    assert batch["code"].startswith("L") and batch["lot"] == "NM-2025-03" and batch["quantity"] == 300
    code = batch["code"]
    hashes = []
    for stage in ("harvest", "processing", "packing"):
        r = client.post(
            f"/api/v1/batches/{code}/events",
            json={"stage": stage, "occurred_at": "2025-03-01T08:30:00+07:00", "place": "Vạn Sơn", "note": "ok"},
            headers=headers,
        )
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert body["prev_hash"] == (hashes[-1] if hashes else "") and len(body["hash"]) == 64
        hashes.append(body["hash"])
    r = client.post(f"/api/v1/batches/{code}/labels", json={"count": 24}, headers=headers)
    assert r.status_code == 201
    labels = r.get_json()["labels"]
    assert len(labels) == 24 and len({label["serial"] for label in labels}) == 24
    assert labels[0]["url"] == f"https://ocop.test/01/08931234567897/10/NM-2025-03/21/{labels[0]['serial']}"
    detail = client.get(f"/api/v1/batches/{code}", headers=headers).get_json()
    assert detail["chain_valid"] is True and detail["labels"] == 24
    assert [e["stage"] for e in detail["events"]] == ["harvest", "processing", "packing"]
    assert detail["events"][0]["occurred_at"] == "2025-03-01T08:30:00+07:00"


def test_lot_rules_give_clear_errors(client):
    owner, product = _owner_and_product()
    headers = api_token(client, owner.email)
    body = {"product_id": product.id, "lot": "NM-1", "harvested_on": "2025-03-01", "quantity": 10}
    assert client.post("/api/v1/batches", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/batches", json=body, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate_lot"
    bad = client.post("/api/v1/batches", json={**body, "lot": "lô 1/2"}, headers=headers)
    assert bad.status_code == 422 and "GS1" in bad.get_json()["error"]["message"]
    future = client.post("/api/v1/batches", json={**body, "lot": "NM-2", "harvested_on": "2999-01-01"}, headers=headers)
    assert future.status_code == 422


def test_idempotency_key_makes_repeats_harmless(client):
    owner, product = _owner_and_product()
    headers = api_token(client, owner.email)
    body = {"product_id": product.id, "lot": "NM-9", "harvested_on": "2025-03-01", "quantity": 10}
    first = client.post("/api/v1/batches", json=body, headers={**headers, "Idempotency-Key": "b-1"}).get_json()
    second = client.post("/api/v1/batches", json=body, headers={**headers, "Idempotency-Key": "b-1"})
    assert second.status_code == 201 and second.get_json()["code"] == first["code"]
    event = {"stage": "harvest", "note": "một lần"}
    url = f"/api/v1/batches/{first['code']}/events"
    a = client.post(url, json=event, headers={**headers, "Idempotency-Key": "e-1"}).get_json()
    b = client.post(url, json=event, headers={**headers, "Idempotency-Key": "e-1"}).get_json()
    assert a["id"] == b["id"]
    assert db.session.scalar(select(func.count(TraceEvent.id))) == 1


def test_another_cooperative_cannot_see_or_write_a_batch(client):
    batch = make_batch()
    intruder = make_user(Role.COOPERATIVE)
    db.session.commit()
    headers = api_token(client, intruder.email)
    assert client.get(f"/api/v1/batches/{batch.code}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/batches/{batch.code}/epcis", headers=headers).status_code == 404
    r = client.post(f"/api/v1/batches/{batch.code}/events", json={"stage": "sale"}, headers=headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert client.post(f"/api/v1/batches/{batch.code}/labels", json={"count": 2}, headers=headers).status_code == 404
    r = client.post(
        "/api/v1/batches",
        json={"product_id": batch.product_id, "lot": "X1", "harvested_on": "2025-03-01", "quantity": 1},
        headers=headers,
    )
    assert r.status_code == 403
    assert db.session.scalar(select(func.count(Label.id))) == 0


def test_commune_staff_read_their_communes_batches_and_the_epcis_export(client):
    batch = make_batch()
    staff = make_user(Role.COMMUNE_STAFF, commune_code=batch.cooperative.commune_code)
    other = make_user(Role.COMMUNE_STAFF, commune_code=4960)
    db.session.commit()
    headers = api_token(client, staff.email)
    assert client.get(f"/api/v1/batches/{batch.code}", headers=headers).status_code == 200
    doc = client.get(f"/api/v1/batches/{batch.code}/epcis", headers=headers).get_json()
    events = doc["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["creating_class_instance", "other", "packing"]
    assert all(e["eventTimeZoneOffset"] == "+07:00" for e in events)
    assert events[0]["bizLocation"]["id"].startswith("https://ocop.test/xa/")
    r = client.post(f"/api/v1/batches/{batch.code}/events", json={"stage": "sale"}, headers=headers)
    assert r.status_code == 403
    assert client.get(f"/api/v1/batches/{batch.code}", headers=api_token(client, other.email)).status_code == 404


def test_events_are_append_only_and_corrections_point_back(client):
    batch = make_batch()
    owner = batch.cooperative.members[0]
    db.session.commit()
    headers = api_token(client, owner.email)
    first = db.session.scalar(select(TraceEvent).where(TraceEvent.batch_id == batch.id, TraceEvent.seq == 1))
    r = client.post(
        f"/api/v1/batches/{batch.code}/events",
        json={"stage": "harvest", "note": "Sửa: thu hái ngày 2", "corrects": first.id},
        headers=headers,
    )
    assert r.status_code == 201 and r.get_json()["corrects"] == first.id and r.get_json()["seq"] == 4
    other = make_batch(owner=owner, product=batch.product, lot="OTHER-1")
    db.session.commit()
    r = client.post(
        f"/api/v1/batches/{other.code}/events", json={"stage": "sale", "corrects": first.id}, headers=headers
    )
    assert r.status_code == 422
    bad = client.post(f"/api/v1/batches/{batch.code}/events", json={"stage": "bay"}, headers=headers)
    assert bad.status_code == 422 and "error" in bad.get_json()
    assert client.put(f"/api/v1/batches/{batch.code}/events", json={}, headers=headers).status_code == 405


def test_label_count_is_capped_for_the_api(client):
    batch = make_batch()
    db.session.commit()
    headers = api_token(client, batch.cooperative.members[0].email)
    assert client.post(f"/api/v1/batches/{batch.code}/labels", json={"count": 1001}, headers=headers).status_code == 422
    pins = client.post(f"/api/v1/batches/{batch.code}/labels", json={"count": 2, "with_pin": True}, headers=headers)
    assert all(len(label["pin"]) == 6 for label in pins.get_json()["labels"])
