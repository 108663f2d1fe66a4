"""Bearer-token authentication for the JSON API (cookies are not accepted there, so CSRF cannot apply)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
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


def token_required(*roles: Role) -> Callable:
    """API decorator: 401 without a valid token, 403 when the role does not fit."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = api_user()
            if user is None:
                raise DomainError(
                    _("Cần mã truy cập hợp lệ (Authorization: Bearer …)."), code="unauthorized", status=401
                )
            if roles and user.role not in roles:
                raise Forbidden(_("Tài khoản của bạn không có quyền thực hiện thao tác này."))
            g.current_api_user = user
            return view(*args, **kwargs)

        _document_bearer_auth(wrapped)
        return wrapped

    return decorator
