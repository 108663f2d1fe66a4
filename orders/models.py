"""Models for orders: cart lines, checkouts, orders and their lines, history, payment attempts, payments, Stripe events."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Product
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, User, non_negative, str_enum
from marketplace.text import utcnow


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    PAID = "paid"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"


class PaymentStatus(enum.StrEnum):
    APPLIED = "applied"  # counted towards the order's paid amount
    UNMATCHED = "unmatched"  # a transfer we could not tie to an order: waits for a person
    LATE = "late"  # arrived after the order expired or was cancelled: refund or decide by hand
    REFUNDED = "refunded"


class AttemptStatus(enum.StrEnum):
    STARTED = "started"  # the provider has the payment; the buyer has not finished it
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CartItem(db.Model):
    """A logged-in buyer's cart line (guests keep theirs in the signed session cookie)."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_cart_items_user_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # the variant picked on the product page (None: the product's first); one variant per product in a cart
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    product: Mapped[Product] = relationship()


class Checkout(db.Model):
    """One buyer's submit: makes one order per cooperative; the idempotency key makes retries harmless."""

    __tablename__ = "checkouts"
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key", name="uq_checkouts_buyer_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    payment_method: Mapped[str] = mapped_column(String(20))  # a gateway id from orders.payments
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    orders: Mapped[list[Order]] = relationship(back_populates="checkout", order_by="Order.id")


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        non_negative("subtotal_vnd", "subtotal"),
        non_negative("shipping_vnd", "shipping"),
        non_negative("total_vnd", "total"),
        non_negative("paid_vnd", "paid"),
        Index("ix_orders_cooperative_status", "cooperative_id", "status"),
        Index("ix_orders_status_expires_at", "status", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    payment_method: Mapped[str] = mapped_column(String(20))  # a gateway id from orders.payments
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger)
    shipping_vnd: Mapped[int] = mapped_column(BigInteger)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    paid_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    ship_name: Mapped[str] = mapped_column(String(120))
    ship_phone: Mapped[str] = mapped_column(String(20))
    ship_address: Mapped[str] = mapped_column(String(300))
    ship_commune_code: Mapped[int] = mapped_column(ForeignKey("communes.code"))
    note: Mapped[str] = mapped_column(Text, default="")
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_no: Mapped[str | None] = mapped_column(String(60))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # where a bank transfer for this order goes, fixed when the order is placed (VietQR): a later change of the
    # seller's account never moves a pending payment
    payee_bin: Mapped[str | None] = mapped_column(String(6))
    payee_account_no: Mapped[str | None] = mapped_column(String(19))
    payee_account_name: Mapped[str | None] = mapped_column(String(120))
    stock_released: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    buyer: Mapped[User] = relationship()
    cooperative: Mapped[Cooperative] = relationship()
    ship_commune: Mapped[Commune] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    history: Mapped[list[OrderEvent]] = relationship(back_populates="order", order_by="OrderEvent.id")
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    attempts: Mapped[list[PaymentAttempt]] = relationship(back_populates="order", order_by="PaymentAttempt.id")

    @property
    def due_vnd(self) -> int:
        """What the buyer still owes."""
        return max(self.total_vnd - self.paid_vnd, 0)

    @property
    def latest_attempt(self) -> PaymentAttempt | None:
        return self.attempts[-1] if self.attempts else None


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        non_negative("unit_price_vnd", "price"),
        CheckConstraint("returned_qty >= 0 AND returned_qty <= quantity", name="returned_within_quantity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"), index=True)
    variant_name: Mapped[str | None] = mapped_column(String(80))  # shown when the product had several variants
    product_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price_vnd: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # back in stock after shipping
    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def amount_vnd(self) -> int:
        return self.unit_price_vnd * self.quantity


class OrderEvent(db.Model):
    """One move of the state machine: who, when, from, to."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    order: Mapped[Order] = relationship(back_populates="history")
    actor: Mapped[User | None] = relationship()


class PaymentAttempt(db.Model):
    """A payment started with a provider for an order (a Stripe PaymentIntent, a MoMo payment request)."""

    __tablename__ = "payment_attempts"
    __table_args__ = (UniqueConstraint("gateway", "provider_reference", name="uq_payment_attempts_gateway_reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str] = mapped_column(String(100))
    client_secret: Mapped[str | None] = mapped_column(String(200))  # what the buyer's browser needs to pay (Stripe)
    redirect_url: Mapped[str | None] = mapped_column(String(1000))  # the provider's page where the buyer pays (MoMo)
    status: Mapped[AttemptStatus] = mapped_column(str_enum(AttemptStatus, "payment_attempt_status"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    order: Mapped[Order] = relationship(back_populates="attempts")


class Payment(db.Model):
    """Money received (or refunded) through a gateway; repeats of one provider reference are a no-op."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("gateway", "provider_reference", name="uq_payments_gateway_reference"),
        non_negative("amount_vnd", "amount"),
        Index("ix_payments_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str] = mapped_column(String(100))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, "payment_status"))
    account_no: Mapped[str | None] = mapped_column(String(30), index=True)
    # the seller whose verified account (or notification key) received this transfer, resolved when it arrived
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    content: Mapped[str] = mapped_column(String(500), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    order: Mapped[Order | None] = relationship(back_populates="payments")


class StripeEvent(db.Model):
    """Each Stripe event id once: a redelivered event changes nothing."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- refunds and the sellers' card-money ledger (orders.refunds, orders.ledger) ------------------------------------


class RefundStatus(enum.StrEnum):
    PENDING = "pending"  # asked of the provider (Stripe); its webhook confirms it
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundMethod(enum.StrEnum):
    STRIPE = "stripe"  # through Stripe's API
    BANK_TRANSFER = "bank_transfer"  # the seller transferred the money back (bank reference required)
    CASH = "cash"  # the seller gave the cash back


class Refund(db.Model):
    """Money given back to the buyer of an order, whole or in part; each line is also in the order's history."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("gateway", "provider_reference", name="uq_refunds_gateway_reference"),
        UniqueConstraint("order_id", "idempotency_key", name="uq_refunds_order_key"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    gateway: Mapped[str] = mapped_column(String(20))  # the order's gateway id
    method: Mapped[RefundMethod] = mapped_column(str_enum(RefundMethod, "refund_method"))
    provider_reference: Mapped[str | None] = mapped_column(String(100))  # Stripe re_… or the bank reference
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus, "refund_status"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))  # one submitted form: a double click is one refund
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    order: Mapped[Order] = relationship()
    payment: Mapped[Payment | None] = relationship()
    actor: Mapped[User | None] = relationship()


class Payout(db.Model):
    """Card money the platform paid out to a cooperative's bank account (recorded by an administrator)."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "bank_reference", name="uq_payouts_cooperative_reference"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    bank_reference: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cooperative: Mapped[Cooperative] = relationship()
    recorded_by: Mapped[User | None] = relationship()
