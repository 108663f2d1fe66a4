"""Models for traceability: batches (lô), append-only supply-chain events, label serials, label runs, scans.

Traceability is insert-only: a correction is a new event that points at the one it corrects. Each event stores
the hash of its canonical JSON, which includes the previous event's hash (keyed HMAC over the event, its batch and
photos since migration 0340; see chain.py), so altering a stored row breaks the chain. Public codes (batch codes, label serials) are random, never database ids.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, IntId, User, str_enum
from marketplace.text import utcnow


class Stage(enum.StrEnum):
    """Production and business stages (the API values of docs/api.md); Vietnamese names live in services."""

    PLANTING = "planting"
    CARE = "care"
    HARVEST = "harvest"
    PROCESSING = "processing"
    PACKING = "packing"
    STORAGE = "storage"
    SHIPPING = "shipping"
    SALE = "sale"


class Batch(db.Model):
    """A lot (lô) of one product: what a label points at."""

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("product_id", "lot", name="uq_batches_product_lot"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )
    id: Mapped[IntId]
    code: Mapped[str] = mapped_column(String(16), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    lot: Mapped[str] = mapped_column(String(20))
    harvested_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    quantity: Mapped[int] = mapped_column(default=0)
    unit: Mapped[str] = mapped_column(String(20), default="kg")
    inputs: Mapped[str] = mapped_column(Text, default="")
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    standards: Mapped[str] = mapped_column(String(300), default="")
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # chain.legacy_seal of a chain written before keyed hashes (set once by migration 0340; None for newer batches)
    legacy_seal: Mapped[str | None] = mapped_column(String(64))

    product: Mapped[Product] = relationship()
    cooperative: Mapped[Cooperative] = relationship()
    events: Mapped[list[TraceEvent]] = relationship(back_populates="batch", order_by="TraceEvent.seq")
    photos: Mapped[list[TracePhoto]] = relationship(
        back_populates="batch", order_by="TracePhoto.id", primaryjoin="Batch.id == TracePhoto.batch_id"
    )


class TraceEvent(db.Model):
    """One supply-chain step of a batch (EPCIS 2.0 ObjectEvent); never updated, never deleted."""

    __tablename__ = "trace_events"
    __table_args__ = (
        UniqueConstraint("batch_id", "seq", name="uq_trace_events_batch_seq"),
        CheckConstraint("withholding_days IS NULL OR withholding_days >= 0", name="withholding_not_negative"),
    )
    id: Mapped[IntId]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    seq: Mapped[int]
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "trace_stage"))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    place: Mapped[str] = mapped_column(String(200), default="")
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    input_name: Mapped[str] = mapped_column(String(200), default="")
    withholding_days: Mapped[int | None]
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # 1: SHA-256 (events before 0340), 2: HMAC-SHA256 with TRACE_CHAIN_KEY over event, batch and photos (chain.py)
    hash_scheme: Mapped[int] = mapped_column(default=1, server_default="1")

    batch: Mapped[Batch] = relationship(back_populates="events")
    commune: Mapped[Commune | None] = relationship()
    actor: Mapped[User | None] = relationship()
    photos: Mapped[list[TracePhoto]] = relationship(back_populates="event", order_by="TracePhoto.id")


class TracePhoto(db.Model):
    """A re-encoded photo of a batch or of one of its events (stored like product photos, by stem)."""

    __tablename__ = "trace_photos"
    id: Mapped[IntId]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"), index=True)
    stem: Mapped[str] = mapped_column(String(200))
    width: Mapped[int]
    height: Mapped[int]
    # photos.digest of its files when it was sealed into the chain (empty for photos of scheme-1 events)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="photos", foreign_keys=[batch_id])
    event: Mapped[TraceEvent | None] = relationship(back_populates="photos")


class ChainHead(db.Model):
    """A cooperative's daily chain head (append-only, published at `/t/heads/<slug>.json`).

    `head` is the HMAC (TRACE_CHAIN_KEY) over the last event hash of each of its batches at the end of `day`
    (Vietnam time) and the previous published head, so the heads chain too; see traceability/heads.py.
    """

    __tablename__ = "chain_heads"
    __table_args__ = (UniqueConstraint("cooperative_id", "day", name="uq_chain_heads_cooperative_day"),)
    id: Mapped[IntId]
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    day: Mapped[date]
    head: Mapped[str] = mapped_column(String(64))
    prev_head: Mapped[str] = mapped_column(String(64), default="")
    event_count: Mapped[int] = mapped_column(default=0)  # events recorded that day
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative: Mapped[Cooperative] = relationship()


class LabelRun(db.Model):
    """One request for N labels of a batch, and the PDF made for it."""

    __tablename__ = "label_runs"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)
    id: Mapped[IntId]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    count: Mapped[int]
    layout: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    with_pin: Mapped[bool] = mapped_column(default=False)
    # the GTIN-14 its QR codes carry: labels keep resolving under it after the product's GTIN changes
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    # the variant (pack, grade) these labels go on; its GTIN, when it has one, is the one printed
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"), index=True)
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship()


class Label(db.Model):
    """One printed unit label: a random serial (Crockford base32 with a check character)."""

    __tablename__ = "labels"
    id: Mapped[IntId]
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("label_runs.id"), index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(128))
    pin_checked_at: Mapped[datetime | None]  # when its scratch PIN was first checked right
    scan_count: Mapped[int] = mapped_column(default=0)  # distinct devices that scanned it (see Scan)
    first_scanned_at: Mapped[datetime | None]
    last_scanned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship()


class Scan(db.Model):
    """One opening of a label's scan page (insert-only; the dashboard counts these).

    `device_hash` names the scanning device (keyed hash of its device cookie, or of its address and browser when it
    sends none); a label's `scan_count` is the number of distinct devices, so reloads never look like copies.
    """

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_label_scanned_at", "label_id", "scanned_at"),
        Index("ix_scans_label_device", "label_id", "device_hash"),
    )
    id: Mapped[IntId]
    # label_id and cooperative_id lead wider indexes (these two and workspace.indexes), so none of their own
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    via: Mapped[str] = mapped_column(String(10), default="qr")
    client_hash: Mapped[str] = mapped_column(String(16), default="")
    device_hash: Mapped[str] = mapped_column(String(16), default="")


class CounterfeitReport(db.Model):
    """A consumer's report of a label that is unknown or looks copied."""

    __tablename__ = "counterfeit_reports"
    id: Mapped[IntId]
    serial: Mapped[str] = mapped_column(String(40))
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
