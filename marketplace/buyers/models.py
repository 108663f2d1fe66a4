"""A business buyer's profile: the organisation behind an account that buys wholesale (school kitchens, shops…)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Commune, User, str_enum
from ..text import utcnow


class BusinessKind(enum.StrEnum):
    SCHOOL_KITCHEN = "school_kitchen"
    RESTAURANT = "restaurant"
    SHOP = "shop"
    SUPERMARKET = "supermarket"
    TRADER = "trader"
    PROCESSOR = "processor"


KIND_LABELS = {
    BusinessKind.SCHOOL_KITCHEN: _l("Bếp ăn trường học"),
    BusinessKind.RESTAURANT: _l("Nhà hàng"),
    BusinessKind.SHOP: _l("Cửa hàng"),
    BusinessKind.SUPERMARKET: _l("Siêu thị"),
    BusinessKind.TRADER: _l("Thương lái"),
    BusinessKind.PROCESSOR: _l("Doanh nghiệp chế biến"),
}


class BusinessStatus(enum.StrEnum):
    """Only a verified business posts demands and pays by invoice."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class BusinessBuyer(db.Model):
    __tablename__ = "business_buyers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[BusinessKind] = mapped_column(str_enum(BusinessKind, "business_kind"))
    tax_number: Mapped[str] = mapped_column(String(20))
    commune_code: Mapped[int] = mapped_column(ForeignKey("communes.code"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    other_contacts: Mapped[str] = mapped_column(String(500), default="")  # further contact people, free text
    status: Mapped[BusinessStatus] = mapped_column(
        str_enum(BusinessStatus, "business_status"), default=BusinessStatus.PENDING, index=True
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    commune: Mapped[Commune] = relationship()

    @property
    def verified(self) -> bool:
        return self.status == BusinessStatus.VERIFIED

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])
