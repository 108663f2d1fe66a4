"""Channel listings: export rows, record what the platform calls each product, notice when ours change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import or_, select

from catalog.models import Category, Product
from catalog.queries import IS_PUBLIC
from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User
from marketplace.permissions import cooperatives_managed_by
from marketplace.text import clean_text, utcnow

from .channels import Capability, get_channel
from .channels.sheets import SpreadsheetChannel
from .models import ChannelCategoryMap, ChannelListing, ListingState
from .product_data import ProductFacts, facts_per_variant, listing_hash, media_index, products_query

ALLOWED: dict[ListingState, frozenset[ListingState]] = {
    ListingState.NOT_LISTED: frozenset({ListingState.EXPORTED, ListingState.LISTED}),
    ListingState.EXPORTED: frozenset(
        {ListingState.EXPORTED, ListingState.LISTED, ListingState.OUT_OF_SYNC, ListingState.NOT_LISTED}
    ),
    ListingState.LISTED: frozenset(
        {ListingState.LISTED, ListingState.OUT_OF_SYNC, ListingState.EXPORTED, ListingState.NOT_LISTED}
    ),
    ListingState.OUT_OF_SYNC: frozenset(
        {ListingState.EXPORTED, ListingState.LISTED, ListingState.OUT_OF_SYNC, ListingState.NOT_LISTED}
    ),
}


def transition(listing: ChannelListing, target: ListingState) -> None:
    if target not in ALLOWED[listing.state]:
        raise Conflict(_("Không thể chuyển trạng thái đăng bán từ %(a)s sang %(b)s.", a=listing.state, b=target))
    listing.state = target


def spreadsheet_channel(channel_id: str) -> SpreadsheetChannel:
    channel = get_channel(channel_id)
    if Capability.BULK_SHEET not in channel.capabilities:
        raise NotFound(_("Kênh này không xuất tệp Excel."))
    return channel  # type: ignore[return-value]


def managed_cooperative_ids(user: User) -> list[int]:
    return list(db.session.scalars(cooperatives_managed_by(user).with_only_columns(Cooperative.id)))


# --- category mapping -------------------------------------------------------------------------------------


def category_map(channel_id: str) -> dict[int, str]:
    rows = db.session.scalars(select(ChannelCategoryMap).where(ChannelCategoryMap.channel == channel_id))
    return {row.category_id: row.external_category for row in rows}


def external_category(channel, mapping: dict[int, str], product: Product) -> str:
    """The platform category for a product: its own mapping, else its parent's, else the channel default."""
    category = product.category
    while category is not None:
        if category.id in mapping:
            return mapping[category.id]
        category = category.parent
    if hasattr(channel, "default_category"):
        return channel.default_category
    return channel.default_categories[-1]


def set_category_mapping(user: User, channel_id: str, category_id: int, external: str) -> ChannelCategoryMap | None:
    """Admin and commune staff edit the mapping; an empty value removes it."""
    if user.role not in (Role.ADMIN, Role.COMMUNE_STAFF):
        raise Forbidden(_("Chỉ cán bộ xã hoặc quản trị được sửa bảng ánh xạ danh mục."))
    get_channel(channel_id)
    if db.session.get(Category, category_id) is None:
        raise NotFound(_("Không tìm thấy danh mục."))
    value = clean_text(external or "") or ""
    if len(value) > 200:
        raise ValidationFailed(_("Tên danh mục của sàn tối đa 200 ký tự."))
    row = db.session.scalar(
        select(ChannelCategoryMap).where(
            ChannelCategoryMap.channel == channel_id, ChannelCategoryMap.category_id == category_id
        )
    )
    if not value:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return None
    if row is None:
        row = ChannelCategoryMap(channel=channel_id, category_id=category_id, external_category=value)
        db.session.add(row)
    row.external_category = value
    db.session.flush()
    return row


# --- export -----------------------------------------------------------------------------------------------


def listing_for(channel_id: str, product_id: int) -> ChannelListing:
    listing = db.session.scalar(
        select(ChannelListing).where(ChannelListing.channel == channel_id, ChannelListing.product_id == product_id)
    )
    if listing is None:
        listing = ChannelListing(channel=channel_id, product_id=product_id, state=ListingState.NOT_LISTED)
        db.session.add(listing)
    return listing


def products_to_export(
    channel_id: str,
    cooperative_ids: list[int] | None,
    *,
    include_all: bool = False,
    product_ids: list[int] | None = None,
) -> list[Product]:
    """Published products never sent or changed since (all of them with `include_all`), plus unpublished ones
    whose listing is out of sync (exported with stock 0 so the platform stops selling them)."""
    states = {row.product_id: row.state for row in _listings(channel_id, cooperative_ids)}
    query = products_query().order_by(Product.id)
    if cooperative_ids is not None:
        query = query.where(Product.cooperative_id.in_(cooperative_ids))
    if product_ids is not None:
        query = query.where(Product.id.in_(product_ids))
    listed_somewhere = [pid for pid, state in states.items() if state == ListingState.OUT_OF_SYNC]
    query = query.where(or_(IS_PUBLIC, Product.id.in_(listed_somewhere)))
    chosen = []
    for product in db.session.scalars(query):
        state = states.get(product.id, ListingState.NOT_LISTED)
        if include_all or product_ids is not None or state in (ListingState.NOT_LISTED, ListingState.OUT_OF_SYNC):
            chosen.append(product)
    return chosen


def _listings(channel_id: str, cooperative_ids: list[int] | None) -> Iterable[ChannelListing]:
    query = select(ChannelListing).where(ChannelListing.channel == channel_id)
    if cooperative_ids is not None:
        query = query.join(Product).where(Product.cooperative_id.in_(cooperative_ids))
    return db.session.scalars(query)


@dataclass
class ExportResult:
    rows: int
    photos: int
    workbook: Path
    photos_zip: Path
    facts: list[ProductFacts]


def prepare_export(
    channel_id: str,
    out: Path,
    *,
    cooperative_ids: list[int] | None = None,
    include_all: bool = False,
    product_ids: list[int] | None = None,
    advance: Callable[[int], None] | None = None,
) -> ExportResult:
    """Read the rows and write the upload sheet and photo ZIP; nothing in the database changes yet."""
    channel = spreadsheet_channel(channel_id)
    products = products_to_export(channel_id, cooperative_ids, include_all=include_all, product_ids=product_ids)
    mapping = category_map(channel_id)
    media = media_index()
    rows: list[tuple[ProductFacts, str]] = []
    for product in products:
        category = external_category(channel, mapping, product)
        rows.extend((facts, category) for facts in facts_per_variant(product, media))
        if advance:
            advance(1)
    photos_zip = out.with_name(out.stem + "-anh.zip")
    count = channel.write_workbook(rows, out)
    facts = [item for item, _category in rows]
    photos = channel.write_photos(facts, photos_zip)
    return ExportResult(count, photos, out, photos_zip, facts)


def record_export(channel_id: str, result: ExportResult) -> None:
    """Mark every exported product as sent, with the content hash of its rows (one per variant)."""
    by_product: dict[int, list[ProductFacts]] = {}
    for facts in result.facts:
        by_product.setdefault(facts.id, []).append(facts)
    for product_id, rows in by_product.items():
        _record_export(listing_for(channel_id, product_id), listing_hash(rows))
    db.session.flush()


def export_channel(channel_id: str, out: Path, **options) -> ExportResult:
    """Write the upload sheet and photo ZIP and mark the rows sent (in the caller's transaction)."""
    result = prepare_export(channel_id, out, **options)
    record_export(channel_id, result)
    return result


def _record_export(listing: ChannelListing, content_hash: str) -> None:
    unchanged_listed = listing.state == ListingState.LISTED and listing.exported_hash == content_hash
    if not unchanged_listed:
        transition(listing, ListingState.EXPORTED)
    now = utcnow()
    listing.exported_hash = content_hash
    listing.exported_at = listing.last_synced_at = now
    listing.changed_fields = []
    listing.last_error = None


# --- the platform side ------------------------------------------------------------------------------------


def _managed_listing(user: User, channel_id: str, product_id: int) -> ChannelListing:
    product = db.session.get(Product, product_id)
    if product is None or product.cooperative_id not in managed_cooperative_ids(user):
        raise NotFound(_("Không tìm thấy sản phẩm."))
    return listing_for(channel_id, product_id)


def mark_listed(user: User, channel_id: str, product_id: int, external_id: str, external_url: str) -> ChannelListing:
    """The cooperative tells us the platform's id and URL for a product once the platform shows it."""
    spreadsheet_channel(channel_id)
    external_id, external_url = clean_text(external_id or "") or "", (external_url or "").strip()
    if not external_id and not external_url:
        raise ValidationFailed(_("Nhập mã sản phẩm hoặc đường dẫn trên sàn."))
    if external_url and not external_url.startswith(("https://", "http://")):
        raise ValidationFailed(_("Đường dẫn phải bắt đầu bằng https://"))
    if len(external_id) > 80 or len(external_url) > 500:
        raise ValidationFailed(_("Mã hoặc đường dẫn quá dài."))
    listing = _managed_listing(user, channel_id, product_id)
    _set_listed(listing, external_id or listing.external_id, external_url or listing.external_url)
    db.session.flush()
    return listing


def _set_listed(listing: ChannelListing, external_id: str | None, external_url: str | None) -> None:
    listing.external_id, listing.external_url = external_id, external_url
    listing.listed_at = listing.last_synced_at = utcnow()
    if listing.state != ListingState.OUT_OF_SYNC:
        transition(listing, ListingState.LISTED)


def apply_read_back(user: User, channel_id: str, data: bytes) -> dict[str, int]:
    """Read the platform's product export and record the id and URL of every product of ours it lists."""
    channel = spreadsheet_channel(channel_id)
    try:
        rows = channel.read_back(data)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed(_("Không đọc được tệp: hãy tải lên tệp .xlsx xuất từ trang người bán.")) from error
    allowed = set(managed_cooperative_ids(user))
    ids = [pid for pid, _e, _u in rows]
    owners = dict(db.session.execute(select(Product.id, Product.cooperative_id).where(Product.id.in_(ids))).all())
    matched = skipped = 0
    for product_id, external_id, url in rows:
        if owners.get(product_id) not in allowed:
            skipped += 1
            continue
        _set_listed(listing_for(channel_id, product_id), external_id, url)
        matched += 1
    db.session.flush()
    return {"matched": matched, "skipped": skipped}


# --- changes here -----------------------------------------------------------------------------------------


def mark_products_changed(changes: dict[int, set[str]]) -> int:
    """Listings that were exported or listed go out of sync; the changed fields are remembered for the page."""
    if not changes:
        return 0
    listings = db.session.scalars(
        select(ChannelListing).where(
            ChannelListing.product_id.in_(list(changes)),
            ChannelListing.state.in_([ListingState.EXPORTED, ListingState.LISTED, ListingState.OUT_OF_SYNC]),
        )
    ).all()
    now = utcnow()
    for listing in listings:
        fields = sorted(set(listing.changed_fields or []) | changes[listing.product_id])
        listing.changed_fields = fields
        listing.changed_at = now
        if listing.state != ListingState.OUT_OF_SYNC:
            transition(listing, ListingState.OUT_OF_SYNC)
    return len(listings)


def reconcile(channel_id: str) -> int:
    """Compare what we last sent with what the product is now: catches changes that no signal announced."""
    media = media_index()
    query = select(ChannelListing).where(
        ChannelListing.channel == channel_id,
        ChannelListing.state.in_([ListingState.EXPORTED, ListingState.LISTED]),
    )
    marked = 0
    for listing in db.session.scalars(query).all():
        product = db.session.scalar(products_query().where(Product.id == listing.product_id))
        if product is not None and listing_hash(facts_per_variant(product, media)) != listing.exported_hash:
            transition(listing, ListingState.OUT_OF_SYNC)
            listing.changed_fields = sorted({*(listing.changed_fields or []), "content"})
            listing.changed_at = utcnow()
            marked += 1
    db.session.flush()
    return marked
