"""Refunds (Stripe through localstripe and its signed webhook; VietQR and cash recorded by the seller) and the
sellers' card-money ledger: statement, payouts, Excel export."""

from __future__ import annotations

import io
import random
import secrets
from datetime import timedelta

import openpyxl
import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import AuditLog, Role
from marketplace.text import to_local, today_vn, utcnow
from orders import ledger, refunds, services
from orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus, Payout, Refund, RefundMethod
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.orders import bearer, make_checkout
from tests.integration.test_stripe import (  # noqa: F401 — localstripe_url and stripe_app are fixtures used by name
    _event,
    _pay_with_card,
    _signed,
    _stripe,
    localstripe_url,
    stripe_app,
)

CARDS = pytest.mark.usefixtures("stripe_app")  # Stripe configured against a local localstripe server

NBSP = "\u00a0"


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + f"{NBSP}₫"


def _server() -> str:
    return current_app.config["STRIPE_API_BASE"]


def _order(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def _seller_and_product(price: int = 100_000):
    coop = make_cooperative()
    seller = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, price_vnd=price, stock=100)
    return coop, seller, product


def _card_paid_order(client, product, quantity: int = 2) -> Order:
    """A buyer checks out with a card, pays it at localstripe, and Stripe's signed event marks the order paid."""
    buyer = make_user()
    order = make_checkout(buyer, {product.id: quantity}, "stripe").orders[0]
    db.session.commit()
    from orders.payments import get_gateway

    get_gateway("stripe").start(order)
    db.session.commit()
    paid = _pay_with_card(_server(), order.latest_attempt.provider_reference)
    body, headers = _signed(_event("payment_intent.succeeded", paid))
    assert client.post("/webhooks/stripe", data=body, headers=headers).status_code == 200
    order = _order(order.id)
    assert order.status == OrderStatus.PAID and order.paid_vnd == order.total_vnd
    return order


def _charge_refunded(client, order: Order) -> dict:
    server = _server()
    intent = _stripe(server).v1.payment_intents.retrieve(order.latest_attempt.provider_reference).to_dict()
    charge_id = intent["latest_charge"]["id"] if isinstance(intent["latest_charge"], dict) else intent["latest_charge"]
    charge = _stripe(server).v1.charges.retrieve(charge_id).to_dict()
    body, headers = _signed(_event("charge.refunded", charge))
    response = client.post("/webhooks/stripe", data=body, headers=headers)
    assert response.status_code == 200
    return response.get_json()


@CARDS
def test_full_stripe_refund_waits_for_the_webhook_then_the_order_is_refunded(client):
    _coop, seller, product = _seller_and_product(100_000)
    order = _card_paid_order(client, product)
    login(client, seller)
    page = client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True)
    assert "Hoàn tiền qua Stripe" in page
    key = secrets.token_hex(8)
    form = {"confirm": "1", "amount_vnd": str(order.paid_vnd), "reason": "Hàng hỏng", "idempotency_key": key}
    assert client.form_post(f"/cooperative/orders/{order.code}/refunds", form).status_code == 302
    assert client.form_post(f"/cooperative/orders/{order.code}/refunds", form).status_code == 302  # double click
    pending = db.session.scalars(select(Refund)).all()
    assert len(pending) == 1 and pending[0].status == "pending" and pending[0].provider_reference.startswith("re_")
    assert _order(order.id).status == OrderStatus.PAID  # Stripe has not confirmed yet
    assert "Chờ xác nhận" in client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True)

    assert _charge_refunded(client, order)["outcome"] == "refunded"
    order = _order(order.id)
    assert order.status == OrderStatus.REFUNDED
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.REFUNDED
    history = len(order.history)
    assert _charge_refunded(client, order)["outcome"] == "duplicate"  # redelivered, new event id
    assert len(_order(order.id).history) == history
    data = client.get(f"/api/v1/orders/{order.id}", headers=bearer(order.buyer)).get_json()
    assert data["status"] == "refunded" and data["refunded_vnd"] == order.total_vnd
    assert [(r["amount_vnd"], r["status"], r["reference"]) for r in data["refunds"]] == [
        (order.total_vnd, "succeeded", pending[0].provider_reference)
    ]
    notes = " ".join(event["note"] for event in data["history"])
    assert "Yêu cầu hoàn" in notes and "Stripe xác nhận đã hoàn" in notes and "Hàng hỏng" in notes


@CARDS
def test_partial_stripe_refund_stays_partial(client):
    _coop, seller, product = _seller_and_product(100_000)
    order = _card_paid_order(client, product)  # 200.000 ₫ + shipping
    headers = {**bearer(seller), "Idempotency-Key": "refund-1"}
    response = client.post(f"/api/v1/orders/{order.id}/refunds", json={"amount_vnd": 50_000}, headers=headers)
    assert response.status_code == 201, response.get_json()
    again = client.post(f"/api/v1/orders/{order.id}/refunds", json={"amount_vnd": 50_000}, headers=headers)
    assert again.status_code == 201 and db.session.scalar(select(func.count()).select_from(Refund)) == 1
    refund = db.session.scalar(select(Refund))
    stripe_refund = _stripe(_server()).v1.refunds.retrieve(refund.provider_reference)
    assert stripe_refund.amount == 50_000
    body, signed = _signed(_event("refund.updated", stripe_refund.to_dict()))
    assert client.post("/webhooks/stripe", data=body, headers=signed).get_json()["outcome"] == "refunded"
    assert _charge_refunded(client, order)["outcome"] == "duplicate"
    order = _order(order.id)
    assert order.status == OrderStatus.PAID and refunds.refunded_vnd(order) == 50_000
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.APPLIED
    login(client, seller)
    page = client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True)
    assert f"Đã hoàn {_vnd(50_000)} / {_vnd(order.paid_vnd)}" in page
    too_much = client.post(
        f"/api/v1/orders/{order.id}/refunds", json={"amount_vnd": order.paid_vnd}, headers=bearer(seller)
    )
    assert too_much.status_code == 422 and too_much.get_json()["error"]["code"]
    buyer = client.post(f"/api/v1/orders/{order.id}/refunds", json={"amount_vnd": 1000}, headers=bearer(order.buyer))
    assert buyer.status_code == 403


def _vietqr_paid_order(product, quantity: int = 2) -> Order:
    order = make_checkout(make_user(), {product.id: quantity}, "vietqr").orders[0]
    payment = Payment(
        gateway="vietqr", provider_reference=f"bank-{order.id}", amount_vnd=order.total_vnd, status="unmatched"
    )
    db.session.add(payment)
    services.apply_payment(payment, order)
    db.session.commit()
    assert order.status == OrderStatus.PAID
    return order


def test_vietqr_refund_is_recorded_by_the_seller_with_the_bank_reference(app, client):
    _coop, seller, product = _seller_and_product(80_000)
    order = _vietqr_paid_order(product)
    login(client, seller)
    url = f"/cooperative/orders/{order.code}/refunds"
    missing = client.form_post(url, {"confirm": "1", "amount_vnd": "60000", "method": "bank_transfer", "reference": ""})
    assert missing.status_code == 422 and "Nhập mã giao dịch chuyển khoản hoàn tiền" in missing.get_data(as_text=True)
    cash = client.form_post(url, {"confirm": "1", "amount_vnd": "60000", "method": "cash"})
    assert cash.status_code == 422  # VietQR money went to the bank account: it goes back by transfer
    too_much = client.form_post(
        url, {"confirm": "1", "amount_vnd": str(order.paid_vnd + 1), "method": "bank_transfer", "reference": "FT1"}
    )
    assert too_much.status_code == 422 and "vượt quá số đã trả" in too_much.get_data(as_text=True)
    assert (
        client.form_post(
            url, {"confirm": "1", "amount_vnd": "60.000", "reference": "FT26001", "reason": "Thiếu hàng"}
        ).status_code
        == 302
    )
    assert _order(order.id).status == OrderStatus.PAID
    reused = client.form_post(url, {"confirm": "1", "amount_vnd": "1000", "reference": "FT26001"})
    assert reused.status_code == 422 and "đã được ghi" in reused.get_data(as_text=True)
    rest = str(order.paid_vnd - 60_000)
    assert client.form_post(url, {"confirm": "1", "amount_vnd": rest, "reference": "FT26002"}).status_code == 302
    order = _order(order.id)
    assert order.status == OrderStatus.REFUNDED
    assert [(r.amount_vnd, r.method, r.status) for r in refunds.refunds_of(order)] == [
        (60_000, RefundMethod.BANK_TRANSFER, "succeeded"),
        (order.paid_vnd - 60_000, RefundMethod.BANK_TRANSFER, "succeeded"),
    ]
    page = client.get(f"/cooperative/orders/{order.code}").get_data(as_text=True)
    assert f"Đã hoàn {_vnd(60_000)} bằng chuyển khoản (mã FT26001)" in page and "Thiếu hàng" in page
    assert "Đã hoàn tiền" in page  # the state
    assert (
        db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "order.refund_recorded"))
        == 2
    )


def test_cash_refund_of_a_delivered_order_needs_no_reference(app, client):
    coop, seller, product = _seller_and_product(50_000)
    order = make_checkout(make_user(), {product.id: 1}, "cod").orders[0]
    services.confirm_order(seller, order)
    services.ship_order(seller, order, "own", "")
    from orders import delivery

    delivery.mark_delivered(seller, order)
    db.session.commit()
    login(client, seller)
    url = f"/cooperative/orders/{order.code}/refunds"
    assert (
        client.form_post(url, {"confirm": "1", "amount_vnd": str(order.paid_vnd), "method": "cash"}).status_code == 302
    )
    order = _order(order.id)
    assert order.status == OrderStatus.REFUNDED
    moves = [(e.from_status, e.to_status) for e in order.history][-3:]
    assert moves == [("delivered", "delivered"), ("delivered", "refund_requested"), ("refund_requested", "refunded")]
    assert ledger.statement(coop).owed_vnd == 0  # cash never reached the platform


@CARDS
def test_ledger_adds_up(client):
    rng = random.Random(20261203)
    admin = make_user(Role.ADMIN)
    coop, _seller, product = _seller_and_product(10_000)
    other_coop, _other, other_product = _seller_and_product(10_000)
    expected = {"sales": 0, "refunds": 0, "fees": 0, "payouts": 0}
    start = utcnow() - timedelta(days=120)
    for n in range(12):
        mine = rng.random() < 0.75
        order = make_checkout(
            make_user(), {(product if mine else other_product).id: rng.randint(1, 9)}, "stripe"
        ).orders[0]
        fee = rng.choice([None, rng.randint(0, 5_000)])
        raw = {} if fee is None else {"fee_vnd": fee}
        payment = Payment(
            gateway="stripe",
            provider_reference=f"pi_test_{n}_{secrets.token_hex(4)}",
            amount_vnd=order.total_vnd,
            status="unmatched",
            raw=raw,
            at=start + timedelta(days=n * 9, hours=rng.randint(0, 23)),
        )
        db.session.add(payment)
        services.apply_payment(payment, order)
        refunded = 0
        for k in range(rng.randint(0, 2)):
            amount = rng.randint(1, order.total_vnd - refunded) if order.total_vnd > refunded else 0
            if amount:
                refunds.provider_refund_update(
                    "stripe",
                    RefundMethod.STRIPE,
                    f"re_{n}_{k}_{secrets.token_hex(3)}",
                    "succeeded",
                    amount,
                    payment.provider_reference,
                )
                refunded += amount
        if mine:
            expected["sales"] += order.total_vnd
            expected["fees"] += fee if fee is not None else (order.total_vnd * 3 + 50) // 100
            expected["refunds"] += refunded
    vietqr_order = _vietqr_paid_order(product)  # money straight to the seller's bank: not in the ledger
    refunds.request_refund(admin, vietqr_order, _gateway("vietqr"), 1000, reference="FT-VQ")
    owed = expected["sales"] - expected["refunds"] - expected["fees"]
    for n in range(3):
        amount = rng.randint(1, max(owed // 4, 1))
        day = to_local(start + timedelta(days=30 * n + 5)).date()
        ledger.record_payout(admin, coop, day.isoformat(), amount, f"UNC{n:04d}")
        expected["payouts"] += amount
        owed -= amount
    db.session.commit()

    result = ledger.statement(coop)
    assert (result.sales_vnd, result.refunds_vnd, result.fees_vnd, result.payouts_vnd) == (
        expected["sales"],
        expected["refunds"],
        expected["fees"],
        expected["payouts"],
    )
    assert result.balance_vnd == result.owed_vnd == owed
    running = 0
    for entry in result.entries:
        running += entry.amount_vnd
        assert entry.balance_vnd == running
    days = [entry.day for entry in result.entries]
    assert days == sorted(days)
    assert other_coop.name not in {e.label for e in result.entries}
    assert sum(s.owed_vnd for s in ledger.balances()) == owed + ledger.statement(other_coop).owed_vnd


def _gateway(gateway_id: str):
    from orders.payments import get_gateway

    return get_gateway(gateway_id)


def _card_sale(coop, product, amount_fee: int = 1000) -> Order:
    order = make_checkout(make_user(), {product.id: 3}, "stripe").orders[0]
    payment = Payment(
        gateway="stripe",
        provider_reference=f"pi_{secrets.token_hex(6)}",
        amount_vnd=order.total_vnd,
        status="unmatched",
        raw={"fee_vnd": amount_fee},
    )
    db.session.add(payment)
    services.apply_payment(payment, order)
    return order


@CARDS
def test_sellers_see_only_their_own_statement_and_export_it(client):
    coop_a, seller_a, product_a = _seller_and_product(20_000)
    coop_b, _seller_b, product_b = _seller_and_product(30_000)
    order_a = _card_sale(coop_a, product_a)
    order_b = _card_sale(coop_b, product_b)
    db.session.commit()
    login(client, seller_a)
    page = client.get("/cooperative/statement").get_data(as_text=True)
    owed = ledger.statement(coop_a).owed_vnd
    assert order_a.code in page and order_b.code not in page and _vnd(owed) in page
    assert client.get(f"/cooperative/statement?cooperative={coop_b.id}").status_code == 404
    assert client.get(f"/cooperative/statement.xlsx?cooperative={coop_b.id}").status_code == 404
    export = client.get("/cooperative/statement.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert any(row[2] == order_a.code and row[3] == order_a.total_vnd for row in rows)
    assert not any(order_b.code in str(cell) for row in rows for cell in row if cell)
    totals = {row[1]: row[5] for row in rows if row[1] and row[5] is not None and row[0] is None}
    assert totals["Tiền thẻ"] == order_a.total_vnd and totals["Phí thẻ"] == 1000
    assert totals["Còn nợ hợp tác xã"] == owed == order_a.total_vnd - 1000
    money_cell = next(row for row in sheet.iter_rows() if row[2].value == order_a.code)[3]
    assert isinstance(money_cell.value, int) and "₫" in money_cell.number_format
    buyer = make_user()
    db.session.commit()
    client.form_post("/logout")
    login(client, buyer)
    assert client.get("/cooperative/statement").status_code in (403, 302)


@CARDS
def test_admin_records_a_payout_and_it_is_audited(client):
    coop, seller, product = _seller_and_product(40_000)
    order = _card_sale(coop, product, amount_fee=0)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, seller)
    assert client.get("/admin/payouts").status_code == 403
    client.form_post("/logout")
    login(client, admin)
    page = client.get("/admin/payouts").get_data(as_text=True)
    assert coop.name in page and _vnd(order.total_vnd) in page
    today = today_vn().isoformat()
    url = f"/admin/payouts/{coop.id}"
    too_much = client.form_post(
        url, {"paid_on": today, "amount_vnd": str(order.total_vnd + 1), "bank_reference": "UNC1"}
    )
    assert too_much.status_code == 422 and "vượt quá số đang nợ" in too_much.get_data(as_text=True)
    no_ref = client.form_post(url, {"paid_on": today, "amount_vnd": "100000", "bank_reference": ""})
    assert no_ref.status_code == 422
    done = client.form_post(url, {"paid_on": today, "amount_vnd": "100000", "bank_reference": "UNC 2026/001"})
    assert done.status_code == 302
    again = client.form_post(url, {"paid_on": today, "amount_vnd": "100000", "bank_reference": "UNC 2026/001"})
    assert again.status_code == 422  # the same bank transfer twice
    payout = db.session.scalar(select(Payout))
    assert (payout.amount_vnd, payout.bank_reference, payout.recorded_by_id) == (100_000, "UNC 2026/001", admin.id)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "payout.recorded"))
    assert entry.actor_id == admin.id and entry.details["amount_vnd"] == 100_000
    assert "Ghi khoản chuyển tiền thẻ cho hợp tác xã" in client.get("/admin/audit").get_data(as_text=True)
    assert ledger.statement(coop).owed_vnd == order.total_vnd - 100_000
    client.form_post("/logout")
    login(client, seller)
    statement = client.get("/cooperative/statement").get_data(as_text=True)
    assert "UNC 2026/001" in statement and _vnd(order.total_vnd - 100_000) in statement
    month = to_local(utcnow()).strftime("%m/%Y")
    assert (
        f'<tr><td>{month}</td><td class="num">{_vnd(order.total_vnd)}</td><td class="num">{_vnd(100_000)}</td></tr>'
        in statement
    )


def test_history_note_does_not_change_state(app):
    _coop, seller, product = _seller_and_product()
    order = _vietqr_paid_order(product)
    services.record_note(order, seller, "Đã gọi khách")
    db.session.commit()
    event = db.session.scalar(select(OrderEvent).order_by(OrderEvent.id.desc()))
    assert (event.from_status, event.to_status, event.note) == ("paid", "paid", "Đã gọi khách")


@CARDS
def test_a_refund_stripe_reports_failed_can_be_asked_again(client):
    _coop, seller, product = _seller_and_product(100_000)
    order = _card_paid_order(client, product)
    response = client.post(f"/api/v1/orders/{order.id}/refunds", json={"amount_vnd": 30_000}, headers=bearer(seller))
    assert response.status_code == 201
    stripe_refund = _stripe(_server()).v1.refunds.retrieve(db.session.scalar(select(Refund.provider_reference)))
    failed = {**stripe_refund.to_dict(), "status": "failed"}
    body, signed = _signed(_event("refund.updated", failed))
    assert client.post("/webhooks/stripe", data=body, headers=signed).get_json()["outcome"] == "refund_failed"
    order = _order(order.id)
    assert db.session.scalar(select(Refund.status)) == "failed" and refunds.refundable_vnd(order) == order.paid_vnd
    assert "báo hoàn 30.000" in " ".join(event.note for event in order.history)
    assert order.status == OrderStatus.PAID
