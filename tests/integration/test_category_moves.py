"""Moving or renaming a category reaches its products' search entries at once (they hold its name and group)."""

from __future__ import annotations

from sqlalchemy import select

from catalog.categories import save_category
from catalog.models import Category
from catalog.search import SearchQuery, get_backend
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_user
from tests.factories.catalog import make_published


def _found(**query) -> list[int]:
    return get_backend().search(SearchQuery(**query)).ids


def test_a_category_moved_to_another_group_is_found_under_the_new_group_and_not_the_old(client):
    admin = make_user(Role.ADMIN)
    groups = db.session.scalars(select(Category).where(Category.parent_id.is_(None)).order_by(Category.id)).all()
    child = next(child for group in groups for child in sorted(group.children, key=lambda c: c.id))
    old_group = child.parent
    new_group = next(group for group in groups if group.id != old_group.id)
    product = make_published(name="Nấm linh chi đỏ Bắc Hà", category=child.slug)
    db.session.commit()
    assert product.id in _found(category_id=old_group.id)
    save_category(admin, child.id, child.name, new_group.id, child.position)
    db.session.commit()
    try:
        assert product.id in _found(category_id=new_group.id)
        assert product.id in _found(text="linh chi", category_id=child.id)
        assert product.id not in _found(category_id=old_group.id)
        page = client.get(f"/c/{new_group.slug}").get_data(as_text=True)
        assert "Nấm linh chi đỏ Bắc Hà" in page
    finally:  # categories are reference data kept between tests: put it back
        save_category(admin, child.id, child.name, old_group.id, child.position)
        db.session.commit()
    assert product.id in _found(category_id=old_group.id)


def test_a_renamed_group_is_found_by_its_new_name(client):
    admin = make_user(Role.ADMIN)
    group = db.session.scalars(select(Category).where(Category.parent_id.is_(None)).order_by(Category.id)).first()
    child = sorted(group.children, key=lambda c: c.id)[0]
    product = make_published(name="Chè búp khô Tà Xùa", category=child.slug)
    db.session.commit()
    built_in_name = group.name
    save_category(admin, group.id, "Quà quê vùng cao", None, group.position)
    db.session.commit()
    try:
        assert product.id in _found(text="qua que vung cao")
    finally:
        save_category(admin, group.id, built_in_name, None, group.position)
        db.session.commit()
    assert product.id not in _found(text="qua que vung cao")
