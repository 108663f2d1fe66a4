"""Steps a person takes in the browser, shared by the journeys."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from pyzbar import pyzbar

from marketplace.demo import DEMO_PASSWORD

ADMIN = "admin@demo.ocop.vn"
STAFF = "xa@demo.ocop.vn"
COOPERATIVE = "htx@demo.ocop.vn"
BUYER = "khach@demo.ocop.vn"
PAYMENT_POLL_WAIT_MS = 15_000  # the payment page polls its status every 5 s: allow three polls
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


def register(page: Page, full_name: str, email: str, password: str, phone: str = "", shot=None) -> None:
    """Create an account through /register, then sign in with it (the page sends a new person to the login)."""
    page.goto("/register")
    page.get_by_label("Họ và tên").fill(full_name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Số điện thoại").fill(phone)
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự)").fill(password)
    page.get_by_label("Nhập lại mật khẩu").fill(password)
    if shot:
        shot(page, "register")
    page.locator("main form").get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    log_in(page, email, password)


def photo_file(folder: Path, name: str = "nam-meo.jpg", size: tuple[int, int] = (2400, 1800)) -> Path:
    """A phone-camera-sized JPEG (larger than the 1600 px the page shrinks photos to)."""
    image = Image.new("RGB", size, (120, 80, 50))
    draw = ImageDraw.Draw(image)
    draw.ellipse((600, 300, 1800, 1500), fill=(60, 40, 30), outline=(250, 240, 220), width=30)
    path = folder / name
    image.save(path, "JPEG", quality=88)
    return path


OVERFLOW_JS = """() => {
  const width = innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let widest = null, right = 0;
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width && box.right >= right) { right = box.right; widest = el; }
  }
  const name = widest ? widest.tagName.toLowerCase() + (widest.id ? '#' + widest.id : '')
    + (widest.className && typeof widest.className === 'string' ? '.' + widest.className.trim().split(/\\s+/).join('.') : '')
    : '?';
  return `${document.documentElement.scrollWidth}px wide; widest: ${name} (right edge ${Math.round(right)}px)`;
}"""


def no_sideways_scroll(page: Page) -> None:
    """The open page fits the phone's width; the message names the element that sticks out."""
    overflow = page.evaluate(OVERFLOW_JS)
    assert not overflow, f"{page.url} scrolls sideways on a {page.viewport_size['width']}px phone: {overflow}"


def search(page: Page, text: str) -> None:
    """Type into the search box in the header and press its button."""
    header_search = page.get_by_role("search")
    header_search.get_by_role("searchbox", name="Tìm sản phẩm").fill(text)
    header_search.get_by_role("button", name="Tìm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kết quả cho “{text}”")


def open_tile(page: Page, product_name: str) -> None:
    """Open a product from a listing by its exact name."""
    tile = page.locator("li.tile").filter(has=page.get_by_text(product_name, exact=True))
    tile.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(product_name)


def add_to_cart(page: Page, quantity: int = 1) -> None:
    """On a product page: choose the quantity and put it in the cart."""
    page.get_by_label("Số lượng").fill(str(quantity))
    page.get_by_role("button", name="Thêm vào giỏ").click()
    expect(page.get_by_role("status").filter(has_text="Đã thêm vào giỏ")).to_be_visible()


def fill_shipping(page: Page, province: str, commune: str, address: str, phone: str) -> None:
    """Checkout's delivery part; with JavaScript the commune list follows the province without a reload."""
    page.get_by_label("Số di động").fill(phone)
    page.get_by_label("Tỉnh/thành phố").select_option(label=province)
    communes = page.get_by_label("Xã/phường/đặc khu")
    expect(communes.locator("option", has_text=commune)).to_have_count(1)
    communes.select_option(label=commune)
    page.get_by_label("Địa chỉ (số nhà, thôn/xóm, đường)").fill(address)


def decode_qr(image_path: Path) -> str:
    """The text of the one QR code in a screenshot (zbar via pyzbar)."""
    found = pyzbar.decode(Image.open(image_path))
    assert len(found) == 1, f"expected one QR code in {image_path}, found {len(found)}"
    return found[0].data.decode("utf-8")
