"""Accounts, roles, administrative units, cooperatives, banks, API tokens, audit log, notices and outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .text import display_phone, utcnow

IntId = Annotated[int, mapped_column(primary_key=True)]  # the surrogate key of most tables


def non_negative(column: str, name: str) -> CheckConstraint:
    """A CHECK that keeps an amount (money, stock, weight) at zero or above; named `<name>_nonneg`."""
    return CheckConstraint(f"{column} >= 0", name=f"{name}_nonneg")


def str_enum(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """Store a StrEnum by its value as VARCHAR with a CHECK constraint (portable, readable)."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class Role(enum.StrEnum):
    BUYER = "buyer"
    COOPERATIVE = "cooperative"
    COMMUNE_STAFF = "commune_staff"
    ADMIN = "admin"


class CoopRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class DivisionType(enum.StrEnum):
    XA = "xa"
    PHUONG = "phuong"
    DAC_KHU = "dac_khu"


class Province(db.Model):
    __tablename__ = "provinces"
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    is_city: Mapped[bool] = mapped_column(default=False)
    name_folded: Mapped[str] = mapped_column(String(100))
    communes: Mapped[list[Commune]] = relationship(back_populates="province", order_by="Commune.name")


class Commune(db.Model):
    __tablename__ = "communes"
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    province_code: Mapped[int] = mapped_column(ForeignKey("provinces.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    division_type: Mapped[DivisionType] = mapped_column(str_enum(DivisionType, "division_type"))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    province: Mapped[Province] = relationship(back_populates="communes")

    @property
    def full_name(self) -> str:
        return f"{self.name}, {self.province.name}"


class Bank(db.Model):
    """NAPAS bank list used for VietQR transfers, keyed by BIN."""

    __tablename__ = "banks"
    bin: Mapped[str] = mapped_column(String(6), primary_key=True)
    short_name: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(default=True)


class CooperativeKind(enum.StrEnum):
    """The four kinds of OCOP subject (the API's `kind`)."""

    HTX = "htx"  # hợp tác xã
    TO_HOP_TAC = "tht"  # tổ hợp tác
    HO_KINH_DOANH = "hkd"  # hộ kinh doanh
    DOANH_NGHIEP = "dn"  # doanh nghiệp


class CooperativeStatus(enum.StrEnum):
    """A seller's standing with its commune: only a verified seller sells, appears publicly or is paid."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Cooperative(db.Model):
    __tablename__ = "cooperatives"
    id: Mapped[IntId]
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CooperativeKind] = mapped_column(
        str_enum(CooperativeKind, "cooperative_kind"), default=CooperativeKind.HTX
    )
    commune_code: Mapped[int] = mapped_column(ForeignKey("communes.code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_path: Mapped[str | None] = mapped_column(String(300))
    bank_bin: Mapped[str | None] = mapped_column(ForeignKey("banks.bin"))
    account_no: Mapped[str | None] = mapped_column(String(19))
    account_holder: Mapped[str | None] = mapped_column(String(120))
    # the seller's own key for bank notifications (`Authorization: Apikey …`): sha256 hex of it, shown once
    bank_webhook_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    bank_webhook_key_at: Mapped[datetime | None]
    status: Mapped[CooperativeStatus] = mapped_column(
        str_enum(CooperativeStatus, "cooperative_status"), default=CooperativeStatus.PENDING, index=True
    )
    registration_no: Mapped[str | None] = mapped_column(String(20))  # 10 or 13 digits, or 10 digits + "-NNN"
    representative: Mapped[str] = mapped_column(String(120), default="")
    registration_doc_path: Mapped[str | None] = mapped_column(String(300))  # photo of the registration certificate
    ocop_doc_path: Mapped[str | None] = mapped_column(String(300))  # photo of the OCOP certificate
    submitted_at: Mapped[datetime | None]  # when the application was (re)submitted to the commune
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    shipping_flat_vnd: Mapped[int] = mapped_column(BigInteger, default=30000)
    shipping_per_kg_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commune: Mapped[Commune] = relationship()
    bank: Mapped[Bank | None] = relationship()
    members: Mapped[list[User]] = relationship(back_populates="cooperative", foreign_keys="User.cooperative_id")

    @hybrid_property
    def verified(self) -> bool:
        """Verified by its commune: may submit products, appear publicly, take orders and be paid."""
        return self.status == CooperativeStatus.VERIFIED

    @verified.inplace.expression
    @classmethod
    def _verified_expression(cls):
        return cls.status == CooperativeStatus.VERIFIED

    __table_args__ = (
        non_negative("shipping_flat_vnd", "shipping_flat"),
        non_negative("shipping_per_kg_vnd", "shipping_per_kg"),
    )


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("(role = 'cooperative') = (cooperative_id IS NOT NULL)", name="cooperative_member_has_coop"),
        CheckConstraint("(role = 'commune_staff') = (commune_code IS NOT NULL)", name="staff_has_commune"),
        # an account's phone is an identifier: E.164 (`+84912345678`), one account per number
        Index(
            "ux_users_phone",
            "phone",
            unique=True,
            postgresql_where=text("phone IS NOT NULL"),
            sqlite_where=text("phone IS NOT NULL"),
        ),
    )
    id: Mapped[IntId]
    # unique when present; a phone-only account (signed up by a code) has none
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # "" for an account that signs in only by code
    full_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None]  # when a one-time code sent to the phone was last entered
    email_verified_at: Mapped[datetime | None]  # when a confirmation link mailed to the address was opened
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.BUYER)
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    cooperative_role: Mapped[CoopRole | None] = mapped_column(str_enum(CoopRole, "coop_role"))
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # bumped by logout, a password reset and a role change: every session and remember-me token ends
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # notices (marketplace/notify): the channel this person picked (`zalo`, `sms`, `email`, `in_app`; None: chosen by
    # what they have) and whether their phone is on Zalo (None: not known yet)
    notify_channel: Mapped[str | None] = mapped_column(String(10))
    zalo_ok: Mapped[bool | None]

    cooperative: Mapped[Cooperative | None] = relationship(back_populates="members", foreign_keys=[cooperative_id])
    commune: Mapped[Commune | None] = relationship(foreign_keys=[commune_code])

    def get_id(self) -> str:  # Flask-Login: the session carries the version it was opened with
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def label(self) -> str:
        """How people see this account: its name, else its e-mail, else its phone as read in Vietnam."""
        return self.full_name or self.email or display_phone(self.phone)

    @property
    def contact(self) -> str:
        """The account's e-mail, else its phone (`0912 345 678`)."""
        return self.email or display_phone(self.phone)

    @property
    def is_commune_staff(self) -> bool:
        return self.role == Role.COMMUNE_STAFF

    @property
    def is_cooperative_member(self) -> bool:
        return self.role == Role.COOPERATIVE

    @property
    def is_cooperative_owner(self) -> bool:
        return self.role == Role.COOPERATIVE and self.cooperative_role == CoopRole.OWNER


class ApiToken(db.Model):
    """Bearer token; only its SHA-256 is stored, so a leaked table reveals no usable token."""

    __tablename__ = "api_tokens"
    id: Mapped[IntId]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="api")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class RememberToken(db.Model):
    """A remember-me cookie: random, only its SHA-256 stored, replaced by a new one each time it is used."""

    __tablename__ = "remember_tokens"
    id: Mapped[IntId]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Invitation(db.Model):
    """An invitation (by e-mail or to a phone) to a cooperative: an owner's for a new member (staff), or commune staff's for the owner
    of a seller they onboarded (`role` owner)."""

    __tablename__ = "invitations"
    id: Mapped[IntId]
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))  # the invitee's e-mail, or
    phone: Mapped[str | None] = mapped_column(String(20))  # their mobile (E.164): accepting needs a code sent to it
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[CoopRole] = mapped_column(
        str_enum(CoopRole, "invitation_role"), default=CoopRole.STAFF, server_default=CoopRole.STAFF.value
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    cooperative: Mapped[Cooperative] = relationship()


class AuditLog(db.Model):
    """Who did what, when: moderation, payments matched by hand, role changes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)
    id: Mapped[IntId]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[User | None] = relationship()


class Notice(db.Model):
    """An in-app notice for one user."""

    __tablename__ = "notices"
    id: Mapped[IntId]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    """An e-mail written in the same transaction as the change that caused it, sent after commit."""

    __tablename__ = "outbox_mail"
    id: Mapped[IntId]
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class OtpPurpose(enum.StrEnum):
    SIGN_IN = "sign_in"
    COD_CONFIRM = "cod_confirm"  # a guest's cash-on-delivery order: the phone is confirmed before it is placed
    INVITE = "invite"
    VERIFY_PHONE = "verify_phone"  # a signed-in account adds or changes its phone


class OneTimeCode(db.Model):
    """A 6-digit code sent to a phone: only its HMAC is kept; 5 minutes, 5 tries, used once. The rows also count
    the sends per number, per client address and in all (the hourly limits hold across workers)."""

    __tablename__ = "one_time_codes"
    __table_args__ = (
        Index("ix_one_time_codes_phone_sent", "phone", "sent_at"),
        Index("ix_one_time_codes_client_sent", "client", "sent_at"),
    )
    id: Mapped[IntId]
    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[OtpPurpose] = mapped_column(str_enum(OtpPurpose, "otp_purpose"))
    code_hash: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class Address(db.Model):
    """A saved delivery address of an account; at most one is its default."""

    __tablename__ = "addresses"
    id: Mapped[IntId]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300))
    commune_code: Mapped[int] = mapped_column(ForeignKey("communes.code"))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    commune: Mapped[Commune] = relationship()
