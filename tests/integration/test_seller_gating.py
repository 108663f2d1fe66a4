"""A seller its commune has not verified prepares drafts, but cannot submit them, appears nowhere in public, takes no
order; a seller that loses its verification disappears from every public list, index, feed and export."""

from __future__ import annotations

from catalog.models import Product, ProductStatus
from catalog.search.indexing import sync_products
from integrations.listings import products_to_export
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Role
from marketplace.services import verify_cooperative
from tests.factories import api_token, login, make_cooperative, make_product, make_user
from tests.factories.catalog import make_draft
from tests.factories.integrations import add_photo
from tests.factories.orders import bearer, checkout_body

UNVERIFIED = "chưa được xã xác minh"


def _two_sellers(app):
    """A verified seller with `Mật ong bạc hà` and a pending one whose `Nấm hương rừng` is (still) published."""
    verified = make_cooperative(name="Hợp tác xã Ong Vạn Sơn")
    pending = make_cooperative(name="Hợp tác xã Nấm Chờ Duyệt", status=CooperativeStatus.PENDING)
    honey = make_product(verified, name="Mật ong bạc hà", gtin="8931234567897")
    mushroom = make_product(pending, name="Nấm hương rừng")
    add_photo(app, honey)
    add_photo(app, mushroom)
    sync_products([honey.id, mushroom.id])
    db.session.commit()
    return honey, mushroom


def test_an_unverified_seller_can_save_a_draft_but_not_submit_it(app, client):
    owner = make_user(Role.COOPERATIVE, cooperative=make_cooperative(status=CooperativeStatus.PENDING))
    draft = make_draft(owner)
    db.session.commit()
    token = api_token(client, owner.email)

    answer = client.post(f"/api/v1/products/{draft.id}/submit", headers=token)
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "cooperative_unverified" and UNVERIFIED in error["message"]

    login(client, owner)
    assert UNVERIFIED in client.get("/cooperative/products").get_data(as_text=True)
    page = client.form_post(f"/cooperative/products/{draft.id}/submit", follow_redirects=True)
    assert UNVERIFIED in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, draft.id).status == ProductStatus.DRAFT

    saved = client.form_post(
        f"/cooperative/products/{draft.id}",
        {
            "name": "Nấm mèo khô Vạn Sơn loại 1",
            "category": "nong-san-so-che",
            "unit": "kg",
            "price_vnd": "130.000",
            "stock": "40",
            "weight_g": "1000",
            "stock_seen": "40",
            "action": "submit",
        },
        follow_redirects=True,
    )
    assert UNVERIFIED in saved.get_data(as_text=True)
    db.session.expire_all()
    product = db.session.get(Product, draft.id)
    assert product.name == "Nấm mèo khô Vạn Sơn loại 1" and product.status == ProductStatus.DRAFT


def test_staff_cannot_approve_a_product_of_an_unverified_seller(app, client):
    cooperative = make_cooperative(status=CooperativeStatus.PENDING)
    product = make_product(cooperative, status=ProductStatus.PENDING_REVIEW, published_at=None)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=cooperative.commune_code)
    db.session.commit()
    answer = client.post(f"/api/v1/products/{product.id}/approve", headers=bearer(staff))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "cooperative_unverified"
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.PENDING_REVIEW


def test_an_unverified_seller_appears_nowhere_in_public(app, client):
    honey, mushroom = _two_sellers(app)
    pending = mushroom.cooperative

    assert client.get(f"/p/{honey.slug}").status_code == 200
    assert client.get(f"/p/{mushroom.slug}").status_code == 404
    assert client.get(f"/htx/{honey.cooperative.slug}").status_code == 200
    assert client.get(f"/htx/{pending.slug}").status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert "Mật ong bạc hà" in home and "Nấm hương rừng" not in home
    found = client.get("/search?q=nam+huong").get_data(as_text=True)
    assert "Nấm hương rừng" not in found
    everything = client.get("/search").get_data(as_text=True)
    assert "Mật ong bạc hà" in everything and "Nấm hương rừng" not in everything
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert honey.slug in sitemap and mushroom.slug not in sitemap and pending.slug not in sitemap

    listed = client.get("/api/v1/products").get_json()["items"]
    assert [item["name"] for item in listed] == ["Mật ong bạc hà"]
    assert client.get(f"/api/v1/products/{mushroom.id}").status_code == 404
    assert client.get(f"/api/v1/products/{honey.id}").status_code == 200

    google = client.get("/feeds/google.xml").get_data(as_text=True)
    facebook = client.get("/feeds/facebook.csv").get_data(as_text=True)
    assert "Mật ong bạc hà" in google and "Nấm hương rừng" not in google
    assert "Mật ong bạc hà" in facebook and "Nấm hương rừng" not in facebook
    for channel in ("postmart", "voso"):
        exported = {p.name for p in products_to_export(channel, None, include_all=True)}
        assert exported == {"Mật ong bạc hà"}

    # its own members still see it in their workspace
    owner = make_user(Role.COOPERATIVE, cooperative=pending)
    db.session.commit()
    assert client.get(f"/api/v1/products/{mushroom.id}", headers=bearer(owner)).status_code == 200


def test_no_cart_or_checkout_with_an_unverified_seller(app, client):
    honey, mushroom = _two_sellers(app)
    buyer = make_user()
    db.session.commit()
    answer = client.post("/api/v1/checkout", json=checkout_body({mushroom.id: 1}, "cod"), headers=bearer(buyer))
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "cooperative_unverified" and error["product_ids"] == [mushroom.id]
    both = client.post(
        "/api/v1/checkout", json=checkout_body({honey.id: 1, mushroom.id: 1}, "cod"), headers=bearer(buyer)
    )
    assert both.status_code == 409
    db.session.expire_all()
    assert db.session.get(Product, honey.id).stock == 50  # nothing reserved

    login(client, buyer)
    refused = client.form_post("/cart/add", {"product_id": mushroom.id, "quantity": "1"}, follow_redirects=True)
    assert UNVERIFIED in refused.get_data(as_text=True)
    assert "Nấm hương rừng" not in client.get("/cart").get_data(as_text=True)
    assert (
        client.post("/api/v1/checkout", json=checkout_body({honey.id: 1}, "cod"), headers=bearer(buyer)).status_code
        == 201
    )


def test_a_seller_that_loses_its_verification_disappears_and_comes_back(app, client):
    honey, _mushroom = _two_sellers(app)
    cooperative = honey.cooperative
    staff = make_user(Role.COMMUNE_STAFF, commune_code=cooperative.commune_code)
    db.session.commit()
    assert "Mật ong bạc hà" in client.get("/search?q=mat+ong").get_data(as_text=True)
    assert "Mật ong bạc hà" in client.get("/feeds/google.xml").get_data(as_text=True)
    assert client.get("/01/08931234567897").status_code != 404

    verify_cooperative(staff, cooperative, verified=False)
    db.session.commit()
    assert "Mật ong bạc hà" not in client.get("/search?q=mat+ong").get_data(as_text=True)
    assert client.get("/api/v1/products").get_json()["items"] == []
    assert client.get(f"/p/{honey.slug}").status_code == 404
    assert "Mật ong bạc hà" not in client.get("/feeds/google.xml").get_data(as_text=True)
    assert client.get("/01/08931234567897").status_code == 404  # the GS1 resolver does not lead to it either

    verify_cooperative(staff, db.session.merge(cooperative), verified=True)
    db.session.commit()
    assert "Mật ong bạc hà" in client.get("/search?q=mat+ong").get_data(as_text=True)
    assert "Mật ong bạc hà" in client.get("/feeds/google.xml").get_data(as_text=True)
