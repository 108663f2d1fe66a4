"""The header's links are rendered once per language, role and cart count (marketplace/chrome.py): a buyer still
sees their own cart count at once, each signed-in visitor's sign-out form carries their own CSRF token and works,
and the links follow the language and the role."""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_product, make_user


def _nav(page: str) -> str:
    match = re.search(r'<nav class="nav">(.*?)</nav>', page, re.S)
    assert match, page[:500]
    return match.group(1)


def _cart_badge(client) -> str | None:
    found = re.search(r"data-cart-count>(\d+)<", _nav(client.get("/").get_data(as_text=True)))
    return found.group(1) if found else None


def _sign_out_token(page: str) -> str:
    return re.search(r'action="/logout".*?name="csrf_token" value="([^"]+)"', _nav(page), re.S).group(1)


def test_the_cart_count_in_the_header_follows_every_change(client):
    honey = make_product(make_user(Role.COOPERATIVE).cooperative, name="Mật ong bạc hà", stock=10)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, buyer)
    assert _cart_badge(client) is None
    client.form_post("/cart/add", {"product_id": honey.id, "quantity": 1})
    assert _cart_badge(client) == "1"
    client.form_post("/cart/add", {"product_id": honey.id, "quantity": 2})
    assert _cart_badge(client) == "3"


def test_each_visitor_signs_out_with_their_own_token(app):
    first, second = make_user(Role.BUYER, email="mot@example.vn"), make_user(Role.BUYER, email="hai@example.vn")
    db.session.commit()
    browsers = [app.test_client(), app.test_client()]
    for browser, person in zip(browsers, (first, second), strict=True):
        login(browser, person)
    pages = [browser.get("/").get_data(as_text=True) for browser in browsers]
    tokens = [_sign_out_token(page) for page in pages]
    assert _nav(pages[0]).replace(tokens[0], "") == _nav(pages[1]).replace(tokens[1], "")  # one cached header
    assert tokens[0] != tokens[1]
    refused = browsers[0].post("/logout", data={"csrf_token": tokens[1]})  # another visitor's token is refused
    assert refused.status_code == 400
    assert browsers[0].get("/account/").status_code == 200
    assert browsers[0].post("/logout", data={"csrf_token": tokens[0]}).status_code == 302
    assert browsers[0].get("/account/").status_code == 302  # signed out: sent to the login page


def test_the_links_follow_the_language_and_the_role(client):
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn")
    db.session.commit()
    assert "Đăng nhập" in _nav(client.get("/").get_data(as_text=True))
    client.get("/lang/en")
    assert "Log in" in _nav(client.get("/").get_data(as_text=True))
    client.get("/lang/vi")
    login(client, staff)
    nav = _nav(client.get("/").get_data(as_text=True))
    assert 'href="/commune/"' in nav and "Đăng xuất" in nav and "Đăng nhập" not in nav


def _search_box(page: str) -> str:
    return re.search(r'<input type="search" name="q" value="([^"]*)"', page).group(1)


def test_the_search_box_shows_each_visitors_own_query_escaped(client):
    login(client, make_user(Role.BUYER))
    db.session.commit()
    assert _search_box(client.get("/search?q=nấm+mèo").get_data(as_text=True)) == "nấm mèo"
    page = client.get('/search?q="><b>mật ong').get_data(as_text=True)
    assert _search_box(page) == "&#34;&gt;&lt;b&gt;mật ong"
    assert "<b>mật ong" not in page
    assert _search_box(client.get("/").get_data(as_text=True)) == ""  # the query only fills the search page's box
    assert "data-cart-count" not in client.get("/").get_data(as_text=True)  # the header's links are still put in
    assert 'action="/logout"' in client.get("/").get_data(as_text=True)


def test_the_page_frame_follows_the_language_and_keeps_fingerprinted_static_urls(client):
    page = client.get("/").get_data(as_text=True)
    assert "Bỏ qua đến nội dung" in page and "nền tảng của xã" in page
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]+"', page)
    assert re.search(r'<script src="/static/js/search\.js\?v=[0-9a-f]+" defer></script>', page)
    client.get("/lang/en")
    english = client.get("/").get_data(as_text=True)
    assert "Bỏ qua đến nội dung" not in english and "nền tảng của xã" not in english
    assert 'placeholder="Tìm nấm mèo' not in english
    client.get("/lang/vi")
    assert "Bỏ qua đến nội dung" in client.get("/").get_data(as_text=True)
