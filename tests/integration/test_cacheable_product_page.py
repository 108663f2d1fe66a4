"""The product page for anonymous visitors sets no cookie, so the page cache can replay it; its add-to-cart form
then carries no CSRF token and is accepted only from our own origin."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_user
from tests.factories.catalog import make_published

HIT = "X-Page-Cache"
SAME_ORIGIN = {"Origin": "https://ocop.test"}  # the tests' PUBLIC_BASE_URL


@pytest.fixture
def page_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 30)
    cache = app.extensions["ocop_page_cache"]
    cache.clear()
    yield cache
    cache.clear()


def _add(visitor, product, headers: dict[str, str]):
    return visitor.post(
        "/cart/add", data={"product_id": product.id, "quantity": "2", "next": f"/p/{product.slug}"}, headers=headers
    )


def test_anonymous_product_page_sets_no_cookie_and_is_replayed(app, page_cache):
    product = make_published(name="Mật ong bạc hà Mèo Vạc")
    db.session.commit()
    visitor = app.test_client()
    first = visitor.get(f"/p/{product.slug}")
    second = visitor.get(f"/p/{product.slug}")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert 'name="csrf_token"' not in first.get_data(as_text=True)
    assert "Thêm vào giỏ" in first.get_data(as_text=True)
    assert second.headers[HIT] == "hit"


def test_same_origin_add_to_cart_without_token_fills_the_cart(app):
    product = make_published(name="Chè Shan tuyết Hà Giang")
    db.session.commit()
    visitor = app.test_client()
    response = _add(visitor, product, SAME_ORIGIN)
    assert response.status_code == 302
    cart = visitor.get("/cart").get_data(as_text=True)
    assert "Chè Shan tuyết Hà Giang" in cart


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Host": "evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {},
    ],
    ids=["foreign-origin", "origin-matching-a-spoofed-host", "cross-site-fetch", "null-origin", "no-origin"],
)
def test_cross_site_add_to_cart_is_refused(app, headers):
    product = make_published(name="Cam sành Hàm Yên")
    db.session.commit()
    visitor = app.test_client()
    response = _add(visitor, product, headers)
    assert response.status_code == 400
    assert "Cam sành Hàm Yên" not in visitor.get("/cart").get_data(as_text=True)


def test_a_token_on_the_form_must_be_valid_even_from_our_origin(app, client):
    product = make_published(name="Gạo ST25 Sóc Trăng")
    db.session.commit()
    client.csrf_token()  # the visitor now has a session
    forged = client.post(
        "/cart/add", data={"product_id": product.id, "quantity": "1", "csrf_token": "forged"}, headers=SAME_ORIGIN
    )
    assert forged.status_code == 400
    assert client.form_post("/cart/add", {"product_id": product.id, "quantity": "1"}).status_code == 302


def test_signed_in_buyer_gets_a_token_on_the_product_page(app, client):
    product = make_published(name="Nấm hương rừng Bắc Kạn")
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, buyer)
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert 'name="csrf_token"' in page
