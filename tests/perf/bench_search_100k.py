"""Search latency with 100,000 published products on SQLite (FTS5 with folded text, the `sql` backend):
products are bulk-inserted straight into a temporary database, then typical buyer queries are timed in-process,
including facet counts, as the search page runs them."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text

from tests.perf.harness import BenchRow, percentile, timed_ms
from tests.perf.sites import flask_app, site_env

PRODUCTS = 100_000
BATCH = 5_000
REPEAT = 40
KINDS = (
    "Nấm mèo",
    "Nấm hương",
    "Mật ong",
    "Chè shan tuyết",
    "Chè búp",
    "Cà phê",
    "Gạo tám",
    "Gạo nếp",
    "Miến dong",
    "Măng khô",
    "Tỏi cô đơn",
    "Hạt điều",
    "Bưởi",
    "Cam sành",
    "Chuối sấy",
    "Mắm tôm",
    "Nước mắm",
    "Rượu ngô",
    "Thịt trâu gác bếp",
    "Lạp xưởng",
    "Bánh đa",
    "Bánh chưng",
    "Trà hoa vàng",
    "Sâm",
    "Quế",
    "Hồi",
    "Thảo quả",
)
QUALITIES = ("khô", "sấy lạnh", "rừng", "hữu cơ", "loại 1", "đặc biệt", "túi 500 g", "hộp quà", "nguyên chất", "")
PLACES = (
    "Vạn Sơn",
    "Mường Lát",
    "Liên Sơn",
    "Pù Luông",
    "Tam Sơn",
    "Bắc Hà",
    "Mộc Châu",
    "Tân Cương",
    "Đồng Văn",
    "Sìn Hồ",
    "Bảo Lạc",
    "Hòa Bình",
    "Cao Phong",
    "Phú Quốc",
    "Vân Hồ",
    "Lục Ngạn",
    "Tiên Phước",
    "Trà Bồng",
)
QUERIES = {
    "two words, no accents (nam meo)": "nam meo",
    "three words (mat ong rung)": "mat ong rung",
    "one typo (mat ong rugn)": "mat ong rugn",
    "prefix while typing (che sha)": "che sha",
}


def _names(rng: random.Random) -> list[str]:
    return [
        " ".join(p for p in (rng.choice(KINDS), rng.choice(QUALITIES), rng.choice(PLACES)) if p)
        for _ in range(PRODUCTS)
    ]


def fill(rng: random.Random) -> float:
    """Bulk-insert the products, their search documents, FTS rows and vocabulary; returns seconds taken."""
    from catalog.models import Category, Product, ProductSearchDoc, ProductStatus
    from catalog.search.vocabulary import add_words
    from marketplace.extensions import db
    from marketplace.models import Commune, Cooperative
    from marketplace.text import fold

    start = time.perf_counter()
    cooperatives = db.session.execute(
        select(Cooperative.id, Commune.code, Commune.province_code).join(
            Commune, Cooperative.commune_code == Commune.code
        )
    ).all()
    categories = db.session.execute(select(Category.id, Category.parent_id)).all()
    now = datetime.now(UTC)
    next_id = (db.session.scalar(select(Product.id).order_by(Product.id.desc()).limit(1)) or 0) + 1
    names = _names(rng)
    for offset in range(0, PRODUCTS, BATCH):
        products, docs = [], []
        for i, name in enumerate(names[offset : offset + BATCH], start=next_id + offset):
            coop, commune, province = rng.choice(cooperatives)
            category, parent = rng.choice(categories)
            price = rng.randrange(20, 900) * 1000
            products.append(
                {
                    "id": i,
                    "cooperative_id": coop,
                    "slug": f"sp-{i}",
                    "name": name,
                    "name_folded": fold(name),
                    "category_id": category,
                    "description": "",
                    "unit": "kg",
                    "price_vnd": price,
                    "stock": 10,
                    "weight_g": 500,
                    "status": ProductStatus.PUBLISHED,
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now,
                }
            )
            docs.append(
                {
                    "product_id": i,
                    "name": fold(name),
                    "document": fold(f"{name} đặc sản {name.split()[-1]}"),
                    "category_id": category,
                    "category_root_id": parent or category,
                    "province_code": province,
                    "commune_code": commune,
                    "stars": rng.choice((0, 0, 3, 4, 5)),
                    "price_vnd": price,
                    "published_at": now,
                }
            )
        db.session.execute(insert(Product), products)
        db.session.execute(insert(ProductSearchDoc), docs)
        db.session.execute(
            text("INSERT INTO search_products_fts(rowid, name, document) VALUES (:product_id, :name, :document)"),
            docs,
        )
        add_words(docs)
    db.session.commit()
    return time.perf_counter() - start


def run(baseline_rps: float) -> list[BenchRow]:
    from catalog.search import SearchQuery, get_backend
    from marketplace.demo import seed as seed_demo
    from marketplace.extensions import db
    from marketplace.migrate import upgrade

    rng = random.Random(2025)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocop-search-") as folder:
        url = f"sqlite:///{Path(folder) / 'search.sqlite'}"
        upgrade(url)
        app = flask_app(site_env(Path(folder), url))
        with app.app_context():
            seed_demo()
            db.session.commit()
            seconds = fill(rng)
            backend = get_backend("sql")
            for name, words in QUERIES.items():
                query = SearchQuery(text=words, per_page=24)
                total = backend.search(query).total  # warm the page cache
                samples = timed_ms(lambda q=query: backend.search(q), REPEAT)
                rows.append(
                    BenchRow(
                        f"search p95 at 100,000 products: {name}",
                        percentile(samples, 95),
                        "ms",
                        "",
                        None,
                        f"SQLite FTS5 + facet counts, {total:,} matches",
                    )
                )
            db.engine.dispose()
    rows.append(BenchRow("bulk load of 100,000 search documents", seconds, "s", "", None, "products, FTS, vocabulary"))
    return rows
