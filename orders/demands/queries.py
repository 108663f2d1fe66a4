"""Read scopes for demands: the public list (never the buyer's contact details) and its filters."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from catalog.models import Category
from marketplace.extensions import db

from .models import Demand, DemandStatus, Offer

PAGE_SIZE = 20


def public_demands(province: int | None = None, category: str | None = None, status: str = "open") -> Select:
    """Demands anyone may see, newest first; `category` is a slug or an id."""
    query = select(Demand).where(Demand.status == (status if status in set(DemandStatus) else DemandStatus.OPEN))
    if province:
        query = query.where(Demand.province_code == province)
    if category:
        category_id = (
            int(category)
            if category.isdigit()
            else db.session.scalar(select(Category.id).where(Category.slug == category))
        )
        query = query.where(Demand.category_id == category_id)
    return query.order_by(Demand.created_at.desc(), Demand.id.desc())


def page_of(query: Select, page: int) -> tuple[list[Demand], int, dict[int, int]]:
    """One page of demands, the total, and each shown demand's offer count (three queries whatever the page)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(query.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)))
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
