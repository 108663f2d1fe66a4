"""CSV/formula injection: a product or cooperative name that starts like a formula (`=`, `+`, `-`, `@`, tab,
carriage return) reaches every spreadsheet and CSV we hand out as text with a leading quote, never as a formula
Excel or LibreOffice would run; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from io import BytesIO

import pytest
from openpyxl import load_workbook

from integrations import listings
from marketplace.extensions import db
from marketplace.models import CooperativeStatus, Role
from marketplace.text import spreadsheet_safe
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.integrations import add_photo

NAMES = ('=HYPERLINK("http://evil","x")', "@SUM(1+1)", "+cmd", "-2+3+cmd|' /C calc'!A0")
COOP_NAME = "=1+1 Hợp tác xã"


@pytest.fixture
def hostile(app):
    """A cooperative whose name and products' names are formulas; each product has a photo (feeds need one)."""
    coop = make_cooperative(name=COOP_NAME, commune_code=VAN_SON)
    coop.status = CooperativeStatus.VERIFIED
    products = [make_product(coop, name=name, price_vnd=125_000, stock=7, ocop_stars=4) for name in NAMES]
    for product in products:
        add_photo(app, product)
    owner = make_user(Role.COOPERATIVE, cooperative=coop)
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    db.session.commit()
    return {"coop": coop, "products": products, "owner": owner, "staff": staff}


def _assert_no_formula(book) -> list:
    """No cell of any sheet is a formula; returns every string value for further checks."""
    strings = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
                    strings.append(cell.value)
    return strings


def test_the_helper_quotes_text_only():
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("-5") == "'-5"
    assert spreadsheet_safe("\tx") == "'\tx" and spreadsheet_safe("\rx") == "'\rx"
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe(None) is None
    assert spreadsheet_safe("Nấm mèo") == "Nấm mèo"


def test_cooperative_product_export(client, hostile):
    login(client, hostile["owner"])
    response = client.get("/cooperative/products/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    strings = _assert_no_formula(book)
    assert {f"'{name}" for name in NAMES} <= set(strings)
    prices = [row[3].value for row in book.active.iter_rows(min_row=2)]
    assert prices == [125_000] * len(NAMES)


def test_commune_report(client, hostile):
    login(client, hostile["staff"])
    response = client.get("/commune/report.xlsx")
    assert response.status_code == 200
    strings = _assert_no_formula(load_workbook(BytesIO(response.data)))
    assert {f"'{name}" for name in NAMES} <= set(strings)
    assert f"'{COOP_NAME}" in strings


@pytest.mark.parametrize("channel", ["postmart", "voso"])
def test_marketplace_upload_sheets(app, hostile, tmp_path, channel):
    result = listings.export_channel(channel, tmp_path / f"{channel}.xlsx", cooperative_ids=[hostile["coop"].id])
    db.session.commit()
    book = load_workbook(result.workbook)
    strings = _assert_no_formula(book)
    assert {f"'{name}" for name in NAMES} <= set(strings)
    assert f"'{COOP_NAME}" in strings
    numbers = [c.value for row in book.worksheets[0].iter_rows(min_row=3) for c in row if isinstance(c.value, int)]
    assert 125_000 in numbers and 7 in numbers


def test_facebook_catalogue_csv(client, hostile):
    response = client.get("/feeds/facebook.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted(r["title"] for r in rows) == sorted(f"'{name}" for name in NAMES)
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values()), row
        assert row["brand"] == f"'{COOP_NAME}" and row["inventory"] == "7"
