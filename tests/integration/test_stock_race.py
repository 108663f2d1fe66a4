"""50 buyers race for 10 units, each in its own thread and request: exactly 10 win, stock ends at 0."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from orders.models import Order
from tests.factories import make_product
from tests.factories.orders import bearer, checkout_body, make_buyers

BUYERS = 50
UNITS = 10


def test_fifty_concurrent_buyers_never_oversell(app):
    product = make_product(stock=UNITS)
    headers = [bearer(buyer) for buyer in make_buyers(BUYERS)]
    db.session.commit()
    body = checkout_body({product.id: 1}, "cod")
    start = threading.Barrier(BUYERS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def buy(header: dict[str, str]) -> None:
        client = app.test_client()
        try:
            start.wait()
            statuses.append(client.post("/api/v1/checkout", json=body, headers=header).status_code)
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=buy, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [201] * UNITS + [409] * (BUYERS - UNITS)
    db.session.commit()
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == UNITS
