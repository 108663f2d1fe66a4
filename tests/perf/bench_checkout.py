"""Checkouts per second on PostgreSQL through gunicorn with 20 concurrent API clients, and proof of no oversell.

As in production on PostgreSQL, Celery's broker is Redis (`BENCH_BROKER_URL`, default database 15 of the local
Redis, emptied before and after). The clients are wrk's 20 connections (a C load generator, so the two cores stay with gunicorn and PostgreSQL
instead of 20 Python threads), each request `POST /api/v1/checkout` for 1 unit of one of 3 products, cash on
delivery, with the next of 20 buyers' bearer tokens; rate limits stay on as in production.

1. Rate: 3 × 3,000 units, so nothing sells out while wrk runs; every answer must be 201, and the rate is the orders
   placed divided by the span between the first and the last order's `created_at`.
2. Sell-out: 3 × 100 units under the same 20 connections until every product answers 409. Stock must end at
   exactly 0, never negative, and the units in orders must equal the units that left stock.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.migrate import upgrade
from orders.models import Order, OrderLine
from tests.conftest import _create_pg_database, _drop_pg_database, make_test_app
from tests.factories import make_cooperative, make_product
from tests.factories.catalog import restock
from tests.factories.orders import bearer, checkout_body, make_buyers
from tests.perf.harness import BenchRow, gunicorn_server, wrk_output

CLIENTS = 20
PRODUCTS = 3
RATE_UNITS_EACH = 3000
RATE_SECONDS = 12
SELL_OUT_UNITS_EACH = 100
SELL_OUT_SECONDS = 6
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")


def lua_script(tokens: list[str], product_ids: list[int]) -> str:
    """wrk script: each request buys 1 unit of a random product with the next buyer's token."""
    bodies = ", ".join(json.dumps(json.dumps(checkout_body({pid: 1}, "cod"))) for pid in product_ids)
    token_list = ", ".join(json.dumps(t) for t in tokens)
    return f"""
local tokens = {{{token_list}}}
local bodies = {{{bodies}}}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  wrk.headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end
"""


def _seed(app) -> tuple[list[int], list[str]]:
    with app.app_context():
        products = [make_product(make_cooperative(), stock=RATE_UNITS_EACH) for _ in range(PRODUCTS)]
        tokens = [bearer(buyer)["Authorization"].split()[1] for buyer in make_buyers(CLIENTS)]
        db.session.commit()
        return [p.id for p in products], tokens


def _rate(app) -> tuple[float, int]:
    """Orders per second between the first and the last order placed, and how many there were."""
    with app.app_context():
        count, first, last = db.session.execute(
            select(func.count(), func.min(Order.created_at), func.max(Order.created_at))
        ).one()
    span = (last - first).total_seconds() if count > 1 else 0
    return ((count - 1) / span if span else 0.0), count


def _restock(app, product_ids: list[int], units: int) -> int:
    """Set every product's stock; returns the units already in orders (the baseline for the sell-out check)."""
    with app.app_context():
        restock(Product.id.in_(product_ids), units)
        in_orders = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))
        db.session.commit()
        return in_orders


def _oversold(app, product_ids: list[int], units_before: int) -> tuple[int, int]:
    """(units sold in the sell-out phase, units sold beyond the stock there was or left negative)."""
    with app.app_context():
        stock = db.session.scalar(select(func.sum(Product.stock)).where(Product.id.in_(product_ids)))
        negative = db.session.scalar(select(func.count()).select_from(Product).where(Product.stock < 0))
        in_orders = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))) - units_before
    offered = PRODUCTS * SELL_OUT_UNITS_EACH
    assert in_orders == offered - stock, "stock and orders disagree"
    return in_orders, max(0, in_orders - offered) + negative


def _empty_broker() -> None:
    """Drop the tasks the checkouts queued (no worker runs in this benchmark)."""
    if BROKER_URL.startswith("redis://"):
        import redis

        redis.Redis.from_url(BROKER_URL).flushdb()


def _non_2xx(output: str) -> int:
    found = [line for line in output.splitlines() if "Non-2xx or 3xx responses" in line]
    return int(found[0].split(":")[1]) if found else 0


def run(baseline_rps: float) -> list[BenchRow]:
    name, url = _create_pg_database()
    instance = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    try:
        upgrade(url)
        app = make_test_app(url, instance)
        product_ids, tokens = _seed(app)
        _empty_broker()
        env = {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench-secret",
            "CELERY_BROKER_URL": BROKER_URL,
            "PYTHONPATH": os.getcwd(),
        }
        script = instance / "checkout.lua"
        script.write_text(lua_script(tokens, product_ids))
        with gunicorn_server("marketplace:create_app()", env=env, ready_path="/api/v1/openapi.json") as base:
            target = base + "/api/v1/checkout"
            rate_report = wrk_output(target, RATE_SECONDS, CLIENTS, threads=2, script=str(script))
            rate, placed = _rate(app)
            units_before = _restock(app, product_ids, SELL_OUT_UNITS_EACH)
            sell_out_report = wrk_output(target, SELL_OUT_SECONDS, CLIENTS, threads=2, script=str(script))
        sold, oversold = _oversold(app, product_ids, units_before)
        refused = _non_2xx(rate_report)
        note = f"{placed:,} orders in {RATE_SECONDS} s of wrk, {refused} not 201"
        sell_note = f"{sold} of {PRODUCTS * SELL_OUT_UNITS_EACH} sold, then {_non_2xx(sell_out_report):,} × 409"
        return [
            BenchRow("checkouts/s, PostgreSQL, 20 clients", rate, "checkouts/s", "≥ 100", rate / baseline_rps, note),
            BenchRow("oversold units at sell-out, 20 clients", oversold, "units", "0", note=sell_note),
        ]
    finally:
        with app.app_context():
            db.engine.dispose()
        _drop_pg_database(name)
        _empty_broker()
