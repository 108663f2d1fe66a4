"""Supply and demand in the browser: the demo school kitchen posts a weekly vegetables demand, two cooperatives
offer part of it each, the kitchen compares and accepts both, and the orders appear on both cooperatives' desks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from marketplace.text import today_vn
from tests.browser.steps import log_in

pytestmark = pytest.mark.browser

KITCHEN = "bep@demo.ocop.vn"
NAM_THUONG = "htx-rau-qua-nam-thuong@demo.ocop.vn"
LIEN_SON = "htx-chuoi-viba-lien-son@demo.ocop.vn"
TITLE = "Rau xanh cho bếp bán trú mùa thi"


def post_weekly_demand(page: Page, shot) -> str:
    first_monday = today_vn() + timedelta(days=7 + (7 - today_vn().weekday()) % 7)
    page.goto("/nhu-cau/dang")
    page.get_by_label("Cần mua gì", exact=True).fill(TITLE)
    page.get_by_label("Danh mục", exact=True).select_option("nong-san-tuoi")
    page.get_by_label("Số lượng (mỗi lần giao)", exact=True).fill("30")
    page.get_by_label("Đơn vị", exact=True).fill("kg")
    page.get_by_label("Ngày trong tuần", exact=True).select_option(label="Thứ Hai")
    page.get_by_label("Từ ngày", exact=True).fill(first_monday.isoformat())
    page.get_by_label("Đến ngày", exact=True).fill((first_monday + timedelta(weeks=1)).isoformat())
    page.get_by_label("Giá tối đa mỗi đơn vị (đồng, có thể bỏ trống)", exact=True).fill("40000")
    shot(page, "kitchen-posts-demand")
    page.get_by_role("button", name="Đăng nhu cầu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    return first_monday.isoformat()


def offer(page: Page, url: str, price: str, quantity: str, first_day: str, shot, step: str) -> None:
    page.goto(url)
    page.get_by_label("Giá mỗi kg (đồng)", exact=True).fill(price)
    page.get_by_label("Số lượng mỗi lần giao (tối đa 30)", exact=True).fill(quantity)
    page.get_by_label("Ngày giao (lần đầu)", exact=True).fill(first_day)
    page.get_by_label("Sản phẩm", exact=True).select_option(index=1)
    shot(page, step)
    page.get_by_role("button", name="Gửi chào hàng").click()
    expect(page.locator("[data-offer-status=open]")).to_have_count(1)


def test_a_kitchen_posts_two_cooperatives_offer_and_it_accepts_both_partially(new_context, live_site, shot):
    kitchen = new_context().new_page()
    log_in(kitchen, KITCHEN)
    first_day = post_weekly_demand(kitchen, shot)
    demand_url = kitchen.url

    for email, price, quantity in ((NAM_THUONG, "30000", "20"), (LIEN_SON, "32000", "10")):
        grower = new_context().new_page()
        log_in(grower, email)
        offer(grower, demand_url, price, quantity, first_day, shot, f"offer-{quantity}")

    kitchen.goto(demand_url)
    expect(kitchen.locator("table.compare tbody tr")).to_have_count(2)
    shot(kitchen, "kitchen-compares")
    for _ in range(2):
        row = kitchen.locator("[data-offer-status=open]").first
        row.locator("select[name=payment_method]").select_option("cod")
        row.get_by_role("button", name="Nhận chào hàng").click()
        expect(kitchen.get_by_text("Đã nhận chào hàng: 2 đơn hàng đã được tạo.")).to_be_visible()
    expect(kitchen.locator("[data-offer-status=accepted]")).to_have_count(2)
    expect(kitchen.locator("[data-demand-status=closed]")).to_be_visible()  # 20 + 10 kg: filled
    expect(kitchen.locator("[data-contact]")).to_have_count(2)
    shot(kitchen, "kitchen-accepted-both")

    for email in (NAM_THUONG, LIEN_SON):
        desk = new_context().new_page()
        log_in(desk, email)
        desk.goto("/cooperative/orders")
        expect(desk.get_by_role("cell", name="Phạm Thị Lan (bếp trưởng)")).to_have_count(2)
        shot(desk, f"desk-{email.split('@')[0]}")
