"""Job pages: one job's progress (auto-refreshing without JavaScript, JSON with `?format=json`), the list, its files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.storage import serve
from marketplace.text import format_datetime

from .models import Job
from .services import job_file_key, job_visible_to, jobs_visible_to

JobLink = Callable[[Job], tuple[str, str] | None]

bp = Blueprint("jobs", __name__)
JOBS_PER_PAGE = 30


def add_job_link(app: Flask, kind: str, link: JobLink) -> None:
    """Packages name the page a job of theirs belongs to: `link(job)` gives (url, label), or None."""
    app.extensions.setdefault("ocop_job_links", {})[kind] = link


def _back_link(job: Job) -> tuple[str, str] | None:
    link = current_app.extensions.get("ocop_job_links", {}).get(job.kind)
    return link(job) if link else None


@bp.get("/jobs/<job_id>")
@login_required
def job_status(job_id: str):
    job = job_visible_to(current_user, job_id)
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify(
            {
                "id": job.id,
                "kind": job.kind,
                "title": job.title,
                "status": str(job.status),
                "progress": job.progress,
                "total": job.total,
                "percent": job.percent,
                "message": job.message,
                "result": job.result,
                "error": job.error,
                "created_at": format_datetime(job.created_at),
                "finished_at": format_datetime(job.finished_at),
            }
        )
    response = render_template("marketplace/jobs/job.html", job=job, back=_back_link(job))
    return response, 200, ({} if job.done else {"Refresh": "2"})


@bp.get("/jobs")
@login_required
def jobs():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pagination = db.paginate(jobs_visible_to(current_user), page=page, per_page=JOBS_PER_PAGE, error_out=False)
    running = any(not job.done for job in pagination.items)
    response = render_template("marketplace/jobs/jobs.html", pagination=pagination)
    return response, 200, ({"Refresh": "5"} if running else {})


@bp.get("/jobs/<job_id>/files/<name>")
@login_required
def job_file(job_id: str, name: str):
    """A file a job produced (an export sheet or its photo ZIP), for the people who may see the job."""
    job = job_visible_to(current_user, job_id)
    return serve.send(job_file_key(job.id, name), as_attachment=True, download_name=Path(name).name, max_age=0)
