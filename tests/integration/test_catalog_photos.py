"""Photos: the content decides the type, bombs and non-images are refused in Vietnamese with nothing half-saved,
the picture is turned upright and stripped of metadata (GPS too), and a Celery task makes WebP/JPEG sizes."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from catalog.images import original_path, variant_path
from catalog.models import Product, ProductImage, ProductStatus
from catalog.tasks import VARIANTS_TASK, make_image_variants
from marketplace.extensions import db
from marketplace.models import Role
from tests.factories import api_token, login, make_user, queued_tasks
from tests.factories.catalog import bomb_png, jpeg_bytes, make_draft, make_published, png_bytes, product_data

THIRTY_MB = 30 * 1024 * 1024


def _media(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def _files(app) -> list[Path]:
    folder = _media(app) / "products"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Máy ảnh của HTX"  # Make
    if orientation:
        exif[0x0112] = orientation
    gps = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    exif[0x8825] = gps
    return exif


def _new_product_form(client, photo: tuple, **extra):
    data = {**product_data(), "action": "save", "client_token": "photo-test", "photos": photo, **extra}
    return client.form_post("/cooperative/products/new", data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"Day la van ban, khong phai anh.\n" * 20, "anh-san-pham.jpg", "Tệp này không phải ảnh"),
        (bomb_png(), "nho-ma-to.png", "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel)"),
        (b"\xff\xd8\xff\xe0" + b"\0" * THIRTY_MB, "30mb.jpg", "Ảnh quá lớn (tối đa 15 MB)"),
        (jpeg_bytes()[:2700], "cut.jpg", "Ảnh bị hỏng hoặc không đọc được"),
    ],
    ids=["text-named-jpg", "bomb", "30-mb", "truncated"],
)
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_half_saved(app, client, content, filename, message):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    before = _files(app)
    login(client, owner)
    response = _new_product_form(client, (io.BytesIO(content), filename))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 0
    assert _files(app) == before


def test_a_bad_second_photo_rolls_back_the_first_and_its_file(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    db.session.commit()
    before = _files(app)
    login(client, owner)
    response = client.form_post(
        f"/cooperative/products/{product.id}/photos",
        {"photos": [(io.BytesIO(jpeg_bytes()), "tot.jpg"), (io.BytesIO(b"GIF89a-not-really"), "xau.gif")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "Tệp này không phải ảnh" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 0
    assert _files(app) == before  # the first photo's file was deleted with the rollback


def test_type_comes_from_the_content_not_the_name(app):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    from catalog import services

    image = services.add_image(owner, product, png_bytes(300, 200))  # a PNG whatever its name was
    db.session.commit()
    with Image.open(original_path(product.id, image.stem)) as stored:
        assert stored.format == "JPEG" and stored.mode == "RGB" and stored.size == (300, 200)


def test_orientation_applied_and_all_metadata_dropped(app):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    from catalog import services

    upload = jpeg_bytes(400, 200, exif=_gps_exif(orientation=6))  # phone held upright: rotate 90°
    with Image.open(io.BytesIO(upload)) as check:
        assert check.getexif().get_ifd(0x8825)  # the upload does carry GPS
    image = services.add_image(owner, product, upload)
    db.session.commit()
    assert (image.width, image.height) == (200, 400)
    path = original_path(product.id, image.stem)
    with Image.open(path) as stored:
        assert stored.size == (200, 400)
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert b"Exif" not in path.read_bytes()[:4096]
    make_image_variants(image.id)
    for width in (320, 800, 1600):
        for fmt in ("webp", "jpg"):
            with Image.open(variant_path(product.id, image.stem, width, fmt)) as variant:
                assert len(variant.getexif()) == 0


def test_upload_queues_the_sizes_task_which_makes_webp_and_jpeg(app, client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    waiting = queued_tasks(app, VARIANTS_TASK)
    response = _new_product_form(client, (io.BytesIO(jpeg_bytes(2000, 1500)), "IMG_0001.JPG"))
    assert response.status_code == 302
    image = db.session.scalar(select(ProductImage))
    new = {k: v for k, v in queued_tasks(app, VARIANTS_TASK).items() if k not in waiting}
    assert list(new.values()) == [f"({image.id},)"]  # sent once, after the commit
    assert image.variants_ready is False
    page_before = client.get(f"/cooperative/products/{image.product_id}").get_data(as_text=True)
    assert f"/media/products/{image.product_id}/{image.stem}.jpg" in page_before  # shown before the sizes exist

    assert make_image_variants(image.id) == 6  # what the worker runs
    assert make_image_variants(image.id) == 0  # running it again changes nothing
    db.session.refresh(image)
    assert image.variants_ready
    widths = {}
    for width in (320, 800, 1600):
        for fmt, kind in (("webp", "WEBP"), ("jpg", "JPEG")):
            with Image.open(variant_path(image.product_id, image.stem, width, fmt)) as variant:
                assert variant.format == kind
                widths[(width, fmt)] = variant.width
    assert widths[(320, "webp")] == 320 and widths[(800, "jpg")] == 800 and widths[(1600, "webp")] == 1600
    served = client.get(f"/media/products/{image.product_id}/{image.stem}-800.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"


def test_pages_use_srcset_and_lazy_loading(app, client):
    product = make_published()
    make_image_variants(product.images[0].id)
    db.session.commit()
    image = product.images[0]
    base = f"/media/products/{product.id}/{image.stem}"
    tile = client.get("/search?q=nam+meo").get_data(as_text=True)
    assert f'srcset="{base}-320.webp 320w, {base}-640.webp 640w"' not in tile  # never wider than the photo
    assert f"{base}-320.webp 320w" in tile and f"{base}-800.webp 640w" in tile
    assert 'type="image/webp"' in tile and 'loading="lazy"' in tile
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"{base}-320.jpg 320w" in page and 'decoding="async"' in page
    assert f'<meta property="og:image" content="https://ocop.test{base}-800.jpg">' in page


def test_upload_form_shrinks_in_the_browser_and_works_without_it(client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    form = client.get("/cooperative/products/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in form and 'name="photos"' in form and 'data-shrink-photos="1600"' in form
    assert 'accept="image/*"' in form and "capture" not in form  # the gallery too, not only the camera
    script = client.get("/static/js/photos.js").get_data(as_text=True)
    assert "toBlob" in script and "maxSide" in script


def test_at_most_eight_photos(client):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    db.session.commit()
    login(client, owner)
    nine = [(io.BytesIO(jpeg_bytes(64, 48)), f"{n}.jpg") for n in range(9)]
    response = client.form_post(
        f"/cooperative/products/{product.id}/photos", {"photos": nine}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Mỗi sản phẩm có tối đa 8 ảnh" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 0


def test_api_image_upload(app, client):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    stranger = make_user(Role.COOPERATIVE)
    db.session.commit()
    headers = api_token(client, owner.email)
    created = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"image": (io.BytesIO(png_bytes()), "x.bin")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert created.status_code == 201
    url = created.get_json()["url"]
    assert url.startswith("/media/products/") and client.get(url).status_code == 200
    refused = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"image": (io.BytesIO(bomb_png()), "a.png")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["message"] == "Ảnh có quá nhiều điểm ảnh (tối đa 40 megapixel)."
    missing = client.post(f"/api/v1/products/{product.id}/images", headers=headers)
    assert missing.status_code == 422 and "image" in missing.get_json()["error"]["message"]
    other = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"image": (io.BytesIO(png_bytes()), "x.png")},
        headers=api_token(client, stranger.email),
        content_type="multipart/form-data",
    )
    assert other.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ProductImage)) == 1


def test_photo_on_a_live_product_waits_for_review(client):
    product = make_published()
    from catalog import services
    from tests.factories.catalog import owner_of

    services.add_image(owner_of(product), product, jpeg_bytes())
    db.session.commit()
    assert product.status == ProductStatus.PUBLISHED
    assert client.get(f"/p/{product.slug}").get_data(as_text=True).count('class="slide"') == 1
    assert len(client.get(f"/api/v1/products/{product.id}").get_json()["images"]) == 1


def test_photos_uploaded_at_the_same_moment_all_land_and_the_limit_holds(app, client):
    """Ten uploads released together on one product: eight are stored with distinct positions, the rest are
    refused with the limit message, and none answers 500 (on PostgreSQL each request has its own connection)."""
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    db.session.commit()
    headers = api_token(client, owner.email)
    url, photo = f"/api/v1/products/{product.id}/images", jpeg_bytes(64, 48)
    start = threading.Barrier(10)
    statuses: list[int] = []

    def upload(n: int) -> None:
        start.wait()
        response = app.test_client().post(
            url,
            data={"image": (io.BytesIO(photo), f"{n}.jpg")},
            headers=headers,
            content_type="multipart/form-data",
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 8 + [422] * 2
    db.session.commit()  # a fresh snapshot: SQLite's reader would otherwise still see the table before the uploads
    positions = db.session.scalars(select(ProductImage.position).where(ProductImage.product_id == product.id)).all()
    assert sorted(positions) == list(range(1, 9))
