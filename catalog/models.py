"""Products, categories, OCOP certification and product photos."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, non_negative, str_enum
from marketplace.text import today_vn, utcnow

CERTIFICATE_MONTHS = 36  # an OCOP certificate is valid for 36 months from its issue date, unless it says otherwise


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ARCHIVED = "archived"


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class CertificationLevel(enum.StrEnum):
    PROVINCE = "tinh"
    NATIONAL = "trung_uong"


class Category(db.Model):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.position")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        non_negative("price_vnd", "price"),
        non_negative("stock", "stock"),
        non_negative("weight_g", "weight"),
        Index("ix_products_status_published_at", "status", "published_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20), default="kg")
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    origin_commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus, "product_status"), default=ProductStatus.DRAFT, index=True
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # moves on with every change a reviewer would see (content, photos, pending revision); an approval names it
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the fewest units (all variants together) one order may take
    min_order_quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category | None] = relationship()
    origin_commune: Mapped[Commune | None] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[ProductRevision]] = relationship(
        back_populates="product", order_by="ProductRevision.id", cascade="all, delete-orphan"
    )
    certificate: Mapped[OcopCertificate | None] = relationship(back_populates="product", uselist=False)
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product", order_by="ProductVariant.position", cascade="all, delete-orphan"
    )

    @property
    def active_variants(self) -> list[ProductVariant]:
        return [variant for variant in self.variants if variant.active]

    @property
    def has_choices(self) -> bool:
        """More than the one default variant: buyers pick a variant."""
        return len(self.active_variants) > 1

    @property
    def commune(self) -> Commune:
        return self.origin_commune or self.cooperative.commune

    @property
    def public_images(self) -> list[ProductImage]:
        """Photos buyers see: not those still waiting in a revision."""
        return [image for image in self.images if image.revision_id is None]

    @property
    def pending_revision(self) -> ProductRevision | None:
        return next((r for r in self.revisions if r.status == RevisionStatus.PENDING), None)

    def valid_stars(self, on: date | None = None) -> int:
        """OCOP stars to show: the certificate's while it is valid on that day (today), else 0."""
        certificate = self.certificate
        if certificate is None or not certificate.valid_on(on or today_vn()):
            return 0
        return certificate.stars


DEFAULT_VARIANT_NAME = "Mặc định"


class ProductVariant(db.Model):
    """What is bought and labelled: one pack or grade of a product with its own price, stock, weight and GTIN.

    A product without explicit variants has exactly one (the default, mirroring the product's price and stock);
    the product's `price_vnd` and `stock` are the "from" price and the total stock of its active variants."""

    __tablename__ = "product_variants"
    __table_args__ = (
        non_negative("price_vnd", "price"),
        non_negative("stock", "stock"),
        non_negative("weight_g", "weight"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    product: Mapped[Product] = relationship(back_populates="variants")
    tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="variant", order_by="PriceTier.min_quantity", cascade="all, delete-orphan"
    )

    def price_for(self, quantity: int) -> int:
        """The unit price for buying `quantity`: the largest tier reached, else the variant's price."""
        reached = [tier.price_vnd for tier in self.tiers if tier.min_quantity <= quantity]
        return reached[-1] if reached else self.price_vnd


class PriceTier(db.Model):
    """A wholesale price: from `min_quantity` units of a variant each costs `price_vnd`."""

    __tablename__ = "price_tiers"
    __table_args__ = (
        non_negative("price_vnd", "price"),
        CheckConstraint("min_quantity >= 2", name="min_quantity_above_one"),
        UniqueConstraint("variant_id", "min_quantity", name="uq_price_tiers_variant_quantity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), index=True)
    min_quantity: Mapped[int] = mapped_column(Integer)
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    variant: Mapped[ProductVariant] = relationship(back_populates="tiers")


class OcopCertificate(db.Model):
    __tablename__ = "ocop_certificates"
    __table_args__ = (CheckConstraint("stars BETWEEN 3 AND 5", name="stars_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), unique=True)
    stars: Mapped[int] = mapped_column(Integer)
    certificate_no: Mapped[str] = mapped_column(String(80))
    level: Mapped[CertificationLevel] = mapped_column(str_enum(CertificationLevel, "certification_level"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    expiry_warned_on: Mapped[date | None] = mapped_column(Date)
    product: Mapped[Product] = relationship(back_populates="certificate")

    @staticmethod
    def standard_expiry(issued_on: date) -> date:
        """When a certificate issued that day expires unless it says otherwise."""
        return add_months(issued_on, CERTIFICATE_MONTHS)

    @hybrid_method
    def valid_on(self, day: date) -> bool:
        """The certificate rule, in Python and in SQL: valid from its issue date through its expiry date."""
        return self.issued_on <= day <= self.expires_on

    @valid_on.expression
    def valid_on(cls, day: date):
        return and_(cls.issued_on <= day, cls.expires_on >= day)


class ProductImage(db.Model):
    __tablename__ = "product_images"
    __table_args__ = (UniqueConstraint("product_id", "position", name="uq_product_images_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    stem: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    variants_ready: Mapped[bool] = mapped_column(default=False)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("product_revisions.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    product: Mapped[Product] = relationship(back_populates="images")


class ProductRevision(db.Model):
    """Changes to a published product's content, reviewed separately while the published version stays up."""

    __tablename__ = "product_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        str_enum(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING, index=True
    )
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    product: Mapped[Product] = relationship(back_populates="revisions")
    images: Mapped[list[ProductImage]] = relationship(order_by="ProductImage.position", viewonly=True)


class ProductStatusChange(db.Model):
    """History row written by every status transition (who, when, from, to, why)."""

    __tablename__ = "product_status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReasonText(db.Model):
    """A reusable rejection reason; commune_code None means shared by every commune."""

    __tablename__ = "reason_texts"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(300))
    commune_code: Mapped[int | None] = mapped_column(ForeignKey("communes.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProductSearchDoc(db.Model):
    """Denormalised, folded search document of a published product (filters and facets come from here)."""

    __tablename__ = "product_search_docs"
    __table_args__ = (
        # autocomplete matches the name alone (migration 0530)
        Index("ix_product_search_docs_name", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        # covering: a category or province page counts every facet from the index, never the wide rows
        Index(
            "ix_product_search_docs_root_facets",
            "category_root_id",
            "category_id",
            "province_code",
            "commune_code",
            "stars",
            "price_vnd",
            "published_at",
        ),
        Index(
            "ix_product_search_docs_province_facets",
            "province_code",
            "commune_code",
            "category_root_id",
            "category_id",
            "stars",
            "price_vnd",
            "published_at",
        ),
        # a group's page in browse order, its place counts and its stars/price counts, each in index order
        # (migration 0550; the dialect's own match indexes, `search_docs_*`, are in the migration alone)
        Index("ix_product_search_docs_root_page", "category_root_id", "stars", "published_at", "product_id"),
        Index("ix_product_search_docs_root_place", "category_root_id", "province_code", "commune_code"),
        Index("ix_product_search_docs_root_stars", "category_root_id", "stars", "price_vnd"),
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(String(200))
    name_marked: Mapped[str] = mapped_column(String(200), server_default="")  # lower-case, marks kept
    document: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category_root_id: Mapped[int | None] = mapped_column(Integer)
    province_code: Mapped[int] = mapped_column(Integer)
    commune_code: Mapped[int] = mapped_column(Integer, index=True)
    stars: Mapped[int] = mapped_column(Integer, default=0)
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SearchTerm(db.Model):
    """Vocabulary of folded words in the index, used to correct one typo."""

    __tablename__ = "product_search_terms"
    __table_args__ = (
        Index("ix_product_search_terms_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )
    word: Mapped[str] = mapped_column(String(60), primary_key=True)
    length: Mapped[int] = mapped_column(Integer, index=True)
