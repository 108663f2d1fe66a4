"""The product API described in docs/api.md, with the same permission rules as the pages."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import LIEN_SON, api_token, make_cooperative, make_user
from tests.factories.catalog import jpeg_bytes, make_draft, make_published

ITEM_FIELDS = {
    "id",
    "slug",
    "name",
    "price_vnd",
    "unit",
    "stock",
    "ocop_stars",
    "cooperative",
    "commune",
    "province",
    "url",
}


def test_list_items_have_exactly_the_designed_fields(client):
    product = make_published(
        name="Mật ong bạc hà",
        ocop_stars="4",
        certificate_no="7/QĐ-UBND",
        certificate_issued_on="2025-01-10",
    )
    db.session.commit()
    body = client.get("/api/v1/products?q=mat+ong").get_json()
    assert set(body) == {"items", "total", "page"} and (body["total"], body["page"]) == (1, 1)
    item = body["items"][0]
    assert set(item) == ITEM_FIELDS
    assert item == {
        "id": product.id,
        "slug": "mat-ong-bac-ha",
        "name": "Mật ong bạc hà",
        "price_vnd": 125_000,
        "unit": "kg",
        "stock": 40,
        "ocop_stars": 4,
        "cooperative": {"slug": product.cooperative.slug, "name": product.cooperative.name},
        "commune": product.cooperative.commune.name,
        "province": product.cooperative.commune.province.name,
        "url": "https://ocop.test/p/mat-ong-bac-ha",
    }
    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    assert set(detail) >= ITEM_FIELDS
    assert detail["status"] == "published" and detail["certificate"]["expires_on"] == "2028-01-10"
    assert detail["images"][0].startswith(f"/media/products/{product.id}/")


def test_categories_shape(client):
    categories = client.get("/api/v1/categories").get_json()
    assert all(set(c) == {"id", "slug", "name", "parent_id"} for c in categories)
    assert sum(1 for c in categories if c["parent_id"] is None) == 6


def test_unpublished_products_are_hidden_from_others(client):
    owner = make_user(Role.COOPERATIVE)
    draft = make_draft(owner)
    staff_here = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    staff_there = make_user(Role.COMMUNE_STAFF, commune_code=LIEN_SON)
    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    url = f"/api/v1/products/{draft.id}"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=api_token(client, stranger.email)).status_code == 404
    assert client.get(url, headers=api_token(client, staff_there.email)).status_code == 404
    assert client.get(url, headers=api_token(client, owner.email)).get_json()["status"] == "draft"
    assert client.get(url, headers=api_token(client, staff_here.email)).status_code == 200
    assert client.get("/api/v1/products").get_json()["total"] == 0
    assert client.get("/api/v1/products/99999999999999999999").status_code == 404


def test_create_upload_submit_approve_through_the_api(client):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    other_coop = make_cooperative(commune_code=LIEN_SON)
    staff_there = make_user(Role.COMMUNE_STAFF, commune_code=other_coop.commune_code)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    coop = api_token(client, owner.email)
    body = {
        "name": "Nấm mèo khô",
        "description": "Sấy lạnh.",
        "price_vnd": 125000,
        "unit": "gói",
        "stock": 10,
        "category": "nong-san-so-che",
    }
    assert client.post("/api/v1/products", json=body).status_code == 401
    assert client.post("/api/v1/products", json=body, headers=api_token(client, buyer.email)).status_code == 403
    created = client.post("/api/v1/products", json=body, headers={**coop, "Idempotency-Key": "k-1"})
    assert created.status_code == 201
    data = created.get_json()
    assert data["status"] == "draft" and data["slug"] == "nam-meo-kho"
    assert data["commune"] == owner.cooperative.commune.name  # from the cooperative
    again = client.post("/api/v1/products", json=body, headers={**coop, "Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.get_json()["id"] == data["id"]
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1
    product_id = data["id"]

    no_photo = client.post(f"/api/v1/products/{product_id}/submit", headers=coop)
    assert no_photo.status_code == 422 and no_photo.get_json()["error"]["code"] == "photo_required"
    upload = client.post(
        f"/api/v1/products/{product_id}/images",
        data={"image": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        headers=coop,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201 and client.get(upload.get_json()["url"]).status_code == 200
    submitted = client.post(f"/api/v1/products/{product_id}/submit", headers=coop)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "pending_review"

    assert client.post(f"/api/v1/products/{product_id}/approve", headers=coop).status_code == 403
    there = api_token(client, staff_there.email)
    forbidden = client.post(f"/api/v1/products/{product_id}/approve", headers=there)
    assert forbidden.status_code == 403 and forbidden.get_json()["error"]["message"]
    assert (
        client.post(f"/api/v1/products/{product_id}/reject", json={"reason": "Không rõ."}, headers=there).status_code
        == 403
    )
    here = api_token(client, staff.email)
    approved = client.post(f"/api/v1/products/{product_id}/approve", headers=here)
    assert approved.status_code == 200 and approved.get_json()["status"] == "published"
    twice = client.post(f"/api/v1/products/{product_id}/approve", headers=here)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "invalid_transition"
    assert client.get("/api/v1/products?q=nam+meo").get_json()["items"][0]["id"] == product_id
    assert db.session.get(Product, product_id).status == ProductStatus.PUBLISHED


def test_reject_needs_a_reason(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner)
    from catalog import services

    services.submit_product(owner, product)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    db.session.commit()
    headers = api_token(client, staff.email)
    assert client.post(f"/api/v1/products/{product.id}/reject", json={}, headers=headers).status_code == 422
    short = client.post(f"/api/v1/products/{product.id}/reject", json={"reason": "x"}, headers=headers)
    assert short.status_code == 422 and "lý do" in short.get_json()["error"]["message"]
    done = client.post(
        f"/api/v1/products/{product.id}/reject", json={"reason": "Thiếu giấy chứng nhận."}, headers=headers
    )
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["rejection_reason"]) == ("rejected", "Thiếu giấy chứng nhận.")


def test_bad_bodies_are_422_in_vietnamese(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    headers = api_token(client, owner.email)
    response = client.post(
        "/api/v1/products", json={"name": "Nấm", "price_vnd": "rẻ", "category": "khong-co"}, headers=headers
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("Thông tin sản phẩm chưa đúng")
    another = make_draft()
    db.session.commit()
    assert client.post(f"/api/v1/products/{another.id}/submit", headers=headers).status_code == 404
