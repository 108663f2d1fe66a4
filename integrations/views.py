"""Job status page (auto-refreshes without JavaScript) and its JSON twin."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from marketplace.text import format_datetime

from .jobs import job_visible_to

bp = Blueprint("integrations", __name__)


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
