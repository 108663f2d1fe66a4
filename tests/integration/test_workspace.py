"""The commune dashboard and the Excel report for the province, through the real pages on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from catalog.models import OcopCertificate, Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import AuditLog, Cooperative, CooperativeStatus, Role
from marketplace.text import today_vn
from tests.factories import LIEN_SON, MUONG_LAT, VAN_SON, login, make_cooperative, make_product, make_user

THANH_HOA = 38


@pytest.fixture
def commune_data(app):
    """Two cooperatives in Xã Triệu Sơn (one waiting for verification), one in Mường Lát, one in Phú Thọ."""
    today = today_vn()
    pending = CooperativeStatus.PENDING
    main = make_cooperative(name="Hợp tác xã Nấm mèo Vạn Sơn", commune_code=VAN_SON)
    waiting = make_cooperative(name="Tổ hợp tác Mật ong Đồng Thắng", commune_code=VAN_SON, status=pending)
    other = make_cooperative(name="HTX Chè Mường Lát", commune_code=MUONG_LAT, status=pending)
    far = make_cooperative(name="HTX Chuối Viba", commune_code=LIEN_SON, status=pending)
    make_product(main, name="Nấm mèo khô 500 g", ocop_stars=4, price_vnd=120_000)
    make_product(main, name="Nấm mèo thái sợi", ocop_stars=3)
    make_product(main, name="Mộc nhĩ đen", status=ProductStatus.PENDING_REVIEW, published_at=None)
    make_product(waiting, name="Mật ong hoa nhãn", status=ProductStatus.DRAFT, published_at=None)
    expiring = make_product(main, name="Nấm hương rừng", ocop_stars=5)
    expiring.certificate.expires_on = today + timedelta(days=30)
    make_product(other, name="Chè shan tuyết", ocop_stars=4)
    make_product(far, name="Chuối tiêu hồng", ocop_stars=3)
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn", commune_code=VAN_SON)
    other_staff = make_user(Role.COMMUNE_STAFF, email="xa-khac@example.vn", commune_code=MUONG_LAT)
    admin = make_user(Role.ADMIN, email="tinh@example.vn")
    db.session.commit()
    return {"main": main, "waiting": waiting, "staff": staff, "other_staff": other_staff, "admin": admin}


def test_staff_sees_their_commune_with_charts_and_tables(client, commune_data):
    login(client, commune_data["staff"])
    response = client.get("/commune/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Xã Triệu Sơn, Thanh Hóa" in page
    assert page.count("<svg") >= 3 and 'role="img"' in page
    assert "Nấm hương rừng" in page  # certificate expiring within 90 days, listed for follow-up
    assert "Chè shan tuyết" not in page  # another commune's product
    assert "Tổ hợp tác Mật ong Đồng Thắng" in page  # waiting for verification, with a button
    assert 'class="ws-review-count">1<' in page
    assert "style=" not in page
    assert "Content-Security-Policy" in response.headers


def test_staff_of_another_commune_gets_403(client, commune_data):
    login(client, commune_data["staff"])
    assert client.get(f"/commune/?commune={MUONG_LAT}").status_code == 403
    assert client.get(f"/commune/?province={THANH_HOA}").status_code == 403
    assert client.get(f"/commune/report.xlsx?commune={MUONG_LAT}").status_code == 403
    assert client.get(f"/commune/?commune={VAN_SON}").status_code == 200


def test_buyers_and_cooperatives_cannot_open_the_workspace(client, commune_data):
    buyer = make_user(email="mua@example.vn")
    member = make_user(Role.COOPERATIVE, email="htx@example.vn", cooperative=commune_data["main"])
    db.session.commit()
    assert client.get("/commune/").status_code == 302  # anonymous: to the login page
    for user in (buyer, member):
        login(client, user)
        assert client.get("/commune/").status_code == 403
        assert client.get("/commune/report.xlsx").status_code == 403
        client.form_post("/logout")


def test_admin_chooses_a_commune_a_province_or_everything(client, commune_data):
    login(client, commune_data["admin"])
    everything = client.get("/commune/").get_data(as_text=True)
    assert "Toàn bộ các xã" in everything
    province = client.get(f"/commune/?province={THANH_HOA}").get_data(as_text=True)
    assert "Thanh Hóa" in province
    commune = client.get(f"/commune/?commune={MUONG_LAT}")
    assert commune.status_code == 200
    assert "Xã Mường Lát, Thanh Hóa" in commune.get_data(as_text=True)
    assert client.get("/commune/?commune=99999999").status_code == 404
    assert client.get("/commune/?commune=abc").status_code == 400


def test_bad_dates_are_a_clear_400(client, commune_data):
    login(client, commune_data["staff"])
    cases = {
        "from=2026-13-01": "hãy dùng dạng YYYY-MM-DD",
        "to=hôm-nay": "hãy dùng dạng YYYY-MM-DD",
        "from=2026-05-01&to=2026-01-01": "Ngày bắt đầu phải trước",
        "from=2010-01-01&to=2026-01-01": "tối đa là 5 năm",
    }
    for query, message in cases.items():
        for path in ("/commune/report.xlsx", "/commune/"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, query
            assert message in response.get_data(as_text=True), query
    json = client.get("/commune/report.xlsx?from=31/01/2026", headers={"Accept": "application/json"})
    assert json.status_code == 400 and json.get_json()["error"]["code"] == "invalid_date"


def test_verify_button_verifies_and_is_audited(client, commune_data):
    waiting = commune_data["waiting"]
    login(client, commune_data["staff"])
    response = client.form_post(f"/commune/cooperatives/{waiting.id}/verify", {"verified": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cooperative, waiting.id).verified
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "cooperative.verified"))
    assert entry.actor_id == commune_data["staff"].id and entry.commune_code == VAN_SON
    assert (
        "Tổ hợp tác Mật ong Đồng Thắng"
        not in client.get("/commune/").get_data(as_text=True).split("Việc cần làm")[1].split("</section>")[0]
    )


def test_verify_needs_csrf_and_the_right_commune(client, commune_data):
    other = make_cooperative(name="HTX Mường Lát chờ", commune_code=MUONG_LAT, status=CooperativeStatus.PENDING)
    db.session.commit()
    login(client, commune_data["staff"])
    assert client.post(f"/commune/cooperatives/{commune_data['waiting'].id}/verify").status_code == 400
    assert client.form_post(f"/commune/cooperatives/{other.id}/verify").status_code == 403
    assert client.form_post("/commune/cooperatives/999999/verify").status_code == 404
    db.session.expire_all()
    assert not db.session.get(Cooperative, other.id).verified


def _workbook(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.data))


def _table(sheet) -> tuple[list[str], list[list], list]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:-1], rows[-1]


def test_report_has_vietnamese_sheets_formats_and_totals_matching_the_database(client, commune_data):
    login(client, commune_data["staff"])
    response = client.get("/commune/report.xlsx?from=2026-01-01&to=2026-11-30")
    assert "bao-cao-ocop-xa-15664-20260101-20261130.xlsx" in response.headers["Content-Disposition"]
    book = _workbook(response)
    assert book.sheetnames[:4] == ["Tổng hợp", "Hợp tác xã", "Sản phẩm và OCOP", "Chứng nhận sắp hết hạn"]
    summary = book["Tổng hợp"]
    assert summary["B2"].value == "Xã Triệu Sơn, Thanh Hóa"
    assert summary["B3"].value.date() == date(2026, 1, 1) and summary["B3"].number_format == "DD/MM/YYYY"

    header, rows, total = _table(book["Hợp tác xã"])
    assert header[:3] == ["STT", "Tên hợp tác xã", "Loại hình"]
    assert {r[1] for r in rows} == {"Hợp tác xã Nấm mèo Vạn Sơn", "Tổ hợp tác Mật ong Đồng Thắng"}
    assert total[0] == "Tổng" and total[1] == 2
    in_db = db.session.scalar(
        select(func.count(Product.id)).join(Cooperative).where(Cooperative.commune_code == VAN_SON)
    )
    assert total[9] == in_db == 5
    assert book["Hợp tác xã"].freeze_panes == "A2"

    products = book["Sản phẩm và OCOP"]
    header, rows, total = _table(products)
    assert "Ngày hết hạn" in header and "Giá bán" in header
    price_col = header.index("Giá bán")
    assert products.cell(row=2, column=price_col + 1).number_format == '#,##0 "₫"'
    expiry_col = header.index("Ngày hết hạn")
    assert products.cell(row=2, column=expiry_col + 1).number_format == "DD/MM/YYYY"
    stock_in_db = db.session.scalar(
        select(func.sum(Product.stock)).join(Cooperative).where(Cooperative.commune_code == VAN_SON)
    )
    assert total[header.index("Tồn kho")] == stock_in_db
    certified = db.session.scalar(
        select(func.count(OcopCertificate.id))
        .join(Product)
        .join(Cooperative)
        .where(Cooperative.commune_code == VAN_SON)
    )
    assert total[header.index("Hạng OCOP (sao)")] == certified == 3
    assert products.column_dimensions["B"].width >= 20

    header, rows, total = _table(book["Chứng nhận sắp hết hạn"])
    assert [r[1] for r in rows] == ["Nấm hương rừng"]
    assert rows[0][header.index("Còn lại (ngày)")] == 30


def test_admin_report_for_a_province_covers_its_communes_only(client, commune_data):
    login(client, commune_data["admin"])
    book = _workbook(client.get(f"/commune/report.xlsx?province={THANH_HOA}"))
    _header, rows, total = _table(book["Hợp tác xã"])
    assert total[1] == 3
    assert "HTX Chuối Viba" not in {r[1] for r in rows}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dashboard_and_report_word_product_states_as_the_catalogue_does(client, commune_data, language):
    """The products figure and the report's status column read the catalogue's own status words
    (`catalog.services.STATUS_LABELS`), in the reader's language."""
    waiting = {"vi": "Chờ xã duyệt", "en": "Awaiting commune review"}[language]
    login(client, commune_data["staff"])
    client.get(f"/lang/{language}")
    page = client.get("/commune/").get_data(as_text=True)
    assert f"{waiting}: 1" in page and {"vi": "Chờ duyệt:", "en": "Pending review:"}[language] not in page
    book = _workbook(client.get("/commune/report.xlsx"))
    header, rows, _total = _table(book[book.sheetnames[2]])
    states = {row[1]: row[header.index({"vi": "Trạng thái", "en": "Status"}[language])] for row in rows}
    assert (
        states["Mộc nhĩ đen"] == waiting and states["Mật ong hoa nhãn"] == {"vi": "Bản nháp", "en": "Draft"}[language]
    )
