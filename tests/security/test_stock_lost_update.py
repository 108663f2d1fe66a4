"""Saving the product form never writes back a stock the cooperative saw before a sale (lost update)."""

from __future__ import annotations

import re

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_user
from tests.factories.catalog import make_published, owner_of
from tests.factories.orders import bearer, checkout_body


def _form(page: str) -> dict:
    """The edit form's fields as a browser would send them back."""
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    fields["description"] = re.search(
        r'<textarea id="description" name="description"[^>]*>(.*?)</textarea>', page, re.S
    ).group(1)
    fields.pop("csrf_token", None)
    return fields


def _setup(client):
    product = make_published(stock="3")
    owner = owner_of(product)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, owner)
    return product.id, buyer


def _buy(app, buyer, product_id: int, quantity: int) -> None:
    r = app.test_client().post(
        "/api/v1/checkout", json=checkout_body({product_id: quantity}, "cod"), headers=bearer(buyer)
    )
    assert r.status_code == 201, r.get_json()


def _stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def test_a_description_edit_keeps_the_sale(app, client):
    product_id, buyer = _setup(client)
    form = _form(client.get(f"/cooperative/products/{product_id}").get_data(as_text=True))
    assert form["stock"] == "3" and form["stock_seen"] == "3"
    _buy(app, buyer, product_id, 2)
    r = client.form_post(f"/cooperative/products/{product_id}", {**form, "description": "Mô tả mới, rõ hơn."})
    assert r.status_code == 302
    assert _stock(product_id) == 1  # not 3 again


def test_a_stock_edit_over_a_sale_asks_again(app, client):
    product_id, buyer = _setup(client)
    form = _form(client.get(f"/cooperative/products/{product_id}").get_data(as_text=True))
    _buy(app, buyer, product_id, 2)
    r = client.form_post(
        f"/cooperative/products/{product_id}", {**form, "stock": "10", "description": "Nhập thêm hàng."}
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "Số lượng còn vừa thay đổi" in page and "hiện còn 1" in page
    assert _stock(product_id) == 1
    again = _form(page)
    assert again["stock_seen"] == "1" and again["stock"] == "10"
    assert client.form_post(f"/cooperative/products/{product_id}", again).status_code == 302
    assert _stock(product_id) == 10
