"""Cooperative pages for the Excel template, import (small files now, big ones as a background job) and export."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog.excel import export_workbook, import_workbook, read_rows, template_workbook
from catalog.images import MAX_BYTES
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs.services import keep_upload, start_job
from marketplace.models import Role
from marketplace.permissions import require_roles
from marketplace.spreadsheets import uploaded_bytes

from .blueprint import bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INLINE_ROWS = 500


def _xlsx(data: bytes, name: str):
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/cooperative/products/template.xlsx")
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def products_template():
    return _xlsx(template_workbook(), "mau-nhap-san-pham.xlsx")


@bp.get("/cooperative/products/export.xlsx")
@require_roles(Role.COOPERATIVE)
def export_products():
    cooperative = current_user.cooperative
    return _xlsx(export_workbook(cooperative), f"san-pham-{cooperative.slug}.xlsx")


@bp.route("/cooperative/products/import", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE)
def import_products():
    if request.method == "GET":
        return render_template("catalog/import.html", report=None)
    valid_only = bool(request.form.get("valid_only"))
    try:
        data = uploaded_bytes(request.files.get("file"), MAX_BYTES)
        rows = read_rows(data)
        if len(rows) > INLINE_ROWS:
            return _start_job(data, len(rows), valid_only)
        report = import_workbook(current_user, current_user.cooperative, rows, valid_only=valid_only)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("catalog/import.html", report=None), error.status
    if report.errors and not valid_only:
        db.session.rollback()
        flash(
            _(
                "Tệp có %(n)d lỗi; chưa nhập sản phẩm nào. Sửa rồi gửi lại, hoặc chọn chỉ nhập các dòng đúng.",
                n=len(report.errors),
            ),
            "error",
        )
        return render_template("catalog/import.html", report=report), 422
    db.session.commit()
    flash(_("Đã nhập %(n)d sản phẩm thành bản nháp.", n=report.created), "success")
    return render_template("catalog/import.html", report=report)


def _start_job(data: bytes, total: int, valid_only: bool):
    key = keep_upload(data)
    job = start_job(
        "import",
        _("Nhập %(n)d sản phẩm từ Excel", n=total),
        "catalog.import_products",
        owner=current_user,
        cooperative_id=current_user.cooperative_id,
        params={"key": key, "valid_only": valid_only},
        total=total,
    )
    db.session.commit()
    return redirect(url_for("jobs.job_status", job_id=job.id))
