"""Excel: a template with Vietnamese headers and drop-downs, an import that reports every wrong cell and
imports nothing until the file is clean (unless asked to take the valid rows), export, and the CLI."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from catalog.excel import COLUMNS
from catalog.models import OcopCertificate, Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import login, make_user
from tests.factories.catalog import make_published

HEADERS = [header for _key, header, _example, _width in COLUMNS]
GOOD = {
    "Tên sản phẩm": "Chè Shan tuyết cổ thụ",
    "Danh mục": "Chè, cà phê, ca cao",
    "Đơn vị": "hộp",
    "Giá (đồng)": 185000,
    "Tồn kho": 20,
    "Khối lượng (g)": 250,
    "Hạn dùng (ngày)": 540,
    "Mã GTIN": "8934588012228",
    "Mô tả": "Chè búp một tôm hai lá.",
    "Số sao OCOP": 4,
    "Số quyết định OCOP": "1234/QĐ-UBND",
    "Cấp công nhận": "tinh",
    "Ngày công nhận": "15/03/2024",
}


def workbook(rows: list[dict], headers: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    headers = headers or HEADERS
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product)) or 0


def _upload(client, data: bytes, **form):
    return client.form_post(
        "/cooperative/products/import",
        {"file": (io.BytesIO(data), "san-pham.xlsx"), **form},
        content_type="multipart/form-data",
    )


def test_template_has_vietnamese_headers_an_example_and_drop_downs(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    response = client.get("/cooperative/products/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Sản phẩm"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A2"].value.startswith("Ví dụ:") and sheet["D2"].value == 125000
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["B2"].startswith("'Danh sách'!$A$1:$A$") and lists["C2"] == "'Danh sách'!$B$1:$B$16"
    names = [r[0].value for r in book["Danh sách"].iter_rows(max_col=1)]
    assert "Thực phẩm" in names and "Mật ong và sản phẩm từ mật ong" in names
    units = [r[0].value for r in book["Danh sách"].iter_rows(min_col=2, max_col=2) if r[0].value]
    assert {"kg", "hộp", "chai", "gói", "bó"} <= set(units)
    assert book["Danh sách"].sheet_state == "hidden"


def test_the_untouched_template_imports_nothing(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    template = client.get("/cooperative/products/template.xlsx").data
    response = _upload(client, template)
    assert response.status_code == 200 and _count() == 0


def test_a_file_with_errors_is_reported_per_row_and_column_and_nothing_is_imported(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    rows = [
        GOOD,
        {**GOOD, "Tên sản phẩm": "Mật ong rừng", "Giá (đồng)": "một trăm", "Mã GTIN": "8934588012227"},
        {**GOOD, "Tên sản phẩm": "Trà hoa vàng", "Danh mục": "Không có nhóm này", "Đơn vị": "thùng"},
        {**GOOD, "Tên sản phẩm": "Cao atiso", "Số sao OCOP": 6},
    ]
    response = _upload(client, workbook(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tệp có 5 lỗi; chưa nhập sản phẩm nào." in page
    for cell, message in (
        ("<td>3</td><td>D — Giá (đồng)</td>", "Phải là số nguyên"),
        ("<td>3</td><td>H — Mã GTIN</td>", "Mã GTIN không đúng"),
        ("<td>4</td><td>B — Danh mục</td>", "Không có danh mục này."),
        ("<td>4</td><td>C — Đơn vị</td>", "Đơn vị chưa hỗ trợ"),
        ("<td>5</td><td>J — Số sao OCOP</td>", "Phải từ 3 đến 5."),
    ):
        assert cell in page
        assert message in page.split(cell, 1)[1].split("</tr>", 1)[0]
    assert _count() == 0

    response = _upload(client, workbook(rows), valid_only="1")
    assert response.status_code == 200
    assert "Đã nhập 1 sản phẩm thành bản nháp." in response.get_data(as_text=True)
    product = db.session.scalar(select(Product))
    assert (product.name, product.slug, product.status) == (
        "Chè Shan tuyết cổ thụ",
        "che-shan-tuyet-co-thu",
        ProductStatus.DRAFT,
    )
    assert (product.price_vnd, product.unit, product.category.slug) == (185_000, "hộp", "che-ca-phe")
    certificate = db.session.scalar(select(OcopCertificate))
    assert (certificate.stars, certificate.expires_on.isoformat()) == (4, "2027-03-15")


def test_a_clean_file_is_imported_and_exported_back(client):
    owner = make_user(Role.COOPERATIVE)
    published = make_published(owner, name="Nấm mèo khô Vạn Sơn")
    db.session.commit()
    login(client, owner)
    rows = [GOOD, {**GOOD, "Tên sản phẩm": "Chè Shan tuyết cổ thụ", "Danh mục": "che ca phe ca cao"}]  # same name twice
    response = _upload(client, workbook(rows))
    assert response.status_code == 200 and "Đã nhập 2 sản phẩm" in response.get_data(as_text=True)
    slugs = sorted(db.session.scalars(select(Product.slug).where(Product.id != published.id)))
    assert slugs[0] == "che-shan-tuyet-co-thu" and slugs[1].startswith("che-shan-tuyet-co-thu-")
    imported = db.session.scalars(select(Product).where(Product.id != published.id)).all()
    assert all([(v.price_vnd, v.stock) for v in p.variants] == [(p.price_vnd, p.stock)] for p in imported)  # default
    exported = client.get("/cooperative/products/export.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.data)).active
    assert [c.value for c in sheet[1]][: len(HEADERS)] == HEADERS
    names = [r[0].value for r in sheet.iter_rows(min_row=2)]
    assert names == ["Nấm mèo khô Vạn Sơn", "Chè Shan tuyết cổ thụ", "Chè Shan tuyết cổ thụ"]
    statuses = [r[len(HEADERS)].value for r in sheet.iter_rows(min_row=2)]
    assert statuses == ["published", "draft", "draft"]


def test_only_a_cooperatives_own_products_are_exported(client):
    mine = make_user(Role.COOPERATIVE)
    make_published(name="Của người khác")
    db.session.commit()
    login(client, mine)
    sheet = load_workbook(io.BytesIO(client.get("/cooperative/products/export.xlsx").data)).active
    assert sheet.max_row == 1


def test_not_a_workbook_or_wrong_headers(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    response = _upload(client, b"ten,gia\nNam meo,125000\n")
    assert response.status_code == 422 and "Tệp không phải bảng tính Excel (.xlsx)." in response.get_data(as_text=True)
    response = _upload(client, workbook([{"Tên": "x"}], headers=["Tên", "Giá"]))
    assert response.status_code == 422 and "Hãy dùng tệp mẫu" in response.get_data(as_text=True)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    client.get("/logout")
    login(client, buyer)
    assert client.get("/cooperative/products/import").status_code == 403


def test_cli_import_products(app, tmp_path):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    path = tmp_path / "san-pham.xlsx"
    runner = app.test_cli_runner()
    path.write_bytes(workbook([GOOD, {**GOOD, "Tên sản phẩm": "Mật ong", "Giá (đồng)": -5}]))
    result = runner.invoke(args=["import-products", str(path), "--cooperative", owner.cooperative.slug])
    assert result.exit_code == 1
    assert "dòng 3, cột D: Phải là số nguyên (ví dụ 125000)." in result.output
    assert "1 lỗi; chưa nhập gì" in result.output
    db.session.commit()
    assert _count() == 0
    result = runner.invoke(args=["import-products", str(path), "--cooperative", owner.cooperative.slug, "--valid-only"])
    assert result.exit_code == 0 and "Đã nhập 1 sản phẩm (bỏ qua 1 dòng lỗi)." in result.output
    db.session.commit()
    assert db.session.scalar(select(Product.cooperative_id)) == owner.cooperative_id
    result = runner.invoke(args=["import-products", str(path), "--cooperative", "khong-co"])
    assert result.exit_code == 1 and "Không tìm thấy hợp tác xã 'khong-co'." in result.output
