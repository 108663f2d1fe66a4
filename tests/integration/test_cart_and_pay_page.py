"""What a buyer sees between the cart and the QR: stock-bounded quantities, per-cooperative subtotal and the
shipping fee each cooperative sets (flat or by weight), phone numbers, and the VietQR page a phone can scan."""

from __future__ import annotations

import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Cooperative, Role
from orders.models import Order
from tests.factories import login, make_product, make_user
from tests.factories.orders import bank_notification

from .test_checkout import _checkout_form

API_KEY = {"Authorization": "Apikey demo-bank-key"}


def test_cooperative_sets_flat_and_per_kg_fees_and_the_cart_shows_them_per_cooperative(client):
    owner = make_user(Role.COOPERATIVE)
    coop = owner.cooperative
    rice = make_product(coop, name="Gạo Séng Cù", price_vnd=45_000, stock=3, weight_g=2000)
    db.session.commit()
    login(client, owner)
    settings = client.get("/cooperative/settings").get_data(as_text=True)
    assert "Phí thêm cho mỗi kg" in settings
    form = {"name": coop.name, "shipping_flat_vnd": "25.000", "shipping_per_kg_vnd": "8.000"}
    assert client.form_post("/cooperative/settings", form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Cooperative, coop.id)
    assert (saved.shipping_flat_vnd, saved.shipping_per_kg_vnd) == (25_000, 8_000)
    refused = client.form_post("/cooperative/settings", {**form, "shipping_per_kg_vnd": "tám nghìn"})
    assert "Phí giao hàng phải là số đồng" in refused.get_data(as_text=True)
    client.form_post("/logout")
    assert "Thêm vào giỏ" in client.get(f"/p/{rice.slug}").get_data(as_text=True)
    client.form_post("/cart/add", {"product_id": rice.id, "quantity": 9})
    cart = client.get("/cart").get_data(as_text=True)
    # three bags (bounded by stock): 135.000 ₫, 6 kg → 25.000 + 6 × 8.000 = 73.000 ₫ shipping
    assert 'value="3"' in cart and "135.000\u00a0₫" in cart and "73.000\u00a0₫" in cart and "208.000\u00a0₫" in cart


def test_phone_with_plus84_is_kept_as_ten_digits_and_an_odd_prefix_only_warns(client):
    product = make_product(stock=5)
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    placed = client.form_post("/checkout", {**_checkout_form(client), "phone": "+84 912.345.678"})
    assert placed.status_code == 302
    assert db.session.scalar(select(Order.ship_phone)) == "0912345678"
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    odd = client.form_post("/checkout", {**_checkout_form(client), "phone": "0212345678"}, follow_redirects=True)
    assert "không giống số di động" in odd.get_data(as_text=True)


def test_vietqr_page_shows_transfer_details_as_text_and_the_qr_in_png_and_svg(client):
    product = make_product(stock=5, price_vnd=79_000)
    buyer = make_user()
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    pay = client.form_post("/checkout", _checkout_form(client), follow_redirects=True)
    page = pay.get_data(as_text=True)
    order = db.session.scalars(select(Order)).one()
    cooperative = product.cooperative
    assert "Refresh" not in pay.headers and "<script>" not in page  # a status URL is polled instead
    for text in (cooperative.account_no, cooperative.account_holder, f"OCOP {order.code}", "Agribank", "Sao chép"):
        assert text in page, text
    assert re.search(r"109\.000\s₫", page)  # 79.000 ₫ + 30.000 ₫ shipping
    svg = client.get(f"/orders/{order.code}/qr.svg")
    png = client.get(f"/orders/{order.code}/qr.png")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    paid = client.post(
        "/webhooks/bank-transfer",
        json=bank_notification(f"CT DEN:0123 OCOP{order.code.lower()} FT2501", order.total_vnd, cooperative.account_no),
        headers=API_KEY,
    )
    assert paid.status_code == 200
    after = client.get(f"/orders/{order.code}/pay", follow_redirects=True).get_data(as_text=True)
    assert "Đã thanh toán" in after


def test_bank_webhook_is_rate_limited(client):
    statuses = {client.post("/webhooks/bank-transfer", json={}, headers=API_KEY).status_code for _ in range(310)}
    assert 429 in statuses
