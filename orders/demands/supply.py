"""Seasonal supply: a seller declares what it expects to harvest and when; demands show the supply that fits them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, User
from marketplace.text import today_vn

from . import parsing
from .models import Demand, SeasonalSupply
from .services import seller_cooperative


def clean_supply(values: Mapping[str, object]) -> dict[str, object]:
    errors: parsing.Errors = {}
    category = parsing.category(values, errors)
    start = parsing.day(values, "harvest_from", errors)
    end = parsing.day(values, "harvest_to", errors)
    if start and end and (end < start or end < today_vn()):
        errors["harvest_to"] = [_("Thu hoạch phải kết thúc sau ngày bắt đầu và chưa qua.")]
    cleaned = {
        "title": parsing.text(values, "title", 200, errors, required=True),
        "category_id": category.id if category else None,
        "quantity": parsing.number(values, "quantity", errors, low=1, high=parsing.MAX_QUANTITY),
        "unit": parsing.text(values, "unit", 20, errors, required=True),
        "harvest_from": start,
        "harvest_to": end,
        "note": parsing.text(values, "note", 500, errors),
    }
    parsing.raise_if(errors, _("Vui lòng kiểm tra lại nguồn hàng theo mùa."))
    return cleaned


def declare_supply(user: User, values: Mapping[str, object]) -> SeasonalSupply:
    """A verified seller announces a coming harvest."""
    cooperative = seller_cooperative(user)
    supply = SeasonalSupply(cooperative_id=cooperative.id, **clean_supply(values))
    db.session.add(supply)
    db.session.flush()
    return supply


def supplies_of(cooperative_id: int) -> list[SeasonalSupply]:
    query = select(SeasonalSupply).where(SeasonalSupply.cooperative_id == cooperative_id)
    return list(db.session.scalars(query.order_by(SeasonalSupply.harvest_from, SeasonalSupply.id)))


def remove_supply(user: User, supply_id: int) -> None:
    supply = db.session.get(SeasonalSupply, supply_id)
    if supply is None or user.cooperative_id is None or supply.cooperative_id != user.cooperative_id:
        raise NotFound(_("Không tìm thấy nguồn hàng này."))
    db.session.delete(supply)
    db.session.flush()


def supply_for(demand: Demand) -> list[SeasonalSupply]:
    """Verified sellers' coming harvests in the demand's province and category whose season meets its dates."""
    first = demand.needed_by or demand.schedule_from
    last = demand.needed_by or demand.schedule_to
    query = (
        select(SeasonalSupply)
        .join(Cooperative, Cooperative.id == SeasonalSupply.cooperative_id)
        .join(Commune, Commune.code == Cooperative.commune_code)
        .where(
            Cooperative.verified,
            Commune.province_code == demand.province_code,
            SeasonalSupply.harvest_from <= last,
            SeasonalSupply.harvest_to >= max(first - timedelta(days=30), today_vn()),
        )
    )
    if demand.category_id is not None:
        query = query.where(SeasonalSupply.category_id == demand.category_id)
    return list(db.session.scalars(query.order_by(SeasonalSupply.harvest_from).limit(20)))
