"""Orders, revenue, scans and channels on the commune dashboard and in the Excel report (both databases)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from integrations.models import ListingState
from marketplace.extensions import db
from marketplace.models import Cooperative, Role
from marketplace.text import format_vnd
from orders.models import Order, OrderStatus
from tests.factories import LIEN_SON, MUONG_LAT, VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.orders import PaymentMethod
from tests.factories.workspace import make_listing, make_order, make_scans
from workspace.sales import SOLD_STATES
from workspace.scope import Period

THANH_HOA = 38
Q1 = "from=2026-01-01&to=2026-03-31"
S = OrderStatus


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def sales_data(app):
    """Xã Triệu Sơn (A) sells in January–March 2026; Mường Lát (B, same province) and Liên Sơn (Phú Thọ) too."""
    main = make_cooperative(name="Hợp tác xã Nấm mèo Vạn Sơn", commune_code=VAN_SON)
    honey = make_cooperative(name="Tổ hợp tác Mật ong Đồng Thắng", commune_code=VAN_SON)
    other = make_cooperative(name="HTX Chè Mường Lát", commune_code=MUONG_LAT)
    far = make_cooperative(name="HTX Chuối Viba", commune_code=LIEN_SON)
    mushroom = make_product(main, name="Nấm mèo khô", price_vnd=120_000, unit="kg")
    bag = make_product(main, name="Nấm mèo túi 200 g", price_vnd=50_000, unit="gói")
    mead = make_product(honey, name="Mật ong hoa nhãn", price_vnd=80_000, unit="chai")
    tea = make_product(other, name="Chè shan tuyết", price_vnd=200_000)
    banana = make_product(far, name="Chuối tiêu hồng", price_vnd=999_000)
    buyer = make_user(email="mua@example.vn")
    plan = [
        (mushroom, 2, S.COMPLETED, utc(2026, 1, 10, 3), PaymentMethod.VIETQR),
        (bag, 1, S.DELIVERED, utc(2025, 12, 31, 17, 30), PaymentMethod.VIETQR),  # 1 January 00:30 in Vietnam
        (bag, 1, S.PAID, utc(2026, 1, 31, 20), PaymentMethod.VIETQR),  # 1 February 03:00 in Vietnam
        (mushroom, 1, S.CONFIRMED, utc(2026, 2, 15, 3), PaymentMethod.COD),
        (mushroom, 3, S.AWAITING_CONFIRMATION, utc(2026, 2, 16, 3), PaymentMethod.COD),  # not confirmed yet
        (bag, 2, S.PENDING_PAYMENT, utc(2026, 2, 20, 3), PaymentMethod.VIETQR),  # not paid
        (mushroom, 5, S.CANCELLED, utc(2026, 3, 3, 3), PaymentMethod.VIETQR),
        (bag, 4, S.REFUNDED, utc(2026, 3, 4, 3), PaymentMethod.VIETQR),
        (mushroom, 1, S.REFUND_REQUESTED, utc(2026, 3, 5, 3), PaymentMethod.VIETQR),
        (bag, 2, S.SHIPPED, utc(2026, 3, 10, 3), PaymentMethod.VIETQR),
        (mead, 1, S.COMPLETED, utc(2026, 3, 12, 3), PaymentMethod.COD),
        (mushroom, 10, S.COMPLETED, utc(2026, 4, 2, 3), PaymentMethod.VIETQR),  # after the period
        (tea, 3, S.COMPLETED, utc(2026, 2, 10, 3), PaymentMethod.VIETQR),
        (banana, 1, S.COMPLETED, utc(2026, 2, 10, 3), PaymentMethod.VIETQR),
    ]
    for product, quantity, status, at, method in plan:
        make_order(buyer, {product: quantity}, status, at, method=method)
    make_scans(mushroom, utc(2026, 1, 5, 2), 3)
    make_scans(mushroom, utc(2026, 3, 30, 16, 59), 1)  # 30/03 23:59 in Vietnam
    make_scans(mushroom, utc(2026, 3, 31, 17, 30), 2)  # 01/04 in Vietnam: after the period
    make_scans(bag, utc(2026, 2, 2, 4), 4)
    make_scans(tea, utc(2026, 1, 5, 2), 7)
    make_listing(mushroom, "postmart", ListingState.LISTED)
    make_listing(bag, "postmart", ListingState.OUT_OF_SYNC)
    make_listing(mushroom, "voso", ListingState.EXPORTED)
    make_listing(tea, "voso", ListingState.LISTED)
    staff = make_user(Role.COMMUNE_STAFF, email="xa@example.vn", commune_code=VAN_SON)
    other_staff = make_user(Role.COMMUNE_STAFF, email="xa-khac@example.vn", commune_code=MUONG_LAT)
    admin = make_user(Role.ADMIN, email="tinh@example.vn")
    db.session.commit()
    return {"staff": staff, "other_staff": other_staff, "admin": admin}


def figure(page: str, key: str) -> str:
    """The HTML of one dashboard figure (its chart and its table)."""
    match = re.search(rf'<section class="card ws-figure" id="{key}">(.*?)</section>', page, re.S)
    assert match, key
    return match.group(1)


def row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def total(*cells: str) -> str:
    return '<tr class="ws-total">' + "".join(f"<th>{c}</th>" for c in cells) + "</tr>"


def headline(page: str, label: str) -> str:
    match = re.search(rf'<li><a class="ws-tile" href="#[^"]*"><b>([^<]*)</b><span>{label}</span></a></li>', page)
    assert match, label
    return match.group(1)


def db_revenue(commune_codes: list[int], period: Period) -> int:
    begin, finish = period.utc_bounds
    return db.session.scalar(
        select(func.coalesce(func.sum(Order.subtotal_vnd), 0))
        .join(Cooperative, Cooperative.id == Order.cooperative_id)
        .where(
            Cooperative.commune_code.in_(commune_codes),
            Order.status.in_(sorted(SOLD_STATES)),
            Order.created_at >= begin,
            Order.created_at < finish,
        )
    )


def test_staff_see_orders_revenue_and_best_sellers_of_their_commune(client, sales_data):
    login(client, sales_data["staff"])
    page = client.get(f"/commune/?{Q1}").get_data(as_text=True)

    orders = figure(page, "orders_by_month")
    assert "<svg" in orders and 'role="img"' in orders
    assert row("01/2026", "2", "2") in orders  # the order placed at 00:30 on 1 January (Vietnam) is January's
    assert row("02/2026", "4", "2") in orders
    assert row("03/2026", "5", "2") in orders
    assert total("Tổng", "11", "6") in orders

    revenue = figure(page, "revenue_by_month")
    assert row("01/2026", format_vnd(290_000)) in revenue
    assert row("02/2026", format_vnd(170_000)) in revenue  # paid, and confirmed cash on delivery
    assert row("03/2026", format_vnd(180_000)) in revenue  # cancelled and refunded orders do not count
    assert total("Tổng", format_vnd(640_000)) in revenue
    assert "không gồm phí vận chuyển" in revenue
    assert db_revenue([VAN_SON], Period(date(2026, 1, 1), date(2026, 3, 31))) == 640_000

    by_coop = figure(page, "revenue_by_cooperative")
    assert row("Hợp tác xã Nấm mèo Vạn Sơn", "5", format_vnd(560_000)) in by_coop
    assert row("Tổ hợp tác Mật ong Đồng Thắng", "1", format_vnd(80_000)) in by_coop
    assert by_coop.index("Nấm mèo Vạn Sơn") < by_coop.index("Mật ong Đồng Thắng")

    best = figure(page, "top_products")
    assert row("Nấm mèo khô", "3 kg", format_vnd(360_000)) in best
    assert row("Nấm mèo túi 200 g", "4 gói", format_vnd(200_000)) in best
    assert best.index("Nấm mèo khô") < best.index("Nấm mèo túi 200 g") < best.index("Mật ong hoa nhãn")

    assert headline(page, "Đơn hàng trong kỳ") == "11"
    assert headline(page, "Doanh thu trong kỳ") == format_vnd(640_000)  # shipping (30.000 ₫ an order) left out
    assert "Chè shan tuyết" not in page and format_vnd(600_000) not in page
    assert "style=" not in page


def test_staff_see_scans_by_day_and_by_product_and_channels(client, sales_data):
    login(client, sales_data["staff"])
    page = client.get(f"/commune/?{Q1}").get_data(as_text=True)

    by_day = figure(page, "scans_by_time")
    assert "Lượt quét tem theo ngày" in by_day and "chart-line" in by_day
    assert row("05/01", "3") in by_day and row("02/02", "4") in by_day and row("30/03", "1") in by_day
    assert total("Tổng", "8") in by_day  # 01/04 in Vietnam is outside; Mường Lát's 7 scans are not ours

    by_product = figure(page, "scans_by_product")
    assert row("Nấm mèo khô", "4") in by_product and row("Nấm mèo túi 200 g", "4") in by_product
    assert total("Tổng", "8") in by_product
    assert headline(page, "Lượt quét tem trong kỳ") == "8"

    channels = figure(page, "channels")
    assert "<svg" in channels
    assert row("Postmart (Bưu điện Việt Nam)", "1", "1", "0") in channels
    assert re.search(r"<tr><td>Voso[^<]*</td><td>0</td><td>0</td><td>1</td></tr>", channels)
    assert total("Tổng", "1", "1", "1") in channels


def test_scans_are_counted_by_month_over_92_days(client, sales_data):
    login(client, sales_data["staff"])
    page = client.get("/commune/?from=2026-01-01&to=2026-06-30").get_data(as_text=True)
    by_month = figure(page, "scans_by_time")
    assert "Lượt quét tem theo tháng" in by_month and "chart-bar" in by_month
    assert row("01/2026", "3") in by_month and row("04/2026", "2") in by_month and row("06/2026", "0") in by_month
    assert total("Tổng", "10") in by_month


def test_other_commune_and_province_see_their_own_figures(client, sales_data):
    login(client, sales_data["other_staff"])
    page = client.get(f"/commune/?{Q1}").get_data(as_text=True)
    assert headline(page, "Doanh thu trong kỳ") == format_vnd(600_000)
    assert headline(page, "Lượt quét tem trong kỳ") == "7"
    assert "Nấm mèo khô" not in page
    assert client.get(f"/commune/?commune={VAN_SON}&{Q1}").status_code == 403
    client.form_post("/logout")

    login(client, sales_data["admin"])
    province = client.get(f"/commune/?province={THANH_HOA}&{Q1}").get_data(as_text=True)
    assert headline(province, "Doanh thu trong kỳ") == format_vnd(1_240_000)
    assert db_revenue([VAN_SON, MUONG_LAT], Period(date(2026, 1, 1), date(2026, 3, 31))) == 1_240_000
    assert "Chuối tiêu hồng" not in province
    assert row("HTX Chè Mường Lát", "1", format_vnd(600_000)) in figure(province, "revenue_by_cooperative")
    everything = client.get(f"/commune/?{Q1}").get_data(as_text=True)
    assert headline(everything, "Doanh thu trong kỳ") == format_vnd(2_239_000)
    assert headline(everything, "Lượt quét tem trong kỳ") == "15"


def test_empty_period_shows_empty_charts_not_errors(client, sales_data):
    login(client, sales_data["staff"])
    page = client.get("/commune/?from=2025-01-01&to=2025-01-31").get_data(as_text=True)
    for key in ("orders_by_month", "revenue_by_month", "revenue_by_cooperative", "top_products", "scans_by_time"):
        assert "Chưa có dữ liệu trong khoảng thời gian này" in figure(page, key), key
    assert headline(page, "Doanh thu trong kỳ") == format_vnd(0)


def _trim(values: list) -> list:
    """A row without the empty cells after its last value (openpyxl pads rows to the sheet's width)."""
    while values and values[-1] in (None, ""):
        values.pop()
    return values


def _blocks(sheet) -> list[tuple[str | None, list, list[list], list]]:
    """The stacked tables of a sheet: (title, header, rows, totals row)."""
    rows = [_trim(list(r)) for r in sheet.iter_rows(values_only=True)]
    blocks, i, title = [], 0, None
    while i < len(rows):
        if not rows[i]:
            i += 1
            continue
        if len(rows[i]) == 1 and i + 1 < len(rows) and rows[i + 1][1] is not None:
            title, i = rows[i][0], i + 1
        header, body = rows[i], []
        i += 1
        while i < len(rows) and rows[i]:
            body.append(rows[i])
            i += 1
        blocks.append((title, header, body[:-1], body[-1]))
        title = None
    return blocks


def test_report_orders_and_scans_sheets_match_the_database(client, sales_data):
    login(client, sales_data["staff"])
    response = client.get(f"/commune/report.xlsx?{Q1}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames[-2:] == ["Đơn hàng và doanh thu", "Lượt quét"]
    in_db = db_revenue([VAN_SON], Period(date(2026, 1, 1), date(2026, 3, 31)))

    sheet = book["Đơn hàng và doanh thu"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D4"
    months, coops, products = _blocks(sheet)
    _title, header, rows, totals = months
    assert header == ["Tháng", "Số đơn đặt", "Số đơn tính doanh thu", "Doanh thu (không gồm phí vận chuyển)"]
    assert [(r[0].date(), r[1], r[2], r[3]) for r in rows] == [
        (date(2026, 1, 1), 2, 2, 290_000),
        (date(2026, 2, 1), 4, 2, 170_000),
        (date(2026, 3, 1), 5, 2, 180_000),
    ]
    assert totals == ["Tổng", 11, 6, in_db]
    assert sheet["A2"].number_format == "MM/YYYY" and sheet["D2"].number_format == '#,##0 "₫"'
    assert sheet["D5"].number_format == '#,##0 "₫"'  # the totals row too
    title, header, rows, totals = coops
    assert title == "Theo hợp tác xã" and header[1] == "Hợp tác xã"
    assert [r[1] for r in rows] == ["Hợp tác xã Nấm mèo Vạn Sơn", "Tổ hợp tác Mật ong Đồng Thắng"]
    assert totals[-1] == in_db and totals[-2] == 6
    title, _header, rows, totals = products
    assert title == "Theo sản phẩm" and totals[-1] == in_db
    assert {r[1]: (r[3], r[4]) for r in rows}["Nấm mèo khô"] == ("kg", 3)

    scans = book["Lượt quét"]
    by_day, by_product = _blocks(scans)
    _title, header, rows, totals = by_day
    assert header == ["Ngày", "Lượt quét"]
    assert [(r[0].date(), r[1]) for r in rows] == [(date(2026, 1, 5), 3), (date(2026, 2, 2), 4), (date(2026, 3, 30), 1)]
    assert scans["A2"].number_format == "DD/MM/YYYY"
    assert totals == ["Tổng", 8]
    title, header, rows, totals = by_product
    assert header == ["STT", "Sản phẩm", "Hợp tác xã", "Lượt quét"]
    assert totals == ["Tổng", 2, None, 8]

    summary = {r[0]: r[1] for r in book["Tổng hợp"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Doanh thu trong kỳ"] == in_db and summary["Lượt quét tem trong kỳ"] == 8


def test_demo_commune_dashboard_has_orders_and_revenue_in_most_months(client):
    from marketplace.demo import DEMO_PASSWORD, seed

    seed()
    db.session.commit()
    login(client, "xa@demo.ocop.vn", DEMO_PASSWORD)
    page = client.get("/commune/").get_data(as_text=True)
    for key in ("orders_by_month", "revenue_by_month", "revenue_by_cooperative", "top_products"):
        assert "Chưa có dữ liệu" not in figure(page, key).split("</svg>")[0], key
    months_with_revenue = re.findall(r"<tr><td>\d\d/\d{4}</td><td>([^<]+)</td></tr>", figure(page, "revenue_by_month"))
    assert len(months_with_revenue) == 12
    assert sum(value != format_vnd(0) for value in months_with_revenue) >= 6
