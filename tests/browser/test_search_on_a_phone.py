"""Issue 17, search and category pages on a 360×740 phone: products on the first screen, filters behind "Lọc"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SCREEN_HEIGHT = 740


@pytest.mark.parametrize("path", ["/search?q=mat+ong", "/search?q=", "/c/thuc-pham"])
def test_products_are_on_the_first_screen_and_filters_open_from_one_control(page, shot, live_site, path):
    page.goto(path)
    first = page.locator(".tile").first
    expect(first).to_be_visible()
    assert first.bounding_box()["y"] < SCREEN_HEIGHT, f"{path}: the first product is below the first screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    price = page.locator(".facets").get_by_text("Giá", exact=True)
    expect(price).to_be_hidden()
    page.locator(".facets .filters > summary").click()
    expect(price).to_be_visible()
    shot(page, "filters-open")
