"""The buyer's screens on a 360×740 phone: a returning buyer's checkout (the draft brings back the province and its
commune list; messages in Vietnamese beside their fields), a cart from two cooperatives paid as one sequence of
transfers (step 1 marked paid when the bank's notification arrives, without reloading), and cancelling an order
only after a second step. Every screen is checked for sideways scrolling; screenshots go to artifacts/."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from orders.models import Order, OrderStatus
from tests.browser.conftest import BANK_KEY, app_context
from tests.browser.steps import COOPERATIVE, PAYMENT_POLL_WAIT_MS, log_in, no_sideways_scroll, register

pytestmark = pytest.mark.browser
PASSWORD = "mat-khau-nguoi-mua"


def _new_buyer(page: Page) -> str:
    email = f"mua-{uuid.uuid4().hex[:8]}@example.vn"
    register(page, "Trần Minh Anh", email, PASSWORD)
    return email


def _products_of_two_cooperatives(site) -> list[str]:
    """Slugs of two products in stock, from two different verified cooperatives that take transfers."""
    with app_context(site):
        rows = db.session.execute(
            select(Product.slug, Product.cooperative_id)
            .join(Cooperative, Cooperative.id == Product.cooperative_id)
            .where(Product.status == ProductStatus.PUBLISHED, Product.stock >= 5, Cooperative.account_no.is_not(None))
            .order_by(Product.id)
        ).all()
    by_cooperative = {}
    for slug, cooperative_id in rows:
        by_cooperative.setdefault(cooperative_id, slug)
    assert len(by_cooperative) >= 2, "the demo data has products of two cooperatives"
    return list(by_cooperative.values())[:2]


def _put_in_cart(page: Page, slug: str) -> None:
    page.goto(f"/p/{slug}")
    page.get_by_role("button", name="Thêm vào giỏ").click()
    expect(page.get_by_role("status").filter(has_text="Đã thêm vào giỏ")).to_be_visible()


def _notify_bank(site, order_code: str) -> None:
    """The bank's notification for the full amount of one order, as the payment provider sends it."""
    with app_context(site):
        order = db.session.scalar(select(Order).where(Order.code == order_code))
        body = {
            "id": 7_500_000 + int.from_bytes(order_code.encode()[-3:], "big"),
            "gateway": "Agribank",
            "transactionDate": "2026-03-25 14:02:37",
            "accountNumber": order.payee_account_no,
            "code": None,
            "content": f"TRAN MINH ANH chuyen tien OCOP {order_code} FT25012345678",
            "transferType": "in",
            "transferAmount": order.total_vnd,
            "accumulated": 19_077_000,
            "subAccount": None,
            "referenceCode": "MBVCB.3278907687",
            "description": f"BankAPINotify OCOP {order_code}",
        }
    request = urllib.request.Request(
        site.url + "/webhooks/bank-transfer",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Apikey {BANK_KEY}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and json.load(response) == {"success": True}


def test_returning_buyer_gets_the_province_and_its_communes_back(page, shot, live_site):
    _new_buyer(page)
    slug = _products_of_two_cooperatives(live_site)[0]
    _put_in_cart(page, slug)
    page.goto("/checkout")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    page.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill("Số 12 ngõ 34")
    page.goto("/")  # leaves before placing; comes back later
    page.goto("/checkout")
    expect(page.get_by_label("Tỉnh/thành phố")).to_have_value("38")
    expect(communes.locator("option:checked")).to_have_text("Xã Triệu Sơn")  # the list came back with the commune
    page.get_by_label("Số di động").fill("")
    page.locator("main").get_by_role("button", name="Đặt hàng").click()
    phone_field = page.locator(".field").filter(has=page.get_by_label("Số di động"))
    expect(phone_field.locator(".error")).to_have_text("Vui lòng điền mục này.")
    expect(page.locator("main")).not_to_contain_text("This field is required.")
    expect(communes.locator("option:checked")).to_have_text("Xã Triệu Sơn")  # kept across the refused submit
    expect(page.get_by_label("Chuyển khoản bằng mã VietQR")).to_be_checked()  # the draft keeps the chosen method
    no_sideways_scroll(page)
    shot(page, "error-beside-phone")
    page.get_by_label("Số di động").fill("0912 345 678")
    page.get_by_label("Trả tiền mặt khi nhận hàng").check()
    page.locator("main").get_by_role("button", name="Đặt hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đơn hàng của tôi")
    no_sideways_scroll(page)
    shot(page, "my-orders")

    _put_in_cart(page, slug)  # next time: the last delivery comes from the server, commune list included
    page.goto("/checkout")
    expect(page.get_by_label("Tỉnh/thành phố")).to_have_value("38")
    expect(communes.locator("option:checked")).to_have_text("Xã Triệu Sơn")
    no_sideways_scroll(page)
    shot(page, "returning-checkout")


def test_two_cooperatives_are_paid_in_one_sequence_and_step_one_turns_paid(page, shot, live_site):
    _new_buyer(page)
    first_slug, second_slug = _products_of_two_cooperatives(live_site)
    _put_in_cart(page, first_slug)
    page.goto(f"/p/{second_slug}")
    buy_bar = page.locator(".add-to-cart .buy-bar")
    expect(buy_bar).to_be_in_viewport()  # fixed to the bottom of the phone's screen
    expect(page.locator("main")).to_contain_text("Phí giao hàng")
    page.get_by_role("button", name="Thêm một").click()  # the stepper: 1 → 2
    expect(page.get_by_label("Số lượng")).to_have_value("2")
    page.get_by_role("button", name="Bớt một").click()
    no_sideways_scroll(page)
    shot(page, "product")
    buy_bar.get_by_role("button", name="Mua ngay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặt hàng")
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    page.goto("/cart")
    expect(page.locator("section.cart-group")).to_have_count(2)
    no_sideways_scroll(page)
    remove = page.get_by_role("button", name="Bỏ").first.bounding_box()
    assert remove["width"] >= 24 and remove["height"] >= 24
    shot(page, "cart")
    page.locator("main").get_by_role("link", name="Đặt hàng").click()
    page.get_by_label("Số di động").fill("0912 345 678")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    page.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill("Số 12 ngõ 34")
    page.get_by_label("Chuyển khoản bằng mã VietQR").check()
    page.locator("main").get_by_role("button", name="Đặt hàng").click()
    steps = page.locator("[data-pay-step]")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("Bước 1/2")
    expect(steps.nth(1)).to_contain_text("Bước 2/2")
    for step in (steps.nth(0), steps.nth(1)):
        expect(step.locator("img.qr")).to_have_count(1)
        expect(step).to_contain_text("Nội dung chuyển khoản")
        expect(step).to_contain_text("Số tài khoản")
    no_sideways_scroll(page)
    shot(page, "two-steps")
    first = steps.nth(0).get_attribute("data-pay-step")
    _notify_bank(live_site, first)
    # the page polls its status every 5 s, so the mark can take up to one poll after the bank's notification
    expect(steps.nth(0).locator("[data-step-status]")).to_have_text("Đã thanh toán", timeout=PAYMENT_POLL_WAIT_MS)
    expect(steps.nth(0).locator("img.qr")).to_be_hidden()
    expect(steps.nth(1).locator("[data-step-status]")).to_have_text("Chờ thanh toán")
    no_sideways_scroll(page)
    shot(page, "step-one-paid")


def test_cancelling_an_order_needs_a_second_step(page, shot, live_site):
    _new_buyer(page)
    _put_in_cart(page, _products_of_two_cooperatives(live_site)[0])
    page.goto("/checkout")
    page.get_by_label("Số di động").fill("0912 345 678")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    page.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill("Số 12 ngõ 34")
    page.get_by_label("Trả tiền mặt khi nhận hàng").check()
    page.locator("main").get_by_role("button", name="Đặt hàng").click()
    page.locator("main table a").first.click()
    badge = page.locator("h1 .badge")
    expect(badge).to_have_text("Chờ hợp tác xã xác nhận")
    page.get_by_role("link", name="Huỷ đơn").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bạn chắc chắn muốn huỷ đơn")
    no_sideways_scroll(page)
    shot(page, "question")
    page.get_by_role("link", name="Không, giữ đơn").click()
    expect(badge).to_have_text("Chờ hợp tác xã xác nhận")
    page.get_by_role("link", name="Huỷ đơn").click()
    page.get_by_label("Lý do huỷ (không bắt buộc)").fill("Đặt nhầm số lượng")
    page.get_by_role("button", name="Có, huỷ đơn").click()
    expect(badge).to_have_text("Đã huỷ")
    expect(page.locator("ol.timeline")).to_contain_text("Đặt nhầm số lượng")
    no_sideways_scroll(page)
    shot(page, "cancelled")


def test_cooperative_order_list_stacks_on_a_phone_and_its_cancel_asks_first(page, shot, live_site):
    log_in(page, COOPERATIVE)
    page.goto("/cooperative/orders")
    rows = page.locator("main table.stack tbody tr")
    expect(rows.first).to_be_visible()
    first = rows.first
    expect(first.locator(".stack-badge")).to_be_visible()  # status and payment stay on the screen
    expect(first.locator("td[data-label='Thanh toán']")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "desk-list")
    page.goto(f"/cooperative/orders/{_open_order_of_demo_cooperative(live_site)}")
    page.get_by_role("button", name="Huỷ đơn").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bạn chắc chắn muốn huỷ đơn")
    no_sideways_scroll(page)
    shot(page, "desk-cancel-question")
    page.get_by_role("link", name="Không, giữ đơn").click()
    expect(page.locator("h1 .badge")).not_to_have_text("Đã huỷ")


def _open_order_of_demo_cooperative(site) -> str:
    """The code of an order the demo cooperative could still cancel (the demo data has some in every state)."""
    open_states = (OrderStatus.PAID, OrderStatus.AWAITING_CONFIRMATION, OrderStatus.CONFIRMED)
    with app_context(site):
        member = db.session.scalar(select(User).where(User.email == COOPERATIVE))
        code = db.session.scalar(
            select(Order.code)
            .where(Order.cooperative_id == member.cooperative_id, Order.status.in_(open_states))
            .order_by(Order.id)
        )
    assert code, "the demo cooperative has an open order"
    return code
