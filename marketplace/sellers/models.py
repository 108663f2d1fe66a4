"""Tables of the sellers package: requested changes of a cooperative's bank account, verified by its commune."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models import Cooperative, IntId, User, str_enum
from marketplace.text import utcnow


class BankChangeStatus(enum.StrEnum):
    PENDING = "pending"  # waits for the commune; VietQR keeps the verified account meanwhile
    VERIFIED = "verified"  # confirmed by commune staff: the account is now the live one
    REJECTED = "rejected"  # refused by commune staff, or replaced by a newer request


class BankAccountChange(db.Model):
    """One requested change of the account a seller is paid into: before, after, who asked, who decided."""

    __tablename__ = "bank_account_changes"
    __table_args__ = (Index("ix_bank_account_changes_cooperative_status", "cooperative_id", "status"),)
    id: Mapped[IntId]
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    before_bin: Mapped[str | None] = mapped_column(String(6))
    before_account_no: Mapped[str | None] = mapped_column(String(19))
    before_holder: Mapped[str | None] = mapped_column(String(120))
    after_bin: Mapped[str] = mapped_column(String(6))
    after_account_no: Mapped[str] = mapped_column(String(19))
    after_holder: Mapped[str] = mapped_column(String(120))
    status: Mapped[BankChangeStatus] = mapped_column(
        str_enum(BankChangeStatus, "bank_change_status"), default=BankChangeStatus.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)

    cooperative: Mapped[Cooperative] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
