"""Keeping the search index in step with the catalogue: it listens to `catalog.signals`.

Published products are (re)indexed and any other removed: in the caller's transaction for the SQL index, by a
task after commit for Meilisearch. Stock is not in the index, so `stock_changed` is not listened to.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.jobs.queue import enqueue_task

from ..models import Product
from ..queries import IS_PUBLIC, is_public, product_loader
from ..signals import product_changed, product_published, product_unpublished
from . import get_backend
from .documents import document_for

SYNC_TASK = "catalog.sync_search"


def sync_products(product_ids: Iterable[int]) -> None:
    """Index these products as they are now (public) or take them out (any other status, unverified seller, gone)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    backend = get_backend()
    if not backend.transactional:
        for product_id in ids:
            enqueue_task(SYNC_TASK, product_id)
        return
    refresh_index(backend, ids)


def refresh_index(backend, ids: list[int]) -> None:
    """Write these products' entries now (what the Meilisearch task runs, and the SQL index inline)."""
    db.session.flush()
    # populate_existing: an object this session already holds may still point at its old category or certificate
    query = product_loader().where(Product.id.in_(ids)).execution_options(populate_existing=True)
    products = {p.id: p for p in db.session.scalars(query)}
    published = [p for p in products.values() if is_public(p)]
    backend.index([document_for(p) for p in sorted(published, key=lambda p: p.id)])
    backend.remove([i for i in ids if i not in {p.id for p in published}])


def _on_changed(_sender: Flask, product_ids: list[int], **_fields) -> None:
    """Content, price or certificate changed: only published products are in the index."""
    sync_products(db.session.scalars(select(Product.id).where(Product.id.in_(product_ids), IS_PUBLIC)))


def _on_status_moved(_sender: Flask, product_ids: list[int]) -> None:
    sync_products(product_ids)


def connect(app: Flask) -> None:
    """Follow the catalogue's changes in this app."""
    product_changed.connect(_on_changed, sender=app)
    product_published.connect(_on_status_moved, sender=app)
    product_unpublished.connect(_on_status_moved, sender=app)
