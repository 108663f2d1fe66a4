"""Traceability factories: batches and events made through the real services, labels through issue_labels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.text import today_vn
from tests.factories import make_product, make_user
from traceability import services
from traceability.labels import IssuedLabel, issue_labels
from traceability.models import Batch

THREE_STAGES = ("harvest", "processing", "packing")


def make_batch(owner: User | None = None, product: Product | None = None, events=THREE_STAGES, **overrides) -> Batch:
    """A batch of a published product of the owner's cooperative, with one event per stage given."""
    owner = owner or make_user(Role.COOPERATIVE)
    product = product or make_product(owner.cooperative, ocop_stars=4)
    data = {
        "product_id": product.id,
        "lot": overrides.pop("lot", f"NM-{product.id}"),
        "harvested_on": (today_vn() - timedelta(days=5)).isoformat(),
        "quantity": 120,
        "certifications": ["VietGAP"],
        "standards": "TCVN 11041-2:2017",
    }
    data.update(overrides)
    batch = services.create_batch(owner, data)
    for index, stage in enumerate(events):
        services.append_event(
            owner, batch, {"stage": stage, "place": f"Nhà nấm số {index + 1}", "note": f"Công đoạn {index + 1}"}
        )
    db.session.flush()
    return batch


def make_labels(batch: Batch, count: int = 3) -> list[IssuedLabel]:
    _run, issued = issue_labels(batch, count)
    db.session.flush()
    return issued


def owner_of(batch: Batch) -> User:
    return next(m for m in batch.cooperative.members if m.role == Role.COOPERATIVE)


def scan_server_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a gunicorn site that serves scan pages from `database_url` (no demo data, no scan limit)."""
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(folder),
        "MEDIA_ROOT": str(folder / "media"),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "DEMO_DATA": "0",
        "SCAN_RATE_LIMIT": "0",
        **extra,
    }
