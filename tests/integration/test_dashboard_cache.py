"""The commune dashboard's figures are kept per worker for DASHBOARD_CACHE_SECONDS: a change announced by a domain
signal shows on the next page, anything else once the figures expire; the to-do part is never cached."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Cooperative, CooperativeStatus, Role
from marketplace.services import verify_cooperative
from marketplace.text import format_vnd, utcnow
from orders.models import OrderStatus
from orders.services import transition
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.workspace import make_order

VERIFIED_TILE = "<b>{n}</b><span>Hợp tác xã đã xác minh</span>"
REVENUE_TILE = "<b>{amount}</b><span>Doanh thu trong kỳ</span>"


@pytest.fixture(autouse=True)
def _dashboard_cached(app, monkeypatch):
    """Figures kept for a minute (the tests otherwise turn the cache off); forgotten around the test."""
    from workspace import dashboard_cache

    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    dashboard_cache.forget()
    yield
    dashboard_cache.forget()


@pytest.fixture
def staff_client(client):
    """Commune staff of Vạn Sơn, signed in, with one verified cooperative and one waiting."""
    main = make_cooperative(name="Hợp tác xã Nấm mèo Vạn Sơn", commune_code=VAN_SON)
    make_cooperative(name="Tổ hợp tác Mật ong Đồng Thắng", commune_code=VAN_SON, status=CooperativeStatus.PENDING)
    make_product(main, name="Nấm mèo khô 500 g", ocop_stars=4)
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn", commune_code=VAN_SON)
    db.session.commit()
    login(client, staff)
    client.staff = staff
    return client


def _page(client) -> str:
    response = client.get("/commune/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_verifying_a_seller_shows_in_the_figures_at_once(staff_client):
    page = _page(staff_client)
    assert VERIFIED_TILE.format(n=1) in page and "Tổ hợp tác Mật ong Đồng Thắng" in page
    waiting = db.session.scalar(db.select(Cooperative).where(Cooperative.status == CooperativeStatus.PENDING))
    verify_cooperative(staff_client.staff, waiting)  # announces seller_status_changed
    db.session.commit()
    page = _page(staff_client)
    assert VERIFIED_TILE.format(n=2) in page
    assert "Tổ hợp tác Mật ong Đồng Thắng" not in page  # it left the queue


def test_an_unannounced_change_shows_once_the_figures_expire_while_the_to_do_is_fresh(staff_client):
    from workspace import dashboard_cache

    assert VERIFIED_TILE.format(n=1) in _page(staff_client)
    db.session.execute(update(Cooperative).values(status=CooperativeStatus.VERIFIED))  # no signal
    db.session.commit()
    page = _page(staff_client)
    assert VERIFIED_TILE.format(n=1) in page  # the figures are this worker's copy
    assert "Tổ hợp tác Mật ong Đồng Thắng" not in page  # the queue is read on every page
    dashboard_cache.forget()  # what expiry does after DASHBOARD_CACHE_SECONDS
    assert VERIFIED_TILE.format(n=2) in _page(staff_client)


def test_an_order_paid_shows_in_the_revenue_at_once(staff_client):
    buyer = make_user(Role.BUYER)
    product = db.session.scalar(select(Product).where(Product.name == "Nấm mèo khô 500 g"))
    order = make_order(buyer, {product: 2}, OrderStatus.PENDING_PAYMENT, utcnow())
    db.session.commit()
    revenue = REVENUE_TILE.format(amount=format_vnd(2 * product.price_vnd))
    assert revenue not in _page(staff_client)  # placed, not paid: no revenue yet
    transition(order, OrderStatus.PAID, None)  # announces order_moved
    db.session.commit()
    assert revenue in _page(staff_client)
