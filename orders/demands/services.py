"""Demands and offers: post, match and notify sellers, offer, withdraw, cancel, and close those past their deadline.

Accepting an offer (which places orders) is in `acceptance.py`; the states and their moves in `states.py`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select

from catalog.models import Product, ProductStatus
from marketplace.buyers.services import ensure_verified_business
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, CooperativeStatus, Role, User
from marketplace.notify.services import tell
from marketplace.services import active_members, ensure_cooperative_verified, record_audit
from marketplace.text import as_utc, format_vnd, today_vn, utcnow
from marketplace.urls import public_url

from . import parsing
from .models import CloseReason, Demand, DemandStatus, Offer, OfferStatus
from .states import close_demand, move_offer


def _schedule(values: Mapping[str, object], errors: parsing.Errors) -> dict[str, object]:
    """A date (`needed_by`) or a weekly schedule (`weekday`, `schedule_from`, `schedule_to`)."""
    if str(values.get("weekday", "")).strip() in ("", "None"):
        needed_by = parsing.day(values, "needed_by", errors)
        if needed_by is not None and needed_by <= today_vn():
            errors["needed_by"] = [_("Ngày cần hàng phải sau hôm nay.")]
        return {"needed_by": needed_by, "weekday": None, "schedule_from": None, "schedule_to": None}
    weekday = parsing.number(values, "weekday", errors, low=0, high=6)
    start = parsing.day(values, "schedule_from", errors)
    end = parsing.day(values, "schedule_to", errors)
    if start is not None and end is not None and (end < start or start <= today_vn()):
        errors["schedule_to"] = [_("Lịch giao phải bắt đầu sau hôm nay và kết thúc sau ngày bắt đầu.")]
    return {"needed_by": None, "weekday": weekday, "schedule_from": start, "schedule_to": end}


def _deadline(values: Mapping[str, object], first_day: date | None, errors: parsing.Errors):
    """Offers are taken until the end of the day given, by default the day before the first delivery."""
    chosen = parsing.day(values, "offers_deadline", errors, required=False)
    if first_day is None:
        return None
    today = today_vn()
    chosen = chosen or max(first_day - timedelta(days=1), today)
    if chosen < today or chosen > first_day:
        errors["offers_deadline"] = [_("Hạn nhận chào hàng từ hôm nay đến ngày giao đầu tiên.")]
    return parsing.end_of_day(chosen)


def clean_demand(values: Mapping[str, object]) -> dict[str, object]:
    errors: parsing.Errors = {}
    province, commune = parsing.place(values, errors)
    category = parsing.category(values, errors)
    cleaned: dict[str, object] = {
        "title": parsing.text(values, "title", 200, errors, required=True),
        "category_id": category.id if category else None,
        "quantity": parsing.number(values, "quantity", errors, low=1, high=parsing.MAX_QUANTITY),
        "unit": parsing.text(values, "unit", 20, errors, required=True),
        "quality_note": parsing.text(values, "quality_note", 500, errors),
        "min_ocop_stars": parsing.number(values, "min_ocop_stars", errors, low=3, high=5, required=False),
        "province_code": province,
        "commune_code": commune,
        "max_price_vnd": parsing.number(
            values, "max_price_vnd", errors, low=1, high=parsing.MAX_PRICE_VND, required=False
        ),
        "note": parsing.text(values, "note", 2000, errors),
        **_schedule(values, errors),
    }
    first_day = cleaned["needed_by"] or cleaned["schedule_from"]
    cleaned["offers_deadline"] = _deadline(values, first_day, errors)  # type: ignore[arg-type]
    parsing.raise_if(errors, _("Vui lòng kiểm tra lại nhu cầu."))
    return cleaned


def post_demand(user: User, values: Mapping[str, object]) -> Demand:
    """A verified business buyer posts a demand; the matching sellers hear of it."""
    business = ensure_verified_business(user)
    demand = Demand(buyer_id=user.id, business_id=business.id, status=DemandStatus.OPEN, **clean_demand(values))
    db.session.add(demand)
    db.session.flush()
    record_audit(user, "demand.posted", "demand", demand.id)
    notify_matching_sellers(demand)
    return demand


def matching_sellers(demand: Demand) -> Select[tuple[int]]:
    """Verified sellers in the demand's province with a published product in its category (any, without one)."""
    products = select(Product.id).where(
        Product.cooperative_id == Cooperative.id, Product.status == ProductStatus.PUBLISHED
    )
    if demand.category_id is not None:
        products = products.where(Product.category_id == demand.category_id)
    return (
        select(Cooperative.id)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(
            Cooperative.status == CooperativeStatus.VERIFIED,
            Commune.province_code == demand.province_code,
            exists(products),
        )
        .order_by(Cooperative.id)
    )


def notify_matching_sellers(demand: Demand) -> int:
    """Tell every member of each matching seller, on their own channel, once per demand."""
    link = public_url("demands.demand_page", demand_id=demand.id)
    message = _(
        "Nhu cầu mua mới: %(title)s — %(quantity)s %(unit)s. Gửi chào hàng trước hạn.",
        title=demand.title,
        quantity=f"{demand.quantity:,}".replace(",", "."),
        unit=demand.unit,
    )
    told = 0
    for cooperative_id in db.session.scalars(matching_sellers(demand)):
        for member in active_members(cooperative_id):
            tell(member, "demand.posted", message, link, key=f"demand-{demand.id}")
            told += 1
    return told


def open_demand(demand_id: int) -> Demand:
    demand = db.session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(_("Không tìm thấy nhu cầu này."))
    if demand.status != DemandStatus.OPEN or as_utc(demand.offers_deadline) <= utcnow():
        raise Conflict(_("Nhu cầu này đã hết hạn nhận chào hàng."), code="demand_closed")
    return demand


def seller_cooperative(user: User) -> Cooperative:
    """The seller a user offers for: 403 for anyone else, 409 while the commune has not verified it."""
    if user.role != Role.COOPERATIVE or user.cooperative is None:
        raise Forbidden(_("Chỉ người bán (hợp tác xã) mới gửi chào hàng được."), code="not_a_seller")
    ensure_cooperative_verified(user.cooperative, _("Hợp tác xã chưa được xã xác minh nên chưa gửi chào hàng được."))
    return user.cooperative


def delivery_dates(demand: Demand, first: date) -> list[date]:
    """One date, or every scheduled weekday from the offer's first delivery to the end of the schedule."""
    if not demand.weekly:
        return [first]
    return list(_weekly(max(first, demand.schedule_from), demand.schedule_to, demand.weekday))[: parsing.MAX_DELIVERIES]


def _weekly(start: date, end: date, weekday: int) -> Iterator[date]:
    current = start + timedelta(days=(weekday - start.weekday()) % 7)
    while current <= end:
        yield current
        current += timedelta(days=7)


def _offer_item(cooperative: Cooperative, values: Mapping[str, object], errors: parsing.Errors) -> dict[str, object]:
    """The published product (and, optionally, one of its active variants) the offer comes from, or neither."""
    product_id = parsing.number(values, "product_id", errors, low=1, high=2**31 - 1, required=False)
    variant_id = parsing.number(values, "variant_id", errors, low=1, high=2**31 - 1, required=False)
    if product_id is None:
        if variant_id is not None:
            errors["variant_id"] = [_("Chọn sản phẩm trước khi chọn loại hàng.")]
        return {"product_id": None, "variant_id": None}
    product = db.session.get(Product, product_id)
    if product is None or product.cooperative_id != cooperative.id or product.status != ProductStatus.PUBLISHED:
        errors["product_id"] = [_("Chọn một sản phẩm đang bán của hợp tác xã.")]
        return {"product_id": None, "variant_id": None}
    if variant_id is not None and all(variant.id != variant_id for variant in product.active_variants):
        errors["variant_id"] = [_("Chọn một loại hàng đang bán của sản phẩm này.")]
        variant_id = None
    return {"product_id": product_id, "variant_id": variant_id}


def _offer_first_day(demand: Demand, values: Mapping[str, object], errors: parsing.Errors) -> date | None:
    first = parsing.day(values, "deliver_by", errors)
    if first is None:
        return None
    last = demand.needed_by or demand.schedule_to
    if first < today_vn() or first > last or not delivery_dates(demand, first):
        errors["deliver_by"] = [_("Ngày giao phải từ hôm nay đến %(day)s.", day=last.strftime("%d/%m/%Y"))]
    return first


def clean_offer(demand: Demand, cooperative: Cooperative, values: Mapping[str, object]) -> dict[str, object]:
    errors: parsing.Errors = {}
    ceiling = demand.max_price_vnd or parsing.MAX_PRICE_VND
    price = parsing.number(values, "price_vnd", errors, low=1, high=ceiling)
    if price is None and demand.max_price_vnd and "price_vnd" in errors:
        errors["price_vnd"] = [_("Giá không quá %(price)s mỗi %(unit)s.", price=format_vnd(ceiling), unit=demand.unit)]
    valid = parsing.day(values, "valid_until", errors, required=False)
    cleaned = {
        "price_vnd": price,
        "quantity": parsing.number(values, "quantity", errors, low=1, high=demand.quantity),
        "deliver_by": _offer_first_day(demand, values, errors),
        **_offer_item(cooperative, values, errors),
        "note": parsing.text(values, "note", 500, errors),
        "valid_until": parsing.end_of_day(valid) if valid else None,
    }
    parsing.raise_if(errors, _("Vui lòng kiểm tra lại chào hàng."))
    return cleaned


def make_offer(user: User, demand_id: int, values: Mapping[str, object]) -> Offer:
    """A verified seller answers an open demand."""
    cooperative = seller_cooperative(user)
    demand = open_demand(demand_id)
    offer = Offer(
        demand=demand, cooperative_id=cooperative.id, created_by_id=user.id, **clean_offer(demand, cooperative, values)
    )
    db.session.add(offer)
    db.session.flush()
    tell(
        demand.business.user,
        "demand.offer",
        _("Có chào hàng mới cho “%(title)s”.", title=demand.title),
        public_url("demands.demand_page", demand_id=demand.id),
        key=f"offer-{offer.id}",
    )
    return offer


def own_offer(user: User, offer_id: int) -> Offer:
    """One of the user's cooperative's offers (another's is not found)."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or user.cooperative_id is None or offer.cooperative_id != user.cooperative_id:
        raise NotFound(_("Không tìm thấy chào hàng này."))
    return offer


def withdraw_offer(user: User, offer_id: int) -> Offer:
    offer = own_offer(user, offer_id)
    move_offer(offer, OfferStatus.WITHDRAWN)
    db.session.flush()
    return offer


def own_demand(user: User, demand_id: int) -> Demand:
    demand = db.session.get(Demand, demand_id)
    if demand is None or demand.buyer_id != user.id:
        raise NotFound(_("Không tìm thấy nhu cầu này."))
    return demand


def cancel_demand(user: User, demand_id: int) -> Demand:
    demand = own_demand(user, demand_id)
    close_demand(demand, CloseReason.CANCELLED)
    db.session.flush()
    return demand


def close_past_deadline() -> int:
    """Close open demands past their deadline and expire offers past their validity; running it twice changes
    nothing more. Returns how many demands closed."""
    now = utcnow()
    demands = db.session.scalars(
        select(Demand).where(Demand.status == DemandStatus.OPEN, Demand.offers_deadline <= now).order_by(Demand.id)
    ).all()
    for demand in demands:
        close_demand(demand, CloseReason.EXPIRED)
    stale = select(Offer).where(Offer.status == OfferStatus.OPEN, Offer.valid_until <= now).order_by(Offer.id)
    for offer in db.session.scalars(stale):
        move_offer(offer, OfferStatus.EXPIRED)
    db.session.flush()
    return len(demands)
