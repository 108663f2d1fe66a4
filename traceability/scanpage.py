"""The public scan page's hot path: record a scan with two Core statements, render the rest from a cache.

A scan is one `UPDATE labels … RETURNING` (the count rises atomically, first/last scan times are set, and the
hash of the batch's last event comes back in the same round trip) plus one `INSERT … SELECT` into `scans`, in
the request's own transaction: no scan is ever lost, and nothing is read before the write (so SQLite never has
to upgrade a read lock). Everything that does not change per scan — product, cooperative, batch, events, the
chain verification — is built once per batch head (its last event's hash) and locale, kept for
`TRACE_SCAN_CACHE_SECONDS`, and shared by every label of the batch; only the count and the warnings differ.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import selectinload

from catalog.models import Product
from marketplace.extensions import db
from marketplace.text import as_utc, to_local, utcnow

from . import photos
from .labels import gtin14
from .models import Batch, Label, Scan, TraceEvent
from .services import verify_chain
from .stages import stage_name

_labels = Label.__table__
_batches = Batch.__table__
_products = Product.__table__
_events = TraceEvent.__table__
_scans = Scan.__table__
CACHE_SIZE = 2048


@dataclass(frozen=True)
class ScanHit:
    label_id: int
    batch_id: int
    serial: str
    scan_count: int
    first_scanned_at: datetime | None
    head: str


class TtlCache:
    """A small per-process LRU with expiry (each gunicorn worker keeps its own)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, ttl: float) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > ttl:
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = TtlCache()


def _ttl() -> float:
    return float(current_app.config.get("TRACE_SCAN_CACHE_SECONDS", 60))


def _gtin_forms(gtin: str) -> list[str]:
    """The ways a GTIN-14 may be stored on a product: as given, or without its leading zeros as GTIN-13/12/8."""
    forms = [gtin]
    for length in (13, 12, 8):
        if gtin[: 14 - length].strip("0") == "":
            forms.append(gtin[14 - length :])
    return forms


def _head_hash():
    return (
        select(_events.c.hash)
        .where(_events.c.batch_id == _labels.c.batch_id)
        .order_by(_events.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def _label_filter(serial: str, gtin: str | None, lot: str | None) -> list:
    conditions = [_labels.c.serial == serial]
    if gtin is not None:
        matching = (
            select(_batches.c.id)
            .join(_products, _products.c.id == _batches.c.product_id)
            .where(_batches.c.lot == lot, _products.c.gtin.in_(_gtin_forms(gtin)))
        )
        conditions.append(_labels.c.batch_id.in_(matching))
    return conditions


def client_hash() -> str:
    """A short fingerprint of the scanning device for spotting repeat scans (no IP address is stored)."""
    raw = f"{current_app.config['SECRET_KEY'][:16]}|{request.remote_addr}|{request.user_agent.string[:200]}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def record_scan(serial: str, *, gtin: str | None = None, lot: str | None = None, via: str = "qr") -> ScanHit | None:
    """Count one scan of a label (None when no such label, or its GTIN/lot do not match); the caller commits."""
    now = utcnow()
    row = db.session.execute(
        update(_labels)
        .where(*_label_filter(serial, gtin, lot))
        .values(
            scan_count=_labels.c.scan_count + 1,
            first_scanned_at=func.coalesce(_labels.c.first_scanned_at, now),
            last_scanned_at=now,
        )
        .returning(_labels.c.id, _labels.c.batch_id, _labels.c.scan_count, _labels.c.first_scanned_at, _head_hash())
    ).first()
    if row is None:
        return None
    db.session.execute(
        insert(_scans).from_select(
            ["label_id", "product_id", "cooperative_id", "scanned_at", "via", "client_hash"],
            select(
                literal(row[0]),
                _batches.c.product_id,
                _batches.c.cooperative_id,
                literal(now, _scans.c.scanned_at.type),
                literal(via[:10]),
                literal(client_hash()),
            ).where(_batches.c.id == row[1]),
        )
    )
    return ScanHit(row[0], row[1], serial, row[2], row[3], row[4] or "")


def peek_label(serial: str, *, gtin: str | None = None, lot: str | None = None) -> ScanHit | None:
    """The label without counting a scan (for `linkType` redirects)."""
    row = db.session.execute(
        select(_labels.c.id, _labels.c.batch_id, _labels.c.scan_count, _labels.c.first_scanned_at, _head_hash()).where(
            *_label_filter(serial, gtin, lot)
        )
    ).first()
    return None if row is None else ScanHit(row[0], row[1], serial, row[2], row[3], row[4] or "")


# --- the part of the page that does not change per scan -------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
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
        "issued_on": _iso(c.issued_on),
        "expires_on": _iso(c.expires_on),
        "valid": c.valid_on(today),
    }


def _product_photo(product: Product) -> str | None:
    image = next((i for i in product.public_images), None)
    if image is None:
        return None
    base = f"/media/products/{product.id}/{image.stem}"
    return f"{base}-320.jpg" if image.variants_ready else f"{base}.jpg"


def _event_data(event: TraceEvent) -> dict:
    commune = event.commune
    return {
        "seq": event.seq,
        "stage": str(event.stage),
        "stage_name": stage_name(event.stage),
        "occurred_at": _iso(event.occurred_at),
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


def batch_data(batch: Batch) -> dict:
    """What the scan page and its JSON show about a batch (Circular 02/2024 minimum items and more)."""
    product, cooperative = batch.product, batch.cooperative
    today = date.today()
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
            "commune": cooperative.commune.full_name,
            "province": cooperative.commune.province.name,
        },
        "batch": {
            "code": batch.code,
            "lot": batch.lot,
            "harvested_on": _iso(batch.harvested_on),
            "expires_on": _iso(batch.expires_on),
            "expired": bool(batch.expires_on and batch.expires_on < today),
            "quantity": batch.quantity,
            "unit": batch.unit,
            "inputs": batch.inputs,
            "certifications": list(batch.certifications or []),
            "standards": batch.standards,
            "photos": [photos.thumb_url(batch.id, p.stem) for p in batch.photos if p.event_id is None],
        },
        "events": [_event_data(e) for e in batch.events],
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


@dataclass(frozen=True)
class BatchView:
    data: dict
    fragment: Markup


def batch_view(batch_id: int, head: str) -> BatchView:
    """The cached product/batch part for this batch head and locale (built and rendered on a miss)."""
    key = (batch_id, head, str(get_locale()))
    found = cache.get(key, _ttl())
    if found is not None:
        return found
    data = batch_data(_load_batch(batch_id))
    html = render_template("traceability/_batch_part.html", d=data)
    view = BatchView(data, Markup(html))  # noqa: S704 — output of an autoescaping template
    cache.put(key, view)
    return view


def warning_threshold() -> int:
    """The admin's scan count past which the page warns of copies (cached like the batch part)."""
    found = cache.get("threshold", _ttl())
    if found is None:
        from marketplace.admin.settings import get_int_setting

        found = get_int_setting("scan_warning_threshold")
        cache.put("threshold", found)
    return found


def scan_json(hit: ScanHit, view: BatchView) -> dict:
    """The DESIGN.md shape: {genuine, serial, scan_count, first_scanned_at, chain_valid, product, cooperative, …}."""
    data = view.data
    return {
        "genuine": True,
        "serial": hit.serial,
        "scan_count": hit.scan_count,
        "first_scanned_at": _iso(as_utc(hit.first_scanned_at)) if hit.first_scanned_at else None,
        "chain_valid": data["chain_valid"],
        "suspicious": hit.scan_count > warning_threshold(),
        "product": data["product"],
        "cooperative": data["cooperative"],
        "batch": data["batch"],
        "events": data["events"],
    }


def gtin_for_url(gtin: str | None) -> str | None:
    return gtin14(gtin) if gtin else None
