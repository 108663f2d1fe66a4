"""Flask-Babel set-up: Vietnamese by default, English on request; Jinja filters for money and dates."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from flask import Flask, request, session
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from . import formtext
from .extensions import babel
from .text import display_phone, format_date, format_datetime, format_vnd

K = TypeVar("K", bound=Hashable)
_labels_by_language: dict[tuple[int, str], dict[Any, str]] = {}


def labels_in_language(labels: Mapping[K, Any]) -> dict[K, str]:
    """A module's fixed labels (lazy strings) as read in the current language, translated once per language and
    worker: the catalogue of translations does not change while a worker runs. The dict is shared: read it only."""
    key = (id(labels), str(get_locale()))
    found = _labels_by_language.get(key)
    if found is None:
        found = _labels_by_language[key] = {name: str(label) for name, label in labels.items()}
    return found


_texts_by_language: dict[tuple[str, str], str] = {}


def gettext_once(text: str) -> str:
    """`gettext(text)` kept per language and worker, for a fixed set of texts a page looks up many times (built-in
    category names, units); never for text users write."""
    key = (str(get_locale()), text)
    found = _texts_by_language.get(key)
    if found is None:
        found = _texts_by_language[key] = gettext(text)
    return found


def select_locale() -> str:
    chosen = session.get("locale") if request else None
    if chosen in ("vi", "en"):
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.locale or "vi"
    return "vi"


def page_gettext() -> dict[str, Any]:
    """Context processor: the page's `_`, `gettext` and `ngettext`, bound to this request's translations.

    Flask-Babel's own template functions find the translations through three context lookups on every call, and a
    page makes dozens of calls; these look them up once per page. Same behaviour as Jinja's "newstyle" gettext: the
    text is escaped unless marked safe, and always formatted with its keyword arguments."""
    translations = get_translations()

    def finish(context: Context, text: str, variables: dict[str, Any]) -> str:
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables  # noqa: S704 — our own catalogue

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        return finish(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return finish(context, translations.ungettext(singular, plural, num), variables)

    return {"gettext": gettext, "ngettext": ngettext}


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
    app.context_processor(page_gettext)
