"""Flask-Babel set-up: Vietnamese by default, English on request; Jinja filters for money and dates."""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user

from . import formtext
from .extensions import babel
from .text import display_phone, format_date, format_datetime, format_vnd


def select_locale() -> str:
    chosen = session.get("locale") if request else None
    if chosen in ("vi", "en"):
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale or "vi"
    return "vi"


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path.rsplit("/", 1)[0] + "/translations"),
    )
    formtext.install()
    app.jinja_env.filters.update(
        vnd=format_vnd, date_vn=format_date, datetime_vn=format_datetime, phone_vn=display_phone
    )
    app.jinja_env.globals.update(languages=app.config["LANGUAGES"], current_locale=select_locale)
