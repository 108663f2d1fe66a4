"""The parts every page shows, rendered once instead of on every page: the header's links per language, role and
cart count, and the page's fixed frame (stylesheet links, header, search box, footer, scripts) per language.

The header's links took a fifth of a signed-in page's rendering (a dozen translations and URLs). The HTML is kept per
worker under a key of everything it shows (language, URL prefix, which role links apply, the units in the cart), so it
is never stale; only the sign-out form's CSRF token differs per visitor, and it is put in after. The frame
(templates/_chrome.html) is the same for every visitor of a language and URL prefix: its static URLs, home link and
six translations cost more than the rest of base.html; the header's links and the search box's text are put in per
page. In debug mode the frame is rendered each time, so an edited static file gets its new `?v=` at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import Flask, current_app, get_template_attribute, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from .sessions import csrf_token
from .ttlcache import TtlCache

CSRF_SLOT = "ocop-csrf-slot"
NAV_SLOT = "ocop-nav-slot"
QUERY_SLOT = "ocop-query-slot"
NAV_SECONDS = 3600  # entries are exact; expiry only bounds how long an unused one takes memory
EXTENSION = "ocop_nav"


class NavFacts(NamedTuple):
    """What the header's links depend on about the visitor."""

    is_authenticated: bool
    is_cooperative_member: bool
    is_commune_staff: bool
    is_admin: bool


def _facts() -> NavFacts:
    user = current_user
    if not user.is_authenticated:
        return NavFacts(False, False, False, False)
    return NavFacts(True, bool(user.is_cooperative_member), bool(user.is_commune_staff), bool(user.is_admin))


def _in_cart() -> int:
    count = current_app.jinja_env.globals.get("cart_count")
    return count() if count is not None and "orders.cart" in current_app.view_functions else 0


def site_nav() -> Markup:
    """`site_nav()` in base.html: the header's links for this visitor."""
    facts, in_cart = _facts(), _in_cart()
    html = _kept(
        (str(get_locale()), request.script_root, facts, in_cart),
        lambda: get_template_attribute("_nav.html", "nav")(in_cart, facts, CSRF_SLOT, current_app.view_functions),
    )
    return html.replace(CSRF_SLOT, csrf_token()) if facts.is_authenticated else html  # Markup escapes the token


def _kept(key: tuple, render: Callable[[], Markup]) -> Markup:
    """The HTML kept per worker under `key` (everything it shows), rendered on a miss."""
    cache: TtlCache = current_app.extensions[EXTENSION]
    return cache.kept(key, NAV_SECONDS, render)


PART_SLOTS = {"header": (NAV_SLOT, QUERY_SLOT)}  # what page_header puts in per page


def _render_part(name: str) -> Markup:
    return get_template_attribute("_chrome.html", name)(*PART_SLOTS.get(name, ()))


def page_part(name: str) -> Markup:
    """`page_part(name)` in base.html: a macro of templates/_chrome.html, kept per worker, language and URL prefix."""
    if current_app.debug:
        return _render_part(name)
    return _kept((name, str(get_locale()), request.script_root), lambda: _render_part(name))


def page_header(query: str) -> Markup:
    """`page_header(q)` in base.html: the page's header with this visitor's links and the search box's text (Markup
    escapes it; the links go in first, so a query cannot place anything in their slot)."""
    return page_part("header").replace(NAV_SLOT, site_nav()).replace(QUERY_SLOT, query)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = TtlCache(256)
    app.jinja_env.globals.update(site_nav=site_nav, page_part=page_part, page_header=page_header)
