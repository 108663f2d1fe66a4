"""Order pages, one module per area: shop (cart, checkout, payment, buyer orders), desk (cooperative), webhooks (payment notifications in)."""

from . import desk, ledger, refunds, shop, webhooks  # noqa: F401 — each adds its routes to a blueprint
from .blueprint import bp

BLUEPRINTS = (
    bp,
    webhooks.bp,
)
