"""The cooperative's product list pages through its products: the page count rides along with the page's rows,
and a page past the end is empty with the pager still there."""

from __future__ import annotations

from catalog.models import ProductStatus
from marketplace.extensions import db
from marketplace.models import Role
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
