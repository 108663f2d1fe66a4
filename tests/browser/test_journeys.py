"""The marketplace end to end for its people, on a 360×740 phone, in the order the story happens:

1. the cooperative lists a product with a photo and sends it for review;
2. the commune staff approves it from the review queue;
3. a buyer searches without accents, buys from two cooperatives, pays by VietQR (the QR on the page is decoded
   and checked with an independent VietQR parser), and a bank notification marks the order paid;
4. the cooperative ships the order and the buyer sees it on the way.

Each journey builds on the one before (they share `story`); run the module as a whole.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from vietnam_qr_pay import QRPay

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import User
from orders.models import Order, OrderStatus
from tests.browser.audit import empty_cart
from tests.browser.conftest import BANK_KEY, app_context, eventually
from tests.browser.steps import (
    BUYER,
    COOPERATIVE,
    PAYMENT_POLL_WAIT_MS,
    STAFF,
    add_to_cart,
    decode_qr,
    fill_shipping,
    log_in,
    no_sideways_scroll,
    open_tile,
    photo_file,
    search,
)

pytestmark = pytest.mark.browser

NEW_PRODUCT = "Nấm mèo rừng Pù Luông"
OTHER_COOPERATIVE_PRODUCT = "Chuối sấy dẻo Viba"
TRACKING_NO = "EB123456789VN"


@pytest.fixture(scope="module")
def story() -> dict:
    """What one journey leaves for the next: the new product, the buyer's orders."""
    return {}


def needs(story: dict, key: str):
    if key not in story:
        pytest.skip(f"needs the earlier journey that sets {key!r}")
    return story[key]


def test_1_cooperative_lists_a_product_with_a_photo_from_a_phone(page, shot, tmp_path, live_site, celery_worker, story):
    log_in(page, COOPERATIVE, shot=shot)
    page.get_by_role("link", name="Gian hàng").click()
    page.get_by_role("link", name="Thêm sản phẩm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sản phẩm mới")
    page.get_by_label("Tên sản phẩm").fill(NEW_PRODUCT)
    page.get_by_label("Danh mục").select_option(label="— Nông sản sơ chế: nấm, hạt, đồ khô")
    page.get_by_label("Giá bán (đồng)").fill("150000")
    page.get_by_label("Đơn vị").select_option("kg")
    page.get_by_label("Số lượng còn").fill("30")
    page.get_by_label("Mô tả").fill("Nấm mèo hái trong rừng Pù Luông, phơi nắng tự nhiên.\nNgâm 20 phút trước khi nấu.")
    page.get_by_label("Ảnh sản phẩm (1–8 ảnh, JPEG/PNG/WebP)").set_input_files(photo_file(tmp_path))
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)  # shrunk in the browser
    no_sideways_scroll(page)
    shot(page, "form-filled")

    page.get_by_role("button", name="Lưu và gửi xã duyệt").click()
    expect(page.get_by_role("status").filter(has_text=f"Đã lưu sản phẩm “{NEW_PRODUCT}”.")).to_be_visible()
    expect(page.locator("p.status strong")).to_have_text("Chờ xã duyệt")
    photo = page.locator("ul.photos img")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the uploaded photo does not show"
    shot(page, "sent-for-review")

    with app_context(live_site):
        product = db.session.scalar(select(Product).where(Product.name == NEW_PRODUCT))
        assert product.status == ProductStatus.PENDING_REVIEW and product.price_vnd == 150_000 and product.stock == 30
        assert [(i.width, i.height) for i in product.images] == [(1600, 1200)], "the page shrinks photos to 1600 px"
        story["product_id"], story["slug"] = product.id, product.slug

    def variants_made() -> bool:
        with app_context(live_site):
            return all(i.variants_ready for i in db.session.get(Product, story["product_id"]).images)

    eventually(variants_made, timeout=60)  # the Celery worker made the WebP/JPEG sizes


def test_2_commune_staff_approves_it_from_the_review_queue(new_context, shot, live_site, story):
    slug = needs(story, "slug")
    page = new_context().new_page()
    assert page.goto(f"/p/{slug}").status == 404, "not public before the commune approves it"
    log_in(page, STAFF)
    page.get_by_role("link", name="Xã", exact=True).click()
    page.get_by_role("link", name="Mở hàng đợi duyệt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Duyệt sản phẩm")
    shot(page, "queue")
    page.get_by_role("link", name=NEW_PRODUCT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_PRODUCT)
    expect(page.locator("dl.facts")).to_contain_text("150.000")
    shot(page, "product-under-review")
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"Đã duyệt “{NEW_PRODUCT}”.")).to_be_visible()
    expect(page.get_by_role("link", name=NEW_PRODUCT)).to_have_count(0)
    shot(page, "approved")

    public = new_context().new_page()
    assert public.goto(f"/p/{slug}").status == 200
    expect(public.get_by_role("heading", level=1)).to_have_text(NEW_PRODUCT)
    shot(public, "public-page")
    with app_context(live_site):
        assert db.session.get(Product, story["product_id"]).status == ProductStatus.PUBLISHED


def test_3_buyer_finds_it_without_accents_and_pays_two_cooperatives_by_vietqr(page, shot, live_site, story):
    needs(story, "product_id")
    with app_context(live_site):  # the shared demo buyer starts from an empty cart, whatever ran before
        empty_cart(db.session.scalar(select(User).where(User.email == BUYER)))
        db.session.commit()
    log_in(page, BUYER)
    search(page, "nam meo")
    expect(page.locator("li.tile").filter(has_text=NEW_PRODUCT)).to_have_count(1)
    no_sideways_scroll(page)
    shot(page, "search-nam-meo")
    open_tile(page, NEW_PRODUCT)
    add_to_cart(page, 2)
    shot(page, "added-first")
    search(page, "chuoi say")
    open_tile(page, OTHER_COOPERATIVE_PRODUCT)
    add_to_cart(page, 1)

    page.get_by_role("link", name="Giỏ hàng").click()
    groups = page.locator("section.cart-group h2")
    expect(groups).to_have_text(["Hợp tác xã Nấm mèo Vạn Sơn", "Hợp tác xã Chuối Viba Liên Sơn"])
    shot(page, "cart-two-cooperatives")
    page.get_by_role("link", name="Đặt hàng").click()
    fill_shipping(page, "Phú Thọ", "Xã Liên Sơn", "Số 12, thôn Đồng Chằm", "0912 345 678")
    page.get_by_label("Chuyển khoản bằng mã VietQR").check()
    shot(page, "checkout")
    page.get_by_role("button", name="Đặt hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quét mã để chuyển khoản")

    with app_context(live_site):
        orders = db.session.scalars(
            select(Order).where(Order.buyer.has(email=BUYER), Order.status == OrderStatus.PENDING_PAYMENT)
        ).all()
        mine = {
            o.cooperative.slug: o for o in orders if any(line.product_id == story["product_id"] for line in o.lines)
        }
        order = mine["htx-nam-meo-van-son"]
        due = {
            "code": order.code,
            "total": order.total_vnd,
            "bin": order.cooperative.bank_bin,
            "account": order.cooperative.account_no,
        }
        assert order.total_vnd == 2 * 150_000 + order.shipping_vnd
        assert len({o.checkout_id for o in orders if o.checkout_id == order.checkout_id}) == 1
        siblings = [o for o in orders if o.checkout_id == order.checkout_id]
        assert {o.cooperative.slug for o in siblings} == {"htx-nam-meo-van-son", "htx-chuoi-viba-lien-son"}
    story["order_code"] = due["code"]

    step = page.locator(f"#step-{due['code']}")  # both cooperatives' transfers are on the one page
    expect(step.get_by_text(f"Đơn {due['code']} của Hợp tác xã Nấm mèo Vạn Sơn")).to_be_visible()
    qr_shot = shot.folder / "qr.png"
    step.locator("img.qr").screenshot(path=str(qr_shot))
    shot(page, "pay-vietqr")
    check_vietqr(decode_qr(qr_shot), due)

    answer = notify_bank_transfer(live_site.url, due)
    assert answer == {"success": True}
    expect(step.locator("[data-step-status]")).to_have_text("Đã thanh toán", timeout=PAYMENT_POLL_WAIT_MS)  # polled
    page.goto(f"/orders/{due['code']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Đơn {due['code']}")
    expect(page.locator("h1 .badge")).to_have_text("Đã thanh toán")
    expect(page.locator("ol.timeline")).to_contain_text("Đã thanh toán")
    shot(page, "paid")


def check_vietqr(payload: str, due: dict) -> None:
    """The decoded QR is a valid dynamic VietQR (checked by vietnam-qr-pay) to the cooperative for this order."""
    qr = QRPay(payload)
    assert qr.is_valid, f"CRC or structure rejected: {payload}"
    assert qr.init_method == "12" and qr.provider.guid == "A000000727" and qr.provider.service == "QRIBFTTA"
    assert (qr.consumer.bank_bin, qr.consumer.bank_number) == (due["bin"], due["account"])
    assert (qr.amount, qr.currency, qr.nation) == (str(due["total"]), "704", "VN")
    assert due["code"] in qr.additional_data.purpose


def notify_bank_transfer(base_url: str, due: dict) -> dict:
    """The bank's SePay-style notification, with the bank's usual wrapping around the transfer text."""
    body = {
        "id": 7_000_000 + int.from_bytes(due["code"].encode()[-3:], "big"),
        "gateway": "Agribank",
        "transactionDate": "2026-03-25 14:02:37",
        "accountNumber": due["account"],
        "code": None,
        "content": f"TRAN MINH ANH chuyen tien OCOP {due['code']} FT25012345678",
        "transferType": "in",
        "transferAmount": due["total"],
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": f"BankAPINotify OCOP {due['code']}",
    }
    request = urllib.request.Request(
        base_url + "/webhooks/bank-transfer",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Apikey {BANK_KEY}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.load(response)


def test_4_cooperative_ships_and_the_buyer_sees_it_on_the_way(new_context, shot, live_site, story):
    code = needs(story, "order_code")
    seller = new_context().new_page()
    log_in(seller, COOPERATIVE)
    seller.get_by_role("link", name="Tài khoản", exact=True).click()
    seller.get_by_role("link", name="Đơn hàng của hợp tác xã").click()
    open_desk_order(seller, code)
    expect(seller.locator("h1 .badge")).to_have_text("Đã thanh toán")
    seller.get_by_role("button", name="Xác nhận đơn").click()
    expect(seller.locator("h1 .badge")).to_have_text("Đã xác nhận")
    seller.get_by_label("VNPost").check()
    seller.get_by_label("Mã vận đơn").fill(TRACKING_NO)
    no_sideways_scroll(seller)
    shot(seller, "ship-form")
    seller.get_by_role("button", name="Đánh dấu đã gửi hàng").click()
    expect(seller.get_by_role("status").filter(has_text=f"Đơn {code}: Đang giao.")).to_be_visible()
    shot(seller, "shipped")

    buyer = new_context().new_page()
    log_in(buyer, BUYER)
    buyer.get_by_role("link", name="Tài khoản", exact=True).click()
    buyer.get_by_role("link", name="Đơn hàng của tôi").click()
    buyer.get_by_role("link", name=code).click()
    expect(buyer.locator("h1 .badge")).to_have_text("Đang giao")
    expect(buyer.get_by_text(f"Vận chuyển: VNPost {TRACKING_NO}")).to_be_visible()
    expect(buyer.locator("ol.timeline")).to_contain_text("Đang giao — ")
    expect(buyer.get_by_role("button", name="Đã nhận hàng")).to_be_visible()
    shot(buyer, "buyer-sees-shipped")
    with app_context(live_site):
        order = db.session.scalar(select(Order).where(Order.code == code))
        assert (order.status, order.carrier, order.tracking_no) == (OrderStatus.SHIPPED, "vnpost", TRACKING_NO)


def open_desk_order(page: Page, code: str) -> None:
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Đơn {code}")
