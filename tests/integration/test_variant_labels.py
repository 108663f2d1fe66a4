"""A variant is what is labelled: a label run may name one of the batch's product's variants, and its labels carry
that variant's GTIN in their GS1 Digital Link, which resolves like the product's own."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import make_product, make_user
from tests.factories.catalog import set_variants, variant_row
from tests.factories.orders import bearer
from tests.factories.traceability import make_batch
from traceability.models import LabelRun


def test_labels_for_a_variant_carry_its_gtin_and_resolve(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, gtin="8931234567897")
    _bag, box = set_variants(
        product,
        [
            variant_row("Túi 200 g", 50_000, 10, gtin="8931234567897"),
            variant_row("Hộp 500 g", 110_000, 10, gtin="8934567890120"),
        ],
    )
    batch = make_batch(owner=owner, product=product, lot="NM-7")
    other_box = set_variants(make_product(owner.cooperative), [variant_row("Hộp", 1_000, 1)])[0]
    db.session.commit()
    headers = bearer(owner)
    url = f"/api/v1/batches/{batch.code}/labels"
    response = client.post(url, json={"count": 2, "variant_id": box.id}, headers=headers)
    assert response.status_code == 201, response.get_json()
    label = response.get_json()["labels"][0]
    assert label["url"] == f"https://ocop.test/01/08934567890120/10/NM-7/21/{label['serial']}"
    assert db.session.get(LabelRun, response.get_json()["run_id"]).variant_id == box.id
    scanned = client.get(label["url"].removeprefix("https://ocop.test"))
    assert scanned.status_code == 200 and "Mã chính hãng" in scanned.get_data(as_text=True)
    plain = client.post(url, json={"count": 1}, headers=headers).get_json()["labels"][0]
    assert "/01/08931234567897/" in plain["url"]  # no variant named: the product's GTIN
    refused = client.post(url, json={"count": 1, "variant_id": other_box.id}, headers=headers)
    assert refused.status_code == 422 and "variant_id" in refused.get_json()["error"]["fields"]
