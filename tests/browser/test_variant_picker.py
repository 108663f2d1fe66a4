"""The variant picker on a 360×740 phone: pick "Túi 500 g", the price shown follows, and the cart holds that pack at
its tier price for 10 units."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.demo import demo_cooperative
from marketplace.extensions import db
from tests.browser.conftest import app_context
from tests.factories import make_product
from tests.factories.catalog import set_variants, variant_row

pytestmark = pytest.mark.browser


def _tea_in_two_packs(site) -> str:
    """A published tea of a demo cooperative in two packs, the 500 g one cheaper from 10 units; its slug."""
    with app_context(site):
        product = make_product(demo_cooperative(), name="Chè búp Tân Cương hai loại túi", unit="gói", stock=0)
        set_variants(
            product,
            [variant_row("Túi 200 g", 60_000, 40), variant_row("Túi 500 g", 140_000, 40, tiers={10: 130_000})],
        )
        db.session.commit()
        return product.slug


def test_a_phone_buyer_picks_a_pack_and_the_cart_shows_it_at_the_tier_price(page, shot, live_site):
    page.goto(f"/p/{_tea_in_two_packs(live_site)}")
    shown = page.locator("[data-shown-price]")
    expect(shown).to_contain_text("60.000")  # the first pack in stock is picked
    page.get_by_label("Túi 500 g").check()
    expect(shown).to_contain_text("140.000")
    shot(page, "pack-picked")
    page.get_by_label("Số lượng").fill("10")
    page.get_by_role("button", name="Thêm vào giỏ").click()
    page.goto("/cart")
    line = page.locator("main tr").filter(has_text="Chè búp Tân Cương hai loại túi")
    expect(line).to_contain_text("Túi 500 g")
    expect(line).to_contain_text("130.000")
    shot(page, "cart-with-pack")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the cart scrolls sideways on a phone"
