"""Demand factories: a business buyer (verified unless asked), a demand through the service, an offer."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from catalog.models import Category
from marketplace.buyers.models import BusinessBuyer, BusinessKind, BusinessStatus
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.text import today_vn
from orders.demands import services
from orders.demands.models import Demand, Offer
from tests.factories import LIEN_SON, make_product, make_user

_seq = itertools.count(1)


def category_id(slug: str = "nong-san-tuoi") -> int:
    return db.session.scalar(select(Category.id).where(Category.slug == slug))


def make_business(user: User | None = None, status: BusinessStatus = BusinessStatus.VERIFIED, **overrides) -> User:
    """A buyer account with a business profile in Liên Sơn (Phú Thọ); returns the account."""
    user = user or make_user(Role.BUYER)
    n = next(_seq)
    fields = {
        "organisation_name": f"Bếp ăn Trường Tiểu học số {n}",
        "kind": BusinessKind.SCHOOL_KITCHEN,
        "tax_number": f"26{n:08d}",
        "commune_code": LIEN_SON,
        "address": "Thôn Đồng Chằm",
        "contact_name": "Phạm Thị Lan",
        "contact_phone": "0912000005",
        "status": status,
    }
    fields.update(overrides)
    db.session.add(BusinessBuyer(user_id=user.id, **fields))
    db.session.flush()
    return user


def demand_values(**overrides) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "Rau cải ngọt",
        "category": "nong-san-tuoi",
        "quantity": 30,
        "unit": "kg",
        "needed_by": (today_vn() + timedelta(days=10)).isoformat(),
        "province": 25,  # Phú Thọ
        "max_price_vnd": 40_000,
    }
    values.update(overrides)
    return values


def weekly_values(weeks: int = 3, **overrides) -> dict[str, object]:
    """Every Monday for `weeks` weeks, starting next Monday at least a week away."""
    start = today_vn() + timedelta(days=7 + (7 - today_vn().weekday()) % 7)
    values = demand_values(needed_by=None, weekday=0, schedule_from=start.isoformat())
    values["schedule_to"] = (start + timedelta(weeks=weeks - 1)).isoformat()
    values.update(overrides)
    return values


def make_demand(buyer: User | None = None, **overrides) -> Demand:
    return services.post_demand(buyer or make_business(), demand_values(**overrides))


def make_offer(demand: Demand, seller: User, **overrides) -> Offer:
    product = overrides.pop("product", None) or make_product(
        seller.cooperative, category_id=category_id(), stock=500, price_vnd=45_000
    )
    values = {
        "price_vnd": 30_000,
        "quantity": 20,
        "deliver_by": (demand.needed_by or demand.schedule_from).isoformat(),
        "product_id": product.id,
    }
    values.update(overrides)
    return services.make_offer(seller, demand.id, values)
