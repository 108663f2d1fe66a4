"""Product and order pages: add to cart from the product page, sold out, the dashboard's review-queue link, the
carrier shown by name, order API times with their UTC offset. (The product form's own script is covered by the
browser journeys.)"""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Role
from orders import services
from orders.payments import vietqr
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.catalog import make_published
from tests.factories.orders import bank_notification, bearer, make_checkout


def test_product_page_has_an_add_to_cart_form_that_works(client):
    product = make_published(stock=7)
    db.session.commit()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/cart/add".*?</form>', page, re.S)
    assert form, "no add-to-cart form on the product page"
    assert f'name="product_id" value="{product.id}"' in form.group(0) and 'max="7"' in form.group(0)
    added = client.form_post("/cart/add", {"product_id": product.id, "quantity": 2, "next": f"/p/{product.slug}"})
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/p/{product.slug}")
    assert "Đã thêm vào giỏ (2 trong giỏ)." in client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert product.name in client.get("/cart").get_data(as_text=True)


def test_sold_out_product_page_says_so_instead_of_offering_the_cart(client):
    product = make_published(stock=0)
    db.session.commit()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert "Hết hàng" in page and "Thêm vào giỏ" not in page


def test_commune_dashboard_links_to_the_review_queue(client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    login(client, staff)
    dashboard = client.get("/commune/").get_data(as_text=True)
    assert '<a href="/commune/review/">Mở hàng đợi duyệt</a>' in dashboard
    assert client.get("/commune/review/").status_code == 200


def test_buyer_sees_the_carrier_by_name_once_shipped(client):
    cooperative = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=cooperative)
    buyer = make_user()
    order = make_checkout(buyer, {make_product(cooperative, stock=3).id: 1}, method="cod").orders[0]
    services.confirm_order(seller, order)
    services.ship_order(seller, order, "viettelpost", "VTP123456")
    db.session.commit()
    login(client, buyer)
    page = client.get(f"/orders/{order.code}").get_data(as_text=True)
    assert "Vận chuyển: Viettel Post VTP123456" in page and "Đang giao" in page


def test_order_api_times_carry_their_utc_offset(client):
    """Found by the API fuzzing: on SQLite the order's times came back without an offset (not a date-time)."""
    cooperative = make_cooperative()
    buyer = make_user()
    order = make_checkout(buyer, {make_product(cooperative, stock=3).id: 1}).orders[0]
    vietqr.record_bank_transfer(bank_notification(f"OCOP {order.code}", order.total_vnd, cooperative.account_no))
    db.session.commit()
    data = client.get(f"/api/v1/orders/{order.id}", headers=bearer(buyer)).get_json()
    stamps = [data["created_at"], data["payments"][0]["at"], *(event["at"] for event in data["history"])]
    assert data["status"] == "paid" and all(s.endswith("+00:00") for s in stamps), stamps
