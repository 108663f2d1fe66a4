"""Role homes on a 360×740 phone: the cooperative lands on its "Việc cần làm", the commune staff on a dashboard that
starts with the to-do, charts whose text stays readable, a cooperative's facts stacked, a photo form that says it
is sending. No page scrolls sideways; screenshots go to tests/browser/artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Cooperative, User
from tests.browser.conftest import app_context
from tests.browser.steps import COOPERATIVE, STAFF, log_in, no_sideways_scroll, photo_file

pytestmark = pytest.mark.browser

SMALLEST_CHART_TEXT = """() => Array.from(document.querySelectorAll("svg.chart-svg")).flatMap((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return Array.from(svg.querySelectorAll("text")).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
}).reduce((a, b) => Math.min(a, b), 99)"""


def _staff_cooperative_id(site) -> int:
    with app_context(site):
        staff = db.session.scalar(select(User).where(User.email == STAFF))
        query = select(Cooperative.id).where(Cooperative.commune_code == staff.commune_code)
        return db.session.scalars(query.order_by(Cooperative.id)).first()


def test_cooperative_lands_on_its_to_do_and_can_open_every_card(page: Page, shot):
    log_in(page, COOPERATIVE)
    expect(page).to_have_url(re.compile(r"/cooperative/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc cần làm")
    cards = page.locator("a.todo-card")
    expect(cards).to_have_count(5)
    for card in cards.all():
        box = card.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 120
    no_sideways_scroll(page)
    shot(page, "cooperative-home")
    page.locator('a.todo-card[data-todo="confirm"]').click()
    expect(page).to_have_url(re.compile(r"/cooperative/orders\?status=paid"))
    no_sideways_scroll(page)


def test_commune_staff_land_on_the_to_do_first_with_readable_charts(page: Page, shot, live_site):
    log_in(page, STAFF)
    expect(page).to_have_url(re.compile(r"/commune/$"))
    todo = page.locator("#viec-can-lam")
    expect(todo.get_by_role("heading", level=1)).to_contain_text("Việc cần làm")
    assert todo.bounding_box()["y"] < 400  # on the first screen, above the numbers
    expect(todo.locator("a.todo-card")).to_have_count(4)
    no_sideways_scroll(page)
    shot(page, "commune-to-do")
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 11
    tile = page.locator("a.ws-tile").first
    tile.click()
    expect(page).to_have_url(re.compile(r"/commune/#\w+"))
    page.goto(f"/commune/cooperatives/{_staff_cooperative_id(live_site)}")
    facts = page.locator("dl.facts").first
    label, value = facts.locator("dt").first.bounding_box(), facts.locator("dd").first.bounding_box()
    assert value["y"] >= label["y"] + label["height"] - 1  # the value sits under its label on a phone
    assert abs(value["x"] - label["x"]) < 2
    no_sideways_scroll(page)
    shot(page, "cooperative-facts")


def test_photo_form_disables_every_button_and_says_it_is_sending(page: Page, shot, tmp_path):
    log_in(page, COOPERATIVE)
    page.goto("/cooperative/products/new")
    held = []
    page.route(
        "**/cooperative/products/new",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_label("Tên sản phẩm").fill("Nấm mèo khô thái sợi")
    page.locator("#photos").set_input_files(str(photo_file(tmp_path)))
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)
    page.get_by_role("button", name="Lưu nháp").click()
    buttons = page.locator("main form[data-draft] button[type=submit]")
    for button in buttons.all():
        expect(button).to_be_disabled()
        expect(button).to_have_text("Đang gửi…")
    expect(page.locator(".upload-progress")).to_be_visible()
    shot(page, "sending")
    assert held, "the upload never reached the server"
    held[0].continue_()
    expect(page.locator(".upload-progress")).to_have_count(0)
    expect(page.locator("#price_vnd ~ small.error")).to_be_visible()  # the server's answer: the form, price missing
    page.wait_for_function("document.readyState === 'complete'")
    no_sideways_scroll(page)
