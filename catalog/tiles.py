"""Product tiles: read with one Core query (no ORM objects) and rendered once per shown version.

A tile's HTML is kept per worker under a key made of every value it shows (`TileFacts`: name, price, unit, valid
stars, cooperative, sold out, first public photo) plus the language and URL prefixes, so a changed product gets a
new key and is never shown stale; unused keys age out of the LRU. Keep `TileFacts` in step with the `tile_html`
macro in templates/catalog/_macros.html, which reads only these facts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import cache as cache_once
from functools import wraps
from typing import Any, NamedTuple

from flask import get_template_attribute, request
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import aliased

from marketplace.database import read_plain
from marketplace.models import Cooperative
from marketplace.storage import media_base
from marketplace.text import today_vn
from marketplace.ttlcache import TtlCache

from .models import OcopCertificate, Product, ProductImage
from .queries import published_products

TILE_SECONDS = 24 * 3600  # entries are exact; expiry only bounds how long an unused one takes memory
cache = TtlCache(4096)


class TilePhoto(NamedTuple):
    """What `photo_sources` and the `picture` macro read of a product photo."""

    product_id: int
    id: int
    stem: str
    width: int
    height: int
    variants_ready: bool


class TileFacts(NamedTuple):
    """Everything a tile shows."""

    id: int
    slug: str
    name: str
    price_vnd: int
    unit: str
    stock: int
    stars: int
    cooperative_name: str
    photo: TilePhoto | None


@cache_once
def _tile_columns() -> tuple:
    """The tile's columns, built once: stars only while the certificate is valid on the `today` parameter."""
    certificate, seller = aliased(OcopCertificate), aliased(Cooperative)  # the query may join either already
    stars = (
        select(certificate.stars)
        .where(
            certificate.product_id == Product.id,
            certificate.issued_on <= bindparam("today"),
            certificate.expires_on >= bindparam("today"),
        )
        .correlate(Product)
        .scalar_subquery()
    )
    cooperative = select(seller.name).where(seller.id == Product.cooperative_id).correlate(Product).scalar_subquery()
    return (Product.id, Product.slug, Product.name, Product.price_vnd, Product.unit, Product.stock, stars, cooperative)


@cache_once
def _first_photo() -> tuple[Any, Any]:
    """The product's first public photo (the one `Product.public_images[0]` gives), to join (built once)."""
    first_id = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id, ProductImage.revision_id.is_(None))
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    return aliased(ProductImage, name="first_photo"), first_id


def _with_tile_columns(query: Select[tuple[Product]]) -> Select:
    """`query` reading just what its tiles show, first photo included, in one statement."""
    photo, first_id = _first_photo()
    photo_columns = (photo.id, photo.stem, photo.width, photo.height, photo.variants_ready)
    return query.with_only_columns(*_tile_columns(), *photo_columns).outerjoin(photo, photo.id == first_id)


def _read_tiles(narrowed: Select, params: dict[str, Any]) -> list[TileFacts]:
    """Run a statement of the tile's columns: the tiles in its order."""
    rows = read_plain(narrowed, {"today": today_vn(), **params}).all()
    return [
        TileFacts(*row[:6], row[6] or 0, row[7], TilePhoto(row[0], *row[8:]) if row[8] is not None else None)
        for row in rows
    ]


def tile_facts(query: Select[tuple[Product]]) -> list[TileFacts]:
    """What the tiles of `query`'s products show, in its order, in one statement."""
    return _read_tiles(_with_tile_columns(query), {})


def tile_list(build: Callable[[], Select[tuple[Product]]]) -> Callable[..., list[TileFacts]]:
    """Decorator for a list of tiles whose query has only bind parameters: the statement is built once per worker
    (building one costs more than running it), and each call reads the tiles with the values it is given."""
    narrowed = cache_once(lambda: _with_tile_columns(build()))

    @wraps(build)
    def read(**params: Any) -> list[TileFacts]:
        return _read_tiles(narrowed(), params)

    return read


ID_SLOTS = 24  # a listing's page of tiles; a longer list is read in as many statements


@tile_list
def _public_tiles_by_ids() -> Select[tuple[Product]]:
    """A fixed number of id slots, not an expanding `IN`: one statement text for every page, so it is prepared once
    (`marketplace.plain_reads`); an empty slot is NULL, which matches nothing."""
    slots = [bindparam(f"id{slot}", type_=Integer) for slot in range(ID_SLOTS)]
    return published_products().where(Product.id.in_(slots))


def tiles_by_ids(ids: Sequence[int]) -> list[TileFacts]:
    """Tiles of the public products with these ids (search hits), in the order of `ids`."""
    by_id = {}
    for start in range(0, len(ids), ID_SLOTS):
        chunk = list(ids[start : start + ID_SLOTS])
        slots = {f"id{slot}": chunk[slot] if slot < len(chunk) else None for slot in range(ID_SLOTS)}
        by_id.update({facts.id: facts for facts in _public_tiles_by_ids(**slots)})
    return [by_id[i] for i in ids if i in by_id]


_PAGE_PART_KEY = "ocop.tile_key_part"


def _page_part() -> tuple[str, str, str]:
    """What every tile of a page shares in its key (language, URL prefix, media address), worked out once a request."""
    environ = request.environ
    part = environ.get(_PAGE_PART_KEY)
    if part is None:
        part = environ[_PAGE_PART_KEY] = (str(get_locale()), request.script_root, media_base())
    return part


def _key(facts: TileFacts) -> tuple[Hashable, ...]:
    return (*_page_part(), facts)


def tile_html(facts: TileFacts, render: Callable[[TileFacts], Markup] | None = None) -> Markup:
    """The tile's HTML from the cache, rendered by the `tile_html` macro the first time this version is shown."""

    def make() -> Markup:
        macro = render or get_template_attribute("catalog/_macros.html", "tile_html")
        return macro(facts)  # a macro answers Markup (autoescaped)

    return cache.kept(_key(facts), TILE_SECONDS, make)
