"""Catalogue pages, one module per area: shop (public), manage (cooperative), excel, categories (admin), moderation (commune review)."""

from . import categories, excel, manage, moderation, shop  # noqa: F401 — each adds its routes to a blueprint
from .blueprint import bp

BLUEPRINTS = (
    bp,
    moderation.bp,
)
