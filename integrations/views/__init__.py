"""Integration pages, one module per area: feeds (product feeds), channels (sales channels), webhooks (subscriptions)."""

from . import channels, feeds, webhooks  # noqa: F401 — each adds its routes to a blueprint
from .blueprint import bp

BLUEPRINTS = (bp,)
