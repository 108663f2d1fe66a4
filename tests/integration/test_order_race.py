"""Row locks on PostgreSQL: two bank notifications (half the money each) and the buyer's cancel reach one order at
the same moment, each in its own thread and request; repeated, every order ends in one consistent state."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from catalog.models import Product
from marketplace.extensions import db
from orders.models import Order, OrderStatus, PaymentStatus
from tests.factories import make_cooperative, make_product
from tests.factories.orders import bank_notification, bearer, make_buyers, make_checkout

pytestmark = pytest.mark.postgres_only
ROUNDS = 16
LAG_STEP = 0.002  # seconds: round n starts the cancel n × 2 ms after the payments (not a timed assert)
STOCK = 100
KEY = {"Authorization": "Apikey demo-bank-key"}


@pytest.fixture(autouse=True)
def _postgresql_only(dialect):
    if dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's matter: SQLite runs one writer at a time")


def _race(app, order: Order, header: dict[str, str], lag: float) -> list[int]:
    """Half the total twice (two bank transactions) and a buyer cancel, released together; the cancel starts
    `lag` seconds later (the rounds sweep it across the time a notification takes, so every order of arrival
    happens, not only "the quick cancel wins")."""
    half = order.total_vnd // 2
    rest = order.total_vnd - half
    account = order.cooperative.account_no
    calls = [
        ("/webhooks/bank-transfer", {"json": bank_notification(f"OCOP {order.code}", half, account), "headers": KEY}),
        ("/webhooks/bank-transfer", {"json": bank_notification(f"OCOP {order.code}", rest, account), "headers": KEY}),
        (f"/api/v1/orders/{order.id}/cancel", {"headers": header}),
    ]
    lags = [0.0, 0.0, lag]
    start = threading.Barrier(len(calls))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def call(url: str, kwargs: dict, lag: float) -> None:
        client = app.test_client()
        try:
            start.wait()
            time.sleep(lag)
            statuses.append(client.post(url, **kwargs).status_code)
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=call, args=(*c, lag)) for c, lag in zip(calls, lags, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


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
