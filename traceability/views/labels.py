"""Cooperative pages for printing a batch's QR labels: choose a sheet, queue the run, download past runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.models import Role
from marketplace.permissions import require_roles
from marketplace.storage import serve
from traceability import tasks  # noqa: F401 — registers the Celery task wherever the app is built
from traceability.label_pdf import DEFAULT_PRESET
from traceability.label_runs import (
    CUSTOM,
    batch_for_manager,
    count_from_form,
    layout_from_form,
    request_run,
    run_of,
    runs_of,
)
from traceability.models import Batch

bp = Blueprint("labels", __name__)
MAX_RUNS_SHOWN = 50
PRESET_NAMES = {
    "a4-3x8": _l("A4, 3 × 8 tem 70 × 37 mm (24 tem/tờ)"),
    "a4-4x10": _l("A4, 4 × 10 tem 48,5 × 25,4 mm (40 tem/tờ)"),
    "a4-5x13": _l("A4, 5 × 13 tem 38,1 × 21,2 mm (65 tem/tờ)"),
    "roll-50x30": _l("Máy in cuộn, tem 50 × 30 mm (mỗi trang một tem)"),
    CUSTOM: _l("A4 tự chọn số hàng, cột và lề"),
}
DEFAULT_FORM = {"count": "24", "preset": DEFAULT_PRESET, "rows": "8", "cols": "3"}


def label_job_link(job: Job) -> tuple[str, str] | None:
    """A label job's page links back to the batch it prints for."""
    batch = db.session.get(Batch, job.params.get("batch_id") or 0)
    return (url_for("traceability.batch", code=batch.code), _("Về lô %(lot)s", lot=batch.lot)) if batch else None


def _page(batch: Batch, form: Mapping[str, Any], errors: dict | None = None, status: int = 200):
    """The label-run form (with the values sent and any errors) above the batch's earlier runs."""
    runs = db.session.scalars(runs_of(batch).limit(MAX_RUNS_SHOWN)).all()
    body = render_template(
        "traceability/labels/new_run.html",
        batch=batch,
        form=form,
        errors=errors or {},
        presets=PRESET_NAMES,
        runs=runs,
    )
    return body, status


@bp.route("/cooperative/batches/<code>/labels", methods=["GET", "POST"])
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def new_run(code: str):
    batch = batch_for_manager(current_user, code)
    if request.method == "GET":
        return _page(batch, DEFAULT_FORM)
    try:
        count = count_from_form(request.form)
        layout = layout_from_form(request.form)
        job = request_run(current_user, batch, count, layout, bool(request.form.get("with_pin")))
    except ValidationFailed as error:
        db.session.rollback()
        return _page(batch, request.form, {"message": error.message, **error.extra.get("fields", {})}, error.status)
    db.session.commit()
    return redirect(url_for("jobs.job_status", job_id=job.id))


@bp.get("/cooperative/batches/<code>/labels/<int:run_id>.pdf")
@require_roles(Role.COOPERATIVE, Role.ADMIN)
def download(code: str, run_id: int):
    batch = batch_for_manager(current_user, code)
    run = run_of(batch, run_id)
    options = {"mimetype": "application/pdf", "as_attachment": True, "download_name": f"tem-{batch.code}-{run.id}.pdf"}
    if Path(run.pdf_path).is_absolute():  # written by `ocop labels` on this host
        return send_file(run.pdf_path, max_age=0, **options)
    return serve.send(run.pdf_path, **options)
