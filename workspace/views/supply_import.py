"""The import page for the province's supply–demand software (`/commune/cung-cau/nhap`): upload, row report."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import Role
from marketplace.permissions import require_roles
from marketplace.spreadsheets import uploaded_bytes
from workspace.supply_import import import_supply_and_demand

from .dashboard import bp

MAX_BYTES = 5 * 1024 * 1024


@bp.route("/cung-cau/nhap", methods=["GET", "POST"])
@require_roles(Role.COMMUNE_STAFF, Role.ADMIN)
def supply_import():
    """Staff upload the workbook or a CSV table; each row is added, found already here, or refused with a reason."""
    if request.method == "GET":
        return render_template("workspace/supply_import.html", report=None)
    try:
        report = import_supply_and_demand(current_user, uploaded_bytes(request.files.get("file"), MAX_BYTES))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("workspace/supply_import.html", report=None), error.status
    db.session.commit()
    flash(report.summary(), "success")
    return render_template("workspace/supply_import.html", report=report)
