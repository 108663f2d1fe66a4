"""A WSGI fast lane for the busiest public page: a consumer scanning a label (`GET /t/<serial>`).

A national campaign means many scans from people with no account, no query string and no cookie but the scan
device cookie. For exactly those requests, once the batch's page, the status sentences and the warning threshold
are cached (the first scan of a batch head fills them through Flask), the lane takes one of the client's scans
per minute (`SCAN_RATE_LIMIT`), records the scan with the same Core statements (or keeps it in the write buffer
of `traceability.scanbuffer` when `SCAN_BUFFER_SECONDS` is set) and answers with the cached HTML,
the site's security headers and, for a phone without one, its device cookie — skipping Flask's per-request
machinery (session, login, locale, CSRF) and, for a buffered scan, even the app context: the lane reads its app's
settings and engine itself. Anything else — another cookie, a query, JSON, a GS1 Digital Link, a
cache miss, a client over its limit — goes to Flask; whatever the lane already did (the rate-limit check, the
recorded scan) it hands over in the WSGI environ, so Flask never does it twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from marketplace.security import HSTS, SECURITY_HEADERS

from . import scanpage
from .scanbuffer import buffer
from .serials import normalise

log = logging.getLogger(__name__)
SCAN_PATH = re.compile(r"/t/([0-9A-Za-z-]{14,24})\Z")
HIT_KEY = "ocop.scan_hit"
ALLOWED_KEY = "ocop.scan_allowed"
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
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        if "json" in environ.get("HTTP_ACCEPT", "") or _device_token(environ) is False:
            return None
        found = SCAN_PATH.match(environ.get("PATH_INFO", ""))
        return normalise(found.group(1)) if found else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        serial = self._serial(environ)
        if serial is None:
            return self.inner(environ, start_response)
        config = self.app.config
        try:
            remote = environ.get("REMOTE_ADDR")
            if not scanpage.scan_allowed(remote, config):
                environ[ALLOWED_KEY] = False
                return self.inner(environ, start_response)
            environ[ALLOWED_KEY] = True
            token = _device_token(environ)
            device = scanpage.device_of(token or None, remote, environ.get("HTTP_USER_AGENT"), config)
            hit = _record(self.app, serial, device)
            page = scanpage.cached_page(hit, LOCALE, config) if hit is not None else None
        except Exception:  # nothing was counted (record_scan rolls back): Flask retries and shows its error page
            log.exception("Scan fast lane failed for %s", serial)
            return self.inner(environ, start_response)
        if page is None:
            environ[HIT_KEY] = hit if hit is not None else NOT_FOUND
            return self.inner(environ, start_response)
        body = page.encode()
        headers = [*PAGE_HEADERS, ("Content-Length", str(len(body)))]
        https = environ.get("wsgi.url_scheme") == "https"
        if https:
            headers.append(HSTS)
        if device.new_cookie is not None:
            headers.append(("Set-Cookie", scanpage.device_cookie(device.new_cookie, https)))
        start_response("200 OK", headers)
        return [body]


def _record(app: Flask, serial: str, device: scanpage.Device) -> scanpage.ScanHit | None:
    """Keep the scan in the write buffer when `SCAN_BUFFER_SECONDS` is set (no app context: pushing one cost a
    sixteenth of a buffered scan), else record it now in one."""
    if app.config["SCAN_BUFFER_SECONDS"] > 0:
        return buffer.add(serial, device, app=app)
    with app.app_context():
        return scanpage.record_scan(serial, via="qr", device=device)


def _device_token(environ: dict[str, Any]) -> str | bool:
    """The device cookie's value, "" when the request sends no cookie, False when it sends any other cookie."""
    header = environ.get("HTTP_COOKIE", "").strip().strip(";").strip()
    if not header:
        return ""
    name, equals, value = header.partition("=")
    if ";" in header or not equals or name.strip() != scanpage.DEVICE_COOKIE:
        return False
    return value.strip().strip('"')


def install(app: Flask) -> None:
    app.wsgi_app = ScanFastLane(app, app.wsgi_app)  # type: ignore[method-assign]
