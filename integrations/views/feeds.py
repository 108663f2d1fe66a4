"""The product feeds: stable URLs with conditional GET."""

from __future__ import annotations

from flask import abort

from integrations import feeds
from marketplace.storage import serve

from .blueprint import bp


@bp.get("/feeds/<name>")
def feed(name: str):
    """Google Merchant (google.xml) and Facebook/Zalo (facebook.csv) feeds: stable URLs, conditional GET."""
    channel_id = feeds.FEEDS.get(name)
    if channel_id is None:
        abort(404)
    current = feeds.current_feed(channel_id)
    return serve.send(
        current.key,
        mimetype=current.content_type,
        etag=current.etag,
        last_modified=current.last_modified,
        max_age=300,
    )
