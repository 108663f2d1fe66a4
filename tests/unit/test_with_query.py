"""`with_query` writes a listing's filter links exactly as url_for would, with one url_for per page."""

from __future__ import annotations

from flask import Flask, url_for

from marketplace.urls import with_query


def test_links_match_url_for_for_vietnamese_words_and_odd_characters():
    app = Flask(__name__)
    app.add_url_rule("/c/<slug>", "category", lambda slug: slug)
    params = {"q": "nấm mèo & mật ong", "province_code": "2", "sort": "price_asc", "note": "a/b:c?d=e#f", "x": None}
    with app.test_request_context("/"):
        base = url_for("category", slug="nông-sản")
        assert with_query(base, params) == url_for("category", slug="nông-sản", **params)
        assert with_query(base, {}) == base == url_for("category", slug="nông-sản", x=None)
