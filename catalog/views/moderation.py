"""Commune review queue: staff see their commune's pending products and revisions; admin sees all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from catalog import services
from catalog.models import ProductRevision, ReasonText
from catalog.queries import get_product, pending_reviews
from marketplace.errors import Conflict, DomainError, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.permissions import require_roles
from marketplace.services import record_audit
from marketplace.text import clean_text

bp = Blueprint("moderation", __name__, url_prefix="/commune/review")


def _reasons() -> list:
    query = select(ReasonText).order_by(ReasonText.text)
    if current_user.role == Role.COMMUNE_STAFF:
        query = query.where(
            or_(ReasonText.commune_code.is_(None), ReasonText.commune_code == current_user.commune_code)
        )
    return list(db.session.scalars(query))


def _product(product_id: int):
    product = get_product(product_id)
    services.ensure_reviewer(current_user, product)
    return product


def _revision(revision_id: int):
    revision = db.session.get(ProductRevision, revision_id)
    if revision is None:
        raise NotFound(_("Không tìm thấy bản chỉnh sửa."))
    services.ensure_reviewer(current_user, revision.product)
    return revision


def _reason_text() -> str:
    """The typed reason, or the chosen reusable one."""
    typed = clean_text(request.form.get("reason")) or ""
    if typed:
        return typed
    chosen = request.form.get("reason_id", type=int)
    row = db.session.get(ReasonText, chosen) if chosen else None
    return row.text if row else ""


def _seen_version() -> int:
    """The product version the review page showed (its approve form always sends it)."""
    seen = request.form.get("version", type=int)
    if seen is None:
        raise Conflict(services.stale_review_message(), code="stale_version")
    return seen


@bp.get("/")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def queue():
    commune = request.args.get("commune", type=int) if current_user.is_admin else None
    products, revisions = pending_reviews(current_user, commune)
    return render_template("marketplace/review.html", products=products, revisions=revisions, reasons=_reasons())


@bp.get("/products/<int:product_id>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def product(product_id: int):
    return render_template("marketplace/review_product.html", product=_product(product_id), reasons=_reasons())


@bp.post("/products/<int:product_id>/<any(approve, reject):decision>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def decide_product(product_id: int, decision: str):
    found = _product(product_id)
    try:
        if decision == "approve":
            services.approve_product(current_user, found, _seen_version())
        else:
            services.reject_product(current_user, found, _reason_text())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("moderation.product", product_id=product_id))
    db.session.commit()
    flash(
        _("Đã duyệt “%(name)s”.", name=found.name)
        if decision == "approve"
        else _("Đã từ chối “%(name)s”.", name=found.name),
        "success",
    )
    return redirect(url_for("moderation.queue"))


@bp.get("/revisions/<int:revision_id>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def revision(revision_id: int):
    found = _revision(revision_id)
    return render_template(
        "marketplace/review_revision.html", revision=found, rows=services.diff_rows(found), reasons=_reasons()
    )


@bp.post("/revisions/<int:revision_id>/<any(approve, reject):decision>")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def decide_revision(revision_id: int, decision: str):
    found = _revision(revision_id)
    try:
        if decision == "approve":
            services.approve_revision(current_user, found, _seen_version())
        else:
            services.reject_revision(current_user, found, _reason_text())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("moderation.revision", revision_id=revision_id))
    db.session.commit()
    flash(_("Đã xử lý bản chỉnh sửa."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/reasons")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def add_reason():
    text = clean_text(request.form.get("text")) or ""
    try:
        if not 5 <= len(text) <= 300:
            raise ValidationFailed(_("Lý do mẫu cần từ 5 đến 300 ký tự."))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("moderation.queue"))
    reason = ReasonText(text=text, commune_code=current_user.commune_code)
    db.session.add(reason)
    db.session.flush()
    record_audit(current_user, "reason.added", "reason_text", reason.id, commune_code=reason.commune_code, text=text)
    db.session.commit()
    flash(_("Đã thêm lý do mẫu."), "success")
    return redirect(url_for("moderation.queue"))
