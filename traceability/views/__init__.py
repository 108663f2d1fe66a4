"""Traceability pages, one module per area: scan (public scan pages and resolver), manage (cooperative batches), labels (label runs)."""

from . import labels, manage, scan  # noqa: F401 — each adds its routes to a blueprint
from .blueprint import bp

BLUEPRINTS = (
    bp,
    labels.bp,
)
