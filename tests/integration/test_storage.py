"""STORAGE=s3 against moto's S3 server (started here on a free port; never a real S3): product photos and their
sizes land in the bucket and are served at /media and at their public URL; label PDFs, job exports, feeds and
certificate scans are private objects the app serves after its access checks; `ocop storage migrate` copies a
local folder into the bucket and back, verified and idempotent; readiness checks the bucket."""

from __future__ import annotations

import io
import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from celery import _state as celery_state
from moto.server import ThreadedMotoServer
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from catalog import services as catalog_services
from catalog.tasks import import_products_task, make_image_variants
from catalog.views.excel import INLINE_ROWS
from integrations.tasks import sync_channel
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.models import Cooperative, Role
from marketplace.ops.backup import backup
from marketplace.storage import get_backend, storage
from marketplace.storage.local import LocalStorage
from marketplace.storage.migrate import migrate
from marketplace.storage.s3 import S3Storage
from tests.conftest import make_test_app
from tests.factories import VAN_SON, login, make_product, make_user
from tests.factories.catalog import jpeg_bytes, make_draft, make_published
from tests.factories.traceability import make_batch
from tests.integration.test_catalog_excel import GOOD, workbook
from traceability.models import LabelRun
from traceability.tasks import render_labels_task

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "S3_REGION": "ap-southeast-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=KEYS["S3_REGION"],
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )


def _new_bucket(endpoint: str) -> str:
    bucket = f"ocop-{uuid.uuid4().hex[:10]}"
    _client(endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": KEYS["S3_REGION"]})
    return bucket


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory, s3_endpoint):
    """The app with STORAGE=s3 on a bucket of its own (overrides the session's local-storage app here)."""
    current, default = celery_state.get_current_app(), celery_state.default_app
    bucket = _new_bucket(s3_endpoint)
    app = make_test_app(
        database_url,
        tmp_path_factory.mktemp("instance-s3"),
        STORAGE="s3",
        S3_BUCKET=bucket,
        S3_ENDPOINT_URL=s3_endpoint,
        **KEYS,
    )
    yield app
    celery_state.set_default_app(default)
    celery_state._set_current_app(current)


def _objects(app, prefix: str = "") -> dict[str, bytes]:
    client = _client(app.config["S3_ENDPOINT_URL"])
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=app.config["S3_BUCKET"], Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=app.config["S3_BUCKET"], Key=item["Key"])["Body"].read()
    return found


def _local_files(app) -> list[Path]:
    roots = [Path(app.config["MEDIA_ROOT"]), *(Path(app.config["INSTANCE_PATH"]) / p for p in ("labels", "private"))]
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def test_a_product_photo_and_its_sizes_are_in_the_bucket_and_served(app, client, s3_endpoint):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    image = catalog_services.add_image(owner, product, jpeg_bytes(1000, 700))
    db.session.commit()
    prefix = f"media/products/{product.id}/{image.stem}"

    assert list(_objects(app, prefix)) == [f"{prefix}.jpg"]
    assert make_image_variants(image.id) == 6  # what the worker runs
    stored = _objects(app, prefix)
    assert sorted(stored) == sorted(
        [f"{prefix}.jpg"] + [f"{prefix}-{w}.{fmt}" for w in (320, 800, 1600) for fmt in ("webp", "jpg")]
    )
    assert not _local_files(app)  # nothing on this host's disk

    served = client.get(f"/media/products/{product.id}/{image.stem}-800.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.data == stored[f"{prefix}-800.webp"]
    with Image.open(io.BytesIO(served.data)) as picture:
        assert picture.width == 800
    assert client.get(f"/media/products/{product.id}/nothing.jpg").status_code == 404
    assert client.get("/media/../instance/ocop.sqlite").status_code == 404

    # the same object at a public base URL: the bucket's `media/` prefix made public-read (docs/operations.md)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{app.config['S3_BUCKET']}/media/*",
            }
        ],
    }
    _client(s3_endpoint).put_bucket_policy(Bucket=app.config["S3_BUCKET"], Policy=json.dumps(policy))
    public = S3Storage(
        app.config["S3_BUCKET"],
        endpoint_url=s3_endpoint,
        region=KEYS["S3_REGION"],
        access_key="testing",
        secret_key="testing",
        public_base_url=f"{s3_endpoint}/{app.config['S3_BUCKET']}/media",
    )
    url = public.url(f"products/{product.id}/{image.stem}.jpg")
    assert url.startswith(s3_endpoint) and requests.get(url, timeout=10).content == stored[f"{prefix}.jpg"]


def test_a_label_pdf_is_private_and_downloaded_by_its_owner_only(app, client):
    owner = make_user(Role.COOPERATIVE)
    stranger = make_user(Role.COOPERATIVE)
    product = make_product(owner.cooperative, name="Mật ong bạc hà", ocop_stars=4)
    batch = make_batch(owner, product, events=(), lot="L-S3", expires_on="2027-06-30")
    code = batch.code
    db.session.commit()
    login(client, owner)
    job_id = client.form_post(f"/cooperative/batches/{code}/labels", {"count": "2"}).headers["Location"].rsplit("/")[-1]
    render_labels_task.run(job_id)
    run = db.session.scalar(select(LabelRun).where(LabelRun.job_id == job_id))

    assert run.pdf_path == f"labels/run-{run.id}.pdf"
    pdf = _objects(app, "labels/")[run.pdf_path]
    assert pdf.startswith(b"%PDF") and not _local_files(app)
    download = client.get(f"/cooperative/batches/{code}/labels/{run.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == pdf
    assert client.get(f"/media/{run.pdf_path}").status_code == 404  # never public

    client.form_post("/logout")
    login(client, stranger)
    assert client.get(f"/cooperative/batches/{code}/labels/{run.id}.pdf").status_code == 404


def test_a_presigned_url_fetches_a_private_file_for_a_short_time(app):
    files = storage()
    files.save("exports/demo/bao-cao.xlsx", b"PK demo", "application/octet-stream")
    url = files.url("exports/demo/bao-cao.xlsx", private=True, expires=60)
    assert "Signature" in url or "X-Amz-Signature" in url
    assert requests.get(url, timeout=10).content == b"PK demo"
    unsigned = f"{app.config['S3_ENDPOINT_URL']}/{app.config['S3_BUCKET']}/exports/demo/bao-cao.xlsx"
    assert requests.get(unsigned, timeout=10).status_code == 403


def test_a_job_export_is_downloadable_from_the_bucket(app, client):
    owner = make_user(Role.COOPERATIVE)
    make_published(owner, name="Chuối tiêu hồng")
    db.session.commit()
    login(client, owner)
    response = client.form_post("/cooperative/channels/postmart/export", {"cooperative": ""})
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    sync_channel.run(job_id)
    data = client.get(f"/jobs/{job_id}?format=json").get_json()
    assert data["status"] == "succeeded" and data["result"]["photos"] == 1

    objects = _objects(app, f"exports/{job_id}/")
    assert sorted(objects) == [f"exports/{job_id}/postmart-anh.zip", f"exports/{job_id}/postmart.xlsx"]
    workbook, photos = (client.get(url) for url in data["result"]["files"])
    assert workbook.status_code == 200 and workbook.data == objects[f"exports/{job_id}/postmart.xlsx"]
    assert load_workbook(io.BytesIO(workbook.data)).worksheets[0].cell(3, 2).value == "Chuối tiêu hồng"
    assert photos.status_code == 200 and photos.data[:2] == b"PK"

    client.form_post("/logout")
    login(client, make_user(Role.COOPERATIVE))
    assert client.get(data["result"]["files"][0]).status_code == 404


def test_feeds_are_built_into_the_bucket_and_served(app, client):
    make_published(name="Miến dong Bình Liêu")
    db.session.commit()

    feed = client.get("/feeds/google.xml")
    assert feed.status_code == 200 and "Miến dong Bình Liêu" in feed.get_data(as_text=True)
    stored = _objects(app, "feeds/")
    assert stored["feeds/google.xml"] == feed.data and "feeds/google.json" in stored
    assert "/media/products/" in feed.get_data(as_text=True)
    again = client.get("/feeds/google.xml", headers={"If-None-Match": feed.headers["ETag"].strip('"')})
    assert again.status_code == 304
    assert client.get("/media/feeds/google.xml").status_code == 404


def test_a_certificate_scan_is_private(app, client):
    buyer = make_user(Role.BUYER, email="scan.s3@example.vn")
    db.session.commit()
    login(client, buyer)
    form = {
        "kind": "hkd",
        "name": "Hộ kinh doanh Chè Tân Cương",
        "registration_no": "2801239999",
        "province": "38",
        "commune": str(VAN_SON),
        "address": "Thôn 1",
        "phone": "0912 000 222",
        "representative": "Lê Văn Chè",
        "bank_bin": "970405",
        "account_no": "3500 2051 88888",
        "account_holder": "Lê Văn Chè",
        "registration_doc": (io.BytesIO(jpeg_bytes(800, 600)), "giay-phep.jpg"),
    }
    response = client.form_post("/cooperative/apply", form, content_type="multipart/form-data")
    assert response.status_code == 302
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.registration_no == "2801239999"))
    key = f"private/{cooperative.registration_doc_path}"

    stored = _objects(app, "private/")[key]
    with Image.open(io.BytesIO(stored)) as scan:
        assert scan.format == "JPEG" and scan.size == (800, 600)
    url = f"/cooperatives/{cooperative.slug}/documents/registration.jpg"
    own = client.get(url)
    assert own.status_code == 200 and own.data == stored and "no-store" in own.headers["Cache-Control"]
    assert client.get(f"/media/{key}").status_code == 404
    assert client.get(f"/media/{cooperative.registration_doc_path}").status_code == 404

    client.form_post("/logout")
    login(client, make_user(Role.COOPERATIVE))
    assert client.get(url).status_code == 404


def test_storage_migrate_copies_a_local_folder_to_s3_verified_and_idempotent(app, s3_endpoint):
    media, instance = Path(app.config["MEDIA_ROOT"]), Path(app.config["INSTANCE_PATH"])
    files = {
        media / "products/90/anh.jpg": jpeg_bytes(),
        media / "trace/7/lo.jpg": jpeg_bytes(200, 200),
        instance / "labels/run-90.pdf": b"%PDF-1.4 tem",
        instance / "private/cooperatives/90/ocop-ab.jpg": jpeg_bytes(300, 200),
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    bucket = _new_bucket(s3_endpoint)
    runner = app.test_cli_runner()
    original_bucket = app.config["S3_BUCKET"]
    app.config["S3_BUCKET"] = bucket
    try:
        first = runner.invoke(args=["storage", "migrate", "--to", "s3"])
        assert first.exit_code == 0, first.output
        assert "Đã chép 4 tệp, bỏ qua 0 tệp đã có, sai khác 0." in first.output
        objects = _objects(app)
        assert objects["media/products/90/anh.jpg"] == files[media / "products/90/anh.jpg"]
        assert objects["labels/run-90.pdf"] == b"%PDF-1.4 tem"
        assert sorted(objects) == [
            "labels/run-90.pdf",
            "media/products/90/anh.jpg",
            "media/trace/7/lo.jpg",
            "private/cooperatives/90/ocop-ab.jpg",
        ]
        second = runner.invoke(args=["storage", "migrate", "--to", "s3"])
        assert second.exit_code == 0 and "Đã chép 0 tệp, bỏ qua 4 tệp đã có" in second.output

        for path in files:
            path.unlink()
        back = runner.invoke(args=["storage", "migrate", "--to", "local"])
        assert back.exit_code == 0 and "Đã chép 4 tệp" in back.output
        assert all(path.read_bytes() == data for path, data in files.items())
    finally:
        app.config["S3_BUCKET"] = original_bucket
        for path in files:
            path.unlink(missing_ok=True)


class _Corrupting(LocalStorage):
    """A target that stores something else than it was given (a broken disk or proxy)."""

    def save(self, key, data, content_type=None):
        super().save(key, bytes(data) + b"!", content_type)


def test_storage_migrate_reports_a_checksum_mismatch(app, tmp_path):
    source = get_backend("s3", app.config)
    source.save("products/91/anh.jpg", b"jpeg", "image/jpeg")
    target = _Corrupting(tmp_path / "media", tmp_path)
    report = migrate(source, target)
    assert "products/91/anh.jpg" in report.mismatched and report.copied == report.total - len(report.mismatched)
    source.delete("products/91/anh.jpg")


def test_readiness_checks_the_bucket(app, client, s3_endpoint):
    assert client.get("/readyz").get_json() == {"status": "ok"}
    app.extensions["ocop_storage"] = get_backend("s3", {**app.config, "S3_BUCKET": "no-such-bucket"})
    try:
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["failed"] == ["storage"]
    finally:
        app.extensions.pop("ocop_storage")


def test_backup_copies_the_files_of_the_bucket(app, tmp_path):
    owner = make_user(Role.COOPERATIVE)
    product = make_draft(owner, photo=False)
    image = catalog_services.add_image(owner, product, jpeg_bytes(400, 300))
    db.session.commit()
    key = f"products/{product.id}/{image.stem}.jpg"
    photo = storage().read(key)
    storage().save("labels/run-77.pdf", b"%PDF-1.4 backup", "application/pdf")

    manifest = backup(tmp_path / "backup")
    paths = {entry["path"] for entry in manifest["files"]}
    assert {f"media/{key}", "media/labels/run-77.pdf"} <= paths
    assert (tmp_path / "backup" / "media" / key).read_bytes() == photo


def test_a_long_excel_import_waits_in_the_bucket_for_its_job(app, client):
    owner = make_user(Role.COOPERATIVE)
    db.session.commit()
    login(client, owner)
    rows = [{**GOOD, "Tên sản phẩm": f"Chè số {n}", "Giá (đồng)": "không rõ"} for n in range(INLINE_ROWS + 1)]
    response = client.form_post(
        "/cooperative/products/import",
        {"file": (io.BytesIO(workbook(rows)), "san-pham.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job = db.session.scalar(select(Job).where(Job.kind == "import"))
    assert list(_objects(app, "imports/")) == [job.params["key"]]  # any worker host can read it

    import_products_task.run(job.id)  # what a worker runs
    db.session.expire_all()
    data = client.get(f"/jobs/{job.id}?format=json").get_json()
    assert data["status"] == "succeeded" and "lỗi" in data["message"]
    assert _objects(app, "imports/") == {}  # the job removed the upload
