"""How an offer reads in the API and on the demand page; contact details only once it is accepted."""

from __future__ import annotations

from marketplace.models import User

from .acceptance import OfferRow, contacts_visible
from .models import Offer


def seller_contact(offer: Offer) -> dict[str, object]:
    cooperative = offer.cooperative
    return {
        "name": cooperative.name,
        "phone": cooperative.phone,
        "email": cooperative.email,
        "address": f"{cooperative.address}, {cooperative.commune.full_name}",
    }


def buyer_contact(offer: Offer) -> dict[str, object]:
    business = offer.demand.business
    return {
        "organisation": business.organisation_name,
        "name": business.contact_name,
        "phone": business.contact_phone,
        "email": business.contact_email,
        "address": f"{business.address}, {business.commune.full_name}",
        "other_contacts": business.other_contacts,
    }


def offer_json(user: User, row: OfferRow) -> dict[str, object]:
    offer = row.offer
    data: dict[str, object] = {
        "id": offer.id,
        "demand_id": offer.demand_id,
        "cooperative": {"id": offer.cooperative.id, "slug": offer.cooperative.slug, "name": offer.cooperative.name},
        "product_id": offer.product_id,
        "variant_id": offer.variant_id,
        "variant_name": offer.variant.name if offer.variant else None,
        "price_vnd": offer.price_vnd,
        "quantity": offer.quantity,
        "deliver_by": offer.deliver_by.isoformat(),
        "deliveries": row.deliveries,
        "total_vnd": row.total_vnd,
        "note": offer.note,
        "valid_until": offer.valid_until.isoformat() if offer.valid_until else None,
        "status": str(offer.status),
        "distance": row.distance,
        "ocop_stars": row.stars,
        "completed_orders": row.completed_orders,
        "seller_rating": row.seller_rating.as_json() if row.seller_rating else None,
        "buyer_rating": row.buyer_rating.as_json() if row.buyer_rating else None,
    }
    if contacts_visible(user, offer):
        data["seller_contact"] = seller_contact(offer)
        data["buyer_contact"] = buyer_contact(offer)
    return data
