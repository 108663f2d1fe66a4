"""Row locks on PostgreSQL: two bank notifications (half the money each) and the buyer's cancel reach one order at
the same moment, each in its own thread and request; expiry and a payment likewise. Repeated, every order ends in
one consistent state."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.text import utcnow
from orders import tasks
from orders.models import Order, OrderStatus, PaymentStatus
from tests.factories import make_cooperative, make_product
from tests.factories.orders import bank_notification, bearer, make_buyers, make_checkout

pytestmark = pytest.mark.postgres_only
ROUNDS = 16
LAG_STEP = 0.002  # seconds: round n starts the cancel (the expiry) n × 2 ms after the payments; no timed assert
STOCK = 100
KEY = {"Authorization": "Apikey demo-bank-key"}


@pytest.fixture(autouse=True)
def _postgresql_only(dialect):
    if dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's matter: SQLite runs one writer at a time")


def _together(jobs: list[tuple[Callable[[], object], float]]) -> list[object]:
    """Run each job in its own thread, released together, each after its lag in seconds; what they returned."""
    start = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], object], lag: float) -> None:
        try:
            start.wait()
            time.sleep(lag)
            results.append(job())
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _post(app, url: str, **kwargs) -> Callable[[], int]:
    return lambda: app.test_client().post(url, **kwargs).status_code


def _race(app, order: Order, header: dict[str, str], lag: float) -> list[object]:
    """Half the total twice (two bank transactions) and a buyer cancel, released together; the cancel starts
    `lag` seconds later (the rounds sweep it across the time a notification takes, so every order of arrival
    happens, not only "the quick cancel wins")."""
    half = order.total_vnd // 2
    account = order.cooperative.account_no
    first = bank_notification(f"OCOP {order.code}", half, account)
    second = bank_notification(f"OCOP {order.code}", order.total_vnd - half, account)
    return _together(
        [
            (_post(app, "/webhooks/bank-transfer", json=first, headers=KEY), 0.0),
            (_post(app, "/webhooks/bank-transfer", json=second, headers=KEY), 0.0),
            (_post(app, f"/api/v1/orders/{order.id}/cancel", headers=header), lag),
        ]
    )


def test_payments_and_a_cancel_at_the_same_moment_end_in_one_consistent_state(app):
    product = make_product(make_cooperative(), stock=STOCK, price_vnd=100_000)
    buyers = make_buyers(ROUNDS)
    orders = [make_checkout(buyer, {product.id: 1}).orders[0] for buyer in buyers]
    headers = [bearer(buyer) for buyer in buyers]
    db.session.commit()
    outcomes: Counter[str] = Counter()
    for n, (order, header) in enumerate(zip(orders, headers, strict=True)):
        assert sorted(_race(app, order, header, LAG_STEP * n)) == [200, 200, 200]
    db.session.expire_all()
    for order in orders:
        order = db.session.get(Order, order.id)
        applied = [p.amount_vnd for p in order.payments if p.status == PaymentStatus.APPLIED]
        assert len(order.payments) == 2  # both transfers recorded, none lost
        assert {p.status for p in order.payments} <= {PaymentStatus.APPLIED, PaymentStatus.LATE}
        assert order.paid_vnd == sum(applied)  # no lost update of the paid amount
        expected = OrderStatus.CANCELLED if order.paid_vnd == 0 else OrderStatus.REFUND_REQUESTED
        assert order.status == expected  # never cancelled with money kept
        moves = [(event.from_status, event.to_status) for event in order.history]
        assert all(a[1] == b[0] for a, b in itertools.pairwise(moves))  # one unbroken history
        assert moves[-1][1] == order.status
        assert ("paid" in [to for _from, to in moves]) == (order.paid_vnd == order.total_vnd)
        assert order.stock_released
        outcomes[f"{order.status}:{order.paid_vnd * 2 // order.total_vnd}/2"] += 1
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == STOCK  # each returned once
    assert sum(outcomes.values()) == ROUNDS


def _expire(app) -> int:
    with app.app_context():
        return tasks.expire_unpaid_orders()


def test_expiry_and_a_payment_at_the_same_moment_end_in_one_consistent_state(app):
    product = make_product(make_cooperative(), stock=STOCK, price_vnd=100_000)
    buyers = make_buyers(ROUNDS)
    orders = [make_checkout(buyer, {product.id: 1}).orders[0] for buyer in buyers]
    db.session.commit()
    for n, order in enumerate(orders):
        order.expires_at = utcnow() - timedelta(minutes=1)  # one order due at a time: each round races on its own
        db.session.commit()
        payload = bank_notification(f"OCOP {order.code}", order.total_vnd, order.cooperative.account_no)
        paying = _post(app, "/webhooks/bank-transfer", json=payload, headers=KEY)
        results = _together([(paying, 0.0), (lambda: _expire(app), LAG_STEP * n)])
        assert 200 in results
    with app.app_context():
        tasks.expire_unpaid_orders()  # what a busy row made the last run skip
    db.session.expire_all()
    paid = 0
    for order in orders:
        order = db.session.get(Order, order.id)
        [payment] = order.payments
        if order.status == OrderStatus.PAID:
            assert payment.status == PaymentStatus.APPLIED and order.paid_vnd == order.total_vnd
            assert not order.stock_released
            paid += 1
        else:
            assert order.status == OrderStatus.CANCELLED  # expired before the money: the money is late
            assert payment.status == PaymentStatus.LATE and order.paid_vnd == 0 and order.stock_released
        assert [e.to_status for e in order.history][-1] == order.status
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == STOCK - paid
