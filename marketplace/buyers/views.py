"""Pages: a buyer applies as a business (`/doanh-nghiep`); admin and commune staff verify (`/doanh-nghiep/xac-minh`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..models import Province, Role
from ..permissions import require_roles
from ..units import search_communes
from . import services
from .models import KIND_LABELS

bp = Blueprint("buyers", __name__)


def _profile_values(business) -> dict[str, object]:
    if business is None:
        return {"contact_name": current_user.full_name}
    fields = ("organisation_name", "kind", "tax_number", "address", "contact_name", "contact_email", "other_contacts")
    values: dict[str, object] = {name: getattr(business, name) or "" for name in fields}
    values.update(kind=str(business.kind), contact_phone=business.contact_phone, commune=business.commune_code)
    return values


def _unit_choices(values: dict[str, object]) -> dict[str, object]:
    commune = int(values["commune"]) if str(values.get("commune") or "").isdigit() else None
    province = request.form.get("province", type=int)
    if province is None and commune:
        province = services.province_of_commune(commune)
    return {
        "provinces": db.session.scalars(select(Province).order_by(Province.name)).all(),
        "communes": search_communes(db.session, province, limit=600) if province else [],
        "province_code": province,
        "commune_code": commune,
    }


@bp.route("/doanh-nghiep", methods=["GET", "POST"])
@login_required
def apply():
    """The account's business profile: apply, correct and resubmit; shows where verification stands."""
    business = services.business_of(current_user)
    values, errors, status = _profile_values(business), {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        if request.form.get("action") != "pick":
            try:
                services.apply_as_business(current_user, values)
            except DomainError as error:
                db.session.rollback()
                errors, status = error.extra.get("fields") or {}, error.status
                flash(error.message, "error")
            else:
                db.session.commit()
                flash(_("Đã gửi hồ sơ; xã sẽ xác minh trong vài ngày làm việc."), "success")
                return redirect(url_for("buyers.apply"))
    page = render_template(
        "marketplace/buyers/apply.html",
        business=business,
        values=values,
        errors=errors,
        kinds=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        can_apply=current_user.role == Role.BUYER,
        **_unit_choices(values),
    )
    return page, status


@bp.get("/doanh-nghiep/xac-minh")
@require_roles(Role.ADMIN, Role.COMMUNE_STAFF)
def applications():
    rows = db.session.scalars(services.applications_for(current_user).limit(200)).all()
    return render_template("marketplace/buyers/applications.html", rows=rows)


@bp.post("/doanh-nghiep/<int:business_id>/xac-minh")
@require_roles(Role.ADMIN, Role.COMMUNE_STAFF)
def decide(business_id: int):
    business = services.application(current_user, business_id)
    try:
        services.decide_business(
            current_user, business, request.form.get("decision") == "verify", request.form.get("reason", "")
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("buyers.applications")), 303
    db.session.commit()
    flash(_("Đã lưu quyết định."), "success")
    return redirect(url_for("buyers.applications"))
