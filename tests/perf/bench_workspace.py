"""Commune dashboard and province report on a year of activity: 60 000 orders and 200 000 label scans.

Builds a fresh SQLite database with the real migrations, fills it with bulk inserts (40 cooperatives in
10 communes of Thanh Hóa, 200 products, orders over the last 12 months in every state, scans), then times
the dashboard's figures and the Excel report for one commune and for the whole province, in-process.
Set BENCH_WORKSPACE_DB to a PostgreSQL URL to run the same on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from tests.perf.harness import BenchRow, median, percentile, timed_ms

ORDERS = 60_000
SCANS = 200_000
COOPERATIVES = 40
PRODUCTS_PER_COOPERATIVE = 5
THANH_HOA = 38


def _fill(db, rng: random.Random) -> int:
    """Bulk data for the benchmark; returns the commune code with the most cooperatives."""
    from catalog.models import Category, Product, ProductStatus
    from marketplace.models import Commune, Cooperative, User
    from orders.models import Checkout, Order, OrderLine, OrderStatus
    from traceability.models import Batch, Label, Scan

    communes = db.session.scalars(select(Commune.code).where(Commune.province_code == THANH_HOA).limit(10)).all()
    category = db.session.scalar(select(Category.id).limit(1))
    now = datetime.now(UTC)
    db.session.execute(insert(User), [{"email": "bench@example.vn", "password_hash": "x", "role": "buyer"}])
    buyer = db.session.scalar(select(User.id))
    coops = [
        {
            "id": i + 1,
            "slug": f"htx-{i}",
            "name": f"Hợp tác xã số {i}",
            "commune_code": communes[i % len(communes)],
            "address": "Thôn 1",
            "phone": "0912345678",
            "status": "verified" if i % 3 != 0 else "pending",
        }
        for i in range(COOPERATIVES)
    ]
    db.session.execute(insert(Cooperative), coops)
    products = []
    for c in coops:
        for j in range(PRODUCTS_PER_COOPERATIVE):
            pid = len(products) + 1
            products.append(
                {
                    "id": pid,
                    "cooperative_id": c["id"],
                    "category_id": category,
                    "slug": f"san-pham-{pid}",
                    "name": f"Sản phẩm {pid}",
                    "name_folded": f"san pham {pid}",
                    "price_vnd": 20_000 + 5_000 * j,
                    "stock": 100,
                    "unit": "kg",
                    "status": ProductStatus.PUBLISHED,
                }
            )
    db.session.execute(insert(Product), products)
    states = list(OrderStatus)
    checkouts, orders, lines = [], [], []
    for n in range(1, ORDERS + 1):
        product = products[rng.randrange(len(products))]
        quantity = rng.randint(1, 4)
        at = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        checkouts.append(
            {"id": n, "public_id": f"c{n}", "buyer_id": buyer, "idempotency_key": f"k{n}", "payment_method": "vietqr"}
        )
        subtotal = product["price_vnd"] * quantity
        orders.append(
            {
                "id": n,
                "code": f"OC{n:08d}",
                "checkout_id": n,
                "buyer_id": buyer,
                "cooperative_id": product["cooperative_id"],
                "status": rng.choice(states),
                "payment_method": "vietqr",
                "subtotal_vnd": subtotal,
                "shipping_vnd": 30_000,
                "total_vnd": subtotal + 30_000,
                "paid_vnd": 0,
                "ship_name": "A",
                "ship_phone": "0912345678",
                "ship_address": "B",
                "ship_commune_code": communes[0],
                "created_at": at,
                "updated_at": at,
            }
        )
        lines.append(
            {
                "order_id": n,
                "product_id": product["id"],
                "product_name": product["name"],
                "unit": "kg",
                "unit_price_vnd": product["price_vnd"],
                "quantity": quantity,
            }
        )
    for table, rows in ((Checkout, checkouts), (Order, orders), (OrderLine, lines)):
        db.session.execute(insert(table), rows)
    batches = [
        {"id": p["id"], "code": f"B{p['id']:08d}", "product_id": p["id"], "cooperative_id": p["cooperative_id"]}
        for p in products
    ]
    db.session.execute(insert(Batch), [{**b, "lot": "L1"} for b in batches])
    db.session.execute(
        insert(Label), [{"id": b["id"], "serial": f"S{b['id']:08d}", "batch_id": b["id"]} for b in batches]
    )
    scans = []
    for _ in range(SCANS):
        p = products[rng.randrange(len(products))]
        at = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        scans.append(
            {"label_id": p["id"], "product_id": p["id"], "cooperative_id": p["cooperative_id"], "scanned_at": at}
        )
    db.session.execute(insert(Scan), scans)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # what autovacuum does to a live database: statistics, visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return communes[0]


def _measure(app, commune: int) -> list[BenchRow]:
    from marketplace.text import today_vn
    from workspace import figures, reports
    from workspace.scope import Scope, default_period

    today = today_vn()
    period = default_period(today)
    rows = []
    for name, scope in (
        ("one commune", Scope(commune_code=commune)),
        ("whole province", Scope(province_code=THANH_HOA)),
    ):
        with app.test_request_context():
            dashboard = timed_ms(
                lambda s=scope: (figures.dashboard_figures(s, period, today), figures.summary(s, period, today)), 7
            )
            report = timed_ms(lambda s=scope: reports.build_report(s, period, today), 5)
        note = f"{ORDERS:,} orders, {SCANS:,} scans over 12 months; p95 {percentile(dashboard, 95):.0f} ms"
        rows.append(BenchRow(f"workspace dashboard figures, {name}", median(dashboard), "ms", "< 1000 ms", note=note))
        rows.append(BenchRow(f"workspace Excel report, {name}", median(report), "ms", "< 3000 ms"))
    return rows


def run(baseline_rps: float) -> list[BenchRow]:
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_WORKSPACE_DB") or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        upgrade(url)
        engine_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        app = create_app({"SQLALCHEMY_DATABASE_URI": engine_url, "TESTING": True})
        with app.app_context():
            commune = _fill(db, random.Random(8))
            rows = _measure(app, commune)
            db.session.remove()
            db.engine.dispose()
    return rows


if __name__ == "__main__":
    for row in run(0):
        print(f"{row.name}: {row.value:.0f} {row.unit} {row.note}")
