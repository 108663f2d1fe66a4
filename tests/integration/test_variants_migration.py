"""Migration 0600_variants on a database that already sells products: every product gets one default variant with
its price, stock, weight and GTIN, and its past order lines point at it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from marketplace.extensions import db
from marketplace.migrate import alembic_config, upgrade
from tests.conftest import DATABASES, _create_pg_database, _drop_pg_database, make_test_app
from tests.factories import make_cooperative, make_product, make_user
from tests.factories.orders import make_checkout

BEFORE = "0510_workspace_indexes"


@pytest.fixture(params=DATABASES)
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind, migrated to the newest revision."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before-variants.sqlite'}"
        upgrade(url)
        yield url
        return
    name, url = _create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        create_engine(url).dispose()
        _drop_pg_database(name)


def test_existing_products_get_one_default_variant_and_their_order_lines_point_at_it(fresh_url, tmp_path):
    app = make_test_app(fresh_url, tmp_path / "instance")
    with app.app_context():
        coop = make_cooperative()
        rice = make_product(coop, name="Gạo ST25", price_vnd=40_000, stock=30, weight_g=5000, gtin="08938500000010")
        tea = make_product(coop, name="Chè xanh", price_vnd=90_000, stock=3)
        make_checkout(make_user(), {rice.id: 2})
        db.session.commit()
        rice_id, tea_id = rice.id, tea.id
        db.session.remove()
    command.downgrade(alembic_config(fresh_url), BEFORE)  # the database as it was before variants
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        variants = conn.execute(
            text("SELECT product_id, name, price_vnd, stock, weight_g, gtin, position FROM product_variants")
        ).all()
        lines = conn.execute(
            text("SELECT l.variant_id, v.product_id FROM order_lines l JOIN product_variants v ON v.id = l.variant_id")
        ).all()
        minimums = conn.execute(text("SELECT DISTINCT min_order_quantity FROM products")).scalars().all()
    engine.dispose()
    assert sorted(tuple(v) for v in variants) == sorted(
        [
            (rice_id, "Mặc định", 40_000, 28, 5000, "08938500000010", 0),
            (tea_id, "Mặc định", 90_000, 3, 1000, None, 0),
        ]
    )
    assert [product for _variant, product in lines] == [rice_id]
    assert minimums == [1]
