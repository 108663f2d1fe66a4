"""Variants on the pages, without JavaScript: the product page offers radio buttons with tiers and the minimum,
the cart and checkout name the variant and charge its tier price, the cooperative edits variants in a form."""

from __future__ import annotations

from sqlalchemy import select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role
from orders.models import OrderLine
from tests.factories import login, make_product, make_user
from tests.factories.catalog import set_variants, variant_row

from .test_checkout import _checkout_form


def _tea(coop=None):
    product = make_product(coop, name="Trà Shan tuyết", unit="gói")
    small, large = set_variants(
        product,
        [variant_row("Túi 200 g", 50_000, 60, {10: 45_000, 50: 42_000}), variant_row("Hộp 500 g", 110_000, 0)],
        min_order_quantity=5,
    )
    return product, small, large


def test_product_page_shows_variants_tiers_and_the_minimum(client):
    product, small, large = _tea()
    db.session.commit()
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f'name="variant_id" value="{small.id}" checked' in page
    assert f'name="variant_id" value="{large.id}" disabled' in page  # sold out
    assert "Giá sỉ: từ 10 gói 45.000" in page and "từ 50 gói 42.000" in page
    assert "Mua tối thiểu 5 gói" in page


def test_the_radio_choice_goes_through_cart_and_checkout_at_the_tier_price(client):
    product, small, _large = _tea()
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": product.id, "variant_id": small.id, "quantity": 12})
    cart = client.get("/cart").get_data(as_text=True)
    assert "— Túi 200 g" in cart and "45.000" in cart  # the variant and its wholesale price from 10
    assert "— Túi 200 g × 12 gói" in client.get("/checkout").get_data(as_text=True)
    placed = client.form_post("/checkout", _checkout_form(client))
    assert placed.status_code == 302
    line = db.session.scalar(select(OrderLine).where(OrderLine.product_id == product.id))
    assert (line.variant_id, line.variant_name, line.unit_price_vnd, line.quantity) == (
        small.id,
        "Túi 200 g",
        45_000,
        12,
    )


def test_below_the_minimum_the_cart_starts_at_the_minimum(client):
    product, small, _large = _tea()
    db.session.commit()
    client.form_post("/cart/add", {"product_id": product.id, "variant_id": small.id, "quantity": 1})
    assert 'value="5"' in client.get("/cart").get_data(as_text=True)


def test_the_cooperative_edits_variants_and_tiers_in_a_form(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, name="Gạo ST25", price_vnd=40_000, stock=20)
    (default,) = product.variants
    db.session.commit()
    login(client, owner)
    url = f"/cooperative/products/{product.id}/variants"
    page = client.get(url).get_data(as_text=True)
    assert 'name="variant-0-name" value="Mặc định"' in page and 'name="variant-1-name"' in page
    form = {
        "variant-0-id": default.id,
        "variant-0-name": "Túi 2 kg",
        "variant-0-price_vnd": "80.000",
        "variant-0-stock": "20",
        "variant-0-tier-0-min_quantity": "10",
        "variant-0-tier-0-price_vnd": "90.000",  # dearer than the base price: refused
        "variant-1-id": "",
        "variant-1-name": "Túi 5 kg",
        "variant-1-price_vnd": "190000",
        "variant-1-stock": "8",
        "min_order_quantity": "2",
    }
    refused = client.form_post(url, form)
    assert refused.status_code == 422
    assert "giá thấp hơn mức trước" in refused.get_data(as_text=True)
    form["variant-0-tier-0-price_vnd"] = "75.000"
    assert client.form_post(url, form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert [(v.name, v.price_vnd, v.stock) for v in saved.variants] == [
        ("Túi 2 kg", 80_000, 20),
        ("Túi 5 kg", 190_000, 8),
    ]
    assert [(t.min_quantity, t.price_vnd) for t in saved.variants[0].tiers] == [(10, 75_000)]
    assert (saved.price_vnd, saved.stock, saved.min_order_quantity) == (80_000, 28, 2)
    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    client.form_post("/logout")
    login(client, stranger)
    assert client.get(url).status_code == 404
