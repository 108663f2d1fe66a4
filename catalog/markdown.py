"""Product descriptions: plain text with line breaks, or a small safe subset of Markdown, cleaned by nh3."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # raw HTML off (it is shown as text), single line breaks kept, no headings; nh3 drops images
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(["heading", "lheading"])


def render_description(text: str | None) -> Markup:
    """Markdown → HTML, then nh3 keeps only harmless tags, attributes and link schemes."""
    return _rendered(text) if text else Markup("")


@lru_cache(maxsize=2048)
def _rendered(text: str) -> Markup:
    """Each description is rendered once per worker while it is in use (the product page shows one per view)."""
    html = _parser().render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener ugc",
    )
    return Markup(cleaned)  # noqa: S704 — nh3 output is sanitised HTML
