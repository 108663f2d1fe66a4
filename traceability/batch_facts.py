"""What the scan page shows about a batch: product, producer, lot, stages (Circular 02/2024/TT-BKHCN items).

Built on a cache miss only (the ORM is fine here); the result is plain data shared by the HTML and the JSON.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import Product
from marketplace.extensions import db
from marketplace.storage import media_base
from marketplace.text import to_local, today_vn

from . import photos
from .heads import latest_head
from .models import Batch, TraceEvent
from .services import verify_chain
from .stages import stage_name


def iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds") if isinstance(value, datetime) else value.isoformat()


def _certificate(product: Product, today: date) -> dict | None:
    c = product.certificate
    if c is None:
        return None
    return {
        "stars": c.stars,
        "number": c.certificate_no,
        "level": str(c.level),
        "issued_on": iso(c.issued_on),
        "expires_on": iso(c.expires_on),
        "valid": c.valid_on(today),
    }


def _product_photo(product: Product) -> str | None:
    image = next((i for i in product.public_images), None)
    if image is None:
        return None
    base = f"{media_base()}/products/{product.id}/{image.stem}"
    return f"{base}-320.jpg" if image.variants_ready else f"{base}.jpg"


def _event_data(event: TraceEvent) -> dict:
    commune = event.commune
    return {
        "seq": event.seq,
        "stage": str(event.stage),
        "stage_name": stage_name(event.stage),
        "occurred_at": iso(event.occurred_at),
        "place": event.place,
        "commune": commune.full_name if commune else None,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "note": event.note,
        "input_name": event.input_name,
        "withholding_days": event.withholding_days,
        "corrects_seq": event.corrects_event_id
        and next((e.seq for e in event.batch.events if e.id == event.corrects_event_id), None),
        "photos": [photos.thumb_url(event.batch_id, p.stem) for p in event.photos],
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }


def batch_facts(batch_id: int) -> dict:
    """What the scan page and its JSON show about a batch (Circular 02/2024 minimum items and more)."""
    batch = _load_batch(batch_id)
    product, cooperative = batch.product, batch.cooperative
    today = today_vn()
    certificate = _certificate(product, today)
    base = current_app.config["PUBLIC_BASE_URL"]
    status = verify_chain(batch)
    return {
        "chain_valid": status.valid,
        "product": {
            "name": product.name,
            "slug": product.slug,
            "url": base + url_for("catalog.product", slug=product.slug),
            "photo": _product_photo(product),
            "gtin": product.gtin,
            "ocop_stars": certificate["stars"] if certificate and certificate["valid"] else None,
            "certificate": certificate,
            "shelf_life_days": product.shelf_life_days,
        },
        "cooperative": {
            "name": cooperative.name,
            "address": cooperative.address,
            "phone": cooperative.phone,
            "commune": cooperative.commune.name,
            "province": cooperative.commune.province.name,
        },
        "batch": {
            "code": batch.code,
            "lot": batch.lot,
            "harvested_on": iso(batch.harvested_on),
            "expires_on": iso(batch.expires_on),
            "expired": bool(batch.expires_on and batch.expires_on < today),
            "quantity": batch.quantity,
            "unit": batch.unit,
            "inputs": batch.inputs,
            "certifications": list(batch.certifications or []),
            "standards": batch.standards,
            "photos": [photos.thumb_url(batch.id, p.stem) for p in batch.photos if p.event_id is None],
        },
        "events": [_event_data(e) for e in batch.events],
        "chain_head": _chain_head(cooperative),
    }


def _chain_head(cooperative) -> dict | None:
    """The cooperative's latest published chain head, for the line under the scan page (not in the scan JSON)."""
    head = latest_head(cooperative.id)
    if head is None:
        return None
    return {
        "day": iso(head.day),
        "head": head.head,
        "today": head.day == today_vn() - timedelta(days=1),  # published today, after midnight
        "url": url_for("traceability.chain_heads", slug=cooperative.slug),
    }


def _load_batch(batch_id: int) -> Batch:
    return db.session.scalar(
        select(Batch)
        .where(Batch.id == batch_id)
        .options(
            selectinload(Batch.product).selectinload(Product.certificate),
            selectinload(Batch.product).selectinload(Product.images),
            selectinload(Batch.cooperative),
            selectinload(Batch.events).selectinload(TraceEvent.photos),
            selectinload(Batch.events).selectinload(TraceEvent.commune),
            selectinload(Batch.photos),
        )
    )
