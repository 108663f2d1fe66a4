"""The listings, the home page and the order list keep their content per shown version (catalog/views/shop.py,
orders/views/shop.py): a buyer sees each change on the next load, and a kept page is the page rendered afresh."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from catalog.models import Category, ProductImage
from catalog.search.indexing import sync_products
from catalog.views import shop as catalog_views
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import utcnow
from orders.models import OrderStatus
from orders.views import shop as order_views
from tests.factories import login, make_product, make_user
from tests.factories.catalog import make_listed
from tests.factories.workspace import make_order


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", response.get_data(as_text=True))


def _tile(html: str, name: str) -> str:
    start = html.index(name)
    return html[html.rindex('<li class="tile">', 0, start) : html.index("</li>", start)]


def test_a_category_page_shows_each_change_on_the_next_load(client):
    product = make_listed("Nấm hương rừng Vân Sơn", price_vnd=180_000)
    db.session.commit()
    login(client, make_user(Role.BUYER))
    _page(client, "/c/nong-san-so-che")
    first = _tile(_page(client, "/c/nong-san-so-che"), "Nấm hương rừng Vân Sơn")  # the kept version
    assert "180.000" in first and "Hết hàng" not in first and 'class="noimg"' in first

    product.name, product.price_vnd, product.stock = "Nấm hương rừng Vân Sơn loại 1", 175_000, 0
    db.session.add(ProductImage(product_id=product.id, position=1, stem="nam-huong", width=800, height=600))
    sync_products([product.id])
    db.session.commit()
    changed = _tile(_page(client, "/c/nong-san-so-che"), "Nấm hương rừng Vân Sơn loại 1")
    assert "175.000" in changed and "180.000" not in changed and "Hết hàng" in changed
    assert f"/media/products/{product.id}/nam-huong.jpg" in changed and 'class="noimg"' not in changed

    category = db.session.scalar(select(Category).where(Category.slug == "nong-san-so-che"))
    category.name = "Nấm, mộc nhĩ và đồ khô"
    db.session.commit()
    assert "<h1>Nấm, mộc nhĩ và đồ khô</h1>" in _page(client, "/c/nong-san-so-che")


def test_search_and_home_show_a_renamed_product_at_once(client):
    product = make_listed("Mật ong hoa bạc hà", price_vnd=250_000)
    db.session.commit()
    login(client, make_user(Role.BUYER))
    for url in ("/search?q=mat+ong", "/"):
        assert "Mật ong hoa bạc hà" in _page(client, url) and "Mật ong hoa bạc hà" in _page(client, url)
    product.name, product.price_vnd = "Mật ong hoa bạc hà Đồng Văn", 240_000
    sync_products([product.id])
    db.session.commit()
    for url in ("/search?q=mat+ong", "/"):
        tile = _tile(_page(client, url), "Mật ong hoa bạc hà Đồng Văn")
        assert "240.000" in tile and "250.000" not in tile


def test_a_kept_listing_is_the_page_rendered_afresh(client):
    for n in range(26):  # two pages of the search listing
        make_listed(f"Nấm mèo khô túi {n}", price_vnd=60_000 + 10_000 * n, stars=3 if n % 2 else None)
    make_listed("Chè Shan tuyết cổ thụ", category="che-ca-phe")
    db.session.commit()
    login(client, make_user(Role.BUYER))
    urls = [
        "/",
        "/c/nong-san-so-che",
        "/c/nong-san-so-che?sort=price_asc&stars=3",
        "/search?q=nam+meo&sort=newest",
        "/search?page=2",
        "/search?q=nma+meo",  # a typo, corrected
        "/search?q=zzzqqq",  # nothing found
        "/c/gom-su",  # a category with no products
        "/search?q=<b>nam</b>",
    ]
    for url in urls:
        catalog_views.listing_cache.clear()
        catalog_views.home_cache.clear()
        afresh = _page(client, url)
        assert _page(client, url) == afresh, url
    assert len(catalog_views.listing_cache._items) == 1  # the last page was kept
    assert "&lt;b&gt;nam&lt;/b&gt;" in afresh and "<b>nam</b>" not in afresh


def test_the_order_list_shows_a_changed_state_at_once(client):
    buyer = make_user(Role.BUYER)
    order = make_order(buyer, {make_product(): 1}, OrderStatus.PAID, utcnow() - timedelta(days=1))
    db.session.commit()
    login(client, buyer)
    order_views.my_orders_cache.clear()
    afresh = _page(client, "/orders/")
    assert _page(client, "/orders/") == afresh and "Đã thanh toán" in afresh and "Đang giao" not in afresh
    order.status = OrderStatus.SHIPPED
    db.session.commit()
    shipped = _page(client, "/orders/")
    assert "Đang giao" in shipped and "Đã thanh toán" not in shipped


def test_one_buyer_never_sees_another_buyers_kept_orders(app, client):
    first, second = make_user(Role.BUYER), make_user(Role.BUYER)
    code = make_order(first, {make_product(): 1}, OrderStatus.PAID, utcnow()).code
    db.session.commit()
    login(client, first)
    assert code in _page(client, "/orders/")
    other = app.test_client()
    login(other, second)
    assert code not in _page(other, "/orders/") and "Bạn chưa có đơn hàng nào." in _page(other, "/orders/")
