"""Browser sessions: each carries the user's session version (a bump signs every browser out), and the
remember-me cookie is a random token stored hashed and replaced on every use.

The session cookie is checked and decoded, and the session's CSRF token signed, once per worker rather than on every
request (together a tenth of a small signed-in page's work). Both are pure functions of what repeats request after
request: a cookie string that passed the signature check always holds the same values, and a session's secret token
always signs to an equally valid form token while tokens do not age (`WTF_CSRF_TIME_LIMIT` None). A kept cookie is
still refused once older than the session lifetime, and only sessions of plain values (no list a request could
change in place, such as flashed messages) are kept.
"""

from __future__ import annotations

import time

from flask import Flask, Request, Response, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select

from . import services
from .extensions import db
from .models import User
from .ttlcache import TtlCache

REMEMBER_COOKIE = "ocop_remember"
# built once: every signed-in request runs it, and building `session.get`'s statement cost more than running it
_SIGNED_IN_USER = select(User).where(
    User.id == bindparam("user_id"), User.session_version == bindparam("session_version")
)


def load_user(user_id: str) -> User | None:
    """Flask-Login's user_loader: the session's `id:version` must match the user's current version."""
    raw_id, _sep, version = user_id.partition(":")
    if not (raw_id.isdigit() and version.isdigit()):
        return None  # a session or cookie from before session versions: signed out
    found = db.session.execute(_SIGNED_IN_USER, {"user_id": int(raw_id), "session_version": int(version)})
    return found.scalar_one_or_none()


def load_user_from_remember_cookie(request: Request) -> User | None:
    """Flask-Login's request_loader: a valid remember-me token signs the browser in and is replaced."""
    token = request.cookies.get(REMEMBER_COOKIE)
    if not token:
        return None
    found = services.use_remember_token(token[:100])
    db.session.commit()  # the used token is gone whether or not it was still good
    if found is None:
        g.ocop_remember = ""
        return None
    user, g.ocop_remember = found
    login_user(user)
    return user


def remember(user: User) -> None:
    """Give this browser a remember-me cookie (the caller commits)."""
    g.ocop_remember = services.issue_remember_token(user)


def forget() -> None:
    """Drop this browser's remember-me cookie."""
    g.ocop_remember = ""


def _write_remember_cookie(response: Response) -> Response:
    token = g.pop("ocop_remember", None)
    if token is None:
        return response
    config = current_app.config
    if token:
        response.set_cookie(
            REMEMBER_COOKIE,
            token,
            max_age=services.REMEMBER_DAYS * 86400,
            secure=config["REMEMBER_COOKIE_SECURE"],
            httponly=True,
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )
    else:
        response.delete_cookie(REMEMBER_COOKIE, secure=config["REMEMBER_COOKIE_SECURE"], httponly=True)
    return response


KEPT_COOKIES = 4096
KEEP_SECONDS = 3600  # an entry is exact; expiry only bounds how long an unused one takes memory
PLAIN_VALUES = (str, int, float, bool, type(None))
SIGNED_TOKENS = "ocop_signed_csrf"


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with each cookie that passed the signature check decoded once per worker."""

    def __init__(self) -> None:
        self._decoded = TtlCache(KEPT_COOKIES)
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        serializer = self.get_signing_serializer(app)
        if not cookie or serializer is None:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._decoded.get((app.secret_key, cookie), KEEP_SECONDS)
        if kept is not None:
            values, signed_at = kept
            return self.session_class(values if time.time() - signed_at <= max_age else {})
        try:
            values, signed_moment = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(value, PLAIN_VALUES) for value in values.values()):
            self._decoded.put((app.secret_key, cookie), (values, signed_moment.timestamp()))
        return self.session_class(values)


def csrf_token() -> str:
    """`csrf_token()` in templates: Flask-WTF's `generate_csrf`, with this session's signed token kept per worker
    while tokens do not age."""
    config = current_app.config
    field = config["WTF_CSRF_FIELD_NAME"]
    if config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    signed: TtlCache = current_app.extensions[SIGNED_TOKENS]
    secret = session.get(field)
    if field not in g and isinstance(secret, str):
        token = signed.get(secret, KEEP_SECONDS)
        if token is not None:
            setattr(g, field, token)  # where generate_csrf keeps the request's token
            return token
    token = generate_csrf()
    signed.put(session[field], token)
    return token


def init_app(app: Flask) -> None:
    app.session_interface = KeptCookieSessions()
    app.extensions[SIGNED_TOKENS] = TtlCache(KEPT_COOKIES)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(_write_remember_cookie)
