"""Product feeds built from every public product (published, verified seller), cached in storage (private keys
`feeds/<file>` and `feeds/<channel>.json`, so every host serves the same feed) and rebuilt when products change.

A feed file is valid for one *fingerprint* of the catalogue (product count, newest change, photos and
certificates): a request that finds the fingerprint moved rebuilds it, so a stale feed is never served even
when the after-commit rebuild task has not run yet. ETag is the content hash; Last-Modified the time the
content last changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from catalog.models import OcopCertificate, Product, ProductImage
from marketplace.extensions import db
from marketplace.models import Cooperative
from marketplace.storage import storage
from marketplace.text import utcnow

from .channels import Capability, channels_with, get_channel
from .listings import category_map, external_category
from .product_data import facts_per_variant, media_index, published_products

FEEDS = {"google.xml": "google", "facebook.csv": "facebook"}


@dataclass
class Feed:
    key: str
    etag: str
    last_modified: datetime
    content_type: str
    count: int


def feed_key(filename: str) -> str:
    return f"feeds/{filename}"


def fingerprint() -> str:
    """Changes whenever a product, photo, certificate or cooperative is added, changed, verified or removed."""
    parts = [
        db.session.execute(select(func.count(Product.id), func.max(Product.updated_at))).one(),
        db.session.execute(select(func.count(ProductImage.id), func.max(ProductImage.id))).one(),
        db.session.execute(select(func.count(OcopCertificate.id), func.max(OcopCertificate.id))).one(),
        db.session.execute(select(func.count(Cooperative.id))).one(),
        # which sellers are verified: one that gains or loses its verification moves its products in or out
        db.session.execute(
            select(func.count(Cooperative.id), func.sum(Cooperative.id), func.max(Cooperative.verified_at)).where(
                Cooperative.verified
            )
        ).one(),
    ]
    return hashlib.sha256(repr([tuple(map(str, p)) for p in parts]).encode()).hexdigest()[:32]


def _meta_key(channel_id: str) -> str:
    return feed_key(f"{channel_id}.json")


def _read_meta(channel_id: str) -> dict | None:
    try:
        return json.loads(storage().read(_meta_key(channel_id)))
    except (OSError, ValueError):
        return None


def build_feed(channel_id: str, print_fp: str | None = None) -> Feed:
    """Render the feed, write it atomically, and keep Last-Modified when the content did not change."""
    channel = get_channel(channel_id)
    print_fp = print_fp or fingerprint()
    mapping = category_map(channel_id)
    media = media_index()
    products = published_products()
    content = channel.render(
        (facts, external_category(channel, mapping, p)) for p in products for facts in facts_per_variant(p, media)
    )
    etag = hashlib.sha256(content).hexdigest()[:32]
    previous = _read_meta(channel_id)
    modified = previous["last_modified"] if previous and previous["etag"] == etag else utcnow().isoformat()
    target = feed_key(channel.filename)
    files = storage()
    files.save(target, content, channel.content_type)  # each save is whole (atomic rename / one S3 put)
    meta = {"etag": etag, "last_modified": modified, "fingerprint": print_fp, "count": len(products)}
    files.save(_meta_key(channel_id), json.dumps(meta).encode(), "application/json")
    return _feed(channel, target, meta)


def _feed(channel, key: str, meta: dict) -> Feed:
    return Feed(key, meta["etag"], datetime.fromisoformat(meta["last_modified"]), channel.content_type, meta["count"])


def current_feed(channel_id: str) -> Feed:
    """The cached feed when it matches the catalogue as it is now, else a fresh one."""
    channel = get_channel(channel_id)
    print_fp = fingerprint()
    meta = _read_meta(channel_id)
    key = feed_key(channel.filename)
    if meta and meta.get("fingerprint") == print_fp and storage().exists(key):
        return _feed(channel, key, meta)
    return build_feed(channel_id, print_fp)


def rebuild_all(force: bool = False) -> dict[str, int]:
    """Every feed channel; without `force`, only feeds whose fingerprint moved."""
    print_fp = fingerprint()
    counts = {}
    for channel in channels_with(Capability.FEED):
        meta = _read_meta(channel.id)
        if force or not meta or meta.get("fingerprint") != print_fp:
            counts[channel.id] = build_feed(channel.id, print_fp).count
        else:
            counts[channel.id] = meta["count"]
    return counts
