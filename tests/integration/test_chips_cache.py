"""The home page's category and province chips are cached per worker, and a change shows on the next page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.categories import save_category
from catalog.models import Category
from catalog.services import archive_product
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_product, make_user
from tests.factories.statements import counted_statements


@pytest.fixture(autouse=True)
def _chips_cached(app, monkeypatch):
    """Chips kept for a minute (the tests otherwise turn the cache off); forgotten around the test."""
    from catalog import chips

    monkeypatch.setitem(app.config, "REFERENCE_CACHE_SECONDS", 60)
    chips.forget()
    yield
    chips.forget()


def _group() -> Category:
    return db.session.scalars(select(Category).where(Category.parent_id.is_(None)).order_by(Category.id)).first()


def _signed_in_buyer(client) -> None:
    login(client, make_user(Role.BUYER))


def test_archiving_the_last_product_of_a_group_removes_its_chip_at_once(client):
    owner = make_user(Role.COOPERATIVE)
    group = _group()
    product = make_product(owner.cooperative, category_id=group.id)
    db.session.commit()
    _signed_in_buyer(client)
    chip = f'href="/c/{group.slug}"'
    assert chip in client.get("/").get_data(as_text=True)
    archive_product(owner, db.session.get(type(product), product.id))
    db.session.commit()
    assert chip not in client.get("/").get_data(as_text=True)


def test_a_renamed_group_shows_its_new_name_on_the_next_page(client):
    owner = make_user(Role.COOPERATIVE)
    admin = make_user(Role.ADMIN)
    group = _group()
    make_product(owner.cooperative, category_id=group.id)
    db.session.commit()
    _signed_in_buyer(client)
    assert "Nhóm đổi tên để thử" not in client.get("/").get_data(as_text=True)
    built_in_name = group.name
    save_category(admin, group.id, "Nhóm đổi tên để thử", None, group.position)
    db.session.commit()
    try:
        assert "Nhóm đổi tên để thử" in client.get("/").get_data(as_text=True)
    finally:  # categories are reference data kept between tests: put the built-in name back
        save_category(admin, group.id, built_in_name, None, group.position)
        db.session.commit()


def test_a_groups_page_shows_its_sub_categories_and_a_new_one_on_the_next_page(client):
    admin = make_user(Role.ADMIN)
    group = _group()
    db.session.commit()
    _signed_in_buyer(client)
    page = client.get(f"/c/{group.slug}").get_data(as_text=True)
    for child in group.children:
        assert f'class="chip" href="/c/{child.slug}"' in page
    added = save_category(admin, None, "Nhóm con thêm để thử", group.id, 999)
    db.session.commit()
    try:
        page = client.get(f"/c/{group.slug}").get_data(as_text=True)
        assert f'class="chip" href="/c/{added.slug}">Nhóm con thêm để thử</a>' in page
        save_category(admin, added.id, "Nhóm con đổi tên để thử", group.id, 999)
        db.session.commit()
        assert "Nhóm con đổi tên để thử</a>" in client.get(f"/c/{group.slug}").get_data(as_text=True)
    finally:  # categories are reference data kept between tests
        db.session.delete(db.session.get(Category, added.id))
        db.session.commit()


def test_a_category_page_finds_its_category_in_the_cache_and_a_new_one_at_once(client):
    group = _group()
    db.session.commit()
    _signed_in_buyer(client)
    client.get(f"/c/{group.slug}")
    with counted_statements() as warm:
        client.get(f"/c/{group.slug}")
    assert not any("categories.slug = " in statement for statement in warm)  # the URL's category came from the cache
    added = Category(slug="nhom-them-tu-may-khac", name="Nhóm thêm từ máy khác", position=998)
    db.session.add(added)  # as another worker would: this worker's cache is not told
    db.session.commit()
    try:
        page = client.get("/c/nhom-them-tu-may-khac")
        assert page.status_code == 200 and "Nhóm thêm từ máy khác" in page.get_data(as_text=True)
        assert client.get("/c/khong-co-nhom-nay").status_code == 404
    finally:  # categories are reference data kept between tests
        db.session.delete(db.session.get(Category, added.id))
        db.session.commit()
