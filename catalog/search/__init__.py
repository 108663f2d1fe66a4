"""Search backends behind one protocol (`base.py`), one module each defining `PLUGIN`, chosen by `SEARCH_BACKEND`
(`sql` or `meilisearch`)."""

from __future__ import annotations

from flask import current_app

from marketplace.registry import Registry, UnknownPlugin

from .base import PRICE_BANDS, SORTS, SearchBackend, SearchQuery, SearchResult, price_band, terms_of

__all__ = [
    "BACKENDS",
    "PRICE_BANDS",
    "SORTS",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
    "get_backend",
    "price_band",
    "terms_of",
]

BACKENDS: Registry[type[SearchBackend]] = Registry(
    "catalog.search", skip=("base", "documents", "indexing", "intent", "vocabulary")
)


def get_backend(name: str | None = None) -> SearchBackend:
    """A fresh backend of the configured kind (`SEARCH_BACKEND`, default `sql`)."""
    chosen = name or current_app.config.get("SEARCH_BACKEND") or "sql"
    try:
        return BACKENDS.get(chosen)()
    except UnknownPlugin:
        raise RuntimeError(f"unknown SEARCH_BACKEND {chosen!r}; known: {', '.join(sorted(BACKENDS.ids()))}") from None
