"""What the sales integrations do when the catalogue says products changed (`catalog.signals`), in the same
transaction: mark channel listings out of sync and write webhook deliveries; after commit, rebuild the feeds.

| signal | listings marked | webhook (published products only) |
|---|---|---|
| `product_changed` | its `fields` | `product.updated` |
| `stock_changed` | "stock" | `stock.changed` |
| `product_published` | "status" | `product.published` |
| `product_unpublished` | "status" | — |

Feeds are rebuilt when a published product changed, or one came or went. New order-history rows still reach
the webhooks through a `before_flush` hook that reads them (`order.created`, `order.paid`, `order.shipped`).
The hourly `reconcile` sweep catches anything changed behind the services' back by comparing content hashes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from catalog.models import Product
from catalog.queries import IS_PUBLIC
from catalog.signals import product_changed, product_published, product_unpublished, stock_changed
from marketplace.database import after_commit_once
from marketplace.extensions import db
from marketplace.jobs.debounce import DebouncedTask
from orders.models import Order, OrderEvent

from .listings import mark_products_changed
from .webhooks import emit

FEED_TASK = "integrations.rebuild_feeds"

# a burst of stock changes (checkouts) is one rebuild per worker per FEED_REBUILD_DELAY_SECONDS
feed_rebuilds = DebouncedTask(FEED_TASK, "FEED_REBUILD_DELAY_SECONDS")


def _current_rows(product_ids: list[int]) -> list[Any]:
    """Each product as the database has it now (the services flushed; orders' stock UPDATEs are in)."""
    query = select(
        Product.id,
        Product.cooperative_id,
        Product.slug,
        Product.name,
        Product.price_vnd,
        Product.stock,
        IS_PUBLIC.label("public"),
    )
    return list(db.session.execute(query.where(Product.id.in_(product_ids)).order_by(Product.id)))


def _payload(row: Any, fields: set[str]) -> dict[str, Any]:
    return {
        "product_id": row.id,
        "cooperative_id": row.cooperative_id,
        "slug": row.slug,
        "name": row.name,
        "price_vnd": row.price_vnd,
        "stock": row.stock,
        "changed": sorted(fields),
    }


def _record(product_ids: list[int], fields: set[str], webhook: str | None, *, status_moved: bool = False) -> None:
    """Listings out of sync, one webhook per published product, and a feed rebuild when the shop moved."""
    mark_products_changed({product_id: fields for product_id in product_ids})
    published = [row for row in _current_rows(product_ids) if row.public]
    if webhook:
        for row in published:
            emit(webhook, _payload(row, fields))
    if published or status_moved:
        _rebuild_feeds_after_commit()


def _rebuild_feeds_after_commit() -> None:
    app = current_app._get_current_object()
    after_commit_once(FEED_TASK, lambda: partial(feed_rebuilds.request, app))


def _on_product_changed(_sender: Flask, product_ids: list[int], fields: frozenset[str]) -> None:
    _record(product_ids, set(fields), "product.updated")


def _on_stock_changed(_sender: Flask, product_ids: list[int]) -> None:
    _record(product_ids, {"stock"}, "stock.changed")


def _on_published(_sender: Flask, product_ids: list[int]) -> None:
    _record(product_ids, {"status"}, "product.published", status_moved=True)


def _on_unpublished(_sender: Flask, product_ids: list[int]) -> None:
    _record(product_ids, {"status"}, None, status_moved=True)


def connect(app: Flask) -> None:
    """Listen to the catalogue's signals in this app."""
    product_changed.connect(_on_product_changed, sender=app)
    stock_changed.connect(_on_stock_changed, sender=app)
    product_published.connect(_on_published, sender=app)
    product_unpublished.connect(_on_unpublished, sender=app)


# --- orders -----------------------------------------------------------------------------------------------

ORDER_EVENTS = {"paid": "order.paid", "shipped": "order.shipped"}


@event.listens_for(Session, "before_flush")
def _order_webhooks(session: Session, _context, _instances) -> None:
    """Each new order-history row that moves the state: its creation, payment or shipping goes out as a webhook
    (a row that stays in its state, e.g. goods returned, is history only)."""
    for row in [obj for obj in session.new if isinstance(obj, OrderEvent)]:
        if row.from_status == row.to_status:
            continue
        name = "order.created" if row.from_status is None else ORDER_EVENTS.get(row.to_status)
        order = session.get(Order, row.order_id) if name and row.order_id else None
        if order is None:
            continue
        payload = {
            "order_id": order.id,
            "code": order.code,
            "cooperative_id": order.cooperative_id,
            "status": str(order.status),
            "total_vnd": order.total_vnd,
            "paid_vnd": order.paid_vnd,
            "carrier": order.carrier,
            "tracking_no": order.tracking_no,
        }
        emit(name, payload)
