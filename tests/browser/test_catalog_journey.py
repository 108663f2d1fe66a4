"""Issue 4 done-when, in a real browser on a 360 px phone: a cooperative lists a product with a photo (shrunk
in the browser), the commune's staff approve it, and a buyer finds it typing without accents; bad files are
refused with a clear message; the product form's draft survives a reload."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import app_context, eventually
from tests.browser.steps import COOPERATIVE, STAFF, log_in

pytestmark = pytest.mark.browser
NAME = "Măng nứa khô Bản Phố"


def _photo(tmp_path, width: int = 3000, height: int = 2000):
    path = tmp_path / "IMG_2024.jpg"
    Image.new("RGB", (width, height), (120, 160, 60)).save(path, "JPEG", quality=90)
    return path


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways on a phone ({width}px wide)"


def test_list_approve_and_find_without_accents(new_context, live_site, celery_worker, shot, tmp_path):
    from catalog.models import Product, ProductImage, ProductStatus
    from marketplace.extensions import db

    cooperative = new_context().new_page()
    log_in(cooperative, COOPERATIVE)
    cooperative.goto("/cooperative/products/new")
    cooperative.get_by_label("Tên sản phẩm").fill(NAME)
    cooperative.get_by_label("Danh mục").select_option(label="— Nông sản sơ chế: nấm, hạt, đồ khô")
    cooperative.get_by_label("Giá bán (đồng)").fill("95.000")
    cooperative.get_by_label("Số lượng còn").fill("30")
    cooperative.get_by_label("Mô tả").fill("Măng nứa rừng luộc, phơi nắng.\nTúi 500 g.")
    cooperative.set_input_files("#photos", str(_photo(tmp_path)))
    expect(cooperative.locator("[data-photo-previews] img")).to_have_count(1)  # shrunk in the browser
    _no_sideways_scroll(cooperative)
    shot(cooperative, "form")
    cooperative.get_by_role("button", name="Lưu và gửi xã duyệt").click()
    expect(cooperative.get_by_text(f"Đã lưu sản phẩm “{NAME}”.")).to_be_visible()
    assert "/cooperative/products/" in cooperative.url and cooperative.url.endswith("?saved=1")
    expect(cooperative.locator("p.status")).to_contain_text("Chờ xã duyệt")
    shot(cooperative, "submitted")
    with app_context(live_site):
        product = db.session.scalar(select(Product).where(Product.name == NAME))
        image = db.session.scalar(select(ProductImage).where(ProductImage.product_id == product.id))
        assert (image.width, image.height) == (1600, 1067)  # the phone sent ≤ 1600 px, not 3000
        product_id, slug = product.id, product.slug

    staff = new_context().new_page()
    log_in(staff, STAFF)
    staff.goto("/commune/review/")
    staff.get_by_role("link", name=NAME).click()
    _no_sideways_scroll(staff)
    shot(staff, "review")
    staff.get_by_role("button", name="Duyệt").click()
    expect(staff.get_by_text(f"Đã duyệt “{NAME}”.")).to_be_visible()

    buyer = new_context().new_page()
    buyer.goto("/")
    buyer.get_by_placeholder("Tìm nấm mèo, mật ong, chè…").fill("mang nua kho")
    buyer.get_by_placeholder("Tìm nấm mèo, mật ong, chè…").press("Enter")
    buyer.get_by_role("link", name=NAME).click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(buyer.locator(".price.big")).to_have_text("95.000\u00a0₫ / kg")
    _no_sideways_scroll(buyer)
    shot(buyer, "product")

    def variants_ready():
        with app_context(live_site):
            return db.session.get(ProductImage, image.id).variants_ready

    eventually(variants_ready, timeout=60)  # the Celery worker made the WebP/JPEG sizes
    gallery_webp = buyer.locator(".gallery picture source[type='image/webp']")

    def sizes_on_the_page() -> bool:
        """The anonymous product page is page-cached: a reload shows the sizes within PAGE_CACHE_SECONDS."""
        buyer.goto(f"/p/{slug}")
        return gallery_webp.count() > 0

    eventually(sizes_on_the_page, timeout=60, interval=1)
    expect(gallery_webp.first).to_have_attribute(
        "srcset",
        f"/media/products/{product_id}/{image.stem}-320.webp 320w, "
        f"/media/products/{product_id}/{image.stem}-800.webp 800w, "
        f"/media/products/{product_id}/{image.stem}-1600.webp 1600w",
    )
    with app_context(live_site):
        assert db.session.get(Product, product_id).status == ProductStatus.PUBLISHED


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_text_file_named_jpg_is_refused_with_a_clear_message(new_context, shot, tmp_path, javascript):
    page = new_context(javascript=javascript).new_page()
    log_in(page, COOPERATIVE)
    page.goto("/cooperative/products/new")
    page.get_by_label("Tên sản phẩm").fill("Không phải ảnh")
    page.get_by_label("Giá bán (đồng)").fill("50000")
    fake = tmp_path / "anh.jpg"
    fake.write_bytes(b"day khong phai la anh\n" * 50)
    page.set_input_files("#photos", str(fake))
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_text("Tệp này không phải ảnh (chỉ nhận JPEG, PNG, WebP).").first).to_be_visible()
    expect(page.get_by_label("Tên sản phẩm")).to_have_value("Không phải ảnh")
    shot(page, "refused")


def test_product_draft_survives_a_reload(page, shot):
    log_in(page, COOPERATIVE)
    page.goto("/cooperative/products/new")
    page.get_by_label("Tên sản phẩm").fill("Chè Shan tuyết chưa gửi")
    page.get_by_label("Giá bán (đồng)").fill("185000")
    page.reload()
    expect(page.get_by_text("Đã khôi phục bản nháp chưa gửi.")).to_be_visible()
    expect(page.get_by_label("Tên sản phẩm")).to_have_value("Chè Shan tuyết chưa gửi")
    expect(page.get_by_label("Giá bán (đồng)")).to_have_value("185000")
    shot(page, "restored")
