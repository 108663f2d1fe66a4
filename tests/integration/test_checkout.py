"""Checkout through the API and the pages: one order per cooperative, stock reserved all-or-nothing, retries harmless."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from catalog.models import Product
from integrations.models import WebhookDelivery
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import Notice, OutboxMail, Role
from orders.models import Checkout, Order, OrderLine
from tests.factories import login, make_cooperative, make_product, make_user, queued_tasks, sent_mails
from tests.factories.integrations import make_subscription
from tests.factories.orders import bearer, checkout_body, make_checkout


def _stock(product_id: int) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


def test_api_checkout_makes_one_order_per_cooperative(app, client):
    coop_a, coop_b = make_cooperative(), make_cooperative()
    coop_b.shipping_per_kg_vnd = 5000
    a1 = make_product(coop_a, price_vnd=100_000, stock=5, weight_g=500)
    a2 = make_product(coop_a, price_vnd=20_000, stock=5, weight_g=200)
    b1 = make_product(coop_b, price_vnd=50_000, stock=5, weight_g=1500)
    make_user(Role.COOPERATIVE, cooperative=coop_a)
    buyer = make_user()
    headers = bearer(buyer)
    response = client.post("/api/v1/checkout", json=checkout_body({a1.id: 2, a2.id: 1, b1.id: 1}), headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert len(data["orders"]) == 2 and data["checkout_id"]
    by_coop = {o["cooperative"]["slug"]: o for o in data["orders"]}
    first, second = by_coop[coop_a.slug], by_coop[coop_b.slug]
    assert first["total_vnd"] == 220_000 + 30_000
    assert second["total_vnd"] == 50_000 + 30_000 + 2 * 5000  # 1.5 kg → two started kilograms
    assert re.fullmatch(r"OC[0-9A-HJKMNP-TV-Z]{6}", first["code"])
    assert first["status"] == "pending_payment"
    payment = first["payment"]
    assert payment["amount_vnd"] == first["total_vnd"] and payment["reference"] == f"OCOP {first['code']}"
    assert payment["bank_bin"] == "970405" and payment["account_no"] == coop_a.account_no
    assert payment["qr_payload"].startswith("000201010212") and f"OCOP {first['code']}" in payment["qr_payload"]
    assert (_stock(a1.id), _stock(a2.id), _stock(b1.id)) == (3, 4, 4)
    image = client.get(payment["qr_image_url"].replace("https://ocop.test", ""), headers=headers)
    assert image.status_code == 200 and image.mimetype == "image/png"
    order = client.get(f"/api/v1/orders/{first['id']}", headers=headers).get_json()
    assert order["status"] == "pending_payment" and order["paid_vnd"] == 0 and order["payments"] == []
    mails = sent_mails(app)
    assert any(first["code"] in m["subject"] and m["to"] == buyer.email for m in mails)
    assert db.session.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "order.placed")) >= 2


def test_short_line_reserves_nothing_and_names_the_product(client):
    coop = make_cooperative()
    plenty = make_product(coop, stock=10)
    scarce = make_product(coop, stock=1, name="Mật ong bạc hà")
    headers = bearer(make_user())
    response = client.post("/api/v1/checkout", json=checkout_body({plenty.id: 3, scarce.id: 2}), headers=headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_stock" and "Mật ong bạc hà" in error["message"]
    assert error["product_id"] == scarce.id
    assert (_stock(plenty.id), _stock(scarce.id)) == (10, 1)
    for table in (Order, Checkout, Notice, OutboxMail):  # stock is reserved last: all of it is undone
        assert db.session.scalar(select(func.count()).select_from(table)) == 0, table.__name__
    scarce.stock = 5
    db.session.commit()
    retried = client.post("/api/v1/checkout", json=checkout_body({plenty.id: 3, scarce.id: 2}), headers=headers)
    assert retried.status_code == 201 and (_stock(plenty.id), _stock(scarce.id)) == (7, 3)


def test_the_mail_of_a_burst_of_checkouts_goes_out_with_one_drain(app, client, monkeypatch):
    """Buyer and cooperative members of two orders, twice: eight outbox rows, one queued drain, and that drain
    sends all eight; once it has run, the next checkout queues the next drain."""
    from marketplace.mail import outbox_drains
    from marketplace.tasks import drain_outbox

    monkeypatch.setitem(app.config, "OUTBOX_DRAIN_DELAY_SECONDS", 60)  # a slow machine stays inside the window
    outbox_drains.forget(app)
    coops = [make_cooperative(), make_cooperative()]
    members = [make_user(Role.COOPERATIVE, cooperative=coop) for coop in coops]
    products = [make_product(coop, stock=5) for coop in coops]
    buyer = make_user()
    waiting = set(queued_tasks(app, "marketplace.drain_outbox"))
    body = checkout_body({products[0].id: 1, products[1].id: 1}, "cod")
    codes = set()
    for _ in range(2):
        response = client.post("/api/v1/checkout", json=body, headers=bearer(buyer))
        assert response.status_code == 201
        codes |= {order["code"] for order in response.get_json()["orders"]}
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 8
    assert len(set(queued_tasks(app, "marketplace.drain_outbox")) - waiting) == 1
    db.session.commit()  # the task runs in its own context, as on the worker
    assert drain_outbox() == 8
    recipients = sorted(m["to"] for m in sent_mails(app) if any(code in m["subject"] for code in codes))
    assert recipients == sorted([buyer.email] * 4 + [m.email for m in members] * 2)
    outbox_drains.forget(app)  # what the drain's running means for this worker: the next mail queues again
    assert client.post("/api/v1/checkout", json=body, headers=bearer(buyer)).status_code == 201
    assert len(set(queued_tasks(app, "marketplace.drain_outbox")) - waiting) == 2
    outbox_drains.forget(app)


def test_idempotency_key_makes_one_checkout(client):
    product = make_product(stock=10)
    headers = {**bearer(make_user()), "Idempotency-Key": "retry-123"}
    body = checkout_body({product.id: 2}, "cod")
    first = client.post("/api/v1/checkout", json=body, headers=headers)
    second = client.post("/api/v1/checkout", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert first.get_json()["orders"][0]["status"] == "awaiting_confirmation"
    assert _stock(product.id) == 8
    assert db.session.scalar(select(func.count()).select_from(Checkout)) == 1


def test_bad_input_is_a_clear_422(client):
    product = make_product()
    headers = bearer(make_user())
    bad_phone = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, phone="12345"), headers=headers)
    assert bad_phone.status_code == 422 and "phone" in bad_phone.get_json()["error"]["fields"]
    bad_commune = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, commune=1), headers=headers)
    assert bad_commune.status_code == 422
    unknown = client.post("/api/v1/checkout", json=checkout_body({999999: 1}), headers=headers)
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "product_unavailable"
    no_token = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}))
    assert no_token.status_code == 401
    assert _stock(product.id) == 50


def test_cancel_returns_stock_and_others_get_404(client):
    product = make_product(stock=5)
    buyer, stranger = make_user(), make_user()
    headers = bearer(buyer)
    order = client.post("/api/v1/checkout", json=checkout_body({product.id: 2}), headers=headers).get_json()["orders"][
        0
    ]
    assert _stock(product.id) == 3
    assert client.get(f"/api/v1/orders/{order['id']}", headers=bearer(stranger)).status_code == 404
    assert client.post(f"/api/v1/orders/{order['id']}/cancel", headers=bearer(stranger)).status_code == 404
    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert _stock(product.id) == 5
    again = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)
    assert again.status_code == 409 and _stock(product.id) == 5


def _checkout_form(client) -> dict:
    page = client.get("/checkout").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    return {
        "token": token,
        "name": "Trần Minh Anh",
        "phone": "0912345678",
        "address": "Số 12 ngõ 34",
        "province": "25",
        "commune": "4960",
        "note": "Giao giờ hành chính",
        "payment_method": "vietqr",
        "action": "place",
    }


def test_guest_cart_merges_at_login_and_double_submit_makes_one_order_set(client):
    coop_a, coop_b = make_cooperative(), make_cooperative()
    a = make_product(coop_a, stock=4, price_vnd=90_000)
    b = make_product(coop_b, stock=4, price_vnd=40_000)
    buyer = make_user()
    client.form_post("/cart/add", {"product_id": a.id, "quantity": 10})
    client.form_post("/cart/add", {"product_id": b.id, "quantity": 1})
    cart = client.get("/cart").get_data(as_text=True)
    assert coop_a.name in cart and coop_b.name in cart and 'value="4"' in cart  # bounded by stock
    login(client, buyer)
    form = _checkout_form(client)
    first = client.form_post("/checkout", form)
    second = client.form_post("/checkout", form)
    assert first.status_code == second.status_code == 302
    assert "/pay" in first.headers["Location"] and first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 2
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 5
    assert (_stock(a.id), _stock(b.id)) == (0, 3)
    page = client.get(first.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Bước 1/2" in text and "Bước 2/2" in text and "OCOP OC" in text
    assert coop_a.account_no in text and coop_b.account_no in text
    assert "Giỏ hàng đang trống" in client.get("/cart").get_data(as_text=True)


def test_checkout_form_without_javascript_picks_province_then_commune(client):
    product = make_product()
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    form = _checkout_form(client)
    form.update(action="pick", commune="")
    picked = client.form_post("/checkout", form)
    assert picked.status_code == 200 and "Xã Liên Sơn" in picked.get_data(as_text=True)
    form.update(action="place", phone="123")
    refused = client.form_post("/checkout", form)
    assert refused.status_code == 422 and "Số di động" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_an_unknown_payment_method_is_a_translated_422(client):
    product = make_product(stock=5)
    response = client.post(
        "/api/v1/checkout", json=checkout_body({product.id: 1}, "bitcoin"), headers=bearer(make_user())
    )
    assert response.status_code == 422
    [message] = response.get_json()["error"]["fields"]["json"]["payment_method"]
    assert message.startswith("Không hợp lệ; chọn một trong: vietqr, cod, stripe")
    with pytest.raises(ValidationFailed) as refused:  # the service itself checks against the gateway registry
        make_checkout(make_user(), {product.id: 1}, "bitcoin")
    assert refused.value.message == "Chọn cách thanh toán." and "payment_method" in refused.value.extra["fields"]
    assert _stock(product.id) == 5


def test_stock_moved_by_a_checkout_and_its_cancellation_reaches_webhook_receivers(client):
    """Orders tell the catalogue which products' stock they moved, so integrations hear of sales and returns."""
    product = make_product(stock=5)
    make_subscription("https://example.test/hook", events=["stock.changed"])
    headers = bearer(make_user())
    db.session.commit()
    order = client.post("/api/v1/checkout", json=checkout_body({product.id: 2}), headers=headers).get_json()["orders"][
        0
    ]
    assert client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers).status_code == 200
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(d.event, d.payload["product_id"], d.payload["stock"]) for d in deliveries] == [
        ("stock.changed", product.id, 3),
        ("stock.changed", product.id, 5),
    ]
