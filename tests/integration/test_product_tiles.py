"""Product tiles are rendered once per shown version (catalog/tiles.py): a buyer never sees a stale price, stock,
star badge or photo, and a listing runs the same few statements however many tiles it shows."""

from __future__ import annotations

from datetime import timedelta

from catalog import tiles
from catalog.models import ProductImage
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import today_vn
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.catalog import make_listed
from tests.factories.statements import counted_statements


def _tile(html: str, name: str) -> str:
    """The `<li class="tile">` that holds `name`."""
    start = html.index(name)
    return html[html.rindex('<li class="tile">', 0, start) : html.index("</li>", start)]


def _home(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_a_tile_shows_each_change_on_the_next_page(client):
    tiles.cache.clear()
    product = make_product(name="Mật ong bạc hà Hà Giang", price_vnd=250_000, ocop_stars=4)
    db.session.commit()
    login(client, make_user(Role.BUYER))
    first = _tile(_home(client), "Mật ong bạc hà Hà Giang")
    assert "250.000" in first and "Hết hàng" not in first and "★" in first

    product.price_vnd, product.stock = 240_000, 0
    db.session.commit()
    changed = _tile(_home(client), "Mật ong bạc hà Hà Giang")
    assert "240.000" in changed and "250.000" not in changed and "Hết hàng" in changed

    product.certificate.expires_on = today_vn() - timedelta(days=1)
    db.session.add(ProductImage(product_id=product.id, position=1, stem="mat-ong", width=800, height=600))
    db.session.commit()
    expired = _tile(_home(client), "Mật ong bạc hà Hà Giang")
    assert "★" not in expired  # an expired certificate shows no stars
    assert f"/media/products/{product.id}/mat-ong.jpg" in expired and 'class="noimg"' not in expired


def test_html_in_a_product_name_is_shown_as_text(client):
    make_product(name="Chè <script>alert(1)</script> Shan tuyết")
    db.session.commit()
    html = _home(client)
    assert "Chè &lt;script&gt;alert(1)&lt;/script&gt; Shan tuyết" in html and "<script>alert(1)" not in html


def _statements_of_search_page(client) -> tuple[int, int]:
    """SQL statements the search page runs, and the tiles it shows."""
    with counted_statements() as statements:
        html = client.get("/search?q=Chè+Tà+Xùa").get_data(as_text=True)
    return len(statements), html.count('<li class="tile">')


def test_a_listing_runs_the_same_statements_for_two_tiles_or_twenty(client):
    cooperative = make_cooperative()
    for n in range(2):
        make_listed(f"Chè Tà Xùa hộp {n}", stars=3, cooperative=cooperative)
    db.session.commit()
    login(client, make_user(Role.BUYER))
    client.get("/search?q=Chè+Tà+Xùa")
    few, shown = _statements_of_search_page(client)
    assert shown == 2
    for n in range(2, 20):
        make_listed(f"Chè Tà Xùa hộp {n}", stars=3, cooperative=cooperative)
    db.session.commit()
    assert _statements_of_search_page(client) == (few, 20)
