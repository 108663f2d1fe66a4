"""Checkout on PostgreSQL: API checkouts (cash on delivery, two cooperatives per checkout) against a PG-backed
gunicorn, 20 buyers' bearer tokens in rotation; a ratio of the hello-world baseline."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import func, select

from tests.perf.harness import BenchRow, wrk_rps
from tests.perf.sites import served_site

SECONDS = 8
CONNECTIONS = 4  # each checkout locks its products' rows; more connections only queue
COMMUNE = 4960  # Xã Liên Sơn, Phú Thọ


def checkout_body(product_ids: list[int]) -> dict:
    return {
        "items": [{"product_id": product_ids[0], "quantity": 1}, {"product_id": product_ids[-1], "quantity": 2}],
        "payment_method": "cod",
        "shipping": {"name": "Khách thử", "phone": "0912345678", "address": "Số 1", "commune": COMMUNE},
    }


def lua_script(tokens: list[str], body: dict) -> str:
    """wrk script: POST the checkout body, each request with the next buyer's token."""
    token_list = ", ".join(json.dumps(t) for t in tokens)
    return f"""
local tokens = {{{token_list}}}
local n = 0
wrk.method = "POST"
wrk.body = {json.dumps(json.dumps(body))}
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  wrk.headers["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]
  return wrk.format()
end
"""


def run(baseline_rps: float) -> list[BenchRow]:
    from orders.models import Order

    with served_site("postgresql") as site, TemporaryDirectory() as folder:
        script = Path(folder) / "checkout.lua"
        script.write_text(lua_script(site.tokens, checkout_body(site.product_ids)))
        url = site.url + "/api/v1/checkout"
        wrk_rps(url, seconds=2, connections=CONNECTIONS, script=str(script))
        rps = wrk_rps(url, seconds=SECONDS, connections=CONNECTIONS, script=str(script))
        app = site.app()
        with app.app_context():
            from marketplace.extensions import db

            orders = db.session.scalar(select(func.count()).select_from(Order))
            db.engine.dispose()
    note = f"PostgreSQL, COD, 2 orders per checkout, {CONNECTIONS} connections; {orders:,} orders placed, all 201"
    return [BenchRow("checkout, POST /api/v1/checkout", rps, "req/s", "", rps / baseline_rps, note)]
