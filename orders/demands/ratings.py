"""What the ratings after delivery add up to: a seller's average from its buyers, a buyer's from its sellers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from marketplace.extensions import db

from .models import Demand, Offer, Rating, RatingSide


@dataclass(frozen=True)
class RatingSummary:
    average: float  # 1.0–5.0, one decimal
    count: int

    def as_json(self) -> dict[str, object]:
        return {"average": self.average, "count": self.count}


def _summaries(rows) -> dict[int, RatingSummary]:
    return {key: RatingSummary(round(float(average), 1), count) for key, average, count in rows}


def seller_ratings(cooperative_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """{cooperative id: what its buyers gave it}, in one query; a seller nobody rated is left out."""
    ids = sorted(set(cooperative_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Offer.cooperative_id, func.avg(Rating.stars), func.count(Rating.id))
        .join(Offer, Offer.id == Rating.offer_id)
        .where(Rating.side == RatingSide.BUYER, Offer.cooperative_id.in_(ids))
        .group_by(Offer.cooperative_id)
    )
    return _summaries(rows.tuples())


def buyer_ratings(buyer_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """{buyer's user id: what the sellers it bought from gave it}, in one query."""
    ids = sorted(set(buyer_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Demand.buyer_id, func.avg(Rating.stars), func.count(Rating.id))
        .join(Offer, Offer.id == Rating.offer_id)
        .join(Demand, Demand.id == Offer.demand_id)
        .where(Rating.side == RatingSide.SELLER, Demand.buyer_id.in_(ids))
        .group_by(Demand.buyer_id)
    )
    return _summaries(rows.tuples())


def seller_rating(cooperative_id: int) -> RatingSummary | None:
    """One seller's rating, for its public page (a template global)."""
    return seller_ratings([cooperative_id]).get(cooperative_id)
