"""The product page is read in one or two plain statements and its HTML kept per shown version
(catalog/product_page.py): every edit a buyer would notice shows on the very next load, each visitor gets their own
CSRF token and `next` path, and `?loai=` preselects a variant."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from catalog import product_page
from catalog.models import PriceTier, ProductImage, ProductStatus, ProductVariant
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Role
from marketplace.text import to_local, today_vn, utcnow
from tests.factories import login, make_cooperative, make_product, make_user
from tests.factories.catalog import set_variants, variant_row
from tests.factories.statements import counted_statements

CSRF = re.compile(r'(name="csrf_token" value=")([^"]+)(")')


def _page(client, product, query: str = "") -> str:
    response = client.get(f"/p/{product.slug}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _summary(html: str) -> str:
    """The product's own part of the page: its photos, summary, add-to-cart form and facts (not the others' tiles)."""
    return html[html.index('<article class="product">') : html.index('<p class="share">')]


@pytest.fixture
def buyer_client(client):
    login(client, make_user(Role.BUYER))
    return client


def test_each_edit_of_the_product_shows_on_the_next_load(buyer_client):
    product = make_product(name="Mật ong bạc hà Hà Giang", price_vnd=250_000, stock=40, ocop_stars=4)
    db.session.commit()
    first = _summary(_page(buyer_client, product))
    assert "Mật ong bạc hà Hà Giang" in first and "250.000" in first and "Còn hàng" in first and "★" in first
    assert _summary(_page(buyer_client, product)) == first  # kept: the same HTML again

    product.name, product.price_vnd = "Mật ong bạc hà Đồng Văn", 240_000
    db.session.commit()
    renamed = _page(buyer_client, product)
    assert "<title>Mật ong bạc hà Đồng Văn — " in renamed and "<h1>Mật ong bạc hà Đồng Văn</h1>" in renamed
    assert "240.000" in _summary(renamed) and "250.000" not in renamed

    product.stock = 4
    db.session.commit()
    assert "Sắp hết — còn 4 kg" in _page(buyer_client, product)
    product.stock = 0
    db.session.commit()
    sold_out = _summary(_page(buyer_client, product))
    assert "Hết hàng" in sold_out and 'name="quantity"' not in sold_out

    product.certificate.expires_on = today_vn() - timedelta(days=1)
    db.session.commit()
    assert "★" not in _summary(_page(buyer_client, product))  # an expired certificate shows no stars
    product.certificate.expires_on = today_vn() + timedelta(days=400)
    product.certificate.certificate_no = "QĐ 77/QĐ-UBND"
    db.session.commit()
    renewed = _summary(_page(buyer_client, product))
    assert "★" in renewed and "QĐ 77/QĐ-UBND" in renewed


def test_a_new_or_changed_photo_shows_on_the_next_load(buyer_client):
    product = make_product(name="Chè Shan tuyết")
    db.session.commit()
    assert 'class="noimg big"' in _page(buyer_client, product)

    photo = ProductImage(product_id=product.id, position=1, stem="che-a", width=800, height=600)
    db.session.add(photo)
    db.session.commit()
    one = _page(buyer_client, product)
    assert f"/media/products/{product.id}/che-a.jpg" in one and 'class="noimg big"' not in one
    assert 'class="thumbs"' not in one  # one photo: no thumbnails

    photo.variants_ready = True
    db.session.add(ProductImage(product_id=product.id, position=0, stem="che-b", width=1200, height=900))
    db.session.commit()
    two = _page(buyer_client, product)
    assert f"/media/products/{product.id}/che-a-800.jpg" in two and 'class="thumbs"' in two
    assert two.index("che-b.jpg") < two.index("che-a-800.jpg")  # in their order: position 0 first
    assert f'<meta property="og:image" content="https://ocop.test/media/products/{product.id}/che-b.jpg">' in two


def test_a_change_of_the_cooperative_shows_on_the_next_load(buyer_client):
    cooperative = make_cooperative(name="HTX Rau Đồng Chằm")
    product = make_product(cooperative, name="Rau cải ngồng", weight_g=1500)
    cooperative.phone, cooperative.shipping_flat_vnd, cooperative.shipping_per_kg_vnd = "0912345678", 30_000, 0
    db.session.commit()
    first = _page(buyer_client, product)
    assert "HTX Rau Đồng Chằm" in first and "tel:0912345678" in first and "<b>30.000" in first

    cooperative.name, cooperative.phone, cooperative.shipping_per_kg_vnd = "HTX Rau sạch Đồng Chằm", "0987654321", 5_000
    db.session.commit()
    changed = _page(buyer_client, product)
    assert "HTX Rau sạch Đồng Chằm" in changed and "tel:0987654321" in changed and "tel:0912345678" not in changed
    assert "<b>40.000" in changed  # 30.000 flat + 2 started kilograms × 5.000


def test_a_change_of_variants_or_tiers_shows_on_the_next_load(buyer_client):
    product = make_product(name="Trà Shan tuyết", unit="gói")
    small, large = set_variants(
        product, [variant_row("Túi 200 g", 50_000, 60, {10: 45_000}), variant_row("Hộp 500 g", 110_000, 8)]
    )
    db.session.commit()
    first = _page(buyer_client, product)
    assert f'value="{small.id}" checked' in first and "Giá sỉ: từ 10 gói 45.000" in first and "còn 8" in first

    large.stock, large.price_vnd = 0, 105_000
    db.session.commit()
    changed = _page(buyer_client, product)
    assert f'value="{large.id}" disabled' in changed and "105.000" in changed and "110.000" not in changed

    tier = db.session.query(PriceTier).filter_by(variant_id=small.id).one()
    tier.price_vnd = 44_000
    db.session.commit()
    assert "Giá sỉ: từ 10 gói 44.000" in _page(buyer_client, product)

    db.session.add(ProductVariant(product_id=product.id, name="Hộp quà", price_vnd=200_000, stock=3, position=2))
    db.session.commit()
    assert "Hộp quà" in _page(buyer_client, product)

    large.active = False
    db.session.get(ProductVariant, small.id).active = False
    db.session.commit()
    single = _page(buyer_client, product)  # one active variant left: no radio buttons
    assert 'name="variant_id"' not in single and "Hộp quà" not in single and "Túi 200 g" not in single


def test_loai_preselects_a_variant_in_stock(buyer_client):
    product = make_product(name="Trà Shan tuyết", unit="gói")
    small, large, sold_out = set_variants(
        product,
        [variant_row("Túi 200 g", 50_000, 60), variant_row("Hộp 500 g", 110_000, 8), variant_row("Lọ", 90_000, 0)],
    )
    db.session.commit()
    assert f'value="{large.id}" checked' in _page(buyer_client, product, f"?loai={large.id}")
    for asked in (str(sold_out.id), "abc", "999999"):  # sold out, not a number, not this product's: the first
        page = _page(buyer_client, product, f"?loai={asked}")
        assert f'value="{small.id}" checked' in page and page.count(" checked") == 1
    assert f'value="{small.id}" checked' in _page(buyer_client, product)


def test_each_visitor_gets_their_own_token_and_path(app, client):
    product = make_product(name="Nấm hương rừng")
    first, second = make_user(Role.BUYER), make_user(Role.BUYER)
    db.session.commit()
    login(client, first)
    mine = CSRF.search(_page(client, product)).group(2)
    other = app.test_client()
    login(other, second)
    page = _page(other, product)
    theirs = CSRF.search(page).group(2)
    assert theirs != mine and mine not in page
    assert f'name="next" value="/p/{product.slug}"' in page
    added = other.post("/cart/add", data={"csrf_token": theirs, "product_id": product.id, "quantity": 1})
    assert added.status_code == 302

    anonymous = app.test_client()
    assert 'name="csrf_token"' not in _page(anonymous, product)  # no session: no token, no cookie


def test_the_page_is_the_same_html_kept_or_rendered(app, buyer_client):
    product = make_product(
        name='Bí <b>"ngòi"</b> & xanh', slug="bi-ngoi-xanh", ocop_stars=3, gtin="8934567890123", shelf_life_days=90
    )
    set_variants(product, [variant_row("Túi", 20_000, 5, {5: 18_000}), variant_row("Hộp", 60_000, 0)])
    product.description = "**Đậm** đà <script>alert(1)</script>"
    db.session.commit()
    kept_first = CSRF.sub(r"\1-\3", _page(buyer_client, product))
    kept_again = CSRF.sub(r"\1-\3", _page(buyer_client, product))
    app.extensions[product_page.EXTENSION].clear()
    fresh = CSRF.sub(r"\1-\3", _page(buyer_client, product))
    assert kept_first == kept_again == fresh
    assert "<h1>Bí &lt;b&gt;&#34;ngòi&#34;&lt;/b&gt; &amp; xanh</h1>" in fresh and "<script>alert(1)" not in fresh


def test_the_delivery_dates_move_with_the_day(buyer_client, monkeypatch):
    product = make_product(name="Cam Cao Phong")
    db.session.commit()
    today = _page(buyer_client, product)
    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr("marketplace.text.utcnow", lambda: later)  # the clock `today_vn()` reads
    moved = _page(buyer_client, product)
    quote = re.compile(r'<p class="ship-quote">.*?</p>')
    assert quote.search(today).group(0) != quote.search(moved).group(0)
    expected = (to_local(later).date() + timedelta(days=2)).strftime("%d/%m/%Y")  # the buyer's day, in Việt Nam
    assert expected in quote.search(moved).group(0)


def test_a_certificate_lapses_at_midnight_in_vietnam_not_on_the_servers_clock(buyer_client, monkeypatch):
    product = make_product(name="Mật ong Mèo Vạc", ocop_stars=4)
    db.session.flush()
    product.certificate.issued_on, product.certificate.expires_on = date(2024, 1, 15), date(2026, 12, 4)
    db.session.commit()
    evening = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 23:30 on the 4th in Việt Nam: still valid
    monkeypatch.setattr("marketplace.text.utcnow", lambda: evening)
    assert "★" in _summary(_page(buyer_client, product))
    monkeypatch.setattr("marketplace.text.utcnow", lambda: evening + timedelta(hours=1))  # 00:30 on the 5th
    assert "★" not in _summary(_page(buyer_client, product))


@pytest.mark.parametrize("state", ["missing", "draft", "unverified seller"])
def test_a_product_buyers_may_not_see_is_not_found(buyer_client, state):
    product = make_product(name="Sản phẩm ẩn")
    if state == "draft":
        product.status = ProductStatus.DRAFT
    if state == "unverified seller":
        product.cooperative.status = CooperativeStatus.PENDING
    db.session.commit()
    slug = "khong-co-san-pham-nay" if state == "missing" else product.slug
    response = buyer_client.get(f"/p/{slug}")
    assert response.status_code == 404
    assert "Không tìm thấy sản phẩm hoặc sản phẩm chưa được duyệt." in response.get_data(as_text=True)


def test_variants_are_read_only_when_they_show(buyer_client):
    plain = make_product(name="Gạo tám xoan")
    set_variants(plain, [variant_row("Mặc định", 30_000, 50)])
    choices = make_product(name="Gạo nếp cái hoa vàng")
    set_variants(choices, [variant_row("Túi 1 kg", 40_000, 5), variant_row("Túi 5 kg", 190_000, 5)])
    db.session.commit()
    counts = []
    for product in (plain, choices):
        _page(buyer_client, product)
        with counted_statements() as statements:
            _page(buyer_client, product)
        counts.append(len(statements))
    assert counts[1] == counts[0] + 1  # the variants' statement runs only when there is a choice to show


def test_each_language_gets_its_own_page(buyer_client):
    product = make_product(name="Cam Cao Phong", unit="hộp")
    db.session.commit()
    vietnamese = _page(buyer_client, product)
    assert "Thêm vào giỏ" in vietnamese and "/ hộp" in vietnamese
    buyer_client.get("/lang/en")
    english = _page(buyer_client, product)
    assert "Add to cart" in english and "Thêm vào giỏ" not in english and "/ box" in english
