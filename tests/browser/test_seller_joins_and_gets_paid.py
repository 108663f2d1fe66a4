"""A new seller joins through its commune, sells, and is paid into its own account — on 360×740 phones:

1. a new person registers and applies at /cooperative/apply (Hợp tác xã in Xã Triệu Sơn, Thanh Hóa, with its
   bank account and a certificate photo);
2. the commune's staff (`xa@demo.ocop.vn`) open the application from the dashboard queue and verify it;
3. the seller lists a product with a photo and sends it for review; the staff approve it in the moderation queue;
4. the seller creates its bank notification key on /cooperative/settings (shown once) and reads it off the page;
5. a new buyer finds the product, orders it with VietQR; the QR on the screen decodes to the NEW seller's account;
6. the seller's own bank notification (its key, its account, "OCOP <code>", the total) answers 200 and the
   buyer's order page shows *Đã thanh toán*.
"""

from __future__ import annotations

import json
import random
import re
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from vietnam_qr_pay import QRPay

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Cooperative, CooperativeStatus
from orders.models import Order, OrderStatus
from tests.browser.conftest import app_context
from tests.browser.steps import (
    STAFF,
    add_to_cart,
    decode_qr,
    fill_shipping,
    log_in,
    no_sideways_scroll,
    open_tile,
    photo_file,
    register,
    search,
)
from tests.factories.orders import bank_notification

pytestmark = pytest.mark.browser

SELLER_NAME = "Hợp tác xã Chè lam gừng Đồng Thắng"
PRODUCT = "Chè lam gừng Đồng Thắng"
BANK = "Agribank — Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"
PASSWORD = "mat-khau-htx-moi"


def _digits(n: int) -> str:
    return str(random.randint(10 ** (n - 1), 10**n - 1))


def test_a_new_seller_joins_sells_and_is_paid_into_its_own_account(
    new_context, live_site, celery_worker, shot, tmp_path
):
    tag = _digits(6)
    account_no, registration_no = _digits(12), _digits(10)

    # 1. A new person registers and applies to open a shop.
    seller = new_context().new_page()
    register(seller, "Lê Văn Thắng", f"htx-moi-{tag}@example.vn", PASSWORD, "0912 345 678", shot=shot)
    seller.goto("/cooperative/apply")
    expect(seller.get_by_role("heading", level=1)).to_have_text("Mở gian hàng")
    seller.get_by_label("Loại hình").select_option(label="Hợp tác xã")
    seller.get_by_label("Tên gian hàng (tên trên giấy đăng ký)").fill(SELLER_NAME)
    seller.get_by_label("Mã số đăng ký / mã số thuế").fill(registration_no)
    expect(seller.get_by_label("Người đại diện")).to_have_value("Lê Văn Thắng")  # from the account
    seller.get_by_label("Số điện thoại liên hệ").fill("0912 345 678")
    seller.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = seller.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    seller.get_by_label("Địa chỉ (thôn, xóm, số nhà)").fill("Thôn Đồng Thắng, xã Triệu Sơn")
    seller.get_by_label("Ngân hàng").select_option(label=BANK)
    seller.get_by_label("Số tài khoản").fill(account_no)
    seller.get_by_label("Tên chủ tài khoản").fill("HTX CHE LAM GUNG DONG THANG")
    seller.get_by_label("Ảnh giấy chứng nhận đăng ký (không bắt buộc)").set_input_files(
        photo_file(tmp_path, "giay-dang-ky.jpg", (1600, 1200))
    )
    no_sideways_scroll(seller)
    shot(seller, "apply-filled")
    seller.get_by_role("button", name="Gửi hồ sơ cho xã").click()
    expect(
        seller.get_by_role("status").filter(has_text=f"Đã gửi hồ sơ “{SELLER_NAME}”. Cán bộ xã sẽ xem và xác minh.")
    ).to_be_visible()
    expect(seller.get_by_text("Chờ xã xác minh").first).to_be_visible()
    shot(seller, "applied")
    with app_context(live_site):
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.account_no == account_no))
        assert cooperative.name == SELLER_NAME and cooperative.status == CooperativeStatus.PENDING
        assert (cooperative.commune.name, cooperative.bank_bin) == ("Xã Triệu Sơn", "970405")
        assert cooperative.registration_doc_path, "the certificate photo was kept"
        cooperative_id = cooperative.id

    # 2. The commune's staff open it from the dashboard queue and verify it.
    staff = new_context().new_page()
    log_in(staff, STAFF)
    staff.goto("/commune/")
    staff.get_by_role("link", name=SELLER_NAME).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(SELLER_NAME)
    expect(staff.locator("dl.facts")).to_contain_text(account_no)
    expect(staff.get_by_role("img", name="Giấy chứng nhận đăng ký")).to_be_visible()
    no_sideways_scroll(staff)
    shot(staff, "application")
    staff.get_by_role("button", name="Xác minh", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text=f"Đã xác minh {SELLER_NAME}.")).to_be_visible()
    expect(staff.get_by_role("link", name=SELLER_NAME)).to_have_count(0)  # it left the queue
    shot(staff, "verified")

    # 3. The seller lists a product with a photo; the staff approve it.
    seller.goto("/")
    seller.get_by_role("link", name="Gian hàng").click()
    seller.get_by_role("link", name="Thêm sản phẩm").click()
    expect(seller.get_by_role("heading", level=1)).to_have_text("Sản phẩm mới")
    seller.get_by_label("Tên sản phẩm").fill(PRODUCT)
    seller.get_by_label("Danh mục").select_option(label="— Nông sản sơ chế: nấm, hạt, đồ khô")
    seller.get_by_label("Giá bán (đồng)").fill("45000")
    seller.get_by_label("Số lượng còn").fill("40")
    seller.get_by_label("Mô tả").fill("Chè lam nếp cái hoa vàng, gừng tươi và mật mía.\nHộp 300 g.")
    seller.get_by_label("Ảnh sản phẩm (1–8 ảnh, JPEG/PNG/WebP)").set_input_files(photo_file(tmp_path))
    expect(seller.locator("[data-photo-previews] img")).to_have_count(1)
    no_sideways_scroll(seller)
    shot(seller, "product-form")
    seller.get_by_role("button", name="Lưu và gửi xã duyệt").click()
    expect(seller.get_by_role("status").filter(has_text=f"Đã lưu sản phẩm “{PRODUCT}”.")).to_be_visible()
    expect(seller.locator("p.status strong")).to_have_text("Chờ xã duyệt")
    shot(seller, "product-sent")

    staff.goto("/commune/")
    staff.get_by_role("link", name="Mở hàng đợi duyệt").click()
    staff.get_by_role("link", name=PRODUCT).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(PRODUCT)
    shot(staff, "product-review")
    staff.get_by_role("button", name="Duyệt", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text=f"Đã duyệt “{PRODUCT}”.")).to_be_visible()
    shot(staff, "product-approved")
    with app_context(live_site):
        product = db.session.scalar(select(Product).where(Product.name == PRODUCT))
        assert (product.status, product.cooperative_id) == (ProductStatus.PUBLISHED, cooperative_id)

    # 4. The seller creates its bank notification key and reads it off the page (shown this once).
    seller.goto("/cooperative/settings")
    keys = seller.locator("#bank-notifications")
    expect(keys.get_by_role("heading", name="Kết nối thông báo ngân hàng")).to_be_visible()
    expect(keys).to_contain_text(account_no)  # the account the notifications are for
    keys.get_by_role("button", name="Tạo khoá", exact=True).click()
    key = seller.locator("code#webhook-key").inner_text().strip()
    assert len(key) >= 20, f"a short key: {key!r}"
    expect(seller.locator("#bank-notifications")).to_contain_text(f"Authorization: Apikey {key}")
    no_sideways_scroll(seller)
    shot(seller, "bank-key")

    # 5. A new buyer finds the product and orders it with VietQR; the QR pays the new seller's account.
    buyer = new_context().new_page()
    register(buyer, "Trần Minh Anh", f"khach-moi-{tag}@example.vn", "mat-khau-khach-moi")
    search(buyer, "che lam gung")
    open_tile(buyer, PRODUCT)
    add_to_cart(buyer, 2)
    buyer.get_by_role("link", name="Giỏ hàng").first.click()
    expect(buyer.locator("section.cart-group h2")).to_have_text([SELLER_NAME])
    buyer.locator("main").get_by_role("link", name="Đặt hàng").click()
    buyer.get_by_label("Họ tên người nhận").fill("Trần Minh Anh")
    fill_shipping(buyer, "Thanh Hóa", "Xã Triệu Sơn", "Số 12 ngõ 34", "0912 345 678")
    buyer.get_by_label("Chuyển khoản bằng mã VietQR").check()
    shot(buyer, "checkout")
    buyer.locator("main").get_by_role("button", name="Đặt hàng").click()
    with app_context(live_site):
        order = db.session.scalar(select(Order).where(Order.cooperative_id == cooperative_id))
        code, total = order.code, order.total_vnd
        assert order.status == OrderStatus.PENDING_PAYMENT and total == 2 * 45_000 + order.shipping_vnd
    if code not in buyer.locator("main").inner_text():
        buyer.get_by_role("link", name=re.compile(code)).click()
    qr = buyer.locator("img.qr")
    expect(qr).to_be_visible()
    qr_shot = shot.folder / "qr.png"
    qr.screenshot(path=str(qr_shot))
    no_sideways_scroll(buyer)
    shot(buyer, "pay-vietqr")
    scanned = QRPay(decode_qr(qr_shot))
    assert scanned.is_valid
    assert (scanned.consumer.bank_bin, scanned.consumer.bank_number) == ("970405", account_no)
    assert scanned.amount == str(total) and code in scanned.additional_data.purpose

    # 6. The seller's own bank notification pays the order.
    body = bank_notification(f"OCOP {code}", total, account_no, transaction_id=8_000_000 + int(tag))
    request = urllib.request.Request(
        live_site.url + "/webhooks/bank-transfer",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Apikey {key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert json.load(response) == {"success": True}
    buyer.reload()  # the reload link under the QR: a paid order goes on to its page
    expect(buyer.get_by_role("heading", level=1)).to_contain_text(f"Đơn {code}")
    expect(buyer.locator("h1 .badge")).to_have_text("Đã thanh toán")
    shot(buyer, "paid")
    with app_context(live_site):
        assert db.session.scalar(select(Order.status).where(Order.code == code)) == OrderStatus.PAID
