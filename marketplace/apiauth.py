"""Bearer-token authentication for the JSON API (cookies are not accepted there, so CSRF cannot apply)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from .errors import DomainError, Forbidden
from .models import Role, User
from .services import user_for_token


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def api_user() -> User | None:
    """The user behind this request's bearer token, if any (cached per request)."""
    if "api_user" not in g:
        token = bearer_token()
        g.api_user = user_for_token(token) if token else None
    return g.api_user


def _document_bearer_auth(view: Callable) -> None:
    """Mark the operation as needing a bearer token in the OpenAPI document (flask-smorest's `_apidoc`)."""
    apidoc = view.__dict__.setdefault("_apidoc", {})
    apidoc.setdefault("manual_doc", {})["security"] = [{"bearerAuth": []}]


def _check_token(roles: tuple[Role, ...]) -> None:
    """401 without a valid token, 403 when the role does not fit."""
    user = api_user()
    if user is None:
        raise DomainError(_("Cần mã truy cập hợp lệ (Authorization: Bearer …)."), code="unauthorized", status=401)
    if roles and user.role not in roles:
        raise Forbidden(_("Tài khoản của bạn không có quyền thực hiện thao tác này."))
    g.current_api_user = user


def token_required(*roles: Role) -> Callable:
    """API decorator: 401 without a valid token, 403 when the role does not fit. The roles are also kept
    on the view (functools.wraps carries them through the decorators stacked above), so
    `check_token_before_body` refuses the call before any of them reads the body."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            _check_token(roles)
            return view(*args, **kwargs)

        wrapped.ocop_token_roles = roles
        _document_bearer_auth(wrapped)
        return wrapped

    return decorator


def _required_roles() -> tuple[Role, ...] | None:
    """The roles `token_required` asks of the operation this request reaches, None when it asks none."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = "get" if request.method == "HEAD" else request.method.lower()
        view = getattr(view_class, method, None)
    return getattr(view, "ocop_token_roles", None)


def check_token_before_body() -> None:
    """before_request: authentication comes before validation, whatever the decorator order (a caller
    without a token gets 401, never a 422 describing the body of an operation it may not call)."""
    if request.method == "OPTIONS":
        return
    roles = _required_roles()
    if roles is not None:
        _check_token(roles)
