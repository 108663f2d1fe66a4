"""What orders tell the rest of the app: named blinker signals, sent like `catalog.signals` (once per change,
inside its transaction, with the app as sender); receivers that act outside the database wait for the commit.

- `order_moved(order_ids, status)`: orders changed state (paid, confirmed, shipped, delivered, cancelled,
  refunded…) through `orders.services.transition`.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

from .models import Order, OrderStatus

orders_signals = Namespace()

order_moved = orders_signals.signal("orders.order-moved")


def send_moved(order: Order, status: OrderStatus) -> None:
    order_moved.send(current_app._get_current_object(), order_ids=[order.id], status=str(status))
