"""Browser sessions: each carries the user's session version (a bump signs every browser out), and the
remember-me cookie is a random token stored hashed and replaced on every use."""

from __future__ import annotations

from flask import Flask, Request, Response, current_app, g
from flask_login import login_user
from sqlalchemy import bindparam, select

from . import services
from .extensions import db
from .models import User

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


def init_app(app: Flask) -> None:
    app.after_request(_write_remember_cookie)
