"""Buyers of two variants of one product race on PostgreSQL, each in its own thread and request: each variant sells
exactly its own stock, none is oversold, and the product's total follows."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog.models import Product, ProductVariant
from marketplace.extensions import db
from orders.models import OrderLine
from tests.factories import make_product
from tests.factories.catalog import set_variants, variant_row
from tests.factories.orders import bearer, checkout_body, make_buyers

pytestmark = pytest.mark.postgres_only
BUYERS = 40
SMALL, LARGE = 6, 4


@pytest.fixture(autouse=True)
def _postgresql_only(dialect):
    if dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's matter: SQLite runs one writer at a time")


def _body(product_id: int, variant_ids: list[int]) -> dict:
    body = checkout_body({}, "cod")
    body["items"] = [{"product_id": product_id, "variant_id": vid, "quantity": 1} for vid in variant_ids]
    return body


def test_concurrent_buyers_of_two_variants_never_oversell_either(app):
    product = make_product(stock=0)
    small, large = set_variants(product, [variant_row("Túi 200 g", 50_000, SMALL), variant_row("Hộp", 90_000, LARGE)])
    headers = [bearer(buyer) for buyer in make_buyers(BUYERS)]
    db.session.commit()
    # a third of the buyers want the bag, a third the box, a third both (locks taken in the same order by all)
    wanted = [[small.id], [large.id], [small.id, large.id]]
    bodies = [_body(product.id, wanted[n % 3]) for n in range(BUYERS)]
    start = threading.Barrier(BUYERS)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def buy(header: dict[str, str], body: dict) -> None:
        client = app.test_client()
        try:
            start.wait()
            statuses.append(client.post("/api/v1/checkout", json=body, headers=header).status_code)
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=buy, args=pair) for pair in zip(headers, bodies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # each variant has more single-variant buyers than units: both sell out, exactly
    assert set(statuses) <= {201, 409}
    db.session.commit()
    sold = dict(
        db.session.execute(select(OrderLine.variant_id, func.sum(OrderLine.quantity)).group_by(OrderLine.variant_id))
        .tuples()
        .all()
    )
    assert sold == {small.id: SMALL, large.id: LARGE}  # 0 oversold, none left unsold
    left = dict(db.session.execute(select(ProductVariant.id, ProductVariant.stock)).tuples().all())
    assert (left[small.id], left[large.id]) == (0, 0)
    assert db.session.scalar(select(Product.stock).where(Product.id == product.id)) == 0
    assert statuses.count(201) == db.session.scalar(select(func.count(func.distinct(OrderLine.order_id))))
