"""Bulk onboarding pages for commune staff (their commune's rows) and admin (any commune): the Excel template,
and the import with its row-by-row report (a long list runs as a background job shown on /jobs/<id>)."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from ..jobs.services import keep_upload, start_job
from ..models import Role
from ..permissions import require_roles
from ..spreadsheets import XLSX, uploaded_bytes
from . import excel

bp = Blueprint("sellers_bulk", __name__, url_prefix="/commune/sellers")
MAX_BYTES = 5 * 1024 * 1024
INLINE_ROWS = 200  # a longer list is imported by the worker, with its progress on the job page


@bp.get("/template.xlsx")
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def template():
    data = excel.template_workbook(current_user)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name="mau-nhap-nguoi-ban.xlsx")


@bp.route("/import", methods=["GET", "POST"])
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def import_sellers():
    if request.method == "GET":
        return render_template("marketplace/sellers_import.html", report=None)
    try:
        data = uploaded_bytes(request.files.get("file"), MAX_BYTES)
        rows = excel.read_rows(data)
        if len(rows) > INLINE_ROWS:
            return _start_job(data, len(rows))
        report = excel.import_sellers(current_user, rows, excel.accept_url)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("marketplace/sellers_import.html", report=None), error.status
    db.session.commit()
    flash(excel.summary(report), "error" if report.errors else "success")
    return render_template("marketplace/sellers_import.html", report=report), 422 if report.errors else 200


def _start_job(data: bytes, total: int):
    key = keep_upload(data)
    job = start_job(
        "import",
        _("Nhập %(n)d người bán từ Excel", n=total),
        excel.IMPORT_TASK,
        owner=current_user,
        params={"key": key},
        total=total,
    )
    db.session.commit()
    return redirect(url_for("jobs.job_status", job_id=job.id))
