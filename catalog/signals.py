"""What the catalogue tells the rest of the app: named blinker signals (Flask's signal mechanism).

Each is sent once per service call, right after the change is flushed and inside its transaction, with the app
as sender and `product_ids`, a sorted list of the products concerned. Receivers connect in their package's
`init_app`; whatever they do outside the database (tasks, HTTP, files) waits for the commit
(`marketplace.database.after_commit` / `after_commit_once`), so a rolled-back change tells no one.

- `product_changed(product_ids, fields)`: what buyers see of these products changed; `fields` names what, among
  "price", "content" (name, description, unit, weight, category, origin, GTIN, shelf life, variants and their tiers), "images" and "ocop".
  Stock is never in it: stock has its own signal.
- `stock_changed(product_ids)`: stock moved, through a product edit or through orders (reservations at checkout,
  cancellations, expiries — orders calls `catalog.services.stock_changed_for`).
- `product_published(product_ids)`: the products went on sale (approved by the commune).
- `product_unpublished(product_ids)`: the products left the shop (archived).
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import NamedSignal, Namespace
from flask import current_app

catalog_signals = Namespace()

product_changed = catalog_signals.signal("catalog.product-changed")
stock_changed = catalog_signals.signal("catalog.stock-changed")
product_published = catalog_signals.signal("catalog.product-published")
product_unpublished = catalog_signals.signal("catalog.product-unpublished")

FIELDS = frozenset({"price", "content", "images", "ocop"})


def send(signal: NamedSignal, product_ids: Iterable[int], **extra) -> None:
    """Send `signal` once for these products (nothing when there are none), from the current app."""
    ids = sorted({int(i) for i in product_ids})
    if ids:
        signal.send(current_app._get_current_object(), product_ids=ids, **extra)
