"""A live product's GTIN cannot be swapped without review, and labels already printed keep resolving under the
GTIN they were printed with."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import services
from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_product, make_user
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import LabelRun

OLD, NEW = "08931234567897", "08934588012228"
GENUINE = "Mã chính hãng"


@pytest.fixture(autouse=True)
def _fresh_cache():
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _printed():
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, gtin=OLD)
    label = make_labels(make_batch(owner=owner, product=product, lot="NM-7"), 1)[0]
    staff = make_user(Role.COMMUNE_STAFF, commune_code=owner.cooperative.commune_code)
    db.session.commit()
    return owner, staff, product, label


def test_a_live_products_gtin_change_waits_for_review(app):
    owner, _staff, product, _label = _printed()
    revision = services.update_product(owner, product, {"gtin": NEW})
    db.session.commit()
    assert revision is not None and revision.changes["gtin"] == NEW
    assert db.session.get(Product, product.id).gtin == OLD  # the live product keeps its GTIN
    assert any(row[0] == "Mã GTIN" and row[2] == NEW for row in services.diff_rows(revision))


def test_labels_printed_before_the_change_keep_resolving(app, client):
    owner, staff, product, label = _printed()
    assert db.session.scalar(select(LabelRun.gtin)) == OLD  # the run remembers what it printed
    revision = services.update_product(owner, product, {"gtin": NEW})
    services.approve_revision(staff, revision)
    db.session.commit()
    assert db.session.get(Product, product.id).gtin == NEW
    for path in (
        f"/01/{OLD}/10/NM-7/21/{label.serial}",
        f"/01/{OLD}/21/{label.serial}",
        f"/01/{NEW}/21/{label.serial}",
    ):
        r = client.get(path)
        assert r.status_code == 200 and GENUINE in r.get_data(as_text=True), path
    assert client.get(f"/01/08934567890120/21/{label.serial}").status_code == 404
    assert client.get(f"/01/{OLD}/10/NM-8/21/{label.serial}").status_code == 404
