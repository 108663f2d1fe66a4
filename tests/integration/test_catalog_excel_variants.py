"""Excel import and export one row per variant (both databases): rows naming the same product and a pack become one
product with those variants, a repeated pack is reported, and the export writes each variant on its own row."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from catalog.excel import COLUMNS
from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_user

HEADERS = [header for _key, header, _example, _width in COLUMNS]
TEA = {"Tên sản phẩm": "Chè Tân Cương", "Danh mục": "Chè, cà phê, ca cao", "Đơn vị": "gói", "Hạn dùng (ngày)": 365}


def workbook(rows: list[dict]) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append([row.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, rows: list[dict]):
    return client.form_post(
        "/cooperative/products/import",
        {"file": (io.BytesIO(workbook(rows)), "san-pham.xlsx")},
        content_type="multipart/form-data",
    )


def pack(name: str, price: int, stock: int, **more) -> dict:
    return {**TEA, "Loại hàng": name, "Giá (đồng)": price, "Tồn kho": stock, "Khối lượng (g)": 200, **more}


def test_rows_of_one_product_become_its_variants_and_are_exported_one_row_each(client):
    owner = make_user(Role.COOPERATIVE)
    login(client, owner)
    honey = {"Tên sản phẩm": "Mật ong bạc hà", "Đơn vị": "chai", "Giá (đồng)": 250000, "Tồn kho": 8}
    answer = upload(client, [pack("Túi 200 g", 60000, 30), pack("Túi 500 g", 140000, 12), honey])
    assert answer.status_code == 200 and "Đã nhập 2 sản phẩm" in answer.get_data(as_text=True)
    tea = db.session.scalar(select(Product).where(Product.name == "Chè Tân Cương"))
    assert [(v.name, v.price_vnd, v.stock) for v in tea.variants] == [
        ("Túi 200 g", 60_000, 30),
        ("Túi 500 g", 140_000, 12),
    ]
    assert (tea.price_vnd, tea.stock) == (60_000, 42)  # "from" price, total stock
    honey_product = db.session.scalar(select(Product).where(Product.name == "Mật ong bạc hà"))
    assert [(v.price_vnd, v.stock) for v in honey_product.variants] == [(250_000, 8)]

    sheet = load_workbook(io.BytesIO(client.get("/cooperative/products/export.xlsx").data)).active
    pack_column = HEADERS.index("Loại hàng")
    rows = [(r[0].value, r[pack_column].value, r[3].value, r[4].value) for r in sheet.iter_rows(min_row=2)]
    assert rows == [
        ("Chè Tân Cương", "Túi 200 g", 60_000, 30),
        ("Chè Tân Cương", "Túi 500 g", 140_000, 12),
        ("Mật ong bạc hà", None, 250_000, 8),
    ]


def test_a_repeated_pack_is_reported_on_its_row_and_nothing_is_imported(client):
    login(client, make_user(Role.COOPERATIVE))
    answer = upload(client, [pack("Túi 200 g", 60000, 30), pack("túi 200 g", 58000, 5)])
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "“Chè Tân Cương” đã có loại hàng “túi 200 g” ở dòng trên." in page and "Loại hàng" in page
    assert db.session.scalar(select(Product.id)) is None
