"""A person with only a phone: signs up by the code from the text message, buys by cash on delivery as a guest (the
phone confirmed by another code), then signs in with the phone and finds the order. Codes are read from the live
site's instance/outbox/ folder, as the person reads their SMS."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import Cooperative
from tests.browser.conftest import app_context, eventually

pytestmark = pytest.mark.browser
CODE = re.compile(r"OCOP: (\d{6})\b")


def _codes(site, phone: str) -> list[str]:
    """The codes sent to this number so far, oldest first."""
    digits = "84" + phone[1:]
    files = sorted((site.instance / "outbox").glob(f"*-{digits}-*.txt"), key=lambda path: path.stat().st_mtime_ns)
    found = [CODE.search(Path(path).read_text(encoding="utf-8")) for path in files]
    return [match.group(1) for match in found if match]


def _new_code(site, phone: str, seen: int) -> str:
    """Wait for the code after the `seen` ones already read."""
    return eventually(lambda: (codes := _codes(site, phone))[seen:] and codes[seen], timeout=20)


def _product_slug(site) -> str:
    with app_context(site):
        query = select(Product.slug).where(Product.status == ProductStatus.PUBLISHED, Product.stock >= 5)
        return db.session.scalars(query.order_by(Product.id)).first()


def test_phone_only_buyer_signs_up_buys_cash_on_delivery_as_guest_then_sees_the_order(page, shot, live_site):
    phone = "091" + str(uuid.uuid4().int % 10**7).zfill(7)  # a number of its own: the outbox outlives one run
    # 1. sign up by code
    page.goto("/login")
    page.get_by_label("Số điện thoại di động").fill(f"{phone[:4]} {phone[4:7]} {phone[7:]}")
    shot(page, "phone")
    page.get_by_role("button", name="Nhận mã qua tin nhắn").click()
    expect(page.get_by_text("Gửi lại mã sau")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi lại mã")).to_be_disabled()
    code = _new_code(live_site, phone, 0)
    page.get_by_label("Mã gồm 6 chữ số").fill(code)
    shot(page, "code")
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.get_by_label("Họ và tên").fill("Lò Thị Mai")
    page.get_by_role("button", name="Lưu họ tên").click()
    expect(page.locator("main h1")).to_have_text("Lò Thị Mai")
    shot(page, "account")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()

    # 2. buy as a guest, cash on delivery, the phone confirmed by a code
    page.goto(f"/p/{_product_slug(live_site)}")
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.get_by_role("link", name="Giỏ hàng").first.click()
    page.locator("main").get_by_role("link", name="Đặt hàng").click()
    page.get_by_label("Họ tên người nhận").fill("Lò Thị Mai")
    page.get_by_label("Số di động").fill(phone)
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    page.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill("Bản Pá Khôm")
    page.get_by_label("Trả tiền mặt khi nhận hàng").check()
    shot(page, "guest-checkout")
    page.locator("main").get_by_role("button", name="Đặt hàng").click()
    expect(page.get_by_role("heading", name="Xác nhận số điện thoại")).to_be_visible()
    code = _new_code(live_site, phone, 1)
    page.get_by_label("Mã gồm 6 chữ số").fill(code)
    shot(page, "confirm")
    page.get_by_role("button", name="Xác nhận và đặt hàng").click()
    expect(page.get_by_role("heading", name="Đã đặt hàng")).to_be_visible()
    link = page.locator("a.order-link").first
    order_code = re.search(r"/orders/(OC\w+)\?t=", link.get_attribute("href")).group(1)
    shot(page, "placed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the confirmation scrolls sideways"

    # 3. sign in with the phone: the guest order is there
    page.goto("/login")
    page.get_by_label("Số điện thoại di động").fill(phone)
    page.get_by_role("button", name="Nhận mã qua tin nhắn").click()
    code = _new_code(live_site, phone, 2)
    page.get_by_label("Mã gồm 6 chữ số").fill(code)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.goto("/orders/")
    expect(page.locator("main")).to_contain_text(order_code)
    shot(page, "my-orders")


DEMO_COOPERATIVE_PHONE = "0912000003"  # htx@demo.ocop.vn, owner of "HTX Nấm mèo Văn Sơn" (marketplace.demo)


def _demo_cooperative_product(site) -> str:
    with app_context(site):
        query = (
            select(Product.slug)
            .join(Cooperative, Cooperative.id == Product.cooperative_id)
            .where(Cooperative.slug == "htx-nam-meo-van-son")
            .where(Product.status == ProductStatus.PUBLISHED, Product.stock >= 5)
        )
        return db.session.scalars(query.order_by(Product.id)).first()


def _outbox_text(site, phone: str) -> str:
    digits = "84" + phone[1:]
    return "\n".join(path.read_text(encoding="utf-8") for path in (site.instance / "outbox").glob(f"*-{digits}-*.txt"))


def test_a_cooperative_member_signs_in_by_phone_and_hears_of_a_guest_order(new_context, shot, live_site, celery_worker):
    # 1. the cooperative's owner signs in on their phone with the code from the text message
    seller = new_context().new_page()
    seen = len(_codes(live_site, DEMO_COOPERATIVE_PHONE))
    seller.goto("/login")
    seller.get_by_label("Số điện thoại di động").fill("0912 000 003")
    seller.get_by_role("button", name="Nhận mã qua tin nhắn").click()
    code = _new_code(live_site, DEMO_COOPERATIVE_PHONE, seen)
    seller.get_by_label("Mã gồm 6 chữ số").fill(code)
    shot(seller, "seller-code")
    seller.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(seller.get_by_role("button", name="Đăng xuất")).to_be_visible()
    seller.goto("/account/")
    expect(seller.locator("main h1")).to_have_text("Nguyễn Văn Sơn")  # the demo account, not a new one
    shot(seller, "seller-signed-in")

    # 2. a guest buys one of the cooperative's products on another phone, cash on delivery, confirmed by a code
    buyer_phone = "098" + str(uuid.uuid4().int % 10**7).zfill(7)
    buyer = new_context().new_page()
    buyer.goto(f"/p/{_demo_cooperative_product(live_site)}")
    buyer.get_by_role("button", name="Thêm vào giỏ").click()
    buyer.get_by_role("link", name="Giỏ hàng").first.click()
    buyer.locator("main").get_by_role("link", name="Đặt hàng").click()
    buyer.get_by_label("Họ tên người nhận").fill("Hà Văn Tùng")
    buyer.get_by_label("Số di động").fill(buyer_phone)
    buyer.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = buyer.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Triệu Sơn")).to_have_count(1)
    communes.select_option(label="Xã Triệu Sơn")
    buyer.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill("Thôn Đông")
    buyer.get_by_label("Trả tiền mặt khi nhận hàng").check()
    buyer.locator("main").get_by_role("button", name="Đặt hàng").click()
    expect(buyer.get_by_role("heading", name="Xác nhận số điện thoại")).to_be_visible()
    buyer.get_by_label("Mã gồm 6 chữ số").fill(_new_code(live_site, buyer_phone, 0))
    buyer.get_by_role("button", name="Xác nhận và đặt hàng").click()
    expect(buyer.get_by_role("heading", name="Đã đặt hàng")).to_be_visible()
    link = buyer.locator("a.order-link").first
    order_code = re.search(r"/orders/(OC\w+)\?t=", link.get_attribute("href")).group(1)
    shot(buyer, "buyer-placed")

    # 3. the owner's text message (no Zalo, no SMS provider: the outbox) names the order, delivered by the worker
    message = eventually(lambda: order_code in (text := _outbox_text(live_site, DEMO_COOPERATIVE_PHONE)) and text)
    assert f"Đơn mới {order_code}" in message
    # …and the notice is in the app, its link opening the order on the cooperative's desk
    seller.goto("/account/")
    notice = seller.locator("main p.notice", has_text=f"Đơn mới {order_code}")
    expect(notice).to_have_count(1)
    shot(seller, "seller-notice")
    # the link is absolute on PUBLIC_BASE_URL (the live site's has no port): open its path on this site
    seller.goto(urlsplit(notice.get_by_role("link").get_attribute("href")).path)
    expect(seller.locator("main")).to_contain_text(order_code)
    expect(seller.locator("main")).to_contain_text("Hà Văn Tùng")
    shot(seller, "seller-order")
