"""What the core tells the domains above it: named blinker signals, sent inside the transaction with the app as sender.

- `seller_status_changed(cooperative_id, verified)`: a seller became verified, or stopped being verified. Its
  published products appear or disappear everywhere in public; the catalogue turns this into
  `product_published` / `product_unpublished` for them, so search, feeds, channels and webhooks follow.
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

core_signals = Namespace()

seller_status_changed = core_signals.signal("marketplace.seller-status-changed")


def announce_seller_status(cooperative_id: int, verified: bool) -> None:
    """Send `seller_status_changed` once, from the current app (the caller flushed the new status)."""
    seller_status_changed.send(current_app._get_current_object(), cooperative_id=cooperative_id, verified=verified)
