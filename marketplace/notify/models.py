"""The delivery log: one row per message to one person on one channel, keyed so that a retry never sends twice."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.models import IntId, str_enum
from marketplace.text import utcnow


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"  # written with the change it tells about; a task sends it after commit
    SENT = "sent"  # the channel took it (provider id kept)
    FAILED = "failed"  # the channel refused it for good (invalid number, quota, …) or retries ran out


class Delivery(db.Model):
    """One message for one recipient on one channel (`outbox`, `email`, `sms`, `zalo_zns`)."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_created_at", "created_at"), Index("ix_deliveries_channel", "channel"))
    id: Mapped[IntId]
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(254))
    event: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.QUEUED
    )
    provider_id: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(String(500))
    cost_vnd: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
