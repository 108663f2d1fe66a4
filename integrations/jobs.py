"""Job records: create one in the request, let a task report progress, show it on /jobs/<id>.

Progress writes use their own short transaction on a separate connection so the page sees them while the
task's main work is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.mail import enqueue_task
from marketplace.models import Role, User
from marketplace.text import utcnow

from .models import Job, JobStatus


def start_job(
    kind: str,
    title: str,
    task_name: str,
    *,
    owner: User | None = None,
    cooperative_id: int | None = None,
    params: dict[str, Any] | None = None,
    total: int = 0,
) -> Job:
    """Record a queued job and enqueue `task_name(job_id)` once the caller's transaction commits."""
    job = Job(
        kind=kind,
        title=title,
        owner_id=owner.id if owner else None,
        cooperative_id=cooperative_id,
        params=params or {},
        total=total,
    )
    db.session.add(job)
    db.session.flush()
    enqueue_task(task_name, job.id)
    return job


def _write(job_id: str, **values: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(**values))


def mark_running(job_id: str, total: int | None = None, message: str = "") -> None:
    values: dict[str, Any] = {"status": JobStatus.RUNNING, "started_at": utcnow(), "message": message}
    if total is not None:
        values["total"] = total
    _write(job_id, **values)


def report_progress(job_id: str, progress: int, total: int | None = None, message: str | None = None) -> None:
    values: dict[str, Any] = {"progress": progress}
    if total is not None:
        values["total"] = total
    if message is not None:
        values["message"] = message[:500]
    _write(job_id, **values)


def progress_reporter(job_id: str, total: int, every: int = 50) -> Callable[[int], None]:
    """A callback `advance(n)` that writes progress every `every` items (and at the end)."""
    state = {"done": 0, "written": 0}

    def advance(n: int = 1) -> None:
        state["done"] += n
        if state["done"] - state["written"] >= every or state["done"] >= total:
            report_progress(job_id, state["done"], total)
            state["written"] = state["done"]

    return advance


def finish_job(job_id: str, result: dict[str, Any] | None = None, message: str = "") -> None:
    _write(job_id, status=JobStatus.SUCCEEDED, finished_at=utcnow(), result=result or {}, message=message[:500])


def fail_job(job_id: str, error: str) -> None:
    _write(job_id, status=JobStatus.FAILED, finished_at=utcnow(), error=error[:5000])


def job_visible_to(user: User, job_id: str) -> Job:
    """The job if this user started it, belongs to its cooperative, or is admin; otherwise 404."""
    job = db.session.get(Job, job_id)
    allowed = job is not None and (
        user.role == Role.ADMIN
        or job.owner_id == user.id
        or (job.cooperative_id is not None and job.cooperative_id == user.cooperative_id)
    )
    if not allowed:
        raise NotFound(_("Không tìm thấy công việc này."))
    return job
