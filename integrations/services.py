"""Use cases behind the channel screens: which cooperative a user works on, the overview, starting a sync."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jobs.services import start_job
from marketplace.models import Cooperative, Role, User
from marketplace.permissions import cooperatives_managed_by

from .channels import Capability, get_channel
from .models import ChannelListing

SYNC_TASK = "integrations.sync_channel"


def ensure_channel_user(user: User) -> None:
    if user.role not in (Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN):
        raise Forbidden(_("Trang này dành cho hợp tác xã và cán bộ xã."))


def managed_cooperatives(user: User) -> list[Cooperative]:
    ensure_channel_user(user)
    return list(db.session.scalars(cooperatives_managed_by(user).order_by(Cooperative.name)))


def choose_cooperative(user: User, slug: str | None) -> Cooperative | None:
    """The cooperative a page is about: the member's own, or the one staff picked (404 outside their scope)."""
    managed = managed_cooperatives(user)
    if user.role == Role.COOPERATIVE:
        return managed[0] if managed else None
    if not slug:
        return None
    for cooperative in managed:
        if cooperative.slug == slug:
            return cooperative
    raise NotFound(_("Không tìm thấy hợp tác xã."))


@dataclass
class Row:
    product: Product
    listings: dict[str, ChannelListing]


def channel_overview(cooperative: Cooperative) -> list[Row]:
    """Every product of the cooperative that is published or has been sent somewhere, with its listings."""
    listings = db.session.scalars(
        select(ChannelListing).join(Product).where(Product.cooperative_id == cooperative.id)
    ).all()
    by_product: dict[int, dict[str, ChannelListing]] = {}
    for listing in listings:
        by_product.setdefault(listing.product_id, {})[listing.channel] = listing
    products = db.session.scalars(
        select(Product)
        .where(Product.cooperative_id == cooperative.id)
        .where((Product.status == ProductStatus.PUBLISHED) | Product.id.in_(list(by_product) or [0]))
        .order_by(Product.name)
    ).all()
    return [Row(p, by_product.get(p.id, {})) for p in products]


def start_channel_sync(
    user: User,
    channel_id: str,
    cooperative: Cooperative | None,
    product_ids: list[int] | None = None,
    include_all: bool = False,
) -> Job:
    """Queue an export (or a feed rebuild) as a job the user can watch on /jobs/<id>."""
    ensure_channel_user(user)
    channel = get_channel(channel_id)
    is_feed = Capability.FEED in channel.capabilities
    if is_feed and user.role not in (Role.ADMIN, Role.COMMUNE_STAFF):
        raise Forbidden(_("Chỉ cán bộ xã hoặc quản trị dựng lại nguồn cấp sản phẩm."))
    if not is_feed and cooperative is None:
        raise ValidationFailed(_("Chọn hợp tác xã trước khi xuất tệp."))
    if product_ids:
        owned = set(
            db.session.scalars(
                select(Product.id).where(Product.id.in_(product_ids), Product.cooperative_id == cooperative.id)
            )
        )
        if owned != set(product_ids):
            raise NotFound(_("Không tìm thấy sản phẩm."))
    params = {
        "channel": channel.id,
        "cooperative_ids": [cooperative.id] if cooperative else None,
        "product_ids": sorted(product_ids) if product_ids else None,
        "all": bool(include_all),
    }
    title = _("Đồng bộ %(channel)s", channel=channel.name)
    if cooperative is not None:
        title += f" — {cooperative.name}"
    return start_job(
        "sync",
        title[:200],
        SYNC_TASK,
        owner=user,
        cooperative_id=cooperative.id if cooperative else None,
        params=params,
    )
