"""URL helpers: safe redirect targets and the absolute links the app sends out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app, url_for
from werkzeug.routing import BuildError

QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query, so links match url_for's


def with_query(base: str, params: Mapping[str, object]) -> str:
    """`base` (a path from url_for) with `params` as its query string, as url_for would write it (None dropped).
    A listing links each of its filters and sort orders this way: one url_for per page instead of one per link."""
    items = [(key, value) for key, value in params.items() if value is not None]
    return f"{base}?{urlencode(items, safe=QUERY_SAFE)}" if items else base


PATH_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's converters leave unescaped in a path segment
SLOT = "ocop-url-slot"
NUMBER_SLOT = 918_273_645_546_372_819


def url_maker(endpoint: str, key: str, **values: object) -> Callable[[object], str]:
    """A function giving `url_for(endpoint, key=value, **values)` for each value, with one url_for in all: a list
    of twenty orders links each row without building twenty URLs through the URL map."""
    try:
        built, slot = url_for(endpoint, **{key: SLOT}, **values), SLOT
    except (BuildError, ValueError):  # an <int:…> part: a number stands in for the value
        built, slot = url_for(endpoint, **{key: NUMBER_SLOT}, **values), str(NUMBER_SLOT)
    head, _slot, tail = built.partition(slot)
    return lambda value: f"{head}{quote(str(value), safe=PATH_SAFE)}{tail}"


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
