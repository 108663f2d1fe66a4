"""GS1 Digital Link's shorter forms resolve like the standard says, and a made-up GTIN or lot is never genuine."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_product, make_user
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import Label, Scan

NOT_FOUND = "Không tìm thấy mã này — sản phẩm có thể không chính hãng"
GTIN = "08931234567897"


@pytest.fixture(autouse=True)
def _fresh_cache():
    scanpage.cache.clear()
    yield
    scanpage.cache.clear()


def _setup():
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, gtin="8931234567897")
    batch = make_batch(owner=owner, product=product, lot="NM-7")
    label = make_labels(batch, 2)[0]
    db.session.commit()
    return product, batch, label


def _count(serial: str) -> int:
    return db.session.scalar(select(Label.scan_count).where(Label.serial == serial))


def test_gtin_alone_answers_with_the_product_page(client):
    product, _batch, _label = _setup()
    r = client.get(f"/01/{GTIN}")
    assert r.status_code == 307 and r.headers["Location"].endswith(f"/p/{product.slug}")
    r = client.get(f"/01/{GTIN}?linkType=gs1:pip")
    assert r.status_code == 307 and r.headers["Location"].endswith(f"/p/{product.slug}")


def test_gtin_and_lot_answer_with_the_batch(client):
    product, _batch, _label = _setup()
    page = client.get(f"/01/{GTIN}/10/NM-7")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and product.name in text and "Nhà nấm số 1" in text
    data = client.get(f"/01/{GTIN}/10/NM-7?linkType=gs1:traceability", headers={"Accept": "application/json"})
    assert data.status_code == 200 and data.get_json()["batch"]["lot"] == "NM-7"
    pip = client.get(f"/01/{GTIN}/10/NM-7?linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"].endswith(f"/p/{product.slug}")


def test_gtin_and_serial_answer_like_the_full_form(client):
    product, _batch, label = _setup()
    r = client.get(f"/01/{GTIN}/21/{label.serial}")
    assert r.status_code == 200 and "Mã chính hãng — quét lần đầu" in r.get_data(as_text=True)
    assert _count(label.serial) == 1
    pip = client.get(f"/01/{GTIN}/21/{label.serial}?linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"].endswith(f"/p/{product.slug}")
    trace = client.get(
        f"/01/{GTIN}/21/{label.serial}?linkType=gs1:traceability", headers={"Accept": "application/json"}
    )
    assert trace.status_code == 200 and trace.get_json()["genuine"] is True and trace.get_json()["scan_count"] == 1
    assert db.session.scalar(select(func.count(Scan.id))) == 2


def test_linktype_all_is_an_rfc9264_linkset(client):
    product, _batch, label = _setup()
    for path in (f"/01/{GTIN}", f"/01/{GTIN}/10/NM-7", f"/01/{GTIN}/21/{label.serial}", label.url[17:]):
        r = client.get(path + "?linkType=all")
        assert r.status_code == 200 and r.mimetype == "application/linkset+json", path
        links = r.get_json()["linkset"][0]
        assert links["anchor"] == "https://ocop.test" + path
        assert links["https://gs1.org/voc/pip"][0]["href"].endswith(f"/p/{product.slug}")
        assert "https://gs1.org/voc/defaultLink" in links
    assert _count(label.serial) == 0  # asking for the links is not a scan


@pytest.mark.parametrize(
    "path",
    [
        "/01/08934567890120",  # a valid GTIN we never issued
        "/01/08931234567891",  # bad check digit
        f"/01/{GTIN}/10/NM-8",  # a lot of ours that does not exist
        "/01/08934567890120/10/NM-7",  # the lot under another GTIN
        "/01/08934567890120/21/7K2Q9MXAB3D4EF",
    ],
)
def test_unknown_gtin_or_lot_may_not_be_genuine(client, path):
    _setup()
    for suffix in ("", "?linkType=all", "?linkType=gs1:pip"):
        r = client.get(path + suffix)
        assert r.status_code == 404 and NOT_FOUND in r.get_data(as_text=True), path + suffix


def test_a_serial_under_another_products_gtin_is_not_genuine(client):
    _product, _batch, label = _setup()
    other = make_product(make_user(Role.COOPERATIVE).cooperative, gtin="8934567890120")
    db.session.commit()
    r = client.get(f"/01/{other.gtin.zfill(14)}/21/{label.serial}")
    assert r.status_code == 404 and _count(label.serial) == 0
