"""SePay-style bank notifications: tolerant matching, pay once, short transfers, late money, manual matching."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import AuditLog, Role
from marketplace.text import utcnow
from orders.models import Order, OrderStatus, Payment, PaymentStatus
from orders.tasks import expire_unpaid_orders
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.orders import bank_notification, make_checkout

KEY = {"Authorization": "Apikey demo-bank-key"}


def _order(stock: int = 10, quantity: int = 2) -> Order:
    product = make_product(make_cooperative(), stock=stock, price_vnd=100_000)
    order = make_checkout(make_user(), {product.id: quantity}).orders[0]
    db.session.commit()
    return order


def _post(client, payload, headers=KEY):
    return client.post("/webhooks/bank-transfer", json=payload, headers=headers)


def _reload(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def test_wrong_key_is_401_and_changes_nothing(client):
    order = _order()
    payload = bank_notification(f"OCOP {order.code}", order.total_vnd, order.cooperative.account_no)
    assert _post(client, payload, {"Authorization": "Apikey wrong"}).status_code == 401
    assert _post(client, payload, {}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_mangled_reference_pays_once_even_when_repeated(app, client):
    order = _order()
    content = f"NGUYEN VAN A chuyen tien ocop-{order.code[:4]} {order.code[4:].lower()} FT25011234567"
    payload = bank_notification(content, order.total_vnd, order.cooperative.account_no, transaction_id=92704)
    first = _post(client, payload)
    assert first.status_code == 200 and first.get_json() == {"success": True}
    repeat = _post(client, payload)
    assert repeat.status_code == 200 and repeat.get_json() == {"success": True}
    order = _reload(order)
    assert order.status == OrderStatus.PAID and order.paid_vnd == order.total_vnd
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    assert [e.to_status for e in order.history] == ["pending_payment", "paid"]


def test_short_transfer_does_not_pay_until_the_rest_arrives(client):
    order = _order()
    account = order.cooperative.account_no
    _post(client, bank_notification(f"OCOP {order.code}", 100_000, account))
    order = _reload(order)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_vnd == 100_000
    _post(client, bank_notification(f"OCOP {order.code} bo sung", order.total_vnd - 100_000, account))
    assert _reload(order).status == OrderStatus.PAID


def test_outgoing_and_non_positive_transfers_are_ignored(client):
    order = _order()
    account = order.cooperative.account_no
    assert (
        _post(client, bank_notification(f"OCOP {order.code}", order.total_vnd, account, transferType="out")).status_code
        == 200
    )
    assert _post(client, bank_notification(f"OCOP {order.code}", 0, account)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert _reload(order).status == OrderStatus.PENDING_PAYMENT


def test_expired_order_returns_stock_and_late_money_does_not_revive_it(client):
    order = _order(stock=5, quantity=3)
    product_id = order.lines[0].product_id
    order.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert expire_unpaid_orders() == 1
    assert db.session.scalar(select(Product.stock).where(Product.id == product_id)) == 5
    _post(client, bank_notification(f"OCOP {order.code}", order.total_vnd, order.cooperative.account_no))
    order = _reload(order)
    assert order.status == OrderStatus.CANCELLED and order.paid_vnd == 0
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.LATE
    assert expire_unpaid_orders() == 0


def test_unmatched_transfer_is_matched_by_the_cooperative_and_audited(client):
    order = _order()
    account = order.cooperative.account_no
    _post(client, bank_notification("chuyen tien mua nam", order.total_vnd, account))
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.UNMATCHED
    outsider = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, outsider)
    assert "chuyen tien mua nam" not in client.get("/cooperative/reconciliation").get_data(as_text=True)
    client.form_post("/cooperative/reconciliation", {"payment_id": payment.id, "order_code": order.code})
    assert _reload(order).status == OrderStatus.PENDING_PAYMENT
    client.form_post("/logout")
    seller = make_user(Role.COOPERATIVE, cooperative=order.cooperative)
    db.session.commit()
    login(client, seller)
    assert "chuyen tien mua nam" in client.get("/cooperative/reconciliation").get_data(as_text=True)
    client.form_post("/cooperative/reconciliation", {"payment_id": payment.id, "order_code": order.code.lower()})
    assert _reload(order).status == OrderStatus.PAID
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.actor_id == seller.id)) == "payment.matched"


def test_transfer_into_another_account_does_not_pay(client):
    order = _order()
    _post(client, bank_notification(f"OCOP {order.code}", order.total_vnd, "999999999"))
    assert _reload(order).status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.UNMATCHED
