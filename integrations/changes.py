"""Notice product changes wherever they happen (forms, API, imports, checkout's stock UPDATE) and, in the same
transaction, mark channel listings out of sync and write webhook deliveries; after commit, refresh the feeds.

Two hooks cover the ways SQLAlchemy writes a product: `before_flush` for changed Product objects (and their
photos and OCOP certificate), `do_orm_execute` for ORM-enabled bulk `update(Product)` statements.
New order-history rows emit `order.created`, `order.paid` and `order.shipped` the same way.
Code that changes products with raw SQL calls `product_changed(ids, fields)` itself; the hourly
`reconcile` sweep catches anything else by comparing content hashes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from catalog.models import OcopCertificate, Product, ProductImage, ProductStatus
from marketplace.database import after_commit_once
from marketplace.jobs.debounce import DebouncedTask

WATCHED = {
    "price_vnd": "price",
    "stock": "stock",
    "name": "content",
    "description": "content",
    "unit": "content",
    "weight_g": "content",
    "category_id": "content",
    "gtin": "content",
    "shelf_life_days": "content",
    "origin_commune_code": "content",
    "status": "status",
}
FEED_TASK = "integrations.rebuild_feeds"


def _changed_fields(product: Product) -> set[str]:
    state = inspect(product)
    return {label for attr, label in WATCHED.items() if state.attrs[attr].history.has_changes()}


def _collect(session: Session) -> tuple[dict[int, set[str]], list[Product]]:
    changes: dict[int, set[str]] = {}
    published: list[Product] = []
    for obj in session.dirty:
        if isinstance(obj, Product) and session.is_modified(obj, include_collections=False):
            fields = _changed_fields(obj)
            if fields:
                changes.setdefault(obj.id, set()).update(fields)
                if "status" in fields and obj.status == ProductStatus.PUBLISHED:
                    published.append(obj)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ProductImage | OcopCertificate):
            product_id = obj.product_id or getattr(obj.product, "id", None)
            if product_id:
                changes.setdefault(product_id, set()).add("images" if isinstance(obj, ProductImage) else "ocop")
    for obj in session.new:
        if isinstance(obj, Product) and obj.status == ProductStatus.PUBLISHED:
            _mark_feeds_dirty(session)
    return changes, published


def product_changed(session: Session, changes: dict[int, set[str]], published: list[Product] = ()) -> None:
    """Mark listings out of sync, emit webhooks and schedule a feed rebuild for these product changes."""
    from .listings import mark_products_changed
    from .webhooks import emit

    if not changes:
        return
    mark_products_changed(session, changes)
    _emit_product_events(session, changes, published, emit)
    _mark_feeds_dirty(session)


def _current_products(session: Session, ids: set[int]) -> dict[int, Any]:
    """Each product as it will be after this flush: the session's own object when it has one (a query
    inside `before_flush` would still read the old row), else the row as the database has it."""
    found: dict[int, Any] = {
        obj.id: obj for obj in list(session.identity_map.values()) if isinstance(obj, Product) and obj.id in ids
    }
    missing = ids - found.keys()
    if missing:
        query = select(
            Product.id, Product.cooperative_id, Product.slug, Product.name, Product.price_vnd, Product.stock
        ).add_columns(Product.status)
        rows = session.execute(query.where(Product.id.in_(missing)).execution_options(ocop_skip_change_hook=True))
        found.update({row.id: row for row in rows})
    return found


def _emit_product_events(session: Session, changes: dict[int, set[str]], published, emit) -> None:
    published_ids = {p.id for p in published}
    for product_id, row in sorted(_current_products(session, set(changes)).items()):
        if row.status != ProductStatus.PUBLISHED:
            continue
        payload: dict[str, Any] = {
            "product_id": row.id,
            "cooperative_id": row.cooperative_id,
            "slug": row.slug,
            "name": row.name,
            "price_vnd": row.price_vnd,
            "stock": row.stock,
            "changed": sorted(changes[product_id]),
        }
        if product_id in published_ids:
            emit("product.published", payload)
        elif changes[product_id] - {"stock"}:
            emit("product.updated", payload)
        if "stock" in changes[product_id]:
            emit("stock.changed", payload)


# a burst of stock changes (checkouts) is one rebuild per worker per FEED_REBUILD_DELAY_SECONDS
feed_rebuilds = DebouncedTask(FEED_TASK, "FEED_REBUILD_DELAY_SECONDS")


def _mark_feeds_dirty(session: Session) -> None:
    if not has_app_context():
        return
    app = current_app._get_current_object()
    after_commit_once(FEED_TASK, lambda: partial(feed_rebuilds.request, app), session)


ORDER_EVENTS = {"paid": "order.paid", "shipped": "order.shipped"}


def _order_webhooks(session: Session) -> None:
    """Each new order-history row is a state move: its creation, payment or shipping goes out as a webhook."""
    from orders.models import Order, OrderEvent

    from .webhooks import emit

    for row in [obj for obj in session.new if isinstance(obj, OrderEvent)]:
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


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    changes, published = _collect(session)
    product_changed(session, changes, published)
    _order_webhooks(session)


def _bulk_update_fields(statement) -> set[str]:
    values = getattr(statement, "_values", None) or {}
    names = {getattr(key, "key", key) for key in values}
    return {WATCHED[name] for name in names if name in WATCHED}


@event.listens_for(Session, "do_orm_execute")
def _bulk_update(state: ORMExecuteState):
    """`session.execute(update(Product)...)`: find the rows first, run the UPDATE, then record the change."""
    if not state.is_update or state.execution_options.get("ocop_skip_change_hook"):
        return None
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not Product:
        return None
    fields = _bulk_update_fields(state.statement)
    if not fields:
        return None
    where = state.statement.whereclause
    pinned = _pinned_product_id(where)
    if pinned is not None:  # one row by id (checkout's guarded stock UPDATE): the row count says if it changed
        result = state.invoke_statement()
        ids = [pinned] if result.rowcount == 1 else []
    else:
        query = select(Product.id).execution_options(ocop_skip_change_hook=True)
        ids = list(state.session.scalars(query.where(where) if where is not None else query))
        result = state.invoke_statement()
    product_changed(state.session, {pid: set(fields) for pid in ids})
    return result


def _pinned_product_id(where) -> int | None:
    """The id in `WHERE products.id = :id [AND …]`, else None."""
    if where is None:
        return None
    clauses = where.clauses if isinstance(where, BooleanClauseList) and where.operator is operators.and_ else [where]
    id_column = Product.__table__.c.id
    for clause in clauses:
        if (
            isinstance(clause, BinaryExpression)
            and clause.operator is operators.eq
            and clause.left.compare(id_column)
            and isinstance(clause.right, BindParameter)
            and isinstance(clause.right.value, int)
        ):
            return clause.right.value
    return None
