"""Commune workspace pages: the dashboard, sellers' applications (verify or reject) and the Excel report for the province."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace import services
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.models import Commune, Cooperative, Province, Role
from marketplace.permissions import require_roles
from marketplace.sellers import bank
from marketplace.sellers import services as sellers
from marketplace.text import display_phone, today_vn
from marketplace.urls import public_url
from workspace import dashboard_cache, reports, stats, supply_export, todo
from workspace.scope import Scope, parse_period, resolve_scope

bp = Blueprint("workspace", __name__, url_prefix="/commune")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_and_period():
    scope = resolve_scope(current_user, request.args.get("commune"), request.args.get("province"))
    today = today_vn()
    return scope, parse_period(request.args.get("from"), request.args.get("to"), today), today


def _picker(scope: Scope) -> dict:
    """Province and commune choices for admin (staff see only their own commune)."""
    if not current_user.is_admin:
        return {}
    province_code = scope.province_code
    if scope.commune_code is not None:
        province_code = db.session.get(Commune, scope.commune_code).province_code
    communes = []
    if province_code is not None:
        communes = db.session.scalars(
            select(Commune).where(Commune.province_code == province_code).order_by(Commune.name)
        ).all()
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    return {"provinces": provinces, "communes": communes, "picked_province": province_code}


def _review_url() -> str | None:
    return url_for("moderation.queue") if "moderation.queue" in current_app.view_functions else None


@bp.get("/")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def dashboard():
    scope, period, today = _scope_and_period()
    return render_template(
        "workspace/dashboard.html",
        scope=scope,
        period=period,
        figures_html=dashboard_cache.figures_html(scope, period, today),
        cards=todo.commune_cards(current_user, scope, today, _review_url()),
        waiting=stats.cooperatives_waiting(scope),
        args={**scope.query_args, **period.query_args},
        **_picker(scope),
    )


@bp.get("/cooperatives/<int:cooperative_id>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def application(cooperative_id: int):
    """A seller's application with its certificate photos, to verify or reject (staff of its commune, admin)."""
    cooperative = sellers.find_for_staff(current_user, cooperative_id=cooperative_id)
    return render_template(
        "workspace/application.html",
        cooperative=cooperative,
        kind_label=sellers.kind_label,
        status_label=sellers.status_label,
        reason=request.args.get("reason", ""),
    )


@bp.post("/cooperatives/<int:cooperative_id>/verify")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def verify(cooperative_id: int):
    cooperative = db.session.get(Cooperative, cooperative_id)
    if cooperative is None:
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    verified = request.form.get("verified", "1") != "0"
    if verified:
        sellers.verify(current_user, cooperative)
    else:
        services.verify_cooperative(current_user, cooperative, verified)
    db.session.commit()
    if verified:
        flash(_("Đã xác minh %(name)s.", name=cooperative.name), "success")
    else:
        flash(_("Đã bỏ xác minh %(name)s.", name=cooperative.name), "info")
    return redirect(_back_to_dashboard())


@bp.post("/cooperatives/<int:cooperative_id>/invite-owner")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def invite_owner(cooperative_id: int):
    """Invite the seller's owner by e-mail or mobile number (a text with the link; accepting needs that phone's code)."""
    cooperative = sellers.find_for_staff(current_user, cooperative_id=cooperative_id)
    try:
        invitation = services.invite_owner(
            current_user,
            cooperative,
            request.form.get("contact", ""),
            lambda token: public_url("main.accept_invitation", token=token),
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        to = invitation.email or display_phone(invitation.phone)
        flash(_("Đã gửi lời mời làm chủ gian hàng tới %(to)s.", to=to), "success")
    return redirect(url_for("workspace.application", cooperative_id=cooperative_id))


@bp.post("/cooperatives/<int:cooperative_id>/reject")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def reject(cooperative_id: int):
    """Reject a pending application with a reason (required: the page comes back with the message without one)."""
    cooperative = sellers.find_for_staff(current_user, cooperative_id=cooperative_id)
    reason = request.form.get("reason", "")
    try:
        sellers.reject(current_user, cooperative, reason)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        cooperative = db.session.get(Cooperative, cooperative_id)
        page = render_template(
            "workspace/application.html",
            cooperative=cooperative,
            kind_label=sellers.kind_label,
            status_label=sellers.status_label,
            reason=reason,
        )
        return page, error.status
    db.session.commit()
    flash(_("Đã từ chối hồ sơ %(name)s; người nộp đã được báo lý do.", name=cooperative.name), "info")
    return redirect(_back_to_dashboard())


def _back_to_dashboard() -> str:
    args = {k: v for k, v in request.form.items() if k in ("commune", "province", "from", "to") and v}
    return url_for("workspace.dashboard", **args)


@bp.get("/bank-changes")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def bank_changes():
    """Sellers of the commune (admin: all) asking to be paid into another account: compare, confirm or reject."""
    changes = db.session.scalars(bank.pending_changes_for(current_user).limit(200)).all()
    return render_template("workspace/bank_changes.html", changes=changes)


@bp.post("/bank-changes/<int:cooperative_id>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def decide_bank_change(cooperative_id: int):
    cooperative = db.session.get(Cooperative, cooperative_id)
    if cooperative is None:
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    verified = request.form.get("decision") == "verify"
    try:
        bank.decide_bank_change(current_user, cooperative, verified, request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        if verified:
            flash(_("Đã xác nhận tài khoản nhận tiền mới của %(name)s.", name=cooperative.name), "success")
        else:
            flash(_("Đã từ chối đổi tài khoản của %(name)s.", name=cooperative.name), "info")
    return redirect(url_for("workspace.bank_changes"))


@bp.get("/report.xlsx")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def report():
    scope, period, today = _scope_and_period()
    content = reports.build_report(scope, period, today)
    filename = f"bao-cao-ocop-{reports.scope_slug(scope)}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/cung-cau.<any(xlsx, csv):extension>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def supply_export_file(extension: str):
    """The supply-and-demand export for the province's software (column layout in docs/features.md)."""
    scope, _period, today = _scope_and_period()
    name = f"cung-cau-{reports.scope_slug(scope)}-{today:%Y%m%d}"
    if extension == "csv":
        sheet = request.args.get("sheet", "sellers")
        content, mimetype, name = supply_export.csv_sheet(scope, sheet), "text/csv; charset=utf-8", f"{name}-{sheet}"
    else:
        content, mimetype = supply_export.workbook(scope), XLSX
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"', "Cache-Control": "no-store"},
    )
