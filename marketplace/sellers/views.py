"""Seller onboarding pages: apply to open a shop, the application's status (correct and resubmit when
rejected), and the certificate photos, served only to those who may see the application."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..errors import DomainError, NotFound
from ..extensions import db
from ..images import read_upload
from ..models import Bank, Cooperative, Province, Role
from ..permissions import require_roles
from ..storage import serve
from ..units import search_communes
from . import documents, services
from .forms import ApplicationForm

bp = Blueprint("sellers", __name__)
UPLOADS = (("registration", "registration_doc"), ("ocop", "ocop_doc"))


def _bank_choices() -> list[tuple[str, str]]:
    banks = db.session.scalars(select(Bank).where(Bank.active).order_by(Bank.short_name))
    return [("", _("— Chọn ngân hàng —"))] + [(bank.bin, f"{bank.short_name} — {bank.name}") for bank in banks]


def _form(obj: Cooperative | None = None) -> ApplicationForm:
    form = ApplicationForm(obj=obj)
    form.bank_bin.choices = _bank_choices()
    return form


def _picked() -> tuple[int | None, int | None]:
    return request.form.get("province", type=int), request.form.get("commune", type=int)


def _data(form: ApplicationForm, commune_code: int | None) -> dict:
    names = ("kind", "name", "registration_no", "address", "phone", "representative", "bank_bin", "account_no")
    data = {name: form[name].data for name in names}
    data["account_holder"] = form.account_holder.data
    data["commune"] = commune_code
    return data


def _uploads(form: ApplicationForm) -> dict[str, bytes | None]:
    found = {}
    for which, name in UPLOADS:
        upload = request.files.get(name)
        found[which] = read_upload(upload.stream, field=name) if upload and upload.filename else None
    return found


def _show_errors(form: ApplicationForm, error: DomainError) -> dict[str, list[str]]:
    """Field messages onto the form's fields; what has no field (the commune) is returned for the page."""
    rest = {}
    for name, messages in (error.extra.get("fields") or {}).items():
        if name in form:
            form[name].errors = list(messages)
        else:
            rest[name] = list(messages)
    return rest


def _page(template: str, form: FlaskForm, province_code, commune_code, status: int = 200, **extra):
    provinces = db.session.scalars(select(Province).order_by(Province.name)).all()
    communes = search_communes(db.session, province_code, limit=600) if province_code else []
    return (
        render_template(
            template,
            form=form,
            provinces=provinces,
            communes=communes,
            province_code=province_code,
            commune_code=commune_code,
            kind_label=services.kind_label,
            status_label=services.status_label,
            **extra,
        ),
        status,
    )


@bp.route("/cooperative/apply", methods=["GET", "POST"])
@login_required
def apply():
    """Open a shop: any signed-in buyer; the application waits for the commune's staff."""
    services.ensure_can_apply(current_user)
    form = _form()
    if request.method == "GET":
        form.representative.data = current_user.full_name
        form.phone.data = current_user.phone or ""
        return _page("sellers/apply.html", form, None, None)
    province_code, commune_code = _picked()
    if request.form.get("action") == "pick" or not form.validate_on_submit():
        status = 200 if request.form.get("action") == "pick" else 422
        return _page("sellers/apply.html", form, province_code, commune_code, status)
    try:
        cooperative = services.apply(current_user, _data(form, commune_code), _uploads(form))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        extra = _show_errors(form, error)
        return _page("sellers/apply.html", form, province_code, commune_code, error.status, field_errors=extra)
    db.session.commit()
    flash(_("Đã gửi hồ sơ “%(name)s”. Cán bộ xã sẽ xem và xác minh.", name=cooperative.name), "success")
    return redirect(url_for("sellers.application"))


@bp.route("/cooperative/application", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def application():
    """The application's status; a rejected one can be corrected and sent again by the owner."""
    cooperative: Cooperative = current_user.cooperative
    form = _form(cooperative if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = cooperative.kind.value
        return _page(
            "sellers/application.html",
            form,
            cooperative.commune.province_code,
            cooperative.commune_code,
            cooperative=cooperative,
        )
    province_code, commune_code = _picked()
    if request.form.get("action") == "pick" or not form.validate_on_submit():
        status = 200 if request.form.get("action") == "pick" else 422
        return _page("sellers/application.html", form, province_code, commune_code, status, cooperative=cooperative)
    try:
        services.resubmit(current_user, cooperative, _data(form, commune_code), _uploads(form))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        extra = _show_errors(form, error)
        cooperative = db.session.get(Cooperative, current_user.cooperative_id)
        return _page(
            "sellers/application.html",
            form,
            province_code,
            commune_code,
            error.status,
            cooperative=cooperative,
            field_errors=extra,
        )
    db.session.commit()
    flash(_("Đã gửi lại hồ sơ. Cán bộ xã sẽ xem lại."), "success")
    return redirect(url_for("sellers.application"))


@bp.get("/cooperatives/<slug>/documents/<any(registration, ocop):which>.jpg")
@login_required
def document(slug: str, which: str):
    """A certificate photo: the seller's members, its commune's staff and admin; anyone else 404."""
    cooperative = services.find_visible(current_user, slug)
    key = documents.document_key(cooperative, which)
    if key is None:
        raise NotFound(_("Chưa có ảnh này."))
    response = serve.send(key, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response
