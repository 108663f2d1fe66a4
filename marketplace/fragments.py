"""Page contents rendered once per worker and shown version, like the tiles (catalog/tiles.py) and the header
(marketplace/chrome.py): the HTML is kept under a key made of every value it shows plus the language, URL prefix,
media address and public address, so changed data makes a new key and is never shown stale; unused keys age out of the LRU. In debug
mode the part is rendered each time, so an edited template or static file shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from .storage import media_base
from .ttlcache import TtlCache

T = TypeVar("T")
FRAGMENT_SECONDS = 24 * 3600  # entries are exact; expiry only bounds how long an unused one takes memory


def frozen(value: Any) -> Hashable:
    """`value` (dicts, lists and sets of plain values, nested) as a hashable key part; a dict keeps its order."""
    if isinstance(value, Mapping):
        return tuple((key, frozen(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(value)
    return value


def render_part(template_name: str, **context: Any) -> Markup:
    """A template rendered with just `context` and the app's Jinja globals (no context processors, no signals)."""
    html = current_app.jinja_env.get_template(template_name).render(context)
    return Markup(html)  # noqa: S704 — an autoescaped template's output


def kept(cache: TtlCache, key: Hashable, render: Callable[[], T]) -> T:
    """The part kept under `key` (plus language, URL prefix, media and public addresses), rendered the first time."""
    if current_app.debug:
        return render()
    where = (str(get_locale()), request.script_root, media_base(), current_app.config["PUBLIC_BASE_URL"])
    return cache.kept((*where, key), FRAGMENT_SECONDS, render)
