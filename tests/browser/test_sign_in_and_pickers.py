"""The Vietnamese home page, sign-in for every demo account, language switch,
the province → commune picker with and without JavaScript, and a form draft that survives a reload."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.steps import ADMIN, BUYER, DEMO_ACCOUNTS, log_in

pytestmark = pytest.mark.browser


def test_home_page_speaks_vietnamese(page, shot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặc sản OCOP từ các xã, mua tận gốc")
    expect(page.get_by_placeholder("Tìm nấm mèo, mật ong, chè…")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the home page scrolls sideways on a phone ({width}px wide)"
    shot(page, "home")


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_each_demo_account_signs_in(page, shot, email):
    log_in(page, email, shot=shot)
    shot(page, "signed-in")
    page.get_by_role("link", name="Tài khoản", exact=True).click()
    expect(page.locator("main")).to_contain_text(email)
    session = next(c for c in page.context.cookies() if c["name"] == "session")
    assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"
    shot(page, "account")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()


def test_wrong_password_is_refused_in_vietnamese(page, shot):
    log_in_attempt = page.goto("/login")
    assert log_in_attempt.status == 200
    page.get_by_label("E-mail").fill(BUYER)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("E-mail hoặc mật khẩu không đúng.")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    shot(page, "refused")


def test_language_switch_and_back(page, shot):
    page.goto("/login")
    page.get_by_role("link", name="English").click()  # a plain link: a display preference changes no data
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlparse(page.url).path == "/login", "the switch keeps the reader on the same page"
    shot(page, "english")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặc sản OCOP từ các xã, mua tận gốc")
    shot(page, "vietnamese")


def test_commune_picker_without_javascript(new_context, shot):
    page = new_context(javascript=False).new_page()
    log_in(page, ADMIN)
    page.goto("/admin/staff")
    expect(page.get_by_role("button", name="Chọn tỉnh")).to_be_visible()
    expect(page.get_by_placeholder("Gõ tên xã, không cần dấu")).to_be_hidden()
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    page.get_by_label("Họ và tên").fill("Cán bộ thử")
    shot(page, "province-chosen")
    page.get_by_role("button", name="Chọn tỉnh").click()
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Xã Triệu Sơn")).to_have_count(1)
    expect(page.get_by_label("Họ và tên")).to_have_value("Cán bộ thử")
    communes.select_option(label="Xã Triệu Sơn")
    shot(page, "commune-chosen")


def test_commune_picker_with_javascript_filters_without_accents(new_context, shot):
    page = new_context().new_page()
    log_in(page, ADMIN)
    page.goto("/admin/staff")
    expect(page.get_by_role("button", name="Chọn tỉnh")).to_be_hidden()
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text="Xã Mường Lát")).to_have_count(1)
    page.get_by_placeholder("Gõ tên xã, không cần dấu").fill("trieu son")
    expect(communes.locator("option")).to_have_count(2)  # the "— Chọn xã —" prompt and Xã Triệu Sơn
    expect(communes.locator("option").nth(1)).to_have_text("Xã Triệu Sơn")
    shot(page, "filtered")


def test_commune_lookup_page_without_javascript(new_context, shot):
    page = new_context(javascript=False).new_page()
    page.goto("/units/communes")
    page.get_by_label("Tỉnh/thành phố").select_option(label="Thanh Hóa")
    page.get_by_label("Tên xã").fill("muong lat")
    page.locator("main").get_by_role("button", name="Tìm").click()
    expect(page.locator("main li")).to_contain_text(["Xã Mường Lát"])
    shot(page, "lookup")


def test_register_draft_survives_a_reload(page, shot):
    page.goto("/register")
    page.get_by_label("Họ và tên").fill("Lò Thị Mai")
    page.get_by_label("E-mail").fill("mai@example.vn")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill("mat-khau-bi-mat")
    shot(page, "typed")
    page.reload()
    expect(page.get_by_text("Đã khôi phục bản nháp chưa gửi.")).to_be_visible()
    expect(page.get_by_label("Họ và tên")).to_have_value("Lò Thị Mai")
    expect(page.get_by_label("E-mail")).to_have_value("mai@example.vn")
    expect(page.get_by_label("Số điện thoại")).to_have_value("0912 345 678")
    expect(page.get_by_label("Mật khẩu (ít nhất 8 ký tự)")).to_have_value("")  # passwords are never kept
    shot(page, "restored")
