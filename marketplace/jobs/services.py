"""Job records: create one in the request, let a task report progress, show it on /jobs/<id>.

Progress writes use their own short transaction on a separate connection so the page sees them while the
task's main work is still running.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update

from marketplace.database import sqlite_begin_immediate
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User
from marketplace.storage import content_type_for, storage
from marketplace.text import utcnow

from .models import Job, JobStatus
from .queue import enqueue_task


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
    """The job if `jobs_visible_to(user)` includes it; otherwise 404."""
    job = db.session.scalar(jobs_visible_to(user).where(Job.id == job_id))
    if job is None:
        raise NotFound(_("Không tìm thấy công việc này."))
    return job


def jobs_visible_to(user: User) -> Select[tuple[Job]]:
    """Jobs a user may watch: their own and their cooperative's; their commune's cooperatives' for commune
    staff; all for admin. Newest first."""
    query = select(Job).order_by(Job.created_at.desc())
    if user.role == Role.ADMIN:
        return query
    own = Job.owner_id == user.id
    if user.role == Role.COOPERATIVE:
        return query.where(or_(own, Job.cooperative_id == user.cooperative_id))
    if user.role == Role.COMMUNE_STAFF:
        in_commune = select(Cooperative.id).where(Cooperative.commune_code == user.commune_code)
        return query.where(or_(own, Job.cooperative_id.in_(in_commune)))
    return query.where(own)


def run_job(job_id: str, work: Callable[[Job], tuple[dict[str, Any], str]]) -> bool:
    """Run `work(job)` for a queued or interrupted job, once: a finished job is left alone (a redelivered task
    is harmless). `work` returns (result, message); an exception fails the job and is re-raised.

    Progress is written on its own connection, so on SQLite the task's session reads without taking the write
    lock; `work` wraps its database writes in `write_phase()`, after the last progress report."""
    token = sqlite_begin_immediate.set(False)
    try:
        job = db.session.get(Job, job_id)
        if job is None or job.done:
            return False
        db.session.commit()
        mark_running(job_id)
        try:
            result, message = work(job)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            fail_job(job_id, getattr(error, "message", None) or str(error) or error.__class__.__name__)
            raise
        finish_job(job_id, result, message)
        return True
    finally:
        sqlite_begin_immediate.reset(token)


@contextmanager
def write_phase() -> Iterator[None]:
    """End the session's read transaction and take the write lock for the writes that follow (SQLite)."""
    db.session.commit()
    token = sqlite_begin_immediate.set(True)
    try:
        yield
    finally:
        sqlite_begin_immediate.reset(token)


def keep_upload(data: bytes, suffix: str = ".xlsx") -> str:
    """Keep an uploaded file in storage under the private `imports/` for the job that will read it (it deletes
    it); returns its storage key (any worker host can read it)."""
    key = f"imports/{secrets.token_hex(8)}{suffix}"
    storage().save(key, data, content_type_for(key))
    return key


def job_file_key(job_id: str, name: str) -> str:
    """Storage key of a file a job offers for download (`/jobs/<id>/files/<name>`); private."""
    return f"exports/{job_id}/{Path(name).name}"


def save_job_file(job_id: str, path: Path) -> str:
    """Put a file the job made on this host's disk into storage, for download from any host."""
    key = job_file_key(job_id, path.name)
    with path.open("rb") as stream:
        storage().save(key, stream, content_type_for(key))
    return key
