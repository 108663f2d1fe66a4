"""A variant is what is sold: feeds emit one item per variant grouped by the product, seller-centre sheets one row
per variant; a product without explicit variants keeps its single item and SKU."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree as ET

from openpyxl import load_workbook

from integrations import listings
from integrations.product_data import product_id_from_sku
from marketplace.extensions import db
from tests.factories import make_cooperative, make_product
from tests.factories.catalog import set_variants, variant_row

G = "{http://base.google.com/ns/1.0}"


def _catalogue():
    coop = make_cooperative(name="Hợp tác xã Chè Suối Giàng")
    tea = make_product(coop, name="Chè Shan tuyết")
    small, large = set_variants(
        tea,
        [
            variant_row("Túi 200 g", 50_000, 12, gtin="8938500000010"),
            variant_row("Hộp 500 g", 110_000, 0, weight_g=600),
        ],
    )
    honey = make_product(coop, name="Mật ong bạc hà", price_vnd=300_000, stock=4)
    db.session.commit()
    return coop, tea, small, large, honey


def test_google_feed_has_one_item_per_variant_grouped_by_product(client):
    _coop, tea, small, large, honey = _catalogue()
    root = ET.fromstring(client.get("/feeds/google.xml").data)  # noqa: S314 — our own feed, parsed to check it
    items = {item.findtext(f"{G}id"): item for item in root.iter("item")}
    assert set(items) == {f"OCOP-{tea.id}-{small.id}", f"OCOP-{tea.id}-{large.id}", f"OCOP-{honey.id}"}
    bag, box = items[f"OCOP-{tea.id}-{small.id}"], items[f"OCOP-{tea.id}-{large.id}"]
    assert bag.findtext(f"{G}item_group_id") == box.findtext(f"{G}item_group_id") == f"OCOP-{tea.id}"
    assert (bag.findtext(f"{G}title"), bag.findtext(f"{G}price")) == ("Chè Shan tuyết — Túi 200 g", "50000 VND")
    assert bag.findtext(f"{G}gtin") == "08938500000010" and bag.findtext(f"{G}availability") == "in_stock"
    assert box.findtext(f"{G}availability") == "out_of_stock" and box.findtext(f"{G}link").endswith(f"?loai={large.id}")
    assert items[f"OCOP-{honey.id}"].findtext(f"{G}item_group_id") is None


def test_facebook_feed_has_one_row_per_variant_with_its_group(client):
    _coop, tea, small, large, honey = _catalogue()
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(client.get("/feeds/facebook.csv").get_data(as_text=True)))}
    assert rows[f"OCOP-{tea.id}-{small.id}"]["item_group_id"] == f"OCOP-{tea.id}"
    assert rows[f"OCOP-{tea.id}-{large.id}"]["inventory"] == "0"
    assert rows[f"OCOP-{honey.id}"]["item_group_id"] == ""


def test_postmart_sheet_has_one_row_per_variant_and_reads_back_to_the_product(app, tmp_path: Path):
    coop, tea, small, large, honey = _catalogue()
    result = listings.export_channel("postmart", tmp_path / "p.xlsx", cooperative_ids=[coop.id], include_all=True)
    sheet = list(load_workbook(result.workbook).worksheets[0].iter_rows(values_only=True))
    rows = [dict(zip(sheet[0], row, strict=False)) for row in sheet[2:]]
    skus = {r["Mã SKU người bán"]: r["Số lượng tồn kho"] for r in rows}
    assert skus == {f"OCOP-{tea.id}-{small.id}": 12, f"OCOP-{tea.id}-{large.id}": 0, f"OCOP-{honey.id}": 4}
    assert {product_id_from_sku(s) for s in skus} == {tea.id, honey.id}
    db.session.commit()
    assert listings.reconcile("postmart") == 0  # what was sent is what the variants are
    set_variants(
        tea, [variant_row("Túi 200 g", 48_000, 12, id=small.id), variant_row("Hộp 500 g", 110_000, 0, id=large.id)]
    )
    db.session.commit()
    assert listings.reconcile("postmart") == 1  # a variant's price moved: the product's listing is out of sync
