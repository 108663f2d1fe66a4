"""`with_query` writes a listing's filter links exactly as url_for would, with one url_for per page."""

from __future__ import annotations

from flask import Flask, url_for

from marketplace.urls import url_maker, with_query


def test_links_match_url_for_for_vietnamese_words_and_odd_characters():
    app = Flask(__name__)
    app.add_url_rule("/c/<slug>", "category", lambda slug: slug)
    params = {"q": "nấm mèo & mật ong", "province_code": "2", "sort": "price_asc", "note": "a/b:c?d=e#f", "x": None}
    with app.test_request_context("/"):
        base = url_for("category", slug="nông-sản")
        assert with_query(base, params) == url_for("category", slug="nông-sản", **params)
        assert with_query(base, {}) == base == url_for("category", slug="nông-sản", x=None)


def test_url_maker_gives_url_for_of_each_value_with_one_url_for():
    app = Flask(__name__)
    app.add_url_rule("/orders/<code>", "order", lambda code: code)
    app.add_url_rule("/products/<int:product_id>/photos", "photos", lambda product_id: "")
    with app.test_request_context("/", base_url="http://x.vn/cho"):
        order_url, photos_url = url_maker("order", "code"), url_maker("photos", "product_id")
        for code in ("OC-2412-AB12", "đơn hàng/1?x"):
            assert order_url(code) == url_for("order", code=code)
        assert photos_url(42) == url_for("photos", product_id=42) == "/cho/products/42/photos"
