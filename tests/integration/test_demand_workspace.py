"""Supply and demand in the commune workspace: figures with their tables, the report's sheet, and the export for
the province's software (Excel and CSV), each scoped to the staff's own commune."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from marketplace.models import Role
from marketplace.text import format_vnd
from tests.factories import LIEN_SON, login, make_cooperative, make_product, make_user
from tests.factories.demands import category_id, make_business, make_demand, make_offer
from tests.factories.orders import SHIPPING, bearer


def _activity(client):
    """A Liên Sơn seller whose offer was accepted, its seasonal supply, and a demand nobody offered on."""
    grower = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Rau Đồng Chằm", commune_code=LIEN_SON))
    kitchen = make_business()
    offer = make_offer(make_demand(kitchen, title="Rau cải"), grower, price_vnd=30_000, quantity=30)
    make_demand(kitchen, title="Gà đồi", category="nong-san-so-che", quantity=50)
    response = client.post(
        f"/api/v1/offers/{offer.id}/accept",
        json={"payment_method": "cod", "shipping": SHIPPING},
        headers=bearer(kitchen),
    )
    assert response.status_code == 201
    login(client, grower)
    client.form_post(
        "/nhu-cau/mua-vu",
        {
            "title": "Chuối Viba",
            "quantity": "2000",
            "unit": "kg",
            "harvest_from": "2099-03-01",
            "harvest_to": "2099-04-30",
        },
    )
    client.get("/logout")
    return grower


def test_the_dashboard_shows_demand_offers_matched_and_unmet_with_their_tables(client):
    _activity(client)
    login(client, make_user(Role.COMMUNE_STAFF, commune_code=LIEN_SON))
    page = client.get("/commune/").get_data(as_text=True)
    for key in ("demands-category", "demands-province", "offers", "matched", "unmet"):
        assert f'id="{key}"' in page
    assert format_vnd(900_000) in page  # 30 kg × 30 000 đ matched
    assert "Nông sản sơ chế" in page  # the demand nobody offered on

    book = load_workbook(BytesIO(client.get("/commune/report.xlsx").data))
    values = [cell for row in book["Cung cầu"].iter_rows(values_only=True) for cell in row]
    assert 900_000 in values and "Nhu cầu chưa ai chào hàng theo danh mục" in values


def test_the_export_has_sellers_products_seasonal_supply_and_open_demands_in_the_documented_columns(client):
    grower = _activity(client)
    make_product(grower.cooperative, name="Bí ngòi Đồng Chằm", category_id=category_id())
    login(client, make_user(Role.COMMUNE_STAFF, commune_code=LIEN_SON))
    book = load_workbook(BytesIO(client.get("/commune/cung-cau.xlsx").data))
    assert book.sheetnames == ["Người bán", "Sản phẩm", "Nguồn hàng theo mùa", "Nhu cầu đang mở"]
    sellers = list(book["Người bán"].iter_rows(values_only=True))
    assert sellers[0][:4] == ("ma_htx", "ten", "loai", "ma_xa") and sellers[1][1] == "HTX Rau Đồng Chằm"
    seasonal = list(book["Nguồn hàng theo mùa"].iter_rows(values_only=True))
    assert seasonal[1][1:4] == ("Chuối Viba", None, 2000)
    demands = list(book["Nhu cầu đang mở"].iter_rows(values_only=True))
    assert [row[1] for row in demands[1:]] == ["Gà đồi"]  # the filled one is no longer open

    csv_text = client.get("/commune/cung-cau.csv?sheet=products").get_data(as_text=True)
    assert csv_text.startswith("\ufeffma_san_pham,ten,ma_htx") and "Bí ngòi Đồng Chằm" in csv_text
    assert client.get("/commune/cung-cau.csv?sheet=nothing").status_code == 404

    client.get("/logout")
    login(client, make_user(Role.COMMUNE_STAFF))  # Triệu Sơn, Thanh Hóa
    other = load_workbook(BytesIO(client.get("/commune/cung-cau.xlsx").data))
    assert other["Người bán"].max_row == 1 and other["Nhu cầu đang mở"].max_row == 1
    client.get("/logout")
    login(client, make_user(Role.BUYER))
    assert client.get("/commune/cung-cau.xlsx").status_code == 403
