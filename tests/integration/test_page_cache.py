"""The anonymous micro-cache: cookie-less visitors get recent catalogue pages replayed; everyone else gets Flask."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from tests.factories.catalog import make_published

HIT = "X-Page-Cache"


@pytest.fixture
def page_cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 30)
    cache = app.extensions["ocop_page_cache"]
    cache.clear()
    yield cache
    cache.clear()


def _reprice(product, price: int) -> None:
    product.price_vnd = price
    db.session.commit()


def test_anonymous_search_is_replayed_until_it_expires(app, page_cache):
    product = make_published(name="Mật ong bạc hà Mèo Vạc", price_vnd=250_000)
    db.session.commit()
    visitor = app.test_client()
    first = visitor.get("/search?q=mat+ong")
    second = visitor.get("/search?q=mat+ong")
    assert first.status_code == 200 and HIT not in first.headers
    assert second.headers[HIT] == "hit" and second.get_data() == first.get_data()
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "250.000" in second.get_data(as_text=True)

    _reprice(product, 260_000)
    page_cache.clear()  # what expiry does after PAGE_CACHE_SECONDS
    fresh = visitor.get("/search?q=mat+ong")
    assert HIT not in fresh.headers and "260.000" in fresh.get_data(as_text=True)


def test_api_list_is_cached_per_query_and_bearer_calls_are_not(app, page_cache, client):
    make_published(name="Chuối sấy Viba")
    db.session.commit()
    visitor = app.test_client()
    visitor.get("/api/v1/products?q=chuoi")
    assert visitor.get("/api/v1/products?q=chuoi").headers[HIT] == "hit"
    assert HIT not in visitor.get("/api/v1/products?q=chuoi&page=2").headers
    authorised = visitor.get("/api/v1/products?q=chuoi", headers={"Authorization": "Bearer whatever"})
    assert HIT not in authorised.headers


def test_cookies_pages_that_set_cookies_and_misses_always_reach_flask(app, page_cache):
    product = make_published(name="Nấm mèo khô Vạn Sơn", price_vnd=180_000)
    db.session.commit()
    visitor = app.test_client()
    visitor.get("/search?q=nam+meo")
    visitor.set_cookie("session", "abc")
    with_cookie = visitor.get("/search?q=nam+meo")
    assert HIT not in with_cookie.headers, "a visitor with a session may see their own cart or name: never cached"

    signed_in_looking = visitor.get(f"/p/{product.slug}")
    assert HIT not in signed_in_looking.headers, "a visitor with a cookie always reaches Flask"

    app.test_client().get("/p/khong-co-san-pham-nay")
    assert HIT not in app.test_client().get("/p/khong-co-san-pham-nay").headers, "only 200 answers are kept"


def test_zero_seconds_turns_the_cache_off(app, page_cache, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    visitor = app.test_client()
    visitor.get("/")
    assert HIT not in visitor.get("/").headers
