"""Label runs: read a layout from a form, queue a run as a job, and render a run's PDF (issuing its labels).

Labels are issued by the worker, not the request: a scratch PIN exists in clear only while its PDF is drawn,
so the worker that draws it must be the one that makes it. The labels are committed before the PDF is drawn
(progress is written meanwhile on its own connection, which SQLite allows only with no write pending), and the
PDF becomes downloadable only once it is complete.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.jobs.services import progress_reporter, start_job, write_phase
from marketplace.models import Cooperative, User
from marketplace.permissions import cooperatives_managed_by
from marketplace.storage import storage
from marketplace.text import today_vn

from .label_pdf import DEFAULT_PRESET, LabelContent, LabelLayout, custom_layout, preset_layout, render_labels
from .labels import MAX_LABELS_PER_RUN, IssuedLabel, issue_labels, label_url
from .models import Batch, Label, LabelRun

RENDER_TASK = "traceability.render_labels"
CUSTOM = "custom"
PROGRESS_EVERY = 250


def batch_for_manager(user: User, code: str) -> Batch:
    """A batch of a cooperative `user` manages, or 404."""
    managed = cooperatives_managed_by(user).with_only_columns(Cooperative.id)
    batch = db.session.scalar(select(Batch).where(Batch.code == code, Batch.cooperative_id.in_(managed)))
    if batch is None:
        raise NotFound(_("Không tìm thấy lô hàng này."))
    return batch


def runs_of(batch: Batch) -> Select[tuple[LabelRun]]:
    return select(LabelRun).where(LabelRun.batch_id == batch.id).order_by(LabelRun.id.desc())


def run_of(batch: Batch, run_id: int) -> LabelRun:
    run = db.session.scalar(runs_of(batch).where(LabelRun.id == run_id))
    if run is None or not run.pdf_path or not pdf_exists(run.pdf_path):
        raise NotFound(_("Không tìm thấy tệp tem này."))
    return run


def pdf_exists(pdf_path: str) -> bool:
    """A run's PDF: a storage key (`labels/run-<id>.pdf`, made by the label job) or a file the `ocop labels`
    command wrote on this host (absolute path)."""
    return Path(pdf_path).is_file() if Path(pdf_path).is_absolute() else storage().exists(pdf_path)


def _number(form: Mapping[str, Any], name: str, default: float, label: str) -> float:
    raw = str(form.get(name, "") or "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        message = _("%(field)s phải là một số.", field=label)
        raise ValidationFailed(message, fields={name: [message]})
    return value


def _whole(form: Mapping[str, Any], name: str, default: int, label: str) -> int:
    value = _number(form, name, default, label)
    if value != int(value):
        message = _("%(field)s phải là số nguyên.", field=label)
        raise ValidationFailed(message, fields={name: [message]})
    return int(value)


def layout_from_form(form: Mapping[str, Any]) -> LabelLayout:
    """The layout a form asks for: a preset, or a custom A4 grid; with the printer calibration offset."""
    offset_x = _number(form, "offset_x_mm", 0.0, _("Lệch ngang"))
    offset_y = _number(form, "offset_y_mm", 0.0, _("Lệch dọc"))
    preset = str(form.get("preset") or DEFAULT_PRESET)
    if preset != CUSTOM:
        return preset_layout(preset, offset_x, offset_y)
    return custom_layout(
        _whole(form, "rows", 8, _("Số hàng")),
        _whole(form, "cols", 3, _("Số cột")),
        margin_top_mm=_number(form, "margin_top_mm", 0.0, _("Lề trên")),
        margin_left_mm=_number(form, "margin_left_mm", 0.0, _("Lề trái")),
        gap_x_mm=_number(form, "gap_x_mm", 0.0, _("Khoảng cách ngang")),
        gap_y_mm=_number(form, "gap_y_mm", 0.0, _("Khoảng cách dọc")),
        offset_x_mm=offset_x,
        offset_y_mm=offset_y,
    )


def check_count(count: int) -> int:
    if not 1 <= count <= MAX_LABELS_PER_RUN:
        message = _("Số tem phải từ 1 đến %(max)s.", max=f"{MAX_LABELS_PER_RUN:,}".replace(",", "."))
        raise ValidationFailed(message, fields={"count": [message]})
    return count


def count_from_form(form: Mapping[str, Any]) -> int:
    return check_count(_whole(form, "count", 0, _("Số tem")))


def request_run(user: User, batch: Batch, count: int, layout: LabelLayout, with_pin: bool):
    """Queue the job that issues `count` labels and draws their PDF (flushes; the caller commits)."""
    check_count(count)
    layout.validate()
    return start_job(
        "labels",
        _("In %(n)s tem cho lô %(lot)s", n=count, lot=batch.lot),
        RENDER_TASK,
        owner=user,
        cooperative_id=batch.cooperative_id,
        params={"batch_id": batch.id, "count": count, "layout": layout.to_dict(), "with_pin": with_pin},
        total=count,
    )


def ocop_stars(batch: Batch, today: date | None = None) -> int:
    """Stars of the product's OCOP certificate if it is valid today (0 otherwise)."""
    certificate = batch.product.certificate
    if certificate is None or not certificate.valid_on(today or today_vn()):
        return 0
    return certificate.stars


def label_contents(batch: Batch, issued: Iterable[IssuedLabel]) -> Iterator[LabelContent]:
    """What each label of `batch` shows, one per issued serial."""
    product_name = batch.product.name
    cooperative_name = batch.cooperative.name
    stars = ocop_stars(batch)
    for label in issued:
        yield LabelContent(
            url=label.url,
            serial=label.serial,
            product_name=product_name,
            cooperative_name=cooperative_name,
            lot=batch.lot,
            produced_on=batch.harvested_on,
            expires_on=batch.expires_on,
            ocop_stars=stars,
            pin=label.pin,
        )


def pdf_key(run_id: int) -> str:
    """Storage key of a run's PDF: private (never under the public /media; locally inside the instance folder)."""
    return f"labels/run-{run_id}.pdf"


def download_path(batch: Batch, run: LabelRun) -> str:
    return f"/cooperative/batches/{batch.code}/labels/{run.id}.pdf"


def write_pdf(
    batch: Batch, issued: list[IssuedLabel], layout: LabelLayout, out: Path, advance: Callable[[int], None] | None
) -> int:
    """Draw the labels into `out` through a temporary file, so `out` only ever holds a whole PDF."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    try:
        pages = render_labels(label_contents(batch, issued), layout, partial, progress=advance, every=PROGRESS_EVERY)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return pages


def _issued_for_job(batch: Batch, job_id: str, count: int, with_pin: bool, layout: LabelLayout, actor_id: int | None):
    """The run of this job and its labels: reused after an interrupted attempt unless PINs were lost with it."""
    run = db.session.scalar(select(LabelRun).where(LabelRun.job_id == job_id).order_by(LabelRun.id.desc()))
    if run is not None and not run.with_pin:
        serials = db.session.scalars(select(Label.serial).where(Label.run_id == run.id).order_by(Label.id))
        gtin = run.gtin  # the GTIN the run was issued with, even if the product's changed since
        return run, [IssuedLabel(serial, label_url(serial, batch.lot, gtin)) for serial in serials]
    return issue_labels(batch, count, actor_id=actor_id, with_pin=with_pin, layout=layout.to_dict(), job_id=job_id)


def render_job(job) -> tuple[dict[str, Any], str]:
    """Job work for RENDER_TASK: issue the run's labels, draw the PDF with progress, make it downloadable."""
    params = dict(job.params or {})
    job_id, actor_id = job.id, job.owner_id
    batch = db.session.get(Batch, params["batch_id"])
    if batch is None:
        raise NotFound(_("Không tìm thấy lô hàng này."))
    layout = LabelLayout.from_dict(params["layout"]).validate()
    count = check_count(int(params["count"]))
    with write_phase():
        run, issued = _issued_for_job(batch, job_id, count, bool(params.get("with_pin")), layout, actor_id)
        run_id = run.id
        db.session.commit()
    key = pdf_key(run_id)
    with tempfile.TemporaryDirectory(prefix="ocop-labels-") as folder:
        out = Path(folder) / f"run-{run_id}.pdf"
        pages = write_pdf(batch, issued, layout, out, progress_reporter(job_id, count, every=PROGRESS_EVERY))
        with out.open("rb") as stream:
            storage().save(key, stream, "application/pdf")
    with write_phase():
        run = db.session.get(LabelRun, run_id)
        run.pdf_path = key
        db.session.flush()
    result = {"run_id": run_id, "labels": count, "pages": pages, "download_url": download_path(batch, run)}
    return result, _("Đã tạo %(n)s tem trên %(p)s trang.", n=count, p=pages)
