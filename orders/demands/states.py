"""The allowed moves of demands and offers, in one place, and the one function that makes them."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.errors import Conflict
from marketplace.text import utcnow

from .models import CloseReason, Demand, DemandStatus, Offer, OfferStatus

DEMAND_MOVES: dict[DemandStatus, frozenset[DemandStatus]] = {
    DemandStatus.OPEN: frozenset({DemandStatus.CLOSED}),
    DemandStatus.CLOSED: frozenset(),
}
OFFER_MOVES: dict[OfferStatus, frozenset[OfferStatus]] = {
    OfferStatus.OPEN: frozenset({OfferStatus.ACCEPTED, OfferStatus.WITHDRAWN, OfferStatus.EXPIRED}),
    OfferStatus.ACCEPTED: frozenset(),
    OfferStatus.WITHDRAWN: frozenset(),
    OfferStatus.EXPIRED: frozenset(),
}


def close_demand(demand: Demand, reason: CloseReason) -> None:
    """open → closed (filled, expired or cancelled); its offers still open expire with it."""
    if DemandStatus.CLOSED not in DEMAND_MOVES[demand.status]:
        raise Conflict(_("Nhu cầu này đã đóng."), code="demand_closed")
    demand.status, demand.close_reason, demand.closed_at = DemandStatus.CLOSED, reason, utcnow()
    for offer in demand.offers:
        if offer.status == OfferStatus.OPEN:
            move_offer(offer, OfferStatus.EXPIRED)


def move_offer(offer: Offer, to: OfferStatus) -> None:
    if to not in OFFER_MOVES[offer.status]:
        raise Conflict(_("Chào hàng này không còn mở."), code="offer_not_open")
    offer.status = to
    if to == OfferStatus.ACCEPTED:
        offer.accepted_at = utcnow()
