"""Small things a person notices on the screens: the browser's icon, the staff form's empty start, the way back from a
label job, plain words instead of codes and jargon, and a packing slip whose addresses fit the page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Commune, Role, User
from marketplace.services import record_audit
from tests.factories import VAN_SON, login, make_cooperative, make_product, make_user
from tests.factories.orders import make_checkout
from tests.factories.traceability import make_batch

THANH_HOA = 38


def _select(page: str, name: str) -> str:
    return re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)


def test_favicon_ico_answers_with_the_svg_icon_cached_for_a_month(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert "max-age=2592000" in response.headers["Cache-Control"]


def test_staff_form_starts_with_no_province_and_no_commune_chosen(client):
    login(client, make_user(Role.ADMIN))
    page = client.get("/admin/staff").get_data(as_text=True)
    provinces, communes = _select(page, "province"), _select(page, "commune")
    assert "selected" not in provinces and "— Chọn tỉnh —" in provinces
    assert communes.count("<option") == 1 and "— Chọn xã —" in communes


def test_staff_form_lists_only_the_chosen_provinces_communes_and_refuses_a_foreign_one(client):
    login(client, make_user(Role.ADMIN))
    picked = client.form_post("/admin/staff", {"action": "pick", "province": str(THANH_HOA)}).get_data(as_text=True)
    foreign = db.session.scalars(select(Commune).where(Commune.province_code != THANH_HOA)).first()
    assert "Xã Triệu Sơn" in _select(picked, "commune") and f'value="{foreign.code}"' not in _select(picked, "commune")
    person = {"full_name": "Hà Thị Mai", "email": "mai@example.vn", "password": "mat-khau-dai"}
    refused = client.form_post("/admin/staff", {**person, "province": str(THANH_HOA), "commune": str(foreign.code)})
    assert refused.status_code == 200 and "Xã này không thuộc tỉnh đã chọn." in refused.get_data(as_text=True)
    empty = client.form_post("/admin/staff", person).get_data(as_text=True)
    assert "Chọn tỉnh/thành phố." in empty and "Chọn xã/phường." in empty
    assert db.session.scalar(select(User).where(User.email == "mai@example.vn")) is None
    created = client.form_post("/admin/staff", {**person, "province": str(THANH_HOA), "commune": str(VAN_SON)})
    assert created.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "mai@example.vn")).commune_code == VAN_SON


def test_label_job_page_links_back_to_its_batch(client):
    batch = make_batch()
    owner = batch.cooperative.members[0]
    db.session.commit()
    login(client, owner)
    queued = client.form_post(f"/cooperative/batches/{batch.code}/labels", {"count": "24", "preset": "a4-3x8"})
    assert queued.status_code == 302 and "/jobs/" in queued.headers["Location"]
    page = client.get(queued.headers["Location"]).get_data(as_text=True)
    assert f'href="/cooperative/batches/{batch.code}"' in page and f"Về lô {batch.lot}" in page


def test_batch_page_says_in_plain_words_and_keeps_hash_and_epcis_behind_technical_details(client):
    batch = make_batch()
    owner = batch.cooperative.members[0]
    db.session.commit()
    login(client, owner)
    page = client.get(f"/cooperative/batches/{batch.code}").get_data(as_text=True)
    details = page.index('<details class="tech">')
    assert "không công đoạn nào bị sửa sau khi ghi" in page and "Chi tiết kỹ thuật" in page
    assert page.index("SHA-256") > details and page.index("EPCIS 2.0") > details


def test_webhook_and_category_pages_use_plain_words(client):
    login(client, make_user(Role.ADMIN))
    webhooks = client.get("/integrations/webhooks").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", webhooks).group(1)
    assert heading == "Báo tin tự động sang hệ thống khác"
    assert webhooks.index("HMAC-SHA256") > webhooks.index('<details class="tech">')
    assert "<code>order.paid</code>" not in webhooks and "Đơn đã thanh toán" in webhooks
    channels = client.get("/admin/channels").get_data(as_text=True)
    assert "Ánh xạ danh mục" not in channels and "Ghép danh mục với sàn" in channels


def test_audit_log_names_the_commune_and_leaves_out_empty_details(client):
    admin = make_user(Role.ADMIN)
    record_audit(admin, "product.rejected", "product", 7, commune_code=VAN_SON, reason=None, name="Nấm mèo")
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    row = page.split('<table class="table audit">')[1]
    assert "Xã Triệu Sơn, Thanh Hóa" in row and f">{VAN_SON}<" not in row
    assert "Từ chối sản phẩm" in row and "product.rejected" not in row and "None" not in row


def test_packing_slip_names_the_commune_once_and_keeps_a_long_address_on_the_page(client):
    street = "Thôn Vạn Thắng (xã Vạn Sơn cũ), đường liên thôn số 4, gần nhà văn hoá thôn, xã Triệu Sơn, Thanh Hóa"
    cooperative = make_cooperative(commune_code=VAN_SON, address=street)
    seller = make_user(Role.COOPERATIVE, cooperative=cooperative)
    order = make_checkout(make_user(), {make_product(cooperative).id: 1}, method="cod").orders[0]
    db.session.commit()
    login(client, seller)
    slip = client.get(f"/cooperative/orders/{order.code}/packing-slip.pdf")
    text = re.sub(r"\s+", " ", PdfReader(io.BytesIO(slip.data)).pages[0].extract_text())
    assert "gần nhà văn hoá thôn" in text  # the old slip cut the line at 95 characters, off the page's edge
    sender = text.split("Người gửi")[1].split("Điện thoại")[0]
    assert sender.lower().count("triệu sơn") == 1 and "Thanh Hóa" in sender
