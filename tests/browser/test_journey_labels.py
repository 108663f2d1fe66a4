"""A cooperative records a batch on its phone and prints QR labels; a consumer scans one.

The cooperative (360×740) opens a batch, records three stages with the stage buttons (one with a photo), asks for
24 labels on the A4 3×8 sheet and downloads the PDF; every QR in it is decoded. A consumer with JavaScript off
opens one label's URL twice (genuine, first scan; then the count), and an unknown code shows the warning, a 404
and a report form that can be sent.
"""

from __future__ import annotations

import io
import re
import secrets
from urllib.parse import urlparse

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.extensions import db
from tests.browser.conftest import LiveSite, app_context
from tests.browser.steps import COOPERATIVE, log_in
from tests.qrcodes import qr_urls, serial_of
from traceability.models import Batch, CounterfeitReport, Label
from traceability.serials import new_serial
from traceability.tasks import render_labels_task

pytestmark = pytest.mark.browser

PRODUCT = "Nấm sò tươi"
COOPERATIVE_NAME = "Hợp tác xã Nấm mèo Vạn Sơn"
STAGES = ("Thu hoạch", "Sơ chế/chế biến", "Đóng gói")
STAGE_SHOTS = {"Thu hoạch": "harvest", "Sơ chế/chế biến": "processing", "Đóng gói": "packing"}
NOT_FOUND = "Không tìm thấy mã này — sản phẩm có thể không chính hãng"
SCAN_PAGE_BUDGET = 30 * 1024
SCAN_PATH = re.compile(r"^(/t/|/01/\d{14}/10/[^/]+/21/)[0-9A-Z]{14}$")


def field_photo() -> dict:
    """A JPEG as a phone camera would hand it to the file input (drawn with Pillow)."""
    image = Image.new("RGB", (800, 600), (92, 120, 64))
    draw = ImageDraw.Draw(image)
    for i in range(0, 800, 40):
        draw.ellipse((i, 200 + (i % 120), i + 60, 260 + (i % 120)), fill=(205, 190, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return {"name": "thu-hoach.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def open_batch(page: Page, shot, lot: str) -> str:
    """From the account menu to a new batch of PRODUCT; returns the batch code from its address."""
    page.get_by_role("link", name="Tài khoản", exact=True).click()
    page.get_by_role("link", name="Lô hàng và truy xuất nguồn gốc").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lô hàng và truy xuất")
    shot(page, "batches")
    page.get_by_role("link", name="Mở lô mới").click()
    page.get_by_label("Sản phẩm", exact=True).select_option(label=PRODUCT)
    page.get_by_label("Số lô", exact=True).fill(lot)
    page.get_by_label("Số lượng", exact=True).fill("120")
    shot(page, "batch-form")
    page.get_by_role("button", name="Lưu lô").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{PRODUCT} — lô {lot}")
    expect(page.get_by_text(f"Đã mở lô {lot}. Hãy ghi công đoạn đầu tiên.")).to_be_visible()
    shot(page, "batch-opened")
    return page.url.split("?")[0].rsplit("/", 1)[-1]


def record_stage(page: Page, shot, stage: str, note: str, photo: dict | None = None) -> None:
    """The phone screen: optional photo, a note, then one tap on the stage's big button saves it."""
    page.get_by_role("link", name="+ Ghi công đoạn").click()
    expect(page.get_by_label("Ghi chú")).to_have_value("")
    expect(page.get_by_text("Đã khôi phục bản nháp chưa gửi.")).to_have_count(0)
    if photo:
        page.get_by_label("📷 Chụp ảnh (không bắt buộc)").set_input_files(photo)
        expect(page.locator("[data-photo-previews] img")).to_have_count(1)
    page.get_by_label("Ghi chú").fill(note)
    shot(page, f"stage-{STAGE_SHOTS[stage]}")
    page.get_by_role("button", name=stage, exact=True).click()
    expect(page.get_by_text(f"Đã ghi công đoạn “{stage}”.")).to_be_visible()
    draft = "ocop-draft:" + page.locator("[data-draft-clear]").get_attribute("data-draft-clear")
    page.wait_for_function("key => localStorage.getItem(key) === null", arg=draft, timeout=10_000)


def record_three_stages(page: Page, shot) -> None:
    record_stage(page, shot, STAGES[0], "Hái đợt 1, nấm đều, trời khô", photo=field_photo())
    record_stage(page, shot, STAGES[1], "Cắt chân, rửa sạch")
    record_stage(page, shot, STAGES[2], "Đóng hộp 300 g")
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(3)
    for item, stage in zip(timeline.all(), STAGES, strict=True):
        expect(item.locator(".stage")).to_have_text(stage)
    photo = timeline.first.locator("img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()  # the thumbnail is lazy: it loads as it nears the screen
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle(), timeout=10_000)
    expect(page.get_by_text("Chuỗi dữ liệu toàn vẹn: 3 công đoạn")).to_be_visible()
    shot(page, "timeline")


def print_labels(page: Page, shot, site: LiveSite, code: str) -> bytes:
    """Ask for 24 labels on A4 3×8, let the render task run, and download the PDF through the job page."""
    page.get_by_role("link", name="In tem QR").click()
    expect(page.get_by_text("Chưa in tem nào cho lô này.")).to_be_visible()
    page.get_by_label("Số tem cần in").fill("24")
    page.get_by_label("A4, 3 × 8 tem 70 × 37 mm (24 tem/tờ)").check()
    shot(page, "label-form")
    page.get_by_role("button", name="Tạo tem").click()
    expect(page).to_have_url(re.compile(r"/jobs/[\w-]+$"))
    expect(page.get_by_text("Đang chờ")).to_be_visible()
    shot(page, "job-queued")
    job_id = page.url.rsplit("/", 1)[-1]
    # The site under test runs no Celery worker: the task runs here, on the site's database, as a worker would.
    with app_context(site):
        assert render_labels_task.run(job_id) is True
    expect(page.get_by_text("Hoàn thành")).to_be_visible(timeout=20_000)  # the page refreshes itself every 2 s
    expect(page.get_by_text("Đã tạo 24 tem trên 1 trang.")).to_be_visible()
    folder = shot(page, "job-done").parent
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Tải về").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = download.path().read_bytes()
    (folder / "tem.pdf").write_bytes(pdf)
    page.goto(f"/cooperative/batches/{code}/labels")
    run = page.locator("table tbody tr")
    expect(run).to_have_count(1)
    expect(run).to_contain_text("A4, 3 × 8 tem 70 × 37 mm (24 tem/tờ)")
    expect(run.get_by_role("link", name="Tải về")).to_be_visible()
    shot(page, "label-runs")
    return pdf


def label_urls(pdf: bytes, site: LiveSite, code: str) -> list[str]:
    """The 24 QR URLs of the one A4 page, as paths on the live site (its PUBLIC_BASE_URL may differ)."""
    (urls,) = qr_urls(pdf)
    assert len(urls) == 24 and len(set(urls)) == 24
    paths = [urlparse(url).path for url in urls]
    assert all(SCAN_PATH.match(path) for path in paths), paths
    with app_context(site):
        issued = set(
            db.session.scalars(select(Label.serial).join(Batch, Batch.id == Label.batch_id).where(Batch.code == code))
        )
    assert {serial_of(url) for url in urls} == issued
    return [site.url + path for path in paths]


def open_scan(page: Page, url: str):
    """Open a scan URL, keeping every response so the bytes transferred can be counted."""
    responses = []

    def keep(response) -> None:
        responses.append(response)

    page.on("response", keep)
    answer = page.goto(url)
    page.wait_for_load_state("load")
    page.remove_listener("response", keep)
    return answer, responses


def transferred(responses, kind: str) -> int:
    """Bytes on the wire (headers + body) of the responses of one resource type (document, stylesheet…)."""
    total = 0
    for response in responses:
        if response.request.resource_type == kind:
            sizes = response.request.sizes()
            total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return total


# a second phone on the same network: another browser, so it is another device even before it has a cookie
ANOTHER_PHONE = (
    "Mozilla/5.0 (Linux; Android 9; SM-J730G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0 Mobile Safari/537.36"
)


def consumer_scans(page: Page, second_phone: Page, shot, url: str, lot: str) -> None:
    """The first phone opens the label, reloads it (still its first scan: scans count devices), and a second phone
    sees that the label was scanned before."""
    answer, responses = open_scan(page, url)
    assert answer.status == 200
    expect(page.get_by_text("Mã chính hãng — quét lần đầu")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=PRODUCT)).to_be_visible()
    expect(page.locator("dd", has_text=COOPERATIVE_NAME)).to_be_visible()
    expect(page.locator("dd", has_text=lot)).to_be_visible()
    steps = page.locator("main ol > li")
    expect(steps).to_have_count(3)
    for item, stage in zip(steps.all(), STAGES, strict=True):
        expect(item.locator("b")).to_have_text(stage)
    assert page.locator("script").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the scan page scrolls sideways on a phone ({width}px wide)"
    html, css = transferred(responses, "document"), transferred(responses, "stylesheet")
    assert html > 0 and css > 0, "the page and its stylesheet both came over the network"
    assert html + css < SCAN_PAGE_BUDGET, f"the scan page's HTML and CSS weigh {html + css} bytes"
    folder = shot(page, "scan-first").parent
    (folder / "scan-page-bytes.txt").write_text(f"html {html}\ncss {css}\ntotal {html + css}\n")

    reload = page.goto(url)
    assert reload.status == 200
    expect(page.get_by_text("Mã chính hãng — quét lần đầu")).to_be_visible()

    again = second_phone.goto(url)
    assert again.status == 200
    expect(second_phone.get_by_text(re.compile(r"đã được quét 2 lần"))).to_be_visible()
    expect(second_phone.get_by_text("Mã chính hãng — quét lần đầu")).to_have_count(0)
    shot(second_phone, "scan-second")


def unknown_code_warns(page: Page, shot, site: LiveSite, text: str, step: str) -> None:
    answer = page.goto(f"{site.url}/t/{text}")
    assert answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
    expect(page.get_by_role("heading", name="Báo nghi hàng giả")).to_be_visible()
    shot(page, step)


def report_counterfeit(page: Page, shot, site: LiveSite, serial: str) -> None:
    expect(page.get_by_label("Mã trên tem")).to_have_value(serial)
    page.get_by_label("Nơi mua").fill("Chợ Triệu Sơn, quầy số 5")
    page.get_by_label("Mô tả").fill("Tem in mờ, giá rẻ bất thường")
    shot(page, "report-form")
    page.get_by_role("button", name="Gửi báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cảm ơn bạn đã báo")
    shot(page, "reported")
    with app_context(site):
        report = db.session.scalars(select(CounterfeitReport).where(CounterfeitReport.serial == serial)).one()
        assert (report.place, report.label_id) == ("Chợ Triệu Sơn, quầy số 5", None)


def test_a_consumer_opens_a_printed_label_and_an_unknown_code_warns(page, new_context, live_site, shot):
    lot = f"NS-{secrets.token_hex(3).upper()}"
    log_in(page, COOPERATIVE, shot=shot)
    code = open_batch(page, shot, lot)
    record_three_stages(page, shot)
    pdf = print_labels(page, shot, live_site, code)
    urls = label_urls(pdf, live_site, code)

    consumer = new_context(javascript=False).new_page()
    other_phone = new_context(javascript=False, user_agent=ANOTHER_PHONE).new_page()
    consumer_scans(consumer, other_phone, shot, urls[5], lot)

    never_issued = new_serial()
    unknown_code_warns(consumer, shot, live_site, never_issued, "unknown-serial")
    report_counterfeit(consumer, shot, live_site, never_issued)
    unknown_code_warns(consumer, shot, live_site, "KHONG-PHAI-MA-THAT", "garbage-serial")
