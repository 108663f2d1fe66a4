"""A micro-cache for what anonymous visitors read most: catalogue pages, search results, the product API and the
public list of demands.

A request with no cookie and no Authorization header sees exactly what every other such visitor sees (no session,
no cart, no CSRF token), so its 200 answer can be replayed for a few seconds (`PAGE_CACHE_SECONDS`, 10 by
default, 0 turns it off) without asking Flask or the database again. Only `GET`s under the listed prefixes are
kept, only when the answer sets no cookie, and each gunicorn worker keeps its own small LRU. Answers are kept compressed, one per encoding the
client accepts (marketplace/compression.py). A price or stock
change therefore reaches anonymous visitors within those seconds; checkout always reads the live stock.
Signed-in people, forms and everything else go straight to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from .compression import chosen_encoding
from .ttlcache import TtlCache

CACHED_PREFIXES = (
    "/search",
    "/c/",
    "/tinh/",
    "/xa/",
    "/htx/",
    "/p/",
    "/api/v1/products",
    "/api/v1/categories",
    "/nhu-cau",
    "/api/v1/demands",
)
MAX_ENTRIES = 512
MAX_BODY_BYTES = 512 * 1024
HIT_HEADER = ("X-Page-Cache", "hit")
PER_REQUEST_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after")

Entry = tuple[str, list[tuple[str, str]], bytes]


class AnonymousPageCache:
    """WSGI middleware: replay recent 200 answers to cookie-less GETs of public catalogue pages."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.inner = inner
        self._entries = TtlCache(MAX_ENTRIES)

    def ttl(self) -> float:
        return float(self.app.config.get("PAGE_CACHE_SECONDS", 0) or 0)

    def clear(self) -> None:
        self._entries.clear()

    @staticmethod
    def key(environ: dict[str, Any]) -> tuple[str, ...] | None:
        """The cache key for a request that may be served from the cache, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE") or environ.get("HTTP_AUTHORIZATION"):
            return None
        path = environ.get("PATH_INFO", "")
        if path != "/" and not path.startswith(CACHED_PREFIXES):
            return None
        wants_json = "json" in environ.get("HTTP_ACCEPT", "")
        return (
            path,
            environ.get("QUERY_STRING", ""),
            "json" if wants_json else "html",
            environ.get("wsgi.url_scheme", ""),
            chosen_encoding(environ.get("HTTP_ACCEPT_ENCODING", "")),
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        ttl = self.ttl()
        key = self.key(environ) if ttl > 0 else None
        if key is None:
            return self.inner(environ, start_response)
        entry: Entry | None = self._entries.get(key, ttl)
        if entry is not None:
            status, headers, body = entry
            start_response(status, [*headers, HIT_HEADER])
            return [body]
        return self._fetch_and_keep(key, environ, start_response)

    def _fetch_and_keep(self, key: tuple[str, ...], environ: dict[str, Any], start_response: Callable[..., Any]):
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.inner(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = captured.get("headers", [])
        keep = (
            captured.get("status", "").startswith("200")
            and len(body) <= MAX_BODY_BYTES
            and not any(name.lower() == "set-cookie" for name, _value in headers)
        )
        if keep:
            kept = [(name, value) for name, value in headers if name.lower() not in PER_REQUEST_HEADERS]
            self._entries.put(key, (captured["status"], kept, body))
        return [body]


def install(app: Flask) -> AnonymousPageCache:
    cache = AnonymousPageCache(app, app.wsgi_app)
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.extensions["ocop_page_cache"] = cache
    return cache
