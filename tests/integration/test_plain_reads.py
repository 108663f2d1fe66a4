"""Prebuilt reads run straight on the DB-API cursor give exactly what SQLAlchemy gives (values, types, names), and
leave to SQLAlchemy what they cannot do: errors, expanding parameters, statements someone is counting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError

from catalog.models import Product
from catalog.product_page import _product_statement, _variants_statement
from catalog.queries import published_products
from catalog.tiles import _with_tile_columns
from catalog.views.manage import _list_statement
from marketplace import plain_reads
from marketplace.database import read_plain
from marketplace.extensions import db
from marketplace.models import Role
from orders.cart import _units_in_cart
from orders.models import OrderStatus
from orders.views.desk import _desk_statement
from tests.factories import make_product, make_user
from tests.factories.statements import counted_statements
from tests.factories.workspace import make_order


@pytest.fixture
def shop(app):
    owner = make_user(Role.COOPERATIVE)
    buyer = make_user(Role.BUYER)
    honey = make_product(owner.cooperative, name="Mật ong bạc hà <b>Hà Giang</b>", ocop_stars=4)
    tea = make_product(owner.cooperative, name="Trà shan tuyết", stock=0)
    make_order(buyer, {honey: 2, tea: 1}, OrderStatus.SHIPPED, datetime(2026, 11, 30, 17, 5, tzinfo=UTC))
    db.session.commit()
    return owner, buyer, honey


def _both_ways(statement, params) -> tuple[list, list]:
    connection = db.session.connection()
    plain = plain_reads.run(connection, statement, params)
    assert plain is not None, "this statement should take the plain path"
    return list(plain), connection.execute(statement, params).all()


def _cases(owner, buyer, honey):
    today = datetime.now(UTC).date()
    return [
        (_with_tile_columns(published_products().order_by(Product.id)), {"today": today}),
        (_product_statement(), {"slug": honey.slug}),
        (_variants_statement(), {"product_id": honey.id}),
        (_list_statement(Role.COOPERATIVE, False), {"cooperative_id": owner.cooperative_id, "limit": 20, "offset": 0}),
        (_desk_statement(Role.COOPERATIVE, False), {"cooperative_id": owner.cooperative_id}),
        (_units_in_cart(), {"user_id": buyer.id}),
    ]


def test_rows_values_types_and_names_are_sqlalchemys(shop):
    for statement, params in _cases(*shop):
        plain, usual = _both_ways(statement, params)
        assert [tuple(row) for row in plain] == [tuple(row) for row in usual]
        assert [[type(value) for value in row] for row in plain] == [[type(value) for value in row] for row in usual]
        for mine, theirs in zip(plain, usual, strict=True):
            for name, value in theirs._mapping.items():
                if isinstance(name, str) and list(theirs._mapping).count(name) == 1:
                    assert getattr(mine, name) == value


def test_the_desk_reads_states_and_moments_as_python_values(shop):
    owner, _buyer, _honey = shop
    row = read_plain(_desk_statement(Role.COOPERATIVE, False), {"cooperative_id": owner.cooperative_id}).one()
    assert row.status is OrderStatus.SHIPPED  # SQLite keeps no offset: the moment comes back naive, in UTC
    assert row.created_at.replace(tzinfo=UTC) == datetime(2026, 11, 30, 17, 5, tzinfo=UTC)


def test_a_failing_read_raises_sqlalchemys_error_and_logs_the_drivers(app, caplog):
    with pytest.raises(DBAPIError):
        read_plain(select(text("no_such_column")).select_from(text("no_such_table")))
    db.session.rollback()
    assert "no_such_table" in caplog.text  # the driver's own words, before SQLAlchemy's run again


def test_expanding_parameters_and_counted_statements_go_through_sqlalchemy(shop):
    _owner, _buyer, honey = shop
    connection = db.session.connection()
    expanding = select(Product.name).where(Product.id.in_(bindparam("ids", expanding=True)))
    assert plain_reads.run(connection, expanding, {"ids": [honey.id]}) is None
    assert read_plain(expanding, {"ids": [honey.id]}).scalars().all() == [honey.name]
    with counted_statements() as statements:
        assert read_plain(_units_in_cart(), {"user_id": 0}).scalar() == 0
    assert len(statements) == 1
