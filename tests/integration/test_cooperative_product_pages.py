"""The cooperative's product list: each tile's photo, badges and stars from one statement of plain columns; the
page count rides along with the page's rows, and a page past the end is empty with the pager still there."""

from __future__ import annotations

from datetime import timedelta

from catalog.models import ProductImage, ProductRevision, ProductStatus, RevisionStatus
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import today_vn
from tests.factories import login, make_product, make_user


def test_the_product_list_pages_by_twenty_and_filters_by_status(client):
    owner = make_user(Role.COOPERATIVE)
    for n in range(23):
        make_product(owner.cooperative, name=f"Mật ong rừng số {n:02d}")
    make_product(owner.cooperative, name="Chè lam bản nháp", status=ProductStatus.DRAFT, published_at=None)
    db.session.commit()
    login(client, owner)

    first = client.get("/cooperative/products").get_data(as_text=True)
    assert first.count('class="tile"') == 20 and "Trang 1 / 2" in first
    second = client.get("/cooperative/products?page=2").get_data(as_text=True)
    assert second.count('class="tile"') == 4 and "Trang 2 / 2" in second
    past = client.get("/cooperative/products?page=3").get_data(as_text=True)
    assert 'class="tile"' not in past and "Trang 3 / 2" in past and 'rel="prev"' in past

    drafts = client.get("/cooperative/products?status=draft").get_data(as_text=True)
    assert drafts.count('class="tile"') == 1 and "Chè lam bản nháp" in drafts and "Trang" not in drafts


def _tile(page: str, name: str) -> str:
    start = page.index(f"<strong>{name}</strong>")
    return page[page.rindex('<li class="tile">', 0, start) : page.index("</li>", start)]


def test_each_tile_shows_its_first_photo_pending_edit_and_certificate_state(client):
    owner = make_user(Role.COOPERATIVE)
    today = today_vn()
    valid = make_product(owner.cooperative, name="Nấm có sao", ocop_stars=4)
    expiring = make_product(owner.cooperative, name="Nấm sắp hết hạn", ocop_stars=3)
    expired = make_product(owner.cooperative, name="Nấm đã hết hạn", ocop_stars=5)
    plain = make_product(owner.cooperative, name="Nấm không ảnh")
    db.session.flush()
    expiring.certificate.expires_on = today + timedelta(days=20)
    expired.certificate.issued_on, expired.certificate.expires_on = today - timedelta(days=400), today - timedelta(1)
    for position, stem in ((1, "anh-sau"), (0, "anh-dau")):
        db.session.add(ProductImage(product_id=valid.id, position=position, stem=stem, width=800, height=600))
    db.session.add(ProductRevision(product_id=valid.id, status=RevisionStatus.PENDING, changes={"name": "Nấm mới"}))
    db.session.add(ProductRevision(product_id=plain.id, status=RevisionStatus.REJECTED, changes={"name": "Nấm cũ"}))
    db.session.commit()
    login(client, owner)
    page = client.get("/cooperative/products").get_data(as_text=True)

    first = _tile(page, "Nấm có sao")
    assert "anh-dau" in first and "anh-sau" not in first and 'width="800" height="600"' in first
    assert "Có chỉnh sửa chờ duyệt" in first and 'title="OCOP 4 sao"' in first
    assert "OCOP sắp hết hạn" in _tile(page, "Nấm sắp hết hạn") and "★" not in _tile(page, "Nấm sắp hết hạn")
    assert "OCOP đã hết hạn" in _tile(page, "Nấm đã hết hạn")
    bare = _tile(page, "Nấm không ảnh")
    assert 'class="noimg"' in bare and "chờ duyệt" not in bare and "OCOP" not in bare
