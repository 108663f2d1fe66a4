"""Import from the province's supply–demand software (both databases): the export's layout read back by commune
staff, rows checked one by one with a report, and a second import adding nothing."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Role
from marketplace.text import today_vn
from orders.demands.models import Demand, SeasonalSupply
from tests.factories import LIEN_SON, login, make_cooperative, make_user
from tests.factories.demands import make_business, make_demand

SEASONAL_HEADER = "ma_htx,san_pham,danh_muc,san_luong,don_vi,thu_hoach_tu,thu_hoach_den,ghi_chu"
DEMAND_HEADER = (
    "ma_nhu_cau",
    "ten",
    "danh_muc",
    "so_luong",
    "don_vi",
    "can_truoc",
    "thu_trong_tuan",
    "lich_tu",
    "lich_den",
    "ma_tinh",
    "ma_xa",
    "gia_toi_da_vnd",
    "han_chao_hang",
    "so_chao_hang",
    "ma_so_thue_nguoi_mua",
)


def upload(client, content: bytes, name: str):
    return client.form_post(
        "/commune/cung-cau/nhap", {"file": (BytesIO(content), name)}, content_type="multipart/form-data"
    )


def outcomes(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-outcome="')[1:]]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def staff_of_lien_son(client):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=LIEN_SON)
    login(client, staff)
    return staff


def test_the_exported_workbook_imported_back_adds_nothing(client):
    grower = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Rau Đồng Chằm", commune_code=LIEN_SON))
    harvest = today_vn() + timedelta(days=60)
    db.session.add(
        SeasonalSupply(
            cooperative_id=grower.cooperative_id,
            title="Chuối Viba",
            quantity=2000,
            unit="kg",
            harvest_from=harvest,
            harvest_to=harvest + timedelta(days=30),
        )
    )
    make_demand(title="Gà đồi")
    staff_of_lien_son(client)
    exported = client.get("/commune/cung-cau.xlsx").data
    answer = upload(client, exported, "cung-cau.xlsx")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert outcomes(page) == ["existing", "existing"] and "Đã thêm 0 dòng; 2 dòng đã có sẵn" in page
    assert (count(SeasonalSupply), count(Demand)) == (1, 1)


def test_seasonal_rows_from_a_csv_are_checked_one_by_one_and_a_second_import_adds_nothing(client):
    near = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Chuối Liên Sơn", commune_code=LIEN_SON))
    far = make_user(Role.COOPERATIVE, cooperative=make_cooperative(name="HTX Thanh Hóa"))  # another commune
    start, end = today_vn() + timedelta(days=30), today_vn() + timedelta(days=90)
    lines = [
        SEASONAL_HEADER,
        f"{near.cooperative.slug},Chuối tiêu hồng,nong-san-tuoi,2000,kg,{start},{end},Thu hoạch tháng 3–4",
        f"khong-co-htx-nay,Bưởi,,100,kg,{start},{end},",
        f"{near.cooperative.slug},Cam,,nhiều,kg,{start},{end},",
        f"{far.cooperative.slug},Mía,,500,kg,{start},{end},",
    ]
    content = ("\ufeff" + "\n".join(lines)).encode()
    staff_of_lien_son(client)
    page = upload(client, content, "nguon-hang.csv").get_data(as_text=True)
    assert outcomes(page) == ["added", "refused", "refused", "refused"]
    assert "Không có người bán đã xác minh mã “khong-co-htx-nay”." in page
    assert "<td>san_luong</td>" in page and "HTX Thanh Hóa không thuộc xã của bạn." in page
    supply = db.session.scalar(select(SeasonalSupply))
    assert (supply.cooperative_id, supply.title, supply.quantity, supply.note) == (
        near.cooperative_id,
        "Chuối tiêu hồng",
        2000,
        "Thu hoạch tháng 3–4",
    )
    again = upload(client, content, "nguon-hang.csv").get_data(as_text=True)
    assert outcomes(again)[0] == "existing" and count(SeasonalSupply) == 1


def demand_workbook(rows: list[tuple]) -> bytes:
    book = Workbook()
    book.active.title = "Nhu cầu đang mở"
    book.active.append(DEMAND_HEADER)
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_new_demands_are_posted_for_a_verified_business_named_by_tax_number_once(client):
    kitchen = make_business(organisation_name="Bếp ăn Trường Mầm non Liên Sơn", tax_number="2600123456")
    needed = today_vn() + timedelta(days=20)
    content = demand_workbook(
        [
            (
                9001,
                "Rau cải ngọt",
                "nong-san-tuoi",
                40,
                "kg",
                needed,
                None,
                None,
                None,
                25,
                None,
                35000,
                None,
                0,
                "2600123456",
            ),
            (9002, "Thịt lợn", None, 20, "kg", needed, None, None, None, 25, None, None, None, 0, ""),
            (9003, "Trứng gà", None, 0, "quả", needed, None, None, None, 25, None, None, None, 0, "2600123456"),
            (9004, "Đậu phụ", None, 12.5, "kg", needed, None, None, None, 25, None, None, None, 0, "2600123456"),
        ]
    )
    staff_of_lien_son(client)
    page = upload(client, content, "nhu-cau.xlsx").get_data(as_text=True)
    assert outcomes(page) == ["added", "refused", "refused", "refused"]  # no tax number, 0 eggs, 12,5 kg
    assert "<td>ma_so_thue_nguoi_mua</td>" in page and "<td>so_luong</td>" in page
    demand = db.session.scalar(select(Demand))
    assert (demand.buyer_id, demand.title, demand.quantity, demand.needed_by, demand.max_price_vnd) == (
        kitchen.id,
        "Rau cải ngọt",
        40,
        needed,
        35_000,
    )
    again = upload(client, content, "nhu-cau.xlsx").get_data(as_text=True)
    assert outcomes(again)[0] == "existing" and count(Demand) == 1


def test_only_staff_import_and_a_file_that_is_no_table_is_refused_clearly(client):
    login(client, make_user(Role.BUYER))
    assert upload(client, b"x", "a.csv").status_code == 403
    client.get("/logout")
    staff_of_lien_son(client)
    assert "Nhập dữ liệu cung cầu" in client.get("/commune/cung-cau/nhap").get_data(as_text=True)
    wrong = upload(client, "ten,gia\nBưởi,1\n".encode(), "a.csv")
    assert wrong.status_code == 422 and "Không thấy bảng nguồn hàng theo mùa hay nhu cầu" in wrong.get_data(
        as_text=True
    )
    broken = upload(client, b"PK\x03\x04 not really a workbook", "a.xlsx")
    assert broken.status_code == 422 and "Tệp không phải bảng tính Excel (.xlsx)." in broken.get_data(as_text=True)
