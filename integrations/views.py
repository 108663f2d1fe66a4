"""Job pages, the product feeds, and (in channel_views / webhook_views) the channel and webhook screens."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, jsonify, render_template, request, send_from_directory
from flask_login import current_user, login_required

from marketplace.extensions import db
from marketplace.text import format_datetime

from . import feeds
from .jobs import job_visible_to, jobs_visible_to

bp = Blueprint("integrations", __name__)
JOBS_PER_PAGE = 30


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
    response = render_template("integrations/job.html", job=job)
    return response, 200, ({} if job.done else {"Refresh": "2"})


@bp.get("/jobs")
@login_required
def jobs():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    pagination = db.paginate(jobs_visible_to(current_user), page=page, per_page=JOBS_PER_PAGE, error_out=False)
    running = any(not job.done for job in pagination.items)
    response = render_template("integrations/jobs.html", pagination=pagination)
    return response, 200, ({"Refresh": "5"} if running else {})


@bp.get("/jobs/<job_id>/files/<name>")
@login_required
def job_file(job_id: str, name: str):
    """A file a job produced (an export sheet or its photo ZIP), for the people who may see the job."""
    job = job_visible_to(current_user, job_id)
    from .tasks import export_dir

    folder = export_dir(job.id)
    if not (folder / Path(name).name).is_file():
        abort(404)
    return send_from_directory(folder, Path(name).name, as_attachment=True, max_age=0)


@bp.get("/feeds/<name>")
def feed(name: str):
    """Google Merchant (google.xml) and Facebook/Zalo (facebook.csv) feeds: stable URLs, conditional GET."""
    channel_id = feeds.FEEDS.get(name)
    if channel_id is None:
        abort(404)
    current = feeds.current_feed(channel_id)
    return send_from_directory(
        current.path.parent,
        current.path.name,
        mimetype=current.content_type,
        etag=current.etag,
        last_modified=current.last_modified,
        max_age=300,
    )


from . import channel_views, webhook_views  # noqa: E402, F401 — their routes live on this blueprint
