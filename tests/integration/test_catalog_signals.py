"""Catalogue services announce what changed through `catalog.signals`, once per call, with the product ids."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from catalog import services
from catalog.signals import product_changed, product_published, product_unpublished, stock_changed
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_user
from tests.factories.catalog import jpeg_bytes, make_draft, make_published

SIGNALS = {
    "changed": product_changed,
    "stock": stock_changed,
    "published": product_published,
    "unpublished": product_unpublished,
}


@contextmanager
def heard(app) -> Iterator[list[tuple[str, list[int], list[str]]]]:
    """Every catalogue signal sent while inside, as (name, product ids, sorted fields)."""
    calls: list[tuple[str, list[int], list[str]]] = []
    receivers = {}
    for name, signal in SIGNALS.items():

        def receiver(_sender, product_ids, fields=(), _name=name):
            calls.append((_name, product_ids, sorted(fields)))

        receivers[name] = receiver
        signal.connect(receiver, sender=app)
    try:
        yield calls
    finally:
        for name, signal in SIGNALS.items():
            signal.disconnect(receivers[name], sender=app)


def test_a_stock_edit_fires_stock_changed_once_with_the_product_id(app):
    product = make_published()
    owner = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    db.session.commit()
    with heard(app) as calls:
        services.set_price_stock(owner, product, stock=7)
    assert calls == [("stock", [product.id], [])]
    assert product.stock == 7


def test_price_and_stock_in_one_edit_are_two_signals_and_an_unchanged_value_is_none(app):
    product = make_published()
    owner = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    db.session.commit()
    with heard(app) as calls:
        services.set_price_stock(owner, product, price_vnd=99_000, stock=3)
        services.set_price_stock(owner, product, price_vnd=99_000, stock=3)
    assert calls == [("stock", [product.id], []), ("changed", [product.id], ["price"])]


def test_stock_moved_by_orders_is_one_signal_for_all_its_products(app):
    with heard(app) as calls:
        services.stock_changed_for([12, 3, 12])
        services.stock_changed_for([])
    assert calls == [("stock", [3, 12], [])]


def test_publishing_archiving_and_draft_edits(app):
    owner = make_user(Role.COOPERATIVE)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    draft = make_draft(owner)
    db.session.commit()
    with heard(app) as calls:
        services.update_product(owner, draft, {"name": "Nấm mèo rừng", "weight_g": "750"})
        services.submit_product(owner, draft)
        services.approve_product(staff, draft)
        services.update_product(owner, draft, {"name": "Tên mới chờ duyệt"})  # waits in a revision: nothing yet
        services.archive_product(owner, draft)
    assert calls == [
        ("changed", [draft.id], ["content"]),
        ("published", [draft.id], []),
        ("unpublished", [draft.id], []),
    ]


def test_an_approved_revision_announces_its_fields_and_photos(app):
    product = make_published()
    owner = make_user(Role.COOPERATIVE, cooperative=product.cooperative)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=product.cooperative.commune_code)
    revision = services.update_product(owner, product, {"description": "Sấy lạnh, không phẩm màu."})
    services.add_image(owner, product, jpeg_bytes())
    db.session.commit()
    with heard(app) as calls:
        services.approve_revision(staff, revision)
    assert calls == [("changed", [product.id], ["content", "images"])]
