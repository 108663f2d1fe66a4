"""Supply and demand benchmark on SQLite: listing 10,000 open demands with filters (`GET /api/v1/demands?province=
&category=` under gunicorn, as a ratio to hello-world), and matching a new demand against 5,000 sellers (the one
query that finds whom to notify, in-process).

Run alone: `PYTHONPATH=. .venv/bin/python -m tests.perf.bench_demands`.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from marketplace.text import today_vn
from tests.perf.harness import BenchRow, gunicorn_server, median, percentile, timed_ms, wrk_rps
from tests.perf.sites import site_env

DEMANDS = 10_000
SELLERS = 5_000
PHU_THO = 25
SECONDS = 5
APP_SPEC = "marketplace:create_app({'RATELIMIT_ENABLED': False})"


def _fill(db, rng: random.Random) -> tuple[list[int], list[str]]:
    """Sellers with one published product each, a business buyer and its open demands; (provinces, slugs)."""
    from catalog.models import Category, Product, ProductStatus
    from marketplace.buyers.models import BusinessBuyer
    from marketplace.models import Commune, Cooperative, User
    from orders.demands.models import Demand

    communes = db.session.execute(select(Commune.code, Commune.province_code).order_by(Commune.code)).all()
    categories = db.session.execute(select(Category.id, Category.slug).order_by(Category.id)).all()
    db.session.execute(insert(User), [{"id": 1, "email": "bep@example.vn", "password_hash": "x", "role": "buyer"}])
    db.session.execute(
        insert(BusinessBuyer),
        [
            {
                "id": 1,
                "user_id": 1,
                "organisation_name": "Bếp",
                "kind": "school_kitchen",
                "tax_number": "2600123456",
                "commune_code": communes[0][0],
                "address": "A",
                "contact_name": "B",
                "contact_phone": "0912345678",
                "other_contacts": "",
                "status": "verified",
                "created_at": datetime.now(UTC),
            }
        ],
    )
    sellers = [
        {
            "id": n,
            "slug": f"htx-{n}",
            "name": f"HTX {n}",
            "commune_code": communes[rng.randrange(len(communes))][0],
            "address": "Thôn 1",
            "phone": "0912345678",
            "status": "verified" if n % 5 else "pending",
        }
        for n in range(1, SELLERS + 1)
    ]
    db.session.execute(insert(Cooperative), sellers)
    db.session.execute(
        insert(Product),
        [
            {
                "id": s["id"],
                "cooperative_id": s["id"],
                "category_id": categories[s["id"] % len(categories)][0],
                "slug": f"sp-{s['id']}",
                "name": f"Rau {s['id']}",
                "name_folded": f"rau {s['id']}",
                "price_vnd": 30_000,
                "stock": 100,
                "unit": "kg",
                "status": ProductStatus.PUBLISHED,
            }
            for s in sellers
        ],
    )
    provinces = sorted({province for _code, province in communes})
    deadline = datetime.now(UTC) + timedelta(days=30)
    db.session.execute(
        insert(Demand),
        [
            {
                "buyer_id": 1,
                "business_id": 1,
                "title": f"Rau xanh {n}",
                "category_id": categories[n % len(categories)][0],
                "quantity": 30,
                "unit": "kg",
                "quality_note": "",
                "province_code": provinces[n % len(provinces)],
                "needed_by": today_vn() + timedelta(days=40),
                "offers_deadline": deadline,
                "note": "",
                "status": "open",
                "created_at": deadline - timedelta(days=30, minutes=n),
            }
            for n in range(DEMANDS)
        ],
    )
    db.session.commit()
    return provinces, [slug for _id, slug in categories]


def _matching_ms(db) -> tuple[list[float], int]:
    from orders.demands.models import Demand
    from orders.demands.services import matching_sellers

    demand = Demand(province_code=PHU_THO, category_id=None)
    found = len(db.session.scalars(matching_sellers(demand)).all())
    return timed_ms(lambda: db.session.scalars(matching_sellers(demand)).all(), 9), found


def _listing(env: dict[str, str], mode: str, province: int, slug: str, baseline_rps: float) -> list[BenchRow]:
    """`GET /api/v1/demands` under gunicorn and wrk, all open demands and filtered, as req/s and a ratio."""
    rows = []
    with gunicorn_server(APP_SPEC, env=env, ready_path="/api/v1/demands") as base:
        for name, path in (
            ("all open demands", "/api/v1/demands"),
            ("by province and category", f"/api/v1/demands?province={province}&category={slug}"),
        ):
            wrk_rps(base + path, seconds=1)
            rps = wrk_rps(base + path, seconds=SECONDS)
            target = "≥ 0.3" if env["PAGE_CACHE_SECONDS"] != "0" else ""
            rows.append(
                BenchRow(
                    f"list {DEMANDS:,} open demands, {name}",
                    rps,
                    "req/s",
                    target,
                    rps / baseline_rps,
                    f"SQLite, {mode}",
                )
            )
    return rows


def run(baseline_rps: float) -> list[BenchRow]:
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="ocop-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        upgrade(url)
        env = site_env(Path(folder), url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "INSTANCE_PATH": folder})
        with app.app_context():
            provinces, slugs = _fill(db, random.Random(19))
            matching, found = _matching_ms(db)
            db.session.remove()
            db.engine.dispose()
        rows = [
            BenchRow(
                f"match a new demand against {SELLERS:,} sellers",
                median(matching),
                "ms",
                "< 50 ms",
                note=f"{found} verified sellers with a published product in the province; p95 {percentile(matching, 95):.1f} ms",
            )
        ]
        for cache, mode in (("10", "anonymous, page micro-cache 10 s"), ("0", "rendered every time (cache off)")):
            rows.extend(_listing(env | {"PAGE_CACHE_SECONDS": cache}, mode, provinces[0], slugs[0], baseline_rps))
    return rows


if __name__ == "__main__":
    from tests.perf.harness import baseline_rps

    base = baseline_rps()
    print(f"hello-world: {base:,.0f} req/s")
    for row in run(base):
        ratio = f" (ratio {row.ratio:.2f})" if row.ratio else ""
        print(f"{row.name}: {row.value:.1f} {row.unit}{ratio} {row.note}")
