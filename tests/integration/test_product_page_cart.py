"""The product page lets a buyer put the product in the cart (found by the browser journeys: it had no button)."""

from __future__ import annotations

import re

from marketplace.extensions import db
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
