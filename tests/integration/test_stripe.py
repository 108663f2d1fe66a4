"""Stripe against a real local Stripe-compatible server (localstripe); events signed with the Stripe SDK."""

from __future__ import annotations

import json
import secrets
import time

import pytest
import stripe
from sqlalchemy import func, select

from marketplace.extensions import db
from orders.models import Order, OrderStatus, Payment, PaymentStatus, StripeEvent
from tests.factories import login, make_product, make_user
from tests.factories.orders import bearer, checkout_body
from tests.fakes.localstripe import localstripe_server

WEBHOOK_SECRET = "whsec_test_" + "a" * 24
API_KEY = "sk_test_ocop"


@pytest.fixture(scope="session")
def localstripe_url():
    """A real localstripe server on a free loopback port, one per test process (tests/fakes/localstripe.py)."""
    return localstripe_server(API_KEY)


@pytest.fixture
def stripe_app(app, localstripe_url):
    saved = {
        k: app.config.get(k)
        for k in ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY")
    }
    app.config.update(
        STRIPE_SECRET_KEY=API_KEY,
        STRIPE_API_BASE=localstripe_url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_PUBLISHABLE_KEY="pk_test_ocop",
    )
    yield app
    app.config.update(saved)


def _stripe(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": url})


def _pay_with_card(url: str, intent_id: str) -> dict:
    """What Stripe.js does in the browser: attach a card and confirm."""
    client = _stripe(url)
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    client.v1.payment_intents.confirm(intent_id)
    return client.v1.payment_intents.retrieve(intent_id).to_dict()


def _signed(event: dict, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, dict]:
    payload = json.dumps(event)
    timestamp = at or int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return payload.encode(), {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def _event(kind: str, obj: dict) -> dict:
    return {"id": "evt_" + secrets.token_hex(8), "object": "event", "type": kind, "data": {"object": obj}}


def _checkout(client, product_id: int) -> tuple[dict, dict]:
    headers = bearer(make_user())
    response = client.post("/api/v1/checkout", json=checkout_body({product_id: 2}, "stripe"), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["orders"][0], headers


def test_payment_intent_in_vnd_and_a_duplicated_event_pays_once(stripe_app, client, localstripe_url):
    product = make_product(price_vnd=125_000, stock=5)
    order, headers = _checkout(client, product.id)
    payment = order["payment"]
    assert payment["payment_intent_id"].startswith("pi_") and payment["client_secret"]
    intent = _stripe(localstripe_url).v1.payment_intents.retrieve(payment["payment_intent_id"])
    assert (intent.amount, intent.currency) == (order["total_vnd"], "vnd")
    assert intent.metadata["order_id"] == str(order["id"]) and intent.metadata["order_code"] == order["code"]
    paid = _pay_with_card(localstripe_url, intent.id)
    assert paid["status"] == "succeeded"
    body, signed = _signed(_event("payment_intent.succeeded", paid))
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    data = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert data["status"] == "paid" and data["paid_vnd"] == order["total_vnd"]
    assert [(p["gateway"], p["provider_reference"]) for p in data["payments"]] == [("stripe", intent.id)]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_bad_or_stale_signature_is_refused(stripe_app, client, localstripe_url):
    product = make_product(stock=5)
    order, _headers = _checkout(client, product.id)
    paid = _pay_with_card(localstripe_url, order["payment"]["payment_intent_id"])
    event = _event("payment_intent.succeeded", paid)
    body, forged = _signed(event, secret="whsec_wrong")
    assert client.post("/webhooks/stripe", data=body, headers=forged).status_code == 400
    body, stale = _signed(event, at=int(time.time()) - 3600)
    assert client.post("/webhooks/stripe", data=body, headers=stale).status_code == 400
    tampered_body, signed = _signed(event)
    tampered = tampered_body.replace(b"succeeded", b"succeedeD", 1)
    assert client.post("/webhooks/stripe", data=tampered, headers=signed).status_code == 400
    assert db.session.scalar(select(Order.status).where(Order.id == order["id"])) == OrderStatus.PENDING_PAYMENT


def test_failed_then_refunded(stripe_app, client, localstripe_url):
    product = make_product(stock=5)
    order, headers = _checkout(client, product.id)
    intent = _stripe(localstripe_url).v1.payment_intents.retrieve(order["payment"]["payment_intent_id"]).to_dict()
    body, signed = _signed(_event("payment_intent.payment_failed", intent))
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    assert client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()["status"] == "pending_payment"
    paid = _pay_with_card(localstripe_url, intent["id"])
    client.post(
        "/webhooks/stripe",
        **dict(zip(("data", "headers"), _signed(_event("payment_intent.succeeded", paid)), strict=True)),
    )
    stripe_client = _stripe(localstripe_url)
    charge_id = paid["latest_charge"]["id"] if isinstance(paid["latest_charge"], dict) else paid["latest_charge"]
    stripe_client.v1.refunds.create(params={"charge": charge_id})
    charge = stripe_client.v1.charges.retrieve(charge_id).to_dict()
    body, signed = _signed(_event("charge.refunded", charge))
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    data = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert data["status"] == "refunded"
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.REFUNDED


def test_payment_page_loads_stripe_js_only_there(stripe_app, client):
    product = make_product(stock=5)
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    response = client.post("/api/v1/checkout", json=checkout_body({product.id: 1}, "stripe"), headers=bearer(buyer))
    code = response.get_json()["orders"][0]["code"]
    page = client.get(f"/orders/{code}/pay")
    assert page.status_code == 200 and "https://js.stripe.com" in page.headers["Content-Security-Policy"]
    assert "js.stripe.com/v3" in page.get_data(as_text=True)
    assert "js.stripe.com" not in client.get("/cart").headers["Content-Security-Policy"]


def test_a_smaller_or_foreign_payment_intent_does_not_pay(stripe_app, client, localstripe_url):
    product = make_product(price_vnd=125_000, stock=5)
    order, headers = _checkout(client, product.id)
    stripe_client = _stripe(localstripe_url)
    metadata = {"order_id": str(order["id"]), "order_code": order["code"]}
    small = stripe_client.v1.payment_intents.create(params={"amount": 1000, "currency": "vnd", "metadata": metadata})
    paid_small = _pay_with_card(localstripe_url, small.id)
    body, signed = _signed(_event("payment_intent.succeeded", paid_small))
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    short = {**_pay_with_card(localstripe_url, order["payment"]["payment_intent_id"]), "amount_received": 1000}
    body, signed = _signed(_event("payment_intent.succeeded", short))
    assert client.post("/webhooks/stripe", data=body, headers=signed).status_code == 200
    data = client.get(f"/api/v1/orders/{order['id']}", headers=headers).get_json()
    assert data["status"] == "pending_payment" and data["paid_vnd"] == 1000
