"""Factories for the commune dashboard: orders in a given state and month, label scans, channel listings.

Rows are written directly (the order and traceability services have their own tests); each helper flushes.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from catalog.models import Product
from integrations.models import ChannelListing, ListingState
from marketplace.extensions import db
from marketplace.models import User
from orders.models import Checkout, Order, OrderLine, OrderStatus
from tests.factories.orders import PaymentMethod
from traceability.models import Batch, Label, Scan

_seq = itertools.count(1)


def make_order(
    buyer: User,
    lines: dict[Product, int],
    status: OrderStatus,
    at: datetime,
    *,
    method: PaymentMethod = PaymentMethod.VIETQR,
    shipping_vnd: int = 30_000,
) -> Order:
    """An order of one cooperative's products placed at `at` (UTC) and already in `status`."""
    products = list(lines)
    subtotal = sum(p.price_vnd * q for p, q in lines.items())
    paid = subtotal + shipping_vnd if status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED) else 0
    n = next(_seq)
    checkout = Checkout(
        public_id=secrets.token_hex(8), buyer_id=buyer.id, idempotency_key=f"ws-{n}", payment_method=method
    )
    order = Order(
        code=f"WS{n:06d}",
        checkout=checkout,
        buyer_id=buyer.id,
        cooperative_id=products[0].cooperative_id,
        status=status,
        payment_method=method,
        subtotal_vnd=subtotal,
        shipping_vnd=shipping_vnd,
        total_vnd=subtotal + shipping_vnd,
        paid_vnd=0 if method == PaymentMethod.COD else paid,
        ship_name="Trần Minh Anh",
        ship_phone="0912345678",
        ship_address="Số 12 ngõ 34 phố Chùa Láng",
        ship_commune_code=products[0].cooperative.commune_code,
        created_at=at,
        updated_at=at,
    )
    order.lines = [
        OrderLine(product_id=p.id, product_name=p.name, unit=p.unit, unit_price_vnd=p.price_vnd, quantity=q)
        for p, q in lines.items()
    ]
    db.session.add(order)
    db.session.flush()
    return order


def make_label(product: Product) -> Label:
    n = next(_seq)
    batch = Batch(
        code=f"B{n:06d}{secrets.token_hex(2).upper()}",
        product_id=product.id,
        cooperative_id=product.cooperative_id,
        lot=f"LO{n}",
    )
    db.session.add(batch)
    db.session.flush()
    label = Label(serial=f"S{n:06d}{secrets.token_hex(3).upper()}", batch_id=batch.id)
    db.session.add(label)
    db.session.flush()
    return label


def make_scans(product: Product, at: datetime, count: int = 1, label: Label | None = None) -> Label:
    """`count` openings of one label of `product` at `at` (UTC); returns the label."""
    label = label or make_label(product)
    for _ in range(count):
        db.session.add(
            Scan(label_id=label.id, product_id=product.id, cooperative_id=product.cooperative_id, scanned_at=at)
        )
    label.scan_count += count
    label.first_scanned_at = label.first_scanned_at or at
    label.last_scanned_at = at
    db.session.flush()
    return label


def make_listing(product: Product, channel: str, state: ListingState) -> ChannelListing:
    listing = ChannelListing(channel=channel, product_id=product.id, state=state)
    db.session.add(listing)
    db.session.flush()
    return listing
