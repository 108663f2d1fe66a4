"""A WSGI fast lane for the busiest public page: a consumer scanning a label (`GET /t/<serial>`).

A national campaign means many scans from people with no account, no cookie and no query string. For exactly
those requests, once the batch's page, the status sentences and the warning threshold are cached (the first
scan of a batch head fills them through Flask), the lane counts the scan with the same two Core statements and
answers with the cached HTML and the site's security headers, skipping Flask's per-request machinery (session,
login, locale, CSRF, rate limiter). Anything else — a cookie, a query, JSON, a GS1 Digital Link, a cache miss —
goes to Flask unchanged; when the lane had already counted the scan, it hands the result over in the WSGI
environ so Flask never counts it twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from marketplace.security import HSTS, SECURITY_HEADERS

from . import scanpage
from .serials import normalise

log = logging.getLogger(__name__)
SCAN_PATH = re.compile(r"/t/([0-9A-Za-z-]{14,24})\Z")
HIT_KEY = "ocop.scan_hit"
NOT_FOUND = "not-found"
LOCALE = "vi"
PAGE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "private, no-store"),
    ("Vary", "Accept"),
    *SECURITY_HEADERS,
)


class ScanFastLane:
    """WSGI middleware in front of the Flask app; see the module docstring."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.inner = inner

    def _serial(self, environ: dict[str, Any]) -> str | None:
        """The serial when this request may take the lane, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") or environ.get("HTTP_COOKIE"):
            return None
        if "json" in environ.get("HTTP_ACCEPT", ""):
            return None
        found = SCAN_PATH.match(environ.get("PATH_INFO", ""))
        return normalise(found.group(1)) if found else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        serial = self._serial(environ)
        if serial is None:
            return self.inner(environ, start_response)
        try:
            with self.app.app_context():
                client = scanpage.client_hash(environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT"))
                hit = scanpage.record_scan(serial, via="qr", client=client)
                page = scanpage.cached_page(hit, LOCALE) if hit is not None else None
        except Exception:  # nothing was counted (record_scan rolls back): Flask retries and shows its error page
            log.exception("Scan fast lane failed for %s", serial)
            return self.inner(environ, start_response)
        if page is None:
            environ[HIT_KEY] = hit if hit is not None else NOT_FOUND
            return self.inner(environ, start_response)
        body = page.encode()
        headers = [*PAGE_HEADERS, ("Content-Length", str(len(body)))]
        if environ.get("wsgi.url_scheme") == "https":
            headers.append(HSTS)
        start_response("200 OK", headers)
        return [body]


def install(app: Flask) -> None:
    app.wsgi_app = ScanFastLane(app, app.wsgi_app)  # type: ignore[method-assign]
