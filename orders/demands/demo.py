"""Demo: the school kitchen `bep@demo.ocop.vn` needs 30 kg of fresh vegetables every Monday for twenty weeks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from catalog.models import Category
from marketplace.buyers.services import business_of
from marketplace.extensions import db
from marketplace.services import find_user_by_email
from marketplace.text import today_vn

from .models import Demand, DemandStatus
from .parsing import end_of_day

KITCHEN_EMAIL = "bep@demo.ocop.vn"
TITLE = "Rau ăn lá và bí ngòi cho bếp bán trú"


def seed_demo_demand() -> dict[str, int]:
    """Idempotent: one open weekly demand for the demo kitchen, added once."""
    user = find_user_by_email(KITCHEN_EMAIL)
    business = business_of(user)
    if business is None or db.session.scalar(select(Demand.id).where(Demand.buyer_id == user.id)) is not None:
        return {"nhu cầu mẫu": 0}
    today = today_vn()
    start = today + timedelta(days=7 - today.weekday())  # next Monday
    db.session.add(
        Demand(
            buyer_id=user.id,
            business_id=business.id,
            title=TITLE,
            category_id=db.session.scalar(select(Category.id).where(Category.slug == "nong-san-tuoi")),
            quantity=30,
            unit="kg",
            quality_note="VietGAP; rau tươi hái trong ngày",
            province_code=business.commune.province_code,
            commune_code=business.commune_code,
            weekday=0,
            schedule_from=start,
            schedule_to=start + timedelta(weeks=20),
            max_price_vnd=35_000,
            offers_deadline=end_of_day(start - timedelta(days=1)),
            status=DemandStatus.OPEN,
        )
    )
    db.session.flush()
    return {"nhu cầu mẫu": 1}
