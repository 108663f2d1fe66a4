"""Bounded mixed-traffic load test: locust (headless) against gunicorn on loopback with the harness's settings, on
a seeded SQLite site: 80 % browsing, 15 % search, 5 % checkout. Reports requests/s, p95 latency, errors and
oversold units (every product's stock now + units sold during the run must equal its stock at the start)."""

from __future__ import annotations

import csv
import os
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from tests.factories.catalog import restock
from tests.perf.harness import BIN, ROOT, BenchRow
from tests.perf.sites import served_site

USERS = 16
SPAWN_RATE = 8
SECONDS = int(os.environ.get("OCOP_LOAD_SECONDS", "45"))
STOCK = 400  # per product: enough for the run, small enough that popular products can sell out
SCARCE_STOCK = 25  # one product half the checkouts compete for


def stock_levels(app) -> dict[int, int]:
    from catalog.models import Product
    from marketplace.extensions import db

    with app.app_context():
        levels = dict(db.session.execute(select(Product.id, Product.stock)).all())
        db.session.remove()
    return levels


def sold_since(app, first_order_id: int) -> dict[int, int]:
    from marketplace.extensions import db
    from orders.models import OrderLine

    with app.app_context():
        rows = db.session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity))
            .where(OrderLine.order_id >= first_order_id)
            .group_by(OrderLine.product_id)
        ).all()
        db.session.remove()
    return {pid: int(qty) for pid, qty in rows}


def prepare(app, product_ids: list[int]) -> int:
    """Stock every product, make one scarce; returns the first order id the run will create."""
    from catalog.models import Product
    from marketplace.extensions import db
    from orders.models import Order

    with app.app_context():
        restock(Product.id.in_(product_ids), STOCK)
        restock(Product.id == product_ids[-1], SCARCE_STOCK)
        first = (db.session.scalar(select(func.max(Order.id))) or 0) + 1
        db.session.commit()
        db.engine.dispose()
    return first


def run_locust(site, folder: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "OCOP_SLUGS": ",".join(site.slugs),
        "OCOP_PRODUCT_IDS": ",".join(str(i) for i in site.product_ids[:-1]),
        "OCOP_SCARCE_ID": str(site.product_ids[-1]),
        "OCOP_TOKENS": ",".join(site.tokens),
    }
    prefix = folder / "load"
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--users",
            str(USERS),
            "--spawn-rate",
            str(SPAWN_RATE),
            "--run-time",
            f"{SECONDS}s",
            "--host",
            site.url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=SECONDS + 120,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    return rows


def run(baseline_rps: float) -> list[BenchRow]:
    with served_site("sqlite") as site, tempfile.TemporaryDirectory() as folder:
        app = site.app()
        first_order = prepare(app, site.product_ids)
        start = stock_levels(app)
        stats = run_locust(site, Path(folder))
        end = stock_levels(app)
        sold = sold_since(app, first_order)
    total = stats["Aggregated"]
    checkout = stats.get("checkout: POST /api/v1/checkout", {})
    oversold = sum(max(0, sold.get(pid, 0) - start[pid]) for pid in start)
    mismatched = [pid for pid in start if end[pid] + sold.get(pid, 0) != start[pid] or end[pid] < 0]
    rps = float(total["Requests/s"])
    mix = f"{USERS} users, {SECONDS} s, 80/15/5 browse/search/checkout, SQLite"
    return [
        BenchRow("mixed load: requests per second", rps, "req/s", "", rps / baseline_rps, mix),
        BenchRow("mixed load: p95 latency, all requests", float(total["95%"]), "ms", "", None, mix),
        BenchRow(
            "mixed load: p95 latency, checkout",
            float(checkout.get("95%") or 0),
            "ms",
            "",
            None,
            f"{checkout.get('Request Count', 0)} checkouts (sold-out answers 409 count as correct)",
        ),
        BenchRow(
            "mixed load: errors", float(total["Failure Count"]), "", "0", None, f"of {total['Request Count']} requests"
        ),
        BenchRow(
            "mixed load: oversold units",
            float(oversold),
            "units",
            "0",
            None,
            f"{sum(sold.values())} units sold; stock + sold = start for "
            f"{len(start) - len(mismatched)}/{len(start)} products",
        ),
    ]
