"""Security headers (a CSP with no inline script and no third-party origin) and error pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import csrf

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


def csp_with(extra: Mapping[str, Iterable[str]]) -> str:
    """The site's CSP with extra sources for one page, by directive (a directive CSP lacks is added with them),
    e.g. {"script-src": ["https://js.stripe.com"]} on a card payment page."""
    directives = dict(part.split(" ", 1) for part in CSP.split("; "))
    for name, sources in extra.items():
        present = directives.get(name, "").split()
        directives[name] = " ".join(dict.fromkeys([*present, *sources]))
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def error_messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ."),
        401: _("Bạn cần đăng nhập."),
        403: _("Bạn không có quyền truy cập trang này."),
        404: _("Không tìm thấy trang bạn cần."),
        405: _("Phương thức không được hỗ trợ."),
        409: _("Yêu cầu xung đột với dữ liệu hiện có."),
        413: _("Tệp hoặc dữ liệu gửi lên quá lớn."),
        415: _("Định dạng dữ liệu không được hỗ trợ."),
        422: _("Dữ liệu không hợp lệ."),
        429: _("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."),
        500: _("Đã có lỗi xảy ra. Chúng tôi đang khắc phục, vui lòng thử lại sau."),
    }


def wants_json() -> bool:
    """JSON errors for the API and webhooks, and for clients that ask for JSON."""
    path = request.path
    if path.startswith(("/api/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(status: int, code: str | None = None, message: str | None = None, **extra) -> Response:
    body = {
        "error": {
            "code": code or ERROR_CODES.get(status, "error"),
            "message": message or error_messages().get(status, ""),
        }
    }
    body["error"].update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def _handle_http_exception(error: HTTPException):
    status = error.code or 500
    description = getattr(error, "ocop_message", None)
    if wants_json():
        data = getattr(error, "data", None) or {}
        extra = {"fields": data["messages"]} if "messages" in data else {}
        code = getattr(error, "ocop_code", None)
        response = json_error(status, code, description or error_messages().get(status), **extra)
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    message = description or error_messages().get(status, "")
    response = render_template("errors/error.html", status=status, message=message)
    return response, status, getattr(error, "get_headers", lambda: [])() if status == 405 else {}


def _handle_csrf_error(error: CSRFError):
    message = _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
    if wants_json():
        return json_error(400, "csrf_failed", message)
    return render_template("errors/error.html", status=400, message=message), 400


def is_same_origin_request() -> bool:
    """The browser says this request comes from one of our own pages: `Sec-Fetch-Site: same-origin`, or an
    `Origin` header naming PUBLIC_BASE_URL's origin (browsers send one of them on every form POST; a cross-site
    page cannot forge either). The Host header is not trusted for this (see tests/security/test_host_header_links)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    ours = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    theirs = urlsplit(origin)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc)


def protect_token_or_same_origin() -> None:
    """CSRF check for forms served on cacheable pages without a token (see docs/operations.md, Security):
    a form that carries a token must carry a valid one; a form without a token must come from our own origin."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.form.get("csrf_token"):
        csrf.protect()
    elif not is_same_origin_request():
        raise CSRFError(_("Yêu cầu đến từ trang khác bị từ chối."))


def _handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500)
    return render_template("errors/error.html", status=500, message=error_messages()[500]), 500


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault(*HSTS)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
    app.after_request(_security_headers)
