"""Migration 0630_search_facet_places on a database that already has search documents (SQLite: the ranks table and its
triggers; PostgreSQL has none of them): down to 0620 and up again, every document is counted as before."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from catalog.search import SearchQuery, get_backend
from marketplace.extensions import db
from marketplace.migrate import alembic_config, upgrade
from tests.conftest import make_test_app
from tests.factories import LIEN_SON, MUONG_LAT, VAN_SON
from tests.factories.catalog import make_listed

BEFORE = "0620_search_facet_key"
# 0620's facet key: category × 6 star levels × 5 price bands + stars × 5 + band
OLD_FACET_KEY = (
    "COALESCE(d.category_id, 0) * 30 + d.stars * 5 + CASE WHEN d.price_vnd < 50000 THEN 0 WHEN d.price_vnd < 100000 "
    "THEN 1 WHEN d.price_vnd < 200000 THEN 2 WHEN d.price_vnd < 500000 THEN 3 ELSE 4 END"
)


def _answer(query: str) -> tuple:
    result = get_backend().search(SearchQuery(text=query))
    return result.ids, result.total, result.facets


def _triggers(conn) -> list[str]:
    return conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).scalars().all()


def test_search_ranks_go_down_to_0620_and_up_again_with_every_document_counted_alike(tmp_path):
    url = f"sqlite:///{tmp_path / 'ranks.sqlite'}"
    upgrade(url)
    app = make_test_app(url, tmp_path / "instance")
    queries = ("nam", "mat ong", "kho", "che")
    with app.app_context():
        for name, commune, stars, price in (
            ("Nấm mèo khô Vạn Sơn", VAN_SON, 4, 125_000),
            ("Nấm hương rừng sấy khô", LIEN_SON, None, 40_000),
            ("Mật ong bạc hà Mèo Vạc", MUONG_LAT, 5, 650_000),
            ("Chè Shan tuyết khô", MUONG_LAT, 3, 90_000),
        ):
            make_listed(name, commune_code=commune, stars=stars, price_vnd=price)
        db.session.commit()
        before = [_answer(q) for q in queries]
        db.session.remove()
    command.downgrade(alembic_config(url), BEFORE)
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT name FROM sqlite_master WHERE name IN ('search_places', 'search_categories')")
        )
        assert tables.all() == []
        kept = conn.execute(
            text(
                f"SELECT r.facet_key = {OLD_FACET_KEY} FROM search_ranks r JOIN product_search_docs d USING (product_id)"
            )
        ).scalars()
        assert list(kept) == [1, 1, 1, 1]
        assert _triggers(conn) == ["search_ranks_delete", "search_ranks_insert", "search_ranks_update"]
    engine.dispose()
    upgrade(url)
    with app.app_context():
        assert [_answer(q) for q in queries] == before
        make_listed("Nấm linh chi Vạn Sơn", commune_code=VAN_SON, stars=4, price_vnd=300_000)
        db.session.commit()
        after = _answer("nam")
        assert after[1] == before[0][1] + 1 and after[2]["stars"]["4"] == before[0][2]["stars"]["4"] + 1
        db.session.remove()
