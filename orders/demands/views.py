"""Pages: `/nhu-cau` (open demands, public), a demand's page (offer form, side-by-side offers, acceptance), posting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import Category, Product, ProductStatus
from marketplace.buyers.services import business_of
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.models import Province

from ..payments import enabled_gateways
from . import acceptance, queries, services, supply
from .models import Demand, Offer

bp = Blueprint("demands", __name__)
WEEKDAYS = (_l("Thứ Hai"), _l("Thứ Ba"), _l("Thứ Tư"), _l("Thứ Năm"), _l("Thứ Sáu"), _l("Thứ Bảy"), _l("Chủ nhật"))


def _filters() -> dict[str, object]:
    return {
        "provinces": db.session.scalars(select(Province).order_by(Province.name)).all(),
        "categories": db.session.scalars(select(Category).order_by(Category.name)).all(),
    }


@bp.get("/nhu-cau")
def demand_list():
    """Open demands, filtered by province and category; no buyer's name or contact."""
    province = request.args.get("province", type=int)
    category = request.args.get("category") or None
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total, counts = queries.page_of(queries.public_filter(province, category), page)
    return render_template(
        "orders/demands/list.html",
        rows=rows,
        total=total,
        counts=counts,
        page=page,
        pages=-(-total // queries.PAGE_SIZE),
        province=province,
        category=category,
        weekdays=WEEKDAYS,
        **_filters(),
    )


def _viewer_context(demand: Demand) -> dict[str, object]:
    """What the signed-in viewer may see and do on the demand's page."""
    if not current_user.is_authenticated:
        return {"rows": [], "is_owner": False, "products": []}
    is_owner = demand.buyer_id == current_user.id
    offers = acceptance.offers_for(current_user, demand.id)[1] if is_owner or current_user.cooperative_id else []
    products = (
        db.session.scalars(
            select(Product)
            .where(Product.cooperative_id == current_user.cooperative_id, Product.status == ProductStatus.PUBLISHED)
            .options(selectinload(Product.variants))
            .order_by(Product.name)
        ).all()
        if current_user.cooperative_id
        else []
    )
    return {"rows": acceptance.compare_offers(demand, offers), "is_owner": is_owner, "products": products}


def _render_demand(demand: Demand, errors: dict | None = None, values: dict | None = None, status: int = 200):
    page = render_template(
        "orders/demands/demand.html",
        demand=demand,
        errors=errors or {},
        values=values or {},
        weekdays=WEEKDAYS,
        gateways=enabled_gateways(),
        seasonal=supply.supply_for(demand),
        contacts_visible=acceptance.contacts_visible,
        **_viewer_context(demand),
    )
    return page, status


@bp.get("/nhu-cau/<int:demand_id>")
def demand_page(demand_id: int):
    demand = db.session.get(Demand, demand_id)
    if demand is None:
        raise NotFound(_("Không tìm thấy nhu cầu này."))
    return _render_demand(demand)


@bp.route("/nhu-cau/dang", methods=["GET", "POST"])
@login_required
def new_demand():
    """Post a demand; anyone but a verified business buyer is told how to become one (403)."""
    business = business_of(current_user)
    if business is None or not business.verified:
        return render_template("orders/demands/not_business.html", business=business), 403
    values, errors, status = {"province": business.commune.province_code}, {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            demand = services.post_demand(current_user, values)
        except DomainError as error:
            db.session.rollback()
            errors, status = error.extra.get("fields") or {}, error.status
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã đăng nhu cầu; người bán phù hợp đã được báo."), "success")
            return redirect(url_for("demands.demand_page", demand_id=demand.id))
    page = render_template("orders/demands/new.html", values=values, errors=errors, weekdays=WEEKDAYS, **_filters())
    return page, status


def _offer_form_values() -> dict[str, str]:
    """The form's values; its one product list sends "product" or "product:variant", the service takes both apart."""
    values = request.form.to_dict()
    product, _sep, variant = str(values.get("product_id") or "").partition(":")
    return {**values, "product_id": product, "variant_id": variant, "item": values.get("product_id", "")}


@bp.post("/nhu-cau/<int:demand_id>/chao-hang")
@login_required
def offer(demand_id: int):
    values = _offer_form_values()
    try:
        services.make_offer(current_user, demand_id, values)
    except DomainError as error:
        db.session.rollback()
        if error.status != 422:
            raise
        flash(error.message, "error")
        return _render_demand(db.session.get(Demand, demand_id), error.extra.get("fields"), values, 422)
    db.session.commit()
    flash(_("Đã gửi chào hàng."), "success")
    return redirect(url_for("demands.demand_page", demand_id=demand_id))


@bp.post("/chao-hang/<int:offer_id>/rut")
@login_required
def withdraw(offer_id: int):
    offer = services.withdraw_offer(current_user, offer_id)
    db.session.commit()
    flash(_("Đã rút chào hàng."), "success")
    return redirect(url_for("demands.demand_page", demand_id=offer.demand_id))


def _shipping_of_business() -> dict[str, object]:
    business = business_of(current_user)
    if business is None:
        return {}
    return {
        "name": business.contact_name,
        "phone": business.contact_phone,
        "address": f"{business.organisation_name}, {business.address}",
        "commune": business.commune_code,
    }


@bp.post("/chao-hang/<int:offer_id>/nhan")
@login_required
def accept(offer_id: int):
    """Accept an offer; the orders go to the business's delivery address, paid the way chosen."""
    orders = acceptance.accept_offer(
        current_user,
        offer_id,
        request.form.get("payment_method", ""),
        _shipping_of_business(),
        request.form.get("key", ""),
    )
    demand_id = db.session.get(Offer, offer_id).demand_id
    db.session.commit()
    flash(_("Đã nhận chào hàng: %(n)d đơn hàng đã được tạo.", n=len(orders)), "success")
    return redirect(url_for("demands.demand_page", demand_id=demand_id))


@bp.post("/nhu-cau/<int:demand_id>/huy")
@login_required
def cancel(demand_id: int):
    services.cancel_demand(current_user, demand_id)
    db.session.commit()
    flash(_("Đã huỷ nhu cầu."), "success")
    return redirect(url_for("demands.demand_page", demand_id=demand_id))


@bp.post("/chao-hang/<int:offer_id>/danh-gia")
@login_required
def rate(offer_id: int):
    rating = acceptance.rate(
        current_user, offer_id, request.form.get("stars", 0, type=int), request.form.get("comment", "")
    )
    demand_id = db.session.get(Offer, rating.offer_id).demand_id
    db.session.commit()
    flash(_("Cảm ơn bạn đã đánh giá."), "success")
    return redirect(url_for("demands.demand_page", demand_id=demand_id))


@bp.route("/nhu-cau/mua-vu", methods=["GET", "POST"])
@login_required
def seasonal_supply():
    """A seller's coming harvests: declare one, see and remove its own."""
    cooperative = services.seller_cooperative(current_user)
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            supply.declare_supply(current_user, values)
        except DomainError as error:
            db.session.rollback()
            errors, status = error.extra.get("fields") or {}, error.status
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Đã lưu nguồn hàng theo mùa."), "success")
            return redirect(url_for("demands.seasonal_supply"))
    page = render_template(
        "orders/demands/seasonal.html",
        supplies=supply.supplies_of(cooperative.id),
        values=values,
        errors=errors,
        **_filters(),
    )
    return page, status


@bp.post("/nhu-cau/mua-vu/<int:supply_id>/xoa")
@login_required
def remove_seasonal_supply(supply_id: int):
    supply.remove_supply(current_user, supply_id)
    db.session.commit()
    flash(_("Đã xoá nguồn hàng."), "success")
    return redirect(url_for("demands.seasonal_supply"))
