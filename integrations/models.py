"""Models for integrations: channel listings and category maps, webhook subscriptions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Cooperative, IntId, str_enum
from marketplace.text import utcnow


class ListingState(enum.StrEnum):
    NOT_LISTED = "not_listed"
    EXPORTED = "exported"
    LISTED = "listed"
    OUT_OF_SYNC = "out_of_sync"


class ChannelListing(db.Model):
    """One product on one sales channel: where it stands, what we last sent, what the platform calls it."""

    __tablename__ = "channel_listings"
    __table_args__ = (UniqueConstraint("channel", "product_id", name="uq_channel_listings_channel_product"),)
    id: Mapped[IntId]
    channel: Mapped[str] = mapped_column(String(20), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    state: Mapped[ListingState] = mapped_column(
        str_enum(ListingState, "listing_state"), default=ListingState.NOT_LISTED, index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(80))
    external_url: Mapped[str | None] = mapped_column(String(500))
    exported_hash: Mapped[str | None] = mapped_column(String(64))
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    exported_at: Mapped[datetime | None]
    listed_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    product: Mapped[Product] = relationship()


class ChannelCategoryMap(db.Model):
    """Editable mapping from our category to the platform's category (name or code, as its sheet expects)."""

    __tablename__ = "channel_category_map"
    __table_args__ = (UniqueConstraint("channel", "category_id", name="uq_channel_category_map_channel_category"),)
    id: Mapped[IntId]
    channel: Mapped[str] = mapped_column(String(20), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    external_category: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookSubscription(db.Model):
    """An outside system that wants our events, signed with its own secret."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[IntId]
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cooperative: Mapped[Cooperative | None] = relationship()


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class WebhookDelivery(db.Model):
    """One event for one subscription: written with the change, sent after commit, retried with backoff."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[IntId]
    event_id: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_status_code: Mapped[int | None]
    last_response_ms: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    subscription: Mapped[WebhookSubscription] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id", cascade="all, delete-orphan"
    )


class WebhookAttempt(db.Model):
    """The delivery log: one row per HTTP attempt with status code, response time and error."""

    __tablename__ = "webhook_attempts"
    id: Mapped[IntId]
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    response_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[WebhookDelivery] = relationship(back_populates="log")
