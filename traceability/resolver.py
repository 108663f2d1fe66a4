"""GS1 Digital Link resolver: which link types a key answers, and the RFC 9264 linkset that lists them.

`/01/{gtin}` is the product, `/01/{gtin}/10/{lot}` its batch, `/01/{gtin}[/10/{lot}]/21/{serial}` one label.
The `linkType` query picks a link (`gs1:pip` the product page, `gs1:traceability` the trace page, `all` the
linkset); an unknown one falls back to the key's default link, as the GS1 resolver standard asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from catalog.models import Product, ProductVariant
from catalog.queries import IS_PUBLIC
from marketplace.extensions import db

from .models import Batch, LabelRun, TraceEvent
from .scanpage import gtin_forms

VOC = "https://gs1.org/voc/"
PIP, TRACEABILITY, ALL = "pip", "traceability", "all"
LINKSET_TYPE = "application/linkset+json"


def link_type(raw: str | None) -> str | None:
    """`pip`, `traceability` or `all` for the spellings GS1 clients send (`gs1:pip`, the full URI), else None."""
    if not raw:
        return None
    value = raw.strip()
    if value == ALL:
        return ALL
    for prefix in ("gs1:", VOC, ""):
        if value.startswith(prefix) and value[len(prefix) :] in (PIP, TRACEABILITY):
            return value[len(prefix) :]
    return None


def product_for_gtin(gtin: str) -> Product | None:
    """The public product (published, verified seller) that carries this GTIN-14 (stored as given or as GTIN-13/12/8),
    itself or on one of its variants."""
    forms = gtin_forms(gtin)
    on_variant = select(ProductVariant.product_id).where(ProductVariant.gtin.in_(forms))
    return db.session.scalar(
        select(Product)
        .where(or_(Product.gtin.in_(forms), Product.id.in_(on_variant)), IS_PUBLIC)
        .order_by(Product.id)
        .limit(1)
    )


def batch_for(gtin: str, lot: str) -> Batch | None:
    """The batch with this lot of a product carrying this GTIN, or whose labels were printed with it."""
    forms = gtin_forms(gtin)
    printed = select(LabelRun.batch_id).where(LabelRun.gtin.in_(forms))
    return db.session.scalar(
        select(Batch)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.lot == lot, or_(Product.gtin.in_(forms), Batch.id.in_(printed)))
        .order_by(Batch.id)
        .limit(1)
    )


def batch_head(batch_id: int) -> str:
    """The hash of the batch's last event (the key its cached page is kept under)."""
    found = db.session.scalar(
        select(TraceEvent.hash).where(TraceEvent.batch_id == batch_id).order_by(TraceEvent.seq.desc()).limit(1)
    )
    return found or ""


@dataclass(frozen=True)
class Link:
    href: str
    title: str


def linkset(anchor: str, pip: Link, traceability: Link | None) -> dict:
    """The RFC 9264 JSON linkset for one key, with GS1's link type URIs as relation types."""
    default = traceability or pip
    entry: dict = {"anchor": anchor}
    for relation, link in (("pip", pip), ("traceability", traceability), ("defaultLink", default)):
        if link is not None:
            entry[VOC + relation] = [{"href": link.href, "title": link.title, "type": "text/html", "hreflang": ["vi"]}]
    return {"linkset": [entry]}


def product_link(slug: str, name: str) -> Link:
    base = current_app.config["PUBLIC_BASE_URL"]
    return Link(base + url_for("catalog.product", slug=slug), _("Thông tin sản phẩm: %(name)s", name=name))


def trace_link(path: str) -> Link:
    return Link(current_app.config["PUBLIC_BASE_URL"] + path, _("Truy xuất nguồn gốc"))
