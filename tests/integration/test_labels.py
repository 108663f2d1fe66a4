"""Printing QR labels for a batch: the cooperative's page, the background job, the CLI, and the PDF itself."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from catalog.models import Product
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.models import Role, User
from marketplace.text import today_vn
from tests.factories import login, make_product, make_user
from tests.factories.traceability import make_batch
from tests.qrcodes import qr_urls, serial_of
from traceability.labels import pin_matches
from traceability.models import Batch, Label, LabelRun
from traceability.serials import grouped
from traceability.tasks import render_labels_task

PRODUCT_NAME = "Nấm mèo rừng Mường Lống sấy khô"
EXPIRES = today_vn() + timedelta(days=180)


def printable_batch(owner: User, product: Product | None = None, lot: str = "L2026-11") -> Batch:
    """A batch, still without events, of PRODUCT_NAME with four OCOP stars, best before EXPIRES."""
    product = product or make_product(owner.cooperative, name=PRODUCT_NAME, ocop_stars=4)
    return make_batch(owner, product, events=(), lot=lot, expires_on=EXPIRES.isoformat())


def batch_serials(batch_id: int) -> set[str]:
    return set(db.session.scalars(select(Label.serial).where(Label.batch_id == batch_id)))


def embedded_fonts(reader: PdfReader) -> set[str]:
    """The fonts embedded in the pages and in the first page's drawn-once parts (form XObjects)."""
    resources = [page["/Resources"] for page in reader.pages]
    resources += [
        x.get_object().get("/Resources", {}) for x in reader.pages[0]["/Resources"].get("/XObject", {}).values()
    ]
    names = set()
    for resource in resources:
        for font in resource.get("/Font", {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and "/FontFile2" in descriptor.get_object():
                    names.add(str(font["/BaseFont"]))
    return names


def test_cooperative_prints_24_labels_on_a4_and_every_qr_opens_its_label(app, client):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code, batch_id = batch.code, batch.id
    db.session.commit()
    login(client, owner)

    page = client.get(f"/cooperative/batches/{code}/labels")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "In tem QR" in text and "70 × 37 mm" in text and "Chưa in tem nào" in text

    response = client.form_post(f"/cooperative/batches/{code}/labels", {"count": "24", "preset": "a4-3x8"})
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert client.get(f"/jobs/{job_id}?format=json").get_json()["status"] == "queued"

    assert render_labels_task.run(job_id) is True
    job = client.get(f"/jobs/{job_id}?format=json").get_json()
    assert (job["status"], job["progress"], job["total"]) == ("succeeded", 24, 24)
    assert "24 tem" in job["message"] and "1 trang" in job["message"]

    download = client.get(job["result"]["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(download.data))
    assert len(reader.pages) == 1
    (urls,) = qr_urls(download.data)
    assert len(urls) == 24 and len(set(urls)) == 24
    serials = {serial_of(url) for url in urls}
    assert serials == batch_serials(batch_id)
    base = app.config["PUBLIC_BASE_URL"]
    assert all(url == f"{base}/t/{serial_of(url)}" for url in urls)

    assert any("DejaVuSans" in name for name in embedded_fonts(reader))
    words = reader.pages[0].extract_text()
    assert PRODUCT_NAME in words.replace("\n", " ")
    assert "OCOP ★★★★" in words and "Lô: L2026-11" in words and f"HSD: {EXPIRES:%d/%m/%Y}" in words
    assert all(grouped(serial) in words for serial in serials)

    runs = client.get(f"/cooperative/batches/{code}/labels").get_data(as_text=True)
    assert f"/cooperative/batches/{code}/labels/{job['result']['run_id']}.pdf" in runs and "Tải về" in runs


def test_pin_labels_on_the_roll_printer_and_a_digital_link_for_a_gtin(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, name="Mật ong bạc hà Hà Giang", gtin="8934567890128")
    batch = printable_batch(owner, product, lot="MO-07")
    code, batch_id = batch.code, batch.id
    db.session.commit()
    login(client, owner)

    response = client.form_post(
        f"/cooperative/batches/{code}/labels",
        {"count": "3", "preset": "roll-50x30", "with_pin": "1", "offset_x_mm": "0,5", "offset_y_mm": "-1"},
    )
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    render_labels_task.run(job_id)
    result = client.get(f"/jobs/{job_id}?format=json").get_json()["result"]
    pdf = client.get(result["download_url"]).data
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert round(float(reader.pages[0].mediabox.width) / 72 * 25.4) == 50
    base = app.config["PUBLIC_BASE_URL"]
    for page, (url,) in zip(reader.pages, qr_urls(pdf), strict=True):
        serial = serial_of(url)
        assert url == f"{base}/01/08934567890128/10/MO-07/21/{serial}"
        pin = page.extract_text().split("PIN: ", 1)[1][:6]
        label = db.session.scalar(select(Label).where(Label.serial == serial, Label.batch_id == batch_id))
        assert pin_matches(label, pin) and not pin_matches(label, "000000" if pin != "000000" else "111111")
    run = db.session.get(LabelRun, result["run_id"])
    assert run.layout["offset_x_mm"] == 0.5 and run.layout["offset_y_mm"] == -1 and run.with_pin


def test_a_repeated_task_changes_nothing(app, client):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code, batch_id = batch.code, batch.id
    db.session.commit()
    login(client, owner)
    job_id = client.form_post(f"/cooperative/batches/{code}/labels", {"count": "5"}).headers["Location"].rsplit("/")[-1]
    assert render_labels_task.run(job_id) is True
    assert render_labels_task.run(job_id) is False
    assert len(batch_serials(batch_id)) == 5


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"count": "0"}, "Số tem phải từ 1 đến 50.000."),
        ({"count": "ba"}, "Số tem phải là một số."),
        ({"count": "24", "preset": "a4-9x9"}, "Không có mẫu tem “a4-9x9”."),
        ({"count": "24", "preset": "custom", "rows": "30", "cols": "3"}, "Số hàng tem phải từ 1 đến 20."),
        ({"count": "24", "preset": "custom", "rows": "20", "cols": "10"}, "Tem quá nhỏ"),
        ({"count": "24", "preset": "custom", "rows": "8", "cols": "3", "margin_left_mm": "-2"}, "không được âm"),
        ({"count": "24", "preset": "a4-3x8", "offset_y_mm": "15"}, "Độ lệch căn chỉnh máy in phải trong khoảng"),
    ],
)
def test_bad_count_or_layout_is_refused_with_a_message(app, client, form, message):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code = batch.code
    db.session.commit()
    login(client, owner)
    response = client.form_post(f"/cooperative/batches/{code}/labels", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert db.session.scalar(select(func.count()).select_from(Label)) == 0


def test_the_form_needs_its_csrf_token(app, client):
    owner = make_user(Role.COOPERATIVE)
    code = printable_batch(owner).code
    db.session.commit()
    login(client, owner)
    assert client.post(f"/cooperative/batches/{code}/labels", data={"count": "24"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_custom_grid_fills_an_a4_page(app, client):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code = batch.code
    db.session.commit()
    login(client, owner)
    form = {"count": "12", "preset": "custom", "rows": "6", "cols": "2", "margin_top_mm": "10", "margin_left_mm": "8"}
    job_id = client.form_post(f"/cooperative/batches/{code}/labels", form).headers["Location"].rsplit("/")[-1]
    render_labels_task.run(job_id)
    result = client.get(f"/jobs/{job_id}?format=json").get_json()["result"]
    pdf = client.get(result["download_url"]).data
    assert [len(urls) for urls in qr_urls(pdf)] == [12]


def test_another_cooperative_cannot_see_print_or_download(app, client):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code = batch.code
    stranger = make_user(Role.COOPERATIVE)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    login(client, owner)
    job_id = client.form_post(f"/cooperative/batches/{code}/labels", {"count": "2"}).headers["Location"].rsplit("/")[-1]
    render_labels_task.run(job_id)
    download_url = client.get(f"/jobs/{job_id}?format=json").get_json()["result"]["download_url"]
    assert client.get(download_url).status_code == 200
    client.form_post("/logout")

    login(client, stranger)
    assert client.get(f"/cooperative/batches/{code}/labels").status_code == 404
    assert client.form_post(f"/cooperative/batches/{code}/labels", {"count": "2"}).status_code == 404
    assert client.get(download_url).status_code == 404
    assert client.get(f"/jobs/{job_id}").status_code == 404
    client.form_post("/logout")

    login(client, buyer)
    assert client.get(download_url).status_code == 403
    client.form_post("/logout")
    assert client.get(download_url).status_code in (302, 401)


def test_the_pdf_is_kept_outside_public_media(app, client):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code = batch.code
    db.session.commit()
    login(client, owner)
    job_id = client.form_post(f"/cooperative/batches/{code}/labels", {"count": "1"}).headers["Location"].rsplit("/")[-1]
    render_labels_task.run(job_id)
    run = db.session.scalar(select(LabelRun).where(LabelRun.job_id == job_id))
    # a private storage key: on the local backend a file in the instance folder, never under the public /media
    assert run.pdf_path == f"labels/run-{run.id}.pdf"
    on_disk = Path(app.config["INSTANCE_PATH"]) / run.pdf_path
    assert on_disk.is_file() and not on_disk.is_relative_to(app.config["MEDIA_ROOT"])
    assert client.get(f"/media/{run.pdf_path}").status_code == 404


def test_cli_prints_labels_with_a_progress_bar(app, tmp_path):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code, batch_id = batch.code, batch.id
    db.session.commit()
    out = tmp_path / "tem.pdf"
    result = app.test_cli_runner().invoke(
        args=["labels", "--batch", code, "--count", "30", "--out", str(out), "--preset", "a4-3x8"]
    )
    assert result.exit_code == 0, result.output
    assert "In tem" in result.output and "Đã in 30 tem của lô L2026-11 (2 trang)" in result.output
    pages = qr_urls(out.read_bytes())
    assert [len(urls) for urls in pages] == [24, 6]
    db.session.expire_all()
    assert {serial_of(url) for urls in pages for url in urls} == batch_serials(batch_id)
    run = db.session.scalar(select(LabelRun).where(LabelRun.batch_id == batch_id))
    assert run.count == 30 and run.pdf_path == str(out.resolve())


def test_cli_keeps_no_labels_when_the_pdf_cannot_be_written(app, tmp_path):
    owner = make_user(Role.COOPERATIVE)
    batch = printable_batch(owner)
    code, batch_id = batch.code, batch.id
    db.session.commit()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["labels", "--batch", code, "--count", "5", "--out", str(blocker / "tem.pdf")])
    assert result.exit_code != 0
    db.session.expire_all()
    assert batch_serials(batch_id) == set()
    unknown = runner.invoke(args=["labels", "--batch", "KHONGCO", "--count", "5", "--out", str(tmp_path / "x.pdf")])
    assert unknown.exit_code != 0 and "Không tìm thấy lô 'KHONGCO'" in unknown.output
