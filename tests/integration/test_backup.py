"""`ocop backup --out DIR` then `ocop restore DIR` into a fresh empty database and media folder: every order,
payment, scan and photo comes back; a database that holds data and a changed file are refused."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from catalog.models import ProductImage
from marketplace.extensions import db
from orders.models import Order, Payment, PaymentStatus
from tests.conftest import _create_pg_database, _drop_pg_database, make_test_app
from tests.factories import make_cooperative, make_product, make_user
from tests.factories.integrations import add_photo
from tests.factories.orders import make_checkout
from tests.factories.traceability import make_batch, make_labels
from traceability import scanpage
from traceability.models import Scan


@pytest.fixture
def empty_database(dialect, tmp_path):
    """A fresh database of the same kind with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name, url = _create_pg_database()
    try:
        yield url
    finally:
        create_engine(url).dispose()
        _drop_pg_database(name)


def _shop(app, client):
    """Two orders with a payment each, two scans of a label, and a product photo on disk."""
    product = make_product(make_cooperative(), price_vnd=80_000, stock=20)
    photo = add_photo(app, product)
    orders = []
    for _ in range(2):
        orders += make_checkout(make_user(), {product.id: 1}).orders
    for order in orders:
        db.session.add(
            Payment(
                order_id=order.id,
                gateway="vietqr",
                provider_reference=secrets.token_hex(6),
                amount_vnd=order.total_vnd,
                status=PaymentStatus.APPLIED,
                content=order.code,
            )
        )
    label = make_labels(make_batch(), 1)[0]
    db.session.commit()
    scanpage.cache.clear()
    client.get(f"/t/{label.serial}")
    client.get(f"/t/{label.serial}", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    return photo


def _snapshot():
    return {
        "orders": sorted(db.session.scalars(select(Order.code))),
        "payments": sorted(db.session.scalars(select(Payment.provider_reference))),
        "scans": len(db.session.scalars(select(Scan.id)).all()),
        "photos": sorted(db.session.scalars(select(ProductImage.stem))),
    }


def test_backup_then_restore_into_an_empty_database_brings_everything_back(
    app, client, tmp_path, empty_database, keep_celery_app
):
    photo = _shop(app, client)
    before = _snapshot()
    assert len(before["orders"]) == 2 and len(before["payments"]) == 2 and before["scans"] == 2
    out = tmp_path / "backup"
    made = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert made.exit_code == 0, made.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"] == db.engine.dialect.name and manifest["alembic_revisions"]
    photo_files = [f["path"] for f in manifest["files"] if photo.stem in f["path"]]
    assert len(photo_files) == 2 and all(len(f["sha256"]) == 64 for f in manifest["files"])

    target = make_test_app(empty_database, tmp_path / "new-instance", MEDIA_ROOT=str(tmp_path / "new-media"))
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert restored.exit_code == 0, restored.output
        assert "Đã khôi phục" in restored.output
        assert _snapshot() == before
        for relative in photo_files:
            original = Path(app.config["MEDIA_ROOT"]) / relative.removeprefix("media/")
            copied = tmp_path / "new-media" / relative.removeprefix("media/")
            assert copied.read_bytes() == original.read_bytes()

        again = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert again.exit_code != 0 and "đã có dữ liệu" in again.output
        db.session.remove()
    db.session.remove()


def test_restore_refuses_a_backup_whose_files_changed(app, client, tmp_path, empty_database, keep_celery_app):
    _shop(app, client)
    out = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    tampered = out / next(f["path"] for f in manifest["files"] if f["path"].startswith("media/"))
    tampered.write_bytes(b"not the photo")
    target = make_test_app(empty_database, tmp_path / "new-instance", MEDIA_ROOT=str(tmp_path / "new-media"))
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(out)])
        assert result.exit_code != 0 and "SHA-256" in result.output
        assert not (tmp_path / "new-media").exists()
        db.session.remove()
