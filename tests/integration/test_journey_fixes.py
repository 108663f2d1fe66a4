"""Gaps the browser journeys found: the product page had no add-to-cart form, and the commune dashboard's
"open the review queue" link pointed at an endpoint that does not exist (so it was never shown)."""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import VAN_SON, login, make_user
from tests.factories_catalog import make_published


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
