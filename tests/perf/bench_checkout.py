"""Checkouts per second on PostgreSQL through gunicorn with 20 concurrent API clients, and proof of no oversell.

20 buyers hammer `POST /api/v1/checkout` (1 unit of one of 3 products, cash on delivery) until the 600 units are
gone; the rate counts successful checkouts until the last unit sold. Afterwards stock must be exactly 0, never
negative, and the units in orders must equal the units that left stock.
"""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.migrate import upgrade
from orders.models import Order, OrderLine
from tests.conftest import _create_pg_database, _drop_pg_database, make_test_app
from tests.factories import make_cooperative, make_product
from tests.factories_orders import bearer, checkout_body, make_buyers
from tests.perf.harness import BenchRow, gunicorn_server

CLIENTS = 20
PRODUCTS = 3
UNITS_EACH = 200
DEADLINE_SECONDS = 60


def _seed(app) -> tuple[list[int], list[dict[str, str]]]:
    with app.app_context():
        products = [make_product(make_cooperative(), stock=UNITS_EACH) for _ in range(PRODUCTS)]
        headers = [bearer(buyer) for buyer in make_buyers(CLIENTS)]
        db.session.commit()
        return [p.id for p in products], headers


def _hammer(base: str, product_ids: list[int], headers: list[dict[str, str]]) -> tuple[list[float], dict[int, int]]:
    """Each client posts checkouts until everything is sold out (every product answered 409) or the deadline."""
    successes: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(headers))
    stop_at = time.monotonic() + DEADLINE_SECONDS

    def client(header: dict[str, str]) -> None:
        session, sold_out = requests.Session(), set()
        start.wait()
        while len(sold_out) < len(product_ids) and time.monotonic() < stop_at:
            product_id = random.choice([p for p in product_ids if p not in sold_out])
            body = checkout_body({product_id: 1}, "cod")
            status = session.post(f"{base}/api/v1/checkout", json=body, headers=header, timeout=30).status_code
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    successes.append(time.monotonic())
            if status == 409:
                sold_out.add(product_id)

    threads = [threading.Thread(target=client, args=(h,)) for h in headers]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [t - began for t in successes], statuses


def _oversold(app, product_ids: list[int], sold: int) -> int:
    """Units sold beyond the stock there was (0 when every unit in an order left stock exactly once)."""
    with app.app_context():
        stock = db.session.scalar(select(func.sum(Product.stock)).where(Product.id.in_(product_ids)))
        negative = db.session.scalar(select(func.count()).select_from(Product).where(Product.stock < 0))
        in_orders = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))
        orders = db.session.scalar(select(func.count()).select_from(Order))
    assert orders == sold and in_orders == PRODUCTS * UNITS_EACH - stock, "stock and orders disagree"
    return max(0, in_orders - PRODUCTS * UNITS_EACH) + negative


def run(baseline_rps: float) -> list[BenchRow]:
    name, url = _create_pg_database()
    instance = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    try:
        upgrade(url)
        app = make_test_app(url, instance)
        product_ids, headers = _seed(app)
        env = {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench-secret",
            "CELERY_BROKER_URL": f"filesystem://{instance / 'broker'}",
            "PYTHONPATH": os.getcwd(),
        }
        with gunicorn_server("marketplace:create_app()", env=env, ready_path="/api/v1/openapi.json") as base:
            times, statuses = _hammer(base, product_ids, headers)
        oversold = _oversold(app, product_ids, len(times))
        rate = len(times) / times[-1] if times else 0.0
        note = f"{len(times)} sold of {PRODUCTS * UNITS_EACH}, statuses {dict(sorted(statuses.items()))}"
        return [
            BenchRow("checkouts/s, PostgreSQL, 20 clients", rate, "checkouts/s", "≥ 100", rate / baseline_rps, note),
            BenchRow("oversold units in that run", oversold, "units", "0"),
        ]
    finally:
        with app.app_context():
            db.engine.dispose()
        _drop_pg_database(name)
