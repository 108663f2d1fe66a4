"""Cooperative screens for a phone in the field: batch list, new batch, batch detail, add an event in three taps.

Commune staff see their commune's batches read-only. Forms keep a draft in the browser (static/js/app.js) and
retry a submit through a dropped connection (static/js/photos.js); the hidden client token makes a repeated
submit return the first batch or event instead of making a second one.
"""

from __future__ import annotations

import secrets

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.images import read_upload
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.permissions import require_roles
from marketplace.text import today_vn, utcnow
from traceability import services
from traceability.export import epcis_document
from traceability.models import Batch, Label, Stage, TraceEvent
from traceability.queries import batches_visible_to, get_managed_batch, get_visible_batch, products_for_batches
from traceability.stages import STAGE_NAMES
from traceability.validation import KNOWN_CERTIFICATIONS

from .blueprint import bp

PER_PAGE = 20
VIEWERS = (Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN)
BATCH_FIELDS = ("product_id", "lot", "harvested_on", "expires_on", "quantity", "unit", "inputs", "standards")
EVENT_FIELDS = ("stage", "occurred_at", "place", "note", "input_name", "withholding_days", "corrects")


def _photo_uploads() -> list[bytes]:
    return [read_upload(f.stream) for f in request.files.getlist("photo") if f and f.filename][:4]


@bp.get("/cooperative/batches")
@require_roles(*VIEWERS)
def batches():
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1000))
    query = (
        batches_visible_to(current_user)
        .options(selectinload(Batch.product), selectinload(Batch.events))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template(
        "traceability/batches.html",
        batches=pagination.items,
        page=page,
        pages=max(1, pagination.pages),
        stage_names=STAGE_NAMES,
        can_write=current_user.role == Role.COOPERATIVE,
    )


def _render_batch_form(values: dict, errors: dict | None = None, status: int = 200):
    return (
        render_template(
            "traceability/batch_form.html",
            values=values,
            errors=errors or {},
            products=products_for_batches(current_user),
            certifications=KNOWN_CERTIFICATIONS,
            token=secrets.token_urlsafe(24),
        ),
        status,
    )


@bp.route("/cooperative/batches/new", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def new_batch():
    if request.method == "GET":
        return _render_batch_form({"harvested_on": today_vn().isoformat()})
    values = {k: request.form.get(k, "") for k in BATCH_FIELDS}
    values["certifications"] = request.form.getlist("certifications")
    try:
        batch = services.create_batch(current_user, values, client_token=request.form.get("client_token"))
        for data in _photo_uploads():
            services.add_photo(current_user, batch, data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_batch_form(values, error.extra.get("fields"), error.status)
    db.session.commit()
    flash(_("Đã mở lô %(lot)s. Hãy ghi công đoạn đầu tiên.", lot=batch.lot), "success")
    return redirect(url_for("traceability.batch", code=batch.code, saved="batch-new"))


@bp.get("/cooperative/batches/<code>")
@require_roles(*VIEWERS)
def batch(code: str):
    found = get_visible_batch(current_user, code)
    labels = db.session.scalar(select(func.count(Label.id)).where(Label.batch_id == found.id)) or 0
    scans = db.session.scalar(select(func.coalesce(func.sum(Label.scan_count), 0)).where(Label.batch_id == found.id))
    return render_template(
        "traceability/batch.html",
        batch=found,
        status=services.verify_chain(found),
        labels=labels,
        scans=scans or 0,
        stage_names=STAGE_NAMES,
        can_write=current_user.role == Role.COOPERATIVE and current_user.cooperative_id == found.cooperative_id,
        labels_endpoint="labels.new_run" if "labels.new_run" in current_app.view_functions else None,
    )


@bp.get("/cooperative/batches/<code>/epcis.json")
@require_roles(*VIEWERS)
def batch_epcis(code: str):
    found = get_visible_batch(current_user, code)
    response = jsonify(epcis_document(found, current_app.config["PUBLIC_BASE_URL"], utcnow()))
    response.headers["Content-Disposition"] = f'attachment; filename="epcis-{found.code}.json"'
    return response


def _render_event_form(found: Batch, values: dict, errors: dict | None = None, status: int = 200):
    return (
        render_template(
            "traceability/event_form.html",
            batch=found,
            values=values,
            errors=errors or {},
            stages=list(Stage),
            stage_names=STAGE_NAMES,
            token=secrets.token_urlsafe(24),
        ),
        status,
    )


def _save_event(found: Batch, values: dict, token: str | None) -> TraceEvent:
    replay = services.event_for_token(found, token)
    if replay is not None:
        return replay
    return services.append_event(current_user, found, values, client_token=token, photo_uploads=_photo_uploads())


@bp.route("/cooperative/batches/<code>/events/new", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE, Role.COMMUNE_STAFF, Role.ADMIN)
def new_event(code: str):
    found = get_managed_batch(current_user, code)
    if request.method == "GET":
        return _render_event_form(found, {})
    values = {k: request.form.get(k, "") for k in EVENT_FIELDS}
    try:
        event = _save_event(found, values, request.form.get("client_token"))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_event_form(found, values, error.extra.get("fields"), error.status)
    db.session.commit()
    flash(_("Đã ghi công đoạn “%(stage)s”.", stage=STAGE_NAMES[event.stage]), "success")
    return redirect(url_for("traceability.batch", code=found.code, saved=f"event-{found.code}"))
