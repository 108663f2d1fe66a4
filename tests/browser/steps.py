"""Steps a person takes in the browser, shared by the journeys."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from marketplace.demo import DEMO_PASSWORD

ADMIN = "admin@demo.ocop.vn"
STAFF = "xa@demo.ocop.vn"
COOPERATIVE = "htx@demo.ocop.vn"
BUYER = "khach@demo.ocop.vn"
DEMO_ACCOUNTS = (ADMIN, STAFF, COOPERATIVE, BUYER)


def log_in(page: Page, email: str, password: str = DEMO_PASSWORD, shot=None) -> None:
    """Sign in through the login form, as a person would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    if shot:
        shot(page, "login-form")
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
