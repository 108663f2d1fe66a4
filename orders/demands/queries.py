"""Read scopes for demands: the public list (never the buyer's contact details) and its filters."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.models import Category
from marketplace.extensions import db

from .models import Demand, DemandStatus, Offer
from .parsing import id_or_none

PAGE_SIZE = 20


def public_filter(province: int | None = None, category: str | None = None, status: str = "open") -> list:
    """Conditions for the demands anyone may see; `category` is a slug or an id."""
    conditions = [Demand.status == (status if status in set(DemandStatus) else DemandStatus.OPEN)]
    if province:
        conditions.append(Demand.province_code == province)
    if category:
        category_id = id_or_none(category) or db.session.scalar(select(Category.id).where(Category.slug == category))
        conditions.append(Demand.category_id == category_id)
    return conditions


def page_of(conditions: list, page: int) -> tuple[list[Demand], int, dict[int, int]]:
    """One page of demands (newest first), the total, and each shown demand's offer count: four queries whatever
    the page, the order served by the (status, created_at, id) index."""
    total = db.session.scalar(select(func.count(Demand.id)).where(*conditions)) or 0
    query = (
        select(Demand)
        .where(*conditions)
        .options(selectinload(Demand.category), selectinload(Demand.business))
        .order_by(Demand.created_at.desc(), Demand.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    rows = list(db.session.scalars(query))
    counts = dict(
        db.session.execute(
            select(Offer.demand_id, func.count(Offer.id))
            .where(Offer.demand_id.in_([d.id for d in rows]))
            .group_by(Offer.demand_id)
        )
        .tuples()
        .all()
    )
    return rows, total, counts


def public_item(demand: Demand, offers_count: int) -> dict[str, object]:
    """What the public list says of a demand: no buyer, no contact details."""
    return {
        "id": demand.id,
        "title": demand.title,
        "category": demand.category.slug if demand.category else None,
        "quantity": demand.quantity,
        "unit": demand.unit,
        "needed_by": demand.needed_by.isoformat() if demand.needed_by else None,
        "schedule": (
            {
                "weekday": demand.weekday,
                "from": demand.schedule_from.isoformat(),
                "to": demand.schedule_to.isoformat(),
            }
            if demand.weekly
            else None
        ),
        "province": demand.province_code,
        "commune": demand.commune_code,
        "max_price_vnd": demand.max_price_vnd,
        "offers_deadline": demand.offers_deadline.isoformat(),
        "status": str(demand.status),
        "offers_count": offers_count,
    }
