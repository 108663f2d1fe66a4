"""Signed-in pages read their cards, rows and figures in a fixed number of SQL statements: growing a page from
2 to 20 products, cart lines or orders (each from another cooperative) adds no statement (no N+1 loading)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from orders import cart as cart_service
from orders.models import OrderStatus
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.catalog import make_listed
from tests.factories.statements import counted_statements
from tests.factories.workspace import make_order

SMALL, LARGE = 2, 20
CATEGORY = "nong-san-so-che"


def statements_for(client, url: str) -> int:
    db.session.commit()
    client.get(url)  # the first answer may fill per-worker caches
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _listed(n: int) -> None:
    """n published products, each from its own cooperative, with an OCOP certificate."""
    for _ in range(n):
        make_listed("Mật ong bạc hà Mèo Vạc", category=CATEGORY, stars=4)


def _grow(grow: Callable[[int], None]) -> Iterator[int]:
    grow(SMALL)
    yield SMALL
    grow(LARGE - SMALL)
    yield LARGE


def _assert_flat(client, url: str, grow: Callable[[int], None]) -> None:
    counts = [statements_for(client, url) for _size in _grow(grow)]
    assert counts[0] == counts[1], f"{url}: {counts[0]} statements for {SMALL} items, {counts[1]} for {LARGE}"


@pytest.fixture
def buyer_client(app, client):
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, buyer)
    client.buyer = buyer
    return client


@pytest.mark.parametrize("url", ["/", f"/c/{CATEGORY}", "/search?q=mat+ong"])
def test_catalogue_pages_for_a_signed_in_buyer(buyer_client, url):
    _assert_flat(buyer_client, url, _listed)


def test_product_page_for_a_signed_in_buyer(buyer_client):
    product = make_listed("Chè Shan tuyết Hà Giang", stars=5)
    assert statements_for(buyer_client, f"/p/{product.slug}") == statements_for(buyer_client, f"/p/{product.slug}")


def test_cart_page(buyer_client):
    def fill(n: int) -> None:
        for _ in range(n):
            product = make_listed("Cam sành Hàm Yên", stars=3)
            cart_service.add_to_cart(buyer_client.buyer, product.id, 1)

    _assert_flat(buyer_client, "/cart", fill)


def test_buyer_order_list(buyer_client):
    def place(n: int) -> None:
        for _ in range(n):
            product = make_listed("Gạo ST25 Sóc Trăng")
            make_order(buyer_client.buyer, {product: 1}, OrderStatus.CONFIRMED, datetime.now(UTC))

    _assert_flat(buyer_client, "/orders/", place)


def test_cooperative_product_and_order_lists(app, client):
    owner = make_user(Role.COOPERATIVE)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, owner)

    def stock(n: int) -> None:
        for _ in range(n):
            product = make_product(owner.cooperative, ocop_stars=4)
            make_order(buyer, {product: 2}, OrderStatus.PAID, datetime.now(UTC))

    _assert_flat(client, "/cooperative/products", stock)
    _assert_flat(client, "/cooperative/orders", stock)


def test_commune_dashboard(app, client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, staff)

    def trade(n: int) -> None:
        for _ in range(n):
            cooperative = make_cooperative(commune_code=VAN_SON)
            product = make_product(cooperative, ocop_stars=3)
            make_order(buyer, {product: 1}, OrderStatus.DELIVERED, datetime.now(UTC) - timedelta(days=1))

    _assert_flat(client, "/commune/", trade)
