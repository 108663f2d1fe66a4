"""Demo traceability data: batches with events and labels, a year of scans, and seeding twice adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from marketplace.demo import seed
from marketplace.extensions import db
from traceability.models import Batch, Label, Scan
from traceability.services import verify_chain


def test_demo_batches_have_valid_chains_labels_and_scans_over_a_year(client):
    seed()
    db.session.commit()
    batches = db.session.scalars(select(Batch)).all()
    assert len(batches) >= 4
    assert all(3 <= len(b.events) <= 6 and verify_chain(b).valid for b in batches)
    assert db.session.scalar(select(func.count(Label.id))) >= 24 * len(batches)
    times = db.session.scalars(select(Scan.scanned_at)).all()
    oldest = min(t.replace(tzinfo=t.tzinfo or UTC) for t in times)
    assert len(times) > 50 and oldest < datetime.now(UTC) - timedelta(days=150)
    assert db.session.scalar(select(func.sum(Label.scan_count))) == len(times)
    before = len(times)
    seed()
    db.session.commit()
    assert db.session.scalar(select(func.count(Batch.id))) == len(batches)
    assert db.session.scalar(select(func.count(Scan.id))) == before
    mushrooms = next(b for b in batches if b.product.slug == "nam-meo-kho-van-son")
    serial = db.session.scalar(select(Label.serial).where(Label.batch_id == mushrooms.id).limit(1))
    page = client.get(f"/t/{serial}").get_data(as_text=True)
    assert "Nhận 3.000 bịch phôi nấm" in page and "Sấy lạnh 18 giờ" in page
