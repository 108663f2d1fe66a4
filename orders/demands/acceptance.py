"""The buyer's side of offers: compare them, accept (orders at the offered price, one per delivery date), rate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, User
from marketplace.notify.services import tell
from marketplace.text import as_utc, clean_text, utcnow
from marketplace.urls import public_url

from ..checkout import checkout
from ..models import Order, OrderStatus
from .models import CloseReason, Demand, DemandStatus, Offer, OfferOrder, OfferStatus, Rating, RatingSide
from .ratings import RatingSummary, buyer_ratings, seller_ratings
from .services import delivery_dates
from .states import close_demand, move_offer

DONE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


@dataclass(frozen=True)
class OfferRow:
    """One column of the side-by-side comparison."""

    offer: Offer
    distance: str  # "commune" | "province" | "other"
    stars: int
    completed_orders: int
    deliveries: int
    seller_rating: RatingSummary | None = None  # what buyers gave the seller after delivery
    buyer_rating: RatingSummary | None = None  # what sellers gave the demand's buyer

    @property
    def total_vnd(self) -> int:
        return self.offer.price_vnd * self.offer.quantity * self.deliveries


def distance(demand: Demand, cooperative: Cooperative) -> str:
    if demand.commune_code is not None and cooperative.commune_code == demand.commune_code:
        return "commune"
    return "province" if cooperative.commune.province_code == demand.province_code else "other"


def completed_orders(cooperative_ids: list[int]) -> dict[int, int]:
    """Delivered or completed orders per seller, in one query."""
    rows = db.session.execute(
        select(Order.cooperative_id, func.count(Order.id))
        .where(Order.cooperative_id.in_(cooperative_ids), Order.status.in_(DONE))
        .group_by(Order.cooperative_id)
    )
    return dict(rows.tuples().all())


def compare_offers(demand: Demand, offers: list[Offer]) -> list[OfferRow]:
    """Offers with what the buyer weighs (price, quantity, distance, OCOP stars, the seller's completed orders and
    rating), and the buyer's own rating that the sellers see."""
    sellers = sorted({offer.cooperative_id for offer in offers})
    done, rated = completed_orders(sellers), seller_ratings(sellers)
    buyer = buyer_ratings([demand.buyer_id]).get(demand.buyer_id) if offers else None
    return [
        OfferRow(
            offer,
            distance(demand, offer.cooperative),
            offer.product.valid_stars() if offer.product else 0,
            done.get(offer.cooperative_id, 0),
            len(delivery_dates(demand, offer.deliver_by)),
            rated.get(offer.cooperative_id),
            buyer,
        )
        for offer in sorted(offers, key=lambda o: (o.status != OfferStatus.OPEN, o.price_vnd, o.id))
    ]


def offers_for(user: User, demand_id: int) -> tuple[Demand, list[Offer]]:
    """The demand's owner sees every offer, a seller its own; anyone else is refused."""
    demand = db.session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(_("Không tìm thấy nhu cầu này."))
    if demand.buyer_id == user.id:
        return demand, list(demand.offers)
    if user.cooperative_id is not None:
        return demand, [offer for offer in demand.offers if offer.cooperative_id == user.cooperative_id]
    raise Forbidden(_("Chỉ người đăng nhu cầu và người bán đã chào hàng xem được các chào hàng."))


def _owned_offer(user: User, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.demand.buyer_id != user.id:
        raise NotFound(_("Không tìm thấy chào hàng này."))
    return offer


def accepted_quantity(demand: Demand) -> int:
    return sum(offer.quantity for offer in demand.offers if offer.status == OfferStatus.ACCEPTED)


def _check_acceptable(offer: Offer) -> None:
    demand = offer.demand
    if demand.status != DemandStatus.OPEN:
        raise Conflict(_("Nhu cầu này đã đóng."), code="demand_closed")
    if offer.status != OfferStatus.OPEN or (offer.valid_until and as_utc(offer.valid_until) <= utcnow()):
        raise Conflict(_("Chào hàng này không còn mở."), code="offer_not_open")
    if offer.product_id is None:
        raise Conflict(
            _("Chào hàng chưa gắn với sản phẩm đang bán; hãy nhờ người bán gửi lại chào hàng kèm sản phẩm."),
            code="offer_without_product",
        )
    if accepted_quantity(demand) + offer.quantity > demand.quantity:
        raise Conflict(_("Nhận chào hàng này sẽ vượt số lượng cần."), code="over_quantity")


def accept_offer(
    user: User, offer_id: int, payment_method: str, shipping: Mapping[str, object], key: str = ""
) -> list[Order]:
    """Accept an offer: through checkout, one order per delivery date at the offered price and quantity.
    The demand closes as filled when the accepted offers cover it."""
    offer = _owned_offer(user, offer_id)
    _check_acceptable(offer)
    orders: list[Order] = []
    for day in delivery_dates(offer.demand, offer.deliver_by):
        note = _("Giao ngày %(day)s theo nhu cầu #%(id)d.", day=day.strftime("%d/%m/%Y"), id=offer.demand_id)
        placed = checkout(
            user,
            [(offer.product_id, offer.quantity, offer.variant_id)],
            payment_method,
            {**shipping, "note": f"{note} {shipping.get('note') or ''}".strip()},
            f"offer-{offer.id}-{day.isoformat()}-{key}"[:100],
            negotiated_prices={offer.product_id: offer.price_vnd},
        )
        for order in placed.orders:
            db.session.add(OfferOrder(offer_id=offer.id, order_id=order.id, delivery_date=day))
            orders.append(order)
    move_offer(offer, OfferStatus.ACCEPTED)
    if accepted_quantity(offer.demand) >= offer.demand.quantity:
        close_demand(offer.demand, CloseReason.FILLED)
    db.session.flush()
    _tell_seller(offer, len(orders))
    return orders


def _tell_seller(offer: Offer, order_count: int) -> None:
    message = _("Chào hàng cho “%(title)s” đã được nhận: %(n)d đơn hàng mới.", title=offer.demand.title, n=order_count)
    link = public_url("demands.demand_page", demand_id=offer.demand_id)
    for member in offer.cooperative.members:
        if member.active:
            tell(member, "demand.accepted", message, link, key=f"accepted-{offer.id}")


def contacts_visible(user: User, offer: Offer) -> bool:
    """Both sides see each other's contact details once the offer is accepted, never before."""
    mine = offer.demand.buyer_id == user.id or offer.cooperative_id == user.cooperative_id
    return mine and offer.status == OfferStatus.ACCEPTED


def delivered(offer: Offer) -> bool:
    statuses = db.session.scalars(
        select(Order.status).join(OfferOrder, OfferOrder.order_id == Order.id).where(OfferOrder.offer_id == offer.id)
    ).all()
    return any(status in DONE for status in statuses)


def rate(user: User, offer_id: int, stars: int, comment: str = "") -> Rating:
    """After a delivery, the buyer rates the seller and the seller the buyer, once each."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound(_("Không tìm thấy chào hàng này."))
    if offer.demand.buyer_id == user.id:
        side = RatingSide.BUYER
    elif user.cooperative_id is not None and offer.cooperative_id == user.cooperative_id:
        side = RatingSide.SELLER
    else:
        raise NotFound(_("Không tìm thấy chào hàng này."))
    if not delivered(offer):
        raise Conflict(_("Chỉ đánh giá được sau khi đã giao hàng."), code="not_delivered")
    if db.session.scalar(select(Rating.id).where(Rating.offer_id == offer.id, Rating.side == side)) is not None:
        raise Conflict(_("Bạn đã đánh giá rồi."), code="already_rated")
    if not 1 <= stars <= 5:
        raise ValidationFailed(_("Chọn từ 1 đến 5 sao."), fields={"stars": [_("Chọn từ 1 đến 5 sao.")]})
    rating = Rating(
        offer_id=offer.id, side=side, rater_id=user.id, stars=stars, comment=(clean_text(comment) or "")[:500]
    )
    db.session.add(rating)
    db.session.flush()
    return rating
