"""Demands posted by business buyers, sellers' offers on them, the orders an accepted offer made, and ratings."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Category, Product, ProductVariant
from marketplace.buyers.models import BusinessBuyer
from marketplace.extensions import db
from marketplace.models import Cooperative, non_negative, str_enum
from marketplace.text import utcnow


class DemandStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(enum.StrEnum):
    FILLED = "filled"
    EXPIRED = "expired"  # the deadline for offers passed
    CANCELLED = "cancelled"


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # its validity or the demand ended before it was accepted


class Demand(db.Model):
    """What a business buyer needs: once by `needed_by`, or `quantity` every `weekday` from `schedule_from` to
    `schedule_to` (0 = Monday)."""

    __tablename__ = "demands"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        non_negative("max_price_vnd", "max_price"),
        CheckConstraint(
            "needed_by IS NOT NULL OR (weekday IS NOT NULL AND schedule_from IS NOT NULL AND schedule_to IS NOT NULL)",
            name="has_date_or_schedule",
        ),
        CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        Index("ix_demands_status_province_category", "status", "province_code", "category_id"),
        Index("ix_demands_status_created", "status", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business_buyers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # per delivery for a weekly schedule
    unit: Mapped[str] = mapped_column(String(20))
    quality_note: Mapped[str] = mapped_column(String(500), default="")  # VietGAP, hữu cơ…
    min_ocop_stars: Mapped[int | None] = mapped_column(Integer)
    province_code: Mapped[int] = mapped_column(ForeignKey("provinces.code"))
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"))
    needed_by: Mapped[date | None] = mapped_column(Date)
    weekday: Mapped[int | None] = mapped_column(Integer)
    schedule_from: Mapped[date | None] = mapped_column(Date)
    schedule_to: Mapped[date | None] = mapped_column(Date)
    max_price_vnd: Mapped[int | None] = mapped_column(BigInteger)
    offers_deadline: Mapped[datetime] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DemandStatus] = mapped_column(str_enum(DemandStatus, "demand_status"), default=DemandStatus.OPEN)
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason, "demand_close_reason"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    business: Mapped[BusinessBuyer] = relationship()
    category: Mapped[Category | None] = relationship()
    offers: Mapped[list[Offer]] = relationship(back_populates="demand", order_by="Offer.id")

    @property
    def weekly(self) -> bool:
        return self.weekday is not None


class Offer(db.Model):
    """A seller's answer: `quantity` (per delivery) at `price_vnd` a unit, first delivered on `deliver_by`."""

    __tablename__ = "demand_offers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        non_negative("price_vnd", "price"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"))  # a variant of `product`
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    deliver_by: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    valid_until: Mapped[datetime | None]
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus, "offer_status"), default=OfferStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]

    demand: Mapped[Demand] = relationship(back_populates="offers")
    cooperative: Mapped[Cooperative] = relationship()
    product: Mapped[Product | None] = relationship()
    variant: Mapped[ProductVariant | None] = relationship()


class OfferOrder(db.Model):
    """An order an accepted offer made (one per delivery date)."""

    __tablename__ = "demand_offer_orders"
    offer_id: Mapped[int] = mapped_column(ForeignKey("demand_offers.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True, unique=True)
    delivery_date: Mapped[date] = mapped_column(Date)


class RatingSide(enum.StrEnum):
    BUYER = "buyer"  # the buyer rates the seller
    SELLER = "seller"  # the seller rates the buyer


class Rating(db.Model):
    __tablename__ = "demand_ratings"
    __table_args__ = (
        UniqueConstraint("offer_id", "side", name="one_per_side"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("demand_offers.id", ondelete="CASCADE"), index=True)
    side: Mapped[RatingSide] = mapped_column(str_enum(RatingSide, "rating_side"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeasonalSupply(db.Model):
    """What a seller expects to have ("khoảng 2 tấn chuối Viba, thu hoạch tháng 3–4"), shown against demands."""

    __tablename__ = "seasonal_supplies"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("harvest_to >= harvest_from", name="harvest_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))
    harvest_from: Mapped[date] = mapped_column(Date)
    harvest_to: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category | None] = relationship()
