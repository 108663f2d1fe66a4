"""Search benchmark: N generated published products (100,000 by default), on SQLite FTS5 and PostgreSQL.

Reports the time `ocop reindex` needs and p50/p95 latency of the queries a buyer types (exact, without
accents, half words, one typo, with filters), each answered with facet counts as the /search page asks, and the
top-1 / top-3 hit rates of the relevance set (tests/factories/search_catalogue.py) on a fresh database.
`BENCH_SEARCH_PRODUCTS` changes N; `BENCH_SEARCH_DATABASES=sqlite` skips PostgreSQL.
Run alone: `PYTHONPATH=. .venv/bin/python -m tests.perf.bench_search`.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from marketplace.text import today_vn
from tests.perf.harness import BenchRow, percentile

PRODUCTS = int(os.environ.get("BENCH_SEARCH_PRODUCTS", "100000"))
DATABASES = os.environ.get("BENCH_SEARCH_DATABASES", "sqlite,postgresql").split(",")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_P95_MS = {"sqlite": 20, "postgresql": 40}
REPEAT = 5

BASES = (
    "Nấm mèo",
    "Nấm hương",
    "Mộc nhĩ",
    "Mật ong",
    "Chè Shan tuyết",
    "Trà hoa vàng",
    "Cà phê",
    "Gạo nếp",
    "Gạo tám thơm",
    "Đậu đỏ",
    "Đậu xanh",
    "Lạc",
    "Vừng đen",
    "Măng khô",
    "Miến dong",
    "Bánh đa",
    "Bún khô",
    "Dưa chuột",
    "Cải mèo",
    "Bí đỏ",
    "Khoai sọ",
    "Sắn dây",
    "Tinh bột nghệ",
    "Gừng",
    "Quế",
    "Hồi",
    "Thảo quả",
    "Ớt",
    "Tỏi cô đơn",
    "Hành tím",
    "Nước mắm",
    "Tương bần",
    "Rượu ngô",
    "Rượu táo mèo",
    "Rượu cần",
    "Nước cốt chanh",
    "Cao atiso",
    "Sâm Ngọc Linh",
    "Đinh lăng",
    "Giảo cổ lam",
    "Xạ đen",
    "Tinh dầu sả",
    "Khăn thổ cẩm",
    "Túi thổ cẩm",
    "Giỏ mây",
    "Rổ tre",
    "Bình gốm",
    "Chén gốm",
    "Lan rừng",
    "Bonsai",
    "Thịt trâu gác bếp",
    "Lạp xưởng",
    "Chả mực",
    "Cá khô",
    "Tôm khô",
    "Bưởi Diễn",
    "Cam sành",
    "Vải thiều",
    "Nhãn lồng",
    "Mận hậu",
    "Hồng không hạt",
    "Chuối tiêu hồng",
    "Xoài cát",
    "Bơ sáp",
)
MODIFIERS = (
    "khô",
    "sấy lạnh",
    "hữu cơ",
    "rừng",
    "loại 1",
    "đặc biệt",
    "truyền thống",
    "nguyên chất",
    "cổ thụ",
    "túi 500 g",
    "hộp quà",
    "chai 500 ml",
    "tươi",
    "xuất khẩu",
    "VietGAP",
    "thủ công",
    "lên men",
    "hun khói",
)
PLACES = (
    "Vạn Sơn",
    "Mèo Vạc",
    "Mường Lát",
    "Hà Giang",
    "Sơn La",
    "Mộc Châu",
    "Bắc Kạn",
    "Cao Bằng",
    "Lào Cai",
    "Sa Pa",
    "Điện Biên",
    "Lai Châu",
    "Yên Bái",
    "Thái Nguyên",
    "Tuyên Quang",
    "Hòa Bình",
    "Thanh Hóa",
    "Nghệ An",
    "Kon Tum",
    "Đắk Lắk",
    "Lâm Đồng",
    "Đà Lạt",
    "Bến Tre",
    "Cà Mau",
    "Hưng Yên",
    "Bắc Giang",
)
DESCRIPTIONS = (
    "Sản phẩm của bà con dân tộc Mông, trồng không dùng thuốc trừ sâu.",
    "Thu hoạch đúng vụ, sơ chế và đóng gói tại hợp tác xã.",
    "Đạt chứng nhận VietGAP, có tem truy xuất nguồn gốc.",
    "Hương vị truyền thống, bảo quản nơi khô ráo thoáng mát.",
    "Quà biếu Tết ý nghĩa, giao hàng toàn quốc qua bưu điện.",
)
UNITS = ("kg", "hộp", "chai", "gói", "bó", "túi")
QUERIES = [
    ("exact", "Nấm mèo khô"),
    ("exact", "Mật ong rừng"),
    ("exact", "chè shan tuyết cổ thụ"),
    ("no accents", "nam meo"),
    ("no accents", "mat ong rung"),
    ("no accents", "dua chuot"),
    ("no accents", "ruou tao meo"),
    ("no accents", "banh da"),
    ("no accents", "sam ngoc linh"),
    ("place", "ha giang"),
    ("mixed case", "NẤM Hương"),
    ("partial", "nam hu"),
    ("partial", "mat o"),
    ("partial", "khan tho"),
    ("one typo", "nam meoo"),
    ("one typo", "dua chout"),
    ("one typo", "atisso"),
    ("one typo", "mat ongg rung"),
    ("one typo", "thit trau gac bep"),
    ("no match", "xyzzy"),
]
FILTERED = [
    ("filter province", "nam", {"province": True}),
    ("filter category", "", {"category": True}),
    ("filter stars", "mat ong", {"stars": 4}),
    ("filter commune", "", {"commune": True}),
]


def _name(rng: random.Random) -> str:
    parts = [rng.choice(BASES), rng.choice(MODIFIERS)]
    if rng.random() < 0.7:
        parts.append(rng.choice(PLACES))
    return " ".join(parts)


def _make_database(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite'}", None
    import psycopg

    name = f"ocop_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}", name


def _drop_database(name: str | None) -> None:
    if name:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _generate(n: int, rng: random.Random) -> None:
    """Cooperatives in 300 communes and n published products, 30 % with a valid OCOP certificate."""
    from catalog.models import Category, OcopCertificate, Product
    from marketplace.extensions import db
    from marketplace.models import Commune, Cooperative
    from marketplace.text import fold, slugify, utcnow

    communes = db.session.scalars(select(Commune.code).order_by(Commune.code)).all()
    communes = rng.sample(communes, min(300, len(communes)))
    categories = db.session.scalars(select(Category.id).where(Category.parent_id.is_not(None))).all()
    coops = [
        {"slug": f"htx-bench-{i}", "name": f"Hợp tác xã {rng.choice(PLACES)} {i}", "commune_code": communes[i % 300]}
        for i in range(max(1, n // 50))
    ]
    now = utcnow()
    for row in coops:
        row.update(kind="htx", address="", phone="", description="", status="verified", created_at=now)
        row.update(shipping_flat_vnd=30000, shipping_per_kg_vnd=0)
    db.session.execute(insert(Cooperative), coops)
    coop_ids = db.session.scalars(select(Cooperative.id)).all()
    today = today_vn()
    for start in range(0, n, 5000):
        rows = []
        for i in range(start, min(n, start + 5000)):
            name = _name(rng)
            published = now - timedelta(minutes=i)
            rows.append(
                {
                    "cooperative_id": rng.choice(coop_ids),
                    "slug": f"{slugify(name)}-{i}",
                    "name": name,
                    "name_folded": fold(name),
                    "category_id": rng.choice(categories),
                    "description": rng.choice(DESCRIPTIONS),
                    "unit": rng.choice(UNITS),
                    "price_vnd": rng.randrange(20, 900) * 1000,
                    "stock": rng.randrange(0, 500),
                    "weight_g": 500,
                    "status": "published",
                    "created_at": published,
                    "updated_at": published,
                    "published_at": published,
                }
            )
        db.session.execute(insert(Product), rows)
        db.session.commit()
    ids = db.session.scalars(select(Product.id)).all()
    certified = rng.sample(ids, len(ids) * 3 // 10)
    for start in range(0, len(certified), 5000):
        db.session.execute(
            insert(OcopCertificate),
            [
                {
                    "product_id": pid,
                    "stars": rng.choice((3, 3, 4, 4, 5)),
                    "certificate_no": f"{pid}/QĐ-UBND",
                    "level": "tinh",
                    "issued_on": today - timedelta(days=rng.randrange(0, 900)),
                    "expires_on": today + timedelta(days=rng.randrange(30, 1000)),
                }
                for pid in certified[start : start + 5000]
            ],
        )
    db.session.commit()


def _filters(spec: dict, rng: random.Random) -> dict:
    from catalog.models import Category, ProductSearchDoc
    from marketplace.extensions import db

    out = {}
    if spec.get("province"):
        out["province_code"] = db.session.scalar(select(ProductSearchDoc.province_code).limit(1))
    if spec.get("commune"):
        out["commune_code"] = db.session.scalar(select(ProductSearchDoc.commune_code).limit(1))
    if spec.get("category"):
        out["category_id"] = db.session.scalar(select(Category.id).where(Category.slug == "thuc-pham"))
    if spec.get("stars"):
        out["stars"] = spec["stars"]
    return out


@contextmanager
def _app_on_fresh_database(kind: str):
    """An app context on a new, migrated database of this kind, dropped afterwards."""
    from marketplace import create_app
    from marketplace.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, pg_name = _make_database(kind, folder)
        try:
            upgrade(url)
            app = create_app(
                {
                    "TESTING": True,
                    "SQLALCHEMY_DATABASE_URI": url,
                    "INSTANCE_PATH": str(folder),
                    "MEDIA_ROOT": str(folder / "media"),
                    "SECRET_KEY": "bench",
                    "CELERY_BROKER_URL": f"filesystem://{folder / 'broker'}",
                    "SEARCH_ANSWER_SECONDS": 0,  # every query runs: a reused answer would time a dictionary look-up
                }
            )
            with app.app_context():
                yield
                from marketplace.extensions import db

                db.session.remove()
        finally:
            _drop_database(pg_name)


def _relevance(kind: str) -> list[BenchRow]:
    """Top-1 and top-3 hit rates of the relevance queries over the 300-product catalogue."""
    from catalog.search import SearchQuery, get_backend
    from tests.factories.search_catalogue import QUERIES, build, evaluate

    with _app_on_fresh_database(kind):
        ids = build()
        names = {product_id: name for name, product_id in ids.items()}
        backend = get_backend()
        score = evaluate(
            lambda q: [names[i] for i in backend.search(SearchQuery(text=q, per_page=3, facets=False)).ids]
        )
    note = f"{len(QUERIES)} queries, {len(names)} products"
    return [
        BenchRow(f"search {kind}: relevance top-1", score.top1, "share", "≥ 0.85", note=note),
        BenchRow(f"search {kind}: relevance top-3", score.top3, "share", "≥ 0.95", note=note),
    ]


def _measure(kind: str) -> list[BenchRow]:
    from catalog.search import SearchQuery, get_backend
    from catalog.search.documents import reindex
    from marketplace.extensions import db

    rng = random.Random(4)
    with _app_on_fresh_database(kind):
        _generate(PRODUCTS, rng)
        if kind == "postgresql":
            # what autovacuum does after a bulk load: without statistics the reindex's product batches are planned
            # for one row each (a bitmap of every published product per cooperative), about 15 times slower
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        start = time.perf_counter()
        count = reindex()
        db.session.commit()
        backend = get_backend()
        backend.settle()  # as `ocop reindex` does: FTS5 merged on SQLite, VACUUM ANALYZE on PostgreSQL
        index_s = time.perf_counter() - start
        samples: list[float] = []
        typo_samples: list[float] = []
        for note, text in QUERIES:
            backend.search(SearchQuery(text=text))  # warm
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                backend.search(SearchQuery(text=text))
                elapsed = (time.perf_counter() - t0) * 1000
                samples.append(elapsed)
                if note == "one typo":
                    typo_samples.append(elapsed)
        filtered: list[float] = []
        for _note, text, spec in FILTERED:
            query = SearchQuery(text=text, **_filters(spec, rng))
            backend.search(query)
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                backend.search(query)
                filtered.append((time.perf_counter() - t0) * 1000)
        suggest: list[float] = []
        for prefix in ("na", "nam m", "mat o", "dua ch", "ruou t", "sam ng", "khan th", "tra hoa"):
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                backend.suggest(prefix)
                suggest.append((time.perf_counter() - t0) * 1000)
    target = f"p95 ≤ {TARGET_P95_MS[kind]} ms"
    every = samples + filtered
    return [
        BenchRow(f"search {kind}: reindex {count:,} products", index_s, "s", note=f"{count / index_s:,.0f} products/s"),
        BenchRow(f"search {kind}: query p50", percentile(every, 50), "ms", target, note="with facet counts"),
        BenchRow(f"search {kind}: query p95", percentile(every, 95), "ms", target, note=f"{len(every)} queries"),
        BenchRow(f"search {kind}: one-typo query p95", percentile(typo_samples, 95), "ms", target),
        BenchRow(f"search {kind}: filtered query p95", percentile(filtered, 95), "ms", target),
        BenchRow(f"search {kind}: autocomplete p95", percentile(suggest, 95), "ms", note="/search/suggest"),
    ]


def run(baseline_rps: float | None = None) -> list[BenchRow]:
    rows = []
    for kind in DATABASES:
        rows.extend(_measure(kind.strip()))
        rows.extend(_relevance(kind.strip()))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row.name}: {row.value:,.2f} {row.unit} {row.target} {row.note}", flush=True)
