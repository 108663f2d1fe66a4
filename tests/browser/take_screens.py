"""`make screens`: PNGs of each role's main screens on a 360×740 phone into docs/screens/, from the same demo site the
browser tests run (not part of the test suite: the file name keeps pytest from collecting it unless asked)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from marketplace.extensions import db
from marketplace.models import User
from tests.browser.audit import add_variants_and_offer, fill_cart, with_variants
from tests.browser.conftest import PHONE, app_context
from tests.browser.steps import ADMIN, BUYER, COOPERATIVE, STAFF, log_in
from traceability.models import Batch, Label

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
COLOURS = 128


def _demo_paths(site) -> dict[str, str]:
    """Paths of demo objects the screens show: a product, one sold in three sizes, its scan page, a batch (the
    product in sizes and a buyer's cart with lines are added once)."""
    with app_context(site):
        if with_variants() is None:
            add_variants_and_offer(db.session.scalar(select(User).where(User.email == COOPERATIVE)))
            fill_cart(db.session.scalar(select(User).where(User.email == BUYER)))
            db.session.commit()
        product = db.session.scalars(
            select(Product).where(Product.status == ProductStatus.PUBLISHED).order_by(Product.id)
        ).first()
        batch = db.session.scalars(select(Batch).order_by(Batch.id)).first()
        label = db.session.scalars(select(Label).order_by(Label.id)).first()
        return {
            "product": f"/p/{product.slug}",
            "variants": f"/p/{with_variants().slug}",
            "batch": f"/cooperative/batches/{batch.code}",
            "scan": f"/t/{label.serial}",
        }


def _screens(paths: dict[str, str]) -> dict[tuple[str, str | None], list[tuple[str, str]]]:
    """(role, account) → [(file name, path)]."""
    return {
        ("khach", None): [
            ("trang-chu", "/"),
            ("tim-kiem", "/search?q=nam"),
            ("san-pham", paths["product"]),
            ("san-pham-nhieu-loai", paths["variants"]),
            ("nhu-cau", "/nhu-cau"),
        ],
        ("quet-tem", None): [("truy-xuat", paths["scan"])],
        ("nguoi-mua", BUYER): [("gio-hang", "/cart"), ("don-hang", "/orders/"), ("tai-khoan", "/account/")],
        ("hop-tac-xa", COOPERATIVE): [
            ("viec-can-lam", "/cooperative/"),
            ("san-pham", "/cooperative/products"),
            ("don-hang", "/cooperative/orders"),
            ("lo-hang", paths["batch"]),
        ],
        ("can-bo-xa", STAFF): [("bang-tin", "/commune/"), ("duyet", "/commune/review/")],
        ("quan-tri", ADMIN): [("tong-quan", "/admin/"), ("nhat-ky", "/admin/audit")],
    }


def save_small_png(png: bytes, path: Path) -> None:
    """A palette PNG (few colours, optimised): a phone screenshot in tens of kilobytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT)
    image.save(path, "PNG", optimize=True)


@pytest.mark.browser
def test_take_screens(browser, live_site):
    SCREENS.mkdir(parents=True, exist_ok=True)
    for (role, account), screens in _screens(_demo_paths(live_site)).items():
        context = browser.new_context(
            base_url=live_site.url, locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        if account:
            log_in(page, account)
        for name, path in screens:
            page.goto(path)
            save_small_png(page.screenshot(), SCREENS / f"{role}-{name}.png")
        context.close()
    assert len(list(SCREENS.glob("*.png"))) >= sum(map(len, _screens(_demo_paths(live_site)).values()))
