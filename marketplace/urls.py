"""URL helpers: safe redirect targets and the absolute links the app sends out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


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
