"""Postmart and Voso: upload sheets with photos, listing states, out-of-sync on change, re-export of changes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image
from sqlalchemy import delete, select, update

from catalog import services
from catalog.models import Category, Product, ProductStatus
from integrations import listings
from integrations.models import ChannelListing, ListingState
from integrations.tasks import sync_channel
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobStatus
from marketplace.models import Role
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.integrations import add_photo, make_listing


def _sheet_rows(path: Path) -> list[dict]:
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[0]
    return [dict(zip(headers, row, strict=False)) for row in rows[2:]]


def _listing(channel: str, product_id: int) -> ChannelListing:
    db.session.expire_all()
    return db.session.scalar(
        select(ChannelListing).where(ChannelListing.channel == channel, ChannelListing.product_id == product_id)
    )


def test_postmart_sheet_has_every_field_and_a_photo_zip(app, tmp_path):
    coop = make_cooperative()
    honey = make_product(coop, name="Mật ong rừng Mường Lát", price_vnd=350_000, stock=12, weight_g=500, ocop_stars=4)
    add_photo(app, honey)
    add_photo(app, honey, size=(400, 900), position=1)
    make_product(coop, name="Bản nháp", status=ProductStatus.DRAFT)
    other = make_product(name="Của hợp tác xã khác")

    result = listings.export_channel("postmart", tmp_path / "postmart.xlsx", cooperative_ids=[coop.id])
    db.session.commit()

    rows = _sheet_rows(result.workbook)
    assert [r["Tên sản phẩm"] for r in rows] == ["Mật ong rừng Mường Lát"]
    row = rows[0]
    assert row["Mã SKU người bán"] == f"OCOP-{honey.id}" and row["Giá bán (VNĐ)"] == 350_000
    assert row["Số lượng tồn kho"] == 12 and row["Khối lượng đóng gói (gram)"] == 550
    assert (row["Dài (cm)"], row["Rộng (cm)"], row["Cao (cm)"]) == (30, 20, 15)
    assert row["Hạng OCOP (sao)"] == 4 and row["Số quyết định công nhận OCOP"].startswith("QĐ")
    assert row["Tỉnh/thành phố"] == "Thanh Hóa" and row["Nhà sản xuất"] == coop.name
    assert row["Link truy xuất nguồn gốc"].startswith("https://ocop.test/p/")
    assert row["Link ảnh 1"].startswith("https://ocop.test/media/products/") and row["Link ảnh 1"].endswith("-1200.jpg")
    assert row["Danh mục Postmart"] == "Sản phẩm OCOP"
    assert "Hướng dẫn" in load_workbook(result.workbook).sheetnames

    with zipfile.ZipFile(result.photos_zip) as archive:
        assert sorted(archive.namelist()) == [f"OCOP-{honey.id}_1.jpg", f"OCOP-{honey.id}_2.jpg"]
        for name in archive.namelist():
            image = Image.open(io.BytesIO(archive.read(name)))
            assert image.format == "JPEG" and image.width == image.height >= 500
    assert _listing("postmart", honey.id).state == ListingState.EXPORTED
    assert _listing("postmart", other.id) is None


def test_price_change_marks_every_listed_channel_out_of_sync_and_reexport_has_just_that_row(app, tmp_path):
    coop = make_cooperative()
    owner = make_user(Role.COOPERATIVE, cooperative=coop)
    tea, rice, mushroom = (make_product(coop, name=n) for n in ("Chè shan tuyết", "Gạo nếp cái hoa vàng", "Nấm mèo"))
    for channel in ("postmart", "voso"):
        listings.export_channel(channel, tmp_path / f"{channel}-1.xlsx", cooperative_ids=[coop.id])
    db.session.commit()
    for channel in ("postmart", "voso"):
        listings.mark_listed(make_user(Role.ADMIN), channel, tea.id, "PM-1", "https://postmart.vn/p/1")
    db.session.commit()
    assert _listing("postmart", tea.id).state == ListingState.LISTED

    services.set_price_stock(owner, db.session.get(Product, tea.id), price_vnd=180_000)
    db.session.commit()

    for channel in ("postmart", "voso"):
        listing = _listing(channel, tea.id)
        assert listing.state == ListingState.OUT_OF_SYNC and listing.changed_fields == ["price"]
        assert _listing(channel, rice.id).state == ListingState.EXPORTED
    again = listings.export_channel("voso", tmp_path / "voso-2.xlsx", cooperative_ids=[coop.id])
    db.session.commit()
    rows = _sheet_rows(again.workbook)
    assert [(r["SKU sản phẩm"], r["Giá (VNĐ)"]) for r in rows] == [(f"OCOP-{tea.id}", 180_000)]
    assert _listing("voso", tea.id).state == ListingState.EXPORTED
    assert _listing("voso", tea.id).external_id == "PM-1"
    assert _listing("postmart", tea.id).state == ListingState.OUT_OF_SYNC
    everything = listings.export_channel("voso", tmp_path / "voso-3.xlsx", cooperative_ids=[coop.id], include_all=True)
    assert len(_sheet_rows(everything.workbook)) == 3
    assert mushroom.id in {p.id for p in listings.products_to_export("voso", [coop.id], include_all=True)}


def test_an_edit_through_the_product_service_reaches_the_listing(app):
    coop = make_cooperative()
    owner = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, weight_g=1000, unit="kg")
    make_listing(product, "voso")
    untouched = make_product(coop)
    make_listing(untouched, "voso")
    db.session.commit()
    services.update_product(owner, product, {"weight_g": "750", "unit": "hộp"})
    db.session.commit()
    listing = _listing("voso", product.id)
    assert (listing.state, listing.changed_fields) == (ListingState.OUT_OF_SYNC, ["content"])
    assert _listing("voso", untouched.id).state == ListingState.LISTED


def test_stock_moved_by_orders_and_unpublishing_are_noticed(app, tmp_path):
    coop = make_cooperative()
    owner = make_user(Role.COOPERATIVE, cooperative=coop)
    product = make_product(coop, stock=10)
    make_listing(product, "postmart")
    db.session.commit()
    # what a checkout does: a guarded stock UPDATE, then it tells the catalogue which products it touched
    db.session.execute(
        update(Product).where(Product.id == product.id, Product.stock >= 3).values(stock=Product.stock - 3)
    )
    services.stock_changed_for([product.id])
    db.session.commit()
    assert _listing("postmart", product.id).changed_fields == ["stock"]
    assert _listing("postmart", product.id).state == ListingState.OUT_OF_SYNC

    services.archive_product(owner, db.session.get(Product, product.id))
    db.session.commit()
    assert _listing("postmart", product.id).changed_fields == ["status", "stock"]
    result = listings.export_channel("postmart", tmp_path / "p.xlsx", cooperative_ids=[coop.id])
    rows = _sheet_rows(result.workbook)
    assert [(r["Mã SKU người bán"], r["Số lượng tồn kho"]) for r in rows] == [(f"OCOP-{product.id}", 0)]


def test_reading_back_the_platform_export_records_ids_and_urls(app, client):
    owner = make_user(Role.COOPERATIVE)
    mine = make_product(owner.cooperative)
    theirs = make_product()
    make_listing(mine, "voso", ListingState.EXPORTED, external_id=None)
    db.session.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh sách sản phẩm"])
    sheet.append(["ID sản phẩm", "Tên", "SKU", "Link sản phẩm"])
    sheet.append([98765, "Nấm", f"OCOP-{mine.id}", "https://voso.vn/san-pham/98765"])
    sheet.append([11111, "Khác", f"OCOP-{theirs.id}", "https://voso.vn/san-pham/11111"])
    buffer = io.BytesIO()
    book.save(buffer)
    login(client, owner)
    page = client.form_post(
        "/cooperative/channels/voso/read-back",
        {"file": (io.BytesIO(buffer.getvalue()), "voso.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Đã đối chiếu 1 sản phẩm, bỏ qua 1 dòng." in page.get_data(as_text=True)
    listing = _listing("voso", mine.id)
    assert (listing.state, listing.external_id, listing.external_url) == (
        ListingState.LISTED,
        "98765",
        "https://voso.vn/san-pham/98765",
    )
    assert _listing("voso", theirs.id) is None
    bad = client.form_post(
        "/cooperative/channels/voso/read-back",
        {"file": (io.BytesIO(b"not a workbook"), "x.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert bad.status_code == 200 and "Không đọc được tệp" in bad.get_data(as_text=True)


def test_channel_page_export_job_and_download(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, name="Chuối tiêu hồng")
    db.session.commit()
    login(client, owner)
    page = client.get("/cooperative/channels")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Chuối tiêu hồng" in text and "Chưa đăng" in text and "facebook.com/sharer" in text
    response = client.form_post("/cooperative/channels/postmart/export", {"cooperative": ""})
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    sync_channel.run(job_id)
    data = client.get(f"/jobs/{job_id}?format=json").get_json()
    assert data["status"] == "succeeded" and data["result"]["rows"] == 1
    download = client.get(data["result"]["files"][0])
    assert download.status_code == 200
    assert load_workbook(io.BytesIO(download.data)).worksheets[0].cell(3, 2).value == "Chuối tiêu hồng"
    assert "Đã xuất tệp" in client.get("/cooperative/channels").get_data(as_text=True)
    assert "Đồng bộ Postmart" in client.get("/jobs").get_data(as_text=True)

    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    client.form_post("/logout")
    login(client, stranger)
    assert client.get(data["result"]["files"][0]).status_code == 404
    assert (
        client.form_post(
            "/cooperative/channels/postmart/listed", {"product_id": product.id, "external_id": "X"}
        ).status_code
        == 404
    )


def test_failing_job_shows_its_error(app):
    owner = make_user(Role.COOPERATIVE)
    job = Job(kind="sync", title="x", params={"channel": "khong-co"}, owner_id=owner.id)
    db.session.add(job)
    db.session.commit()
    try:
        sync_channel.run(job.id)
    except Exception as error:
        assert "khong-co" in str(error.message if hasattr(error, "message") else error)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.FAILED


@pytest.fixture
def category(app):
    """A category of our own (categories are reference data that outlive a test, so it is removed after)."""
    parent = Category(slug="kiem-thu-thuc-pham", name="Thực phẩm (kiểm thử)")
    child = Category(slug="kiem-thu-nam", name="Nấm (kiểm thử)", parent=parent)
    db.session.add_all([parent, child])
    db.session.commit()
    yield child
    db.session.rollback()
    db.session.execute(delete(Product).where(Product.category_id.in_([parent.id, child.id])))
    db.session.execute(delete(Category).where(Category.id == child.id))
    db.session.execute(delete(Category).where(Category.id == parent.id))
    db.session.commit()


def test_staff_pick_a_cooperative_buyers_are_refused_and_mapping_is_editable(app, client, category, tmp_path):
    staff = make_user(Role.COMMUNE_STAFF, commune_code=VAN_SON)
    coop = make_cooperative(commune_code=VAN_SON)
    far = make_cooperative(commune_code=4960)
    make_product(coop, name="Nấm hương rừng", category_id=category.id)
    buyer = make_user()
    db.session.commit()
    login(client, buyer)
    assert client.get("/cooperative/channels").status_code == 403
    client.form_post("/logout")
    login(client, coop_owner := make_user(Role.COOPERATIVE, cooperative=coop))
    assert (
        client.form_post(
            "/cooperative/channels/postmart/categories", {f"category-{category.parent_id}": "Khác"}
        ).status_code
        == 403
    )
    client.form_post("/logout")
    login(client, staff)
    assert "Nấm hương rừng" in client.get(f"/cooperative/channels?cooperative={coop.slug}").get_data(as_text=True)
    assert client.get(f"/cooperative/channels?cooperative={far.slug}").status_code == 404
    client.form_post("/cooperative/channels/postmart/categories", {f"category-{category.parent_id}": "Nông sản khô"})
    assert listings.category_map("postmart") == {category.parent_id: "Nông sản khô"}
    result = listings.export_channel("postmart", tmp_path / "p.xlsx", cooperative_ids=[coop.id])
    assert [r["Danh mục Postmart"] for r in _sheet_rows(result.workbook)] == ["Nông sản khô"]
    assert coop_owner.cooperative_id == coop.id


def test_cli_sync_writes_only_new_or_changed_rows_unless_all(app, tmp_path):
    coop = make_cooperative()
    make_product(coop)
    make_product(coop)
    make_product()
    db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "voso.xlsx"
    result = runner.invoke(args=["sync", "voso", "--out", str(out), "--cooperative", coop.slug])
    assert result.exit_code == 0, result.output
    assert "2 dòng" in result.output and len(_sheet_rows(out)) == 2 and (tmp_path / "voso-anh.zip").exists()
    result = runner.invoke(args=["sync", "voso", "--out", str(out), "--cooperative", coop.slug])
    assert "0 dòng" in result.output and _sheet_rows(out) == []
    result = runner.invoke(args=["sync", "voso", "--out", str(out), "--all"])
    assert "3 dòng" in result.output
    assert runner.invoke(args=["sync", "khong-co"]).exit_code != 0
    assert runner.invoke(args=["sync", "voso", "--cooperative", "khong-co"]).exit_code != 0
    feeds = runner.invoke(args=["feeds"])
    assert "google: 3 sản phẩm" in feeds.output and "facebook: 3 sản phẩm" in feeds.output
