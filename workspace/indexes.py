"""Indexes the dashboard's aggregate queries need on other packages' tables, declared here beside their use.

Each starts with the cooperative (every scope filters by the cooperatives of a commune or province), then the
time column the period bounds, then the columns the queries read, so SQLite and PostgreSQL answer the counts
and sums from the index alone. Migration `0510_workspace_indexes` creates them.
"""

from __future__ import annotations

from sqlalchemy import Index

from orders.models import Order
from traceability.models import Scan

ORDERS_BY_COOPERATIVE_TIME = Index(
    "ix_orders_cooperative_created_at",
    Order.cooperative_id,
    Order.created_at,
    Order.status,
    Order.subtotal_vnd,
)
SCANS_BY_COOPERATIVE_TIME = Index(
    "ix_scans_cooperative_scanned_at",
    Scan.cooperative_id,
    Scan.scanned_at,
    Scan.product_id,
)
