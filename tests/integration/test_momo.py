"""MoMo e-wallet against a real local MoMo stand-in (tests/fakes/momo_server.py): the buyer is sent to MoMo's page,
and MoMo's signed IPN pays the order once; forged, repeated, failed and wrong-amount IPNs are handled."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Notice, Role
from orders.models import AttemptStatus, Order, OrderStatus, Payment, PaymentAttempt, PaymentStatus
from tests.factories import login, make_product, make_user
from tests.factories.orders import bearer, checkout_body
from tests.fakes.momo_server import ACCESS_KEY, PARTNER_CODE, SECRET_KEY, send_ipn, signed_ipn, start_fake_momo

from .test_checkout import _checkout_form

SETTINGS = ("MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY", "MOMO_ENDPOINT")


@pytest.fixture(scope="session")
def fake_momo():
    fake, server = start_fake_momo()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def momo_app(app, fake_momo):
    saved = {name: app.config.get(name) for name in SETTINGS}
    app.config.update(
        MOMO_PARTNER_CODE=PARTNER_CODE,
        MOMO_ACCESS_KEY=ACCESS_KEY,
        MOMO_SECRET_KEY=SECRET_KEY,
        MOMO_ENDPOINT=fake_momo.url,
    )
    fake_momo.reset()
    yield app
    app.config.update(saved)
    fake_momo.reset()


def _checkout(client, product_id: int, quantity: int = 1, **headers) -> tuple[dict, dict]:
    auth = bearer(make_user())
    response = client.post(
        "/api/v1/checkout", json=checkout_body({product_id: quantity}, "momo"), headers={**auth, **headers}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["orders"][0], auth


def _order(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def test_api_checkout_sends_the_buyer_to_momo_and_a_signed_ipn_pays_once(momo_app, client, fake_momo):
    product = make_product(price_vnd=79_000, stock=5)
    order, headers = _checkout(client, product.id)
    [created] = fake_momo.created
    assert order["status"] == "pending_payment" and order["total_vnd"] == 109_000  # 79.000 + 30.000 shipping
    assert order["payment"] == {
        "gateway": "momo",
        "amount_vnd": 109_000,
        "pay_url": fake_momo.pay_url(created["orderId"]),
    }
    assert created["amount"] == 109_000 and created["requestType"] == "captureWallet" and created["lang"] == "vi"
    assert created["orderId"].startswith(order["code"]) and order["code"] in created["orderInfo"]
    assert created["ipnUrl"] == "https://ocop.test/webhooks/momo"
    assert created["redirectUrl"] == f"https://ocop.test/orders/{order['code']}/pay"
    ipn = signed_ipn(created, trans_id=4088878653)
    first, repeat = send_ipn(client, ipn), send_ipn(client, ipn)
    assert (first.status_code, first.data, repeat.status_code) == (204, b"", 204)
    data = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert data["status"] == "paid" and data["paid_vnd"] == 109_000 and data["payment_method"] == "momo"
    assert [(p["gateway"], p["provider_reference"], p["amount_vnd"]) for p in data["payments"]] == [
        ("momo", "4088878653", 109_000)
    ]
    assert [event["to"] for event in data["history"]] == ["pending_payment", "paid"]
    assert db.session.scalar(select(PaymentAttempt.status)) == AttemptStatus.SUCCEEDED


def test_checkout_page_redirects_to_momo_and_allows_it_as_the_form_target(momo_app, client, fake_momo):
    product = make_product(stock=5)
    login(client, make_user())
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 2})
    page = client.get("/checkout")
    assert "Ví MoMo" in page.get_data(as_text=True)
    assert f"form-action 'self' {fake_momo.url}" in page.headers["Content-Security-Policy"]
    placed = client.form_post("/checkout", {**_checkout_form(client), "payment_method": "momo"})
    [created] = fake_momo.created
    assert placed.status_code == 302 and placed.headers["Location"] == fake_momo.pay_url(created["orderId"])
    order = db.session.scalars(select(Order)).one()
    assert order.payment_method == "momo" and order.status == OrderStatus.PENDING_PAYMENT
    assert "Giỏ hàng đang trống" in client.get("/cart").get_data(as_text=True)
    pay = client.get(f"/orders/{order.code}/pay")
    assert pay.status_code == 200 and f"/orders/{order.code}/pay/status" in pay.get_data(as_text=True)
    assert fake_momo.pay_url(created["orderId"]) in pay.get_data(as_text=True) and len(fake_momo.created) == 1


def test_forged_or_tampered_ipn_is_refused_and_records_nothing(momo_app, client, fake_momo):
    order, _headers = _checkout(client, make_product(stock=5).id)
    [created] = fake_momo.created
    forged = {**signed_ipn(created, trans_id=1), "signature": "0" * 64}
    tampered = {**signed_ipn(created, trans_id=2, amount=1_000), "amount": created["amount"]}
    for ipn in (forged, tampered):
        response = send_ipn(client, ipn)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_signature"
    assert send_ipn(client, {"orderId": created["orderId"]}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert _order(order["id"]).status == OrderStatus.PENDING_PAYMENT


def test_a_wrong_amount_does_not_pay_and_waits_for_a_person(momo_app, client, fake_momo):
    product = make_product(price_vnd=100_000, stock=5)
    order, _headers = _checkout(client, product.id)
    [created] = fake_momo.created
    short = signed_ipn(created, trans_id=77, amount=created["amount"] - 30_000)
    assert send_ipn(client, short).status_code == 204
    assert send_ipn(client, short).status_code == 204
    placed = _order(order["id"])
    assert placed.status == OrderStatus.PENDING_PAYMENT and placed.paid_vnd == 0
    held = db.session.scalars(select(Payment)).one()
    assert (held.status, held.order_id, held.amount_vnd) == (PaymentStatus.UNMATCHED, None, 100_000)
    assert order["code"] in held.content
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    assert order["code"] in client.get("/cooperative/reconciliation").get_data(as_text=True)
    client.form_post("/cooperative/reconciliation", {"payment_id": held.id, "order_code": order["code"]})
    matched = _order(order["id"])
    assert matched.status == OrderStatus.PENDING_PAYMENT and matched.paid_vnd == 100_000  # partial, as a transfer


def test_a_failed_payment_tells_the_buyer_and_the_pay_page_asks_momo_again(momo_app, client, fake_momo):
    product = make_product(stock=5)
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, "momo"), headers=bearer(buyer))
    order = response.get_json()["orders"][0]
    [created] = fake_momo.created
    denied = signed_ipn(created, trans_id=55, result_code=1006)
    assert send_ipn(client, denied).status_code == 204 and send_ipn(client, denied).status_code == 204
    assert _order(order["id"]).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(PaymentAttempt.status)) == AttemptStatus.FAILED
    notices = db.session.scalars(select(Notice.message).where(Notice.kind == "order.payment_failed")).all()
    assert len(notices) == 1 and order["code"] in notices[0] and "MoMo" in notices[0]
    page = client.get(f"/orders/{order['code']}/pay").get_data(as_text=True)
    second = fake_momo.created[1]
    assert second["orderId"] != created["orderId"] and fake_momo.pay_url(second["orderId"]) in page
    assert send_ipn(client, signed_ipn(second, trans_id=56)).status_code == 204
    assert _order(order["id"]).status == OrderStatus.PAID


def test_momo_down_is_a_502_and_the_same_key_starts_the_payment_later(momo_app, client, fake_momo):
    product = make_product(stock=5)
    headers = {**bearer(make_user()), "Idempotency-Key": "momo-retry-1"}
    body = checkout_body({product.id: 1}, "momo")
    fake_momo.answer_with = 99  # MoMo: unknown error
    down = client.post("/api/v1/checkout", json=body, headers=headers)
    assert down.status_code == 502 and down.get_json()["error"]["code"] == "gateway_error"
    assert db.session.scalar(select(Order.status)) == OrderStatus.PENDING_PAYMENT  # placed, stock held
    fake_momo.answer_with = None
    retried = client.post("/api/v1/checkout", json=body, headers=headers)
    assert retried.status_code == 201 and retried.get_json()["orders"][0]["payment"]["pay_url"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 4


def test_momo_not_configured_is_a_clear_422_and_not_offered(app, client):
    product = make_product(stock=5)
    buyer = make_user()
    db.session.commit()
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, "momo"), headers=bearer(buyer))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "MoMo chưa được bật" in error["message"] and "payment_method" in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 5
    login(client, buyer)
    client.form_post("/cart/add", {"product_id": product.id, "quantity": 1})
    assert "Ví MoMo" not in client.get("/checkout").get_data(as_text=True)


def test_an_order_above_what_momo_takes_is_refused_at_checkout(momo_app, client, fake_momo):
    product = make_product(price_vnd=26_000_000, stock=5)
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 2}, "momo"), headers=bearer(make_user()))
    assert response.status_code == 422 and "50.000.000" in response.get_json()["error"]["message"]
    assert fake_momo.created == [] and db.session.scalar(select(func.count()).select_from(Order)) == 0
