"""Background work for traceability: the Celery task that issues a label run's labels and draws its PDF, reporting progress on the job."""

from __future__ import annotations

from celery import shared_task

from marketplace.jobs.services import run_job

from .label_runs import RENDER_TASK, render_job


@shared_task(
    name=RENDER_TASK,
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def render_labels_task(self, job_id: str) -> bool:
    """Render the label sheet PDF of a queued label job (a finished job is left alone, so a repeat is harmless)."""
    return run_job(job_id, render_job)
