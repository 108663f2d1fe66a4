"""URL helpers: safe redirect targets and the absolute links the app sends out."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from flask import current_app

QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query, so links match url_for's


def with_query(base: str, params: Mapping[str, object]) -> str:
    """`base` (a path from url_for) with `params` as its query string, as url_for would write it (None dropped).
    A listing links each of its filters and sort orders this way: one url_for per page instead of one per link."""
    items = [(key, value) for key, value in params.items() if value is not None]
    return f"{base}?{urlencode(items, safe=QUERY_SAFE)}" if items else base


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths are allowed as redirect targets (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def public_url(endpoint: str, **values: object) -> str:
    """Absolute link for anything sent out (mails, notices, feeds, labels, API answers): always on
    PUBLIC_BASE_URL, never on the Host header of the request that caused it; works outside a request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"] + path
