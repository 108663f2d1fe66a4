"""Background work for traceability: the Celery task that issues a label run's labels and draws its PDF, reporting
progress on the job; and the nightly task that publishes yesterday's chain heads."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from celery import shared_task

from marketplace.extensions import db
from marketplace.jobs.services import run_job
from marketplace.text import today_vn

from .heads import publish_heads
from .label_runs import RENDER_TASK, render_job

PUBLISH_HEADS_TASK = "traceability.publish_chain_heads"
log = logging.getLogger(__name__)


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


@shared_task(name=PUBLISH_HEADS_TASK)
def publish_chain_heads_task(day: str | None = None) -> dict:
    """Publish the chain heads of `day` (default: yesterday in Vietnam); a repeat only re-checks what is stored."""
    target = date.fromisoformat(day) if day else today_vn() - timedelta(days=1)
    report = publish_heads(target)
    db.session.commit()
    for slug, when, reason in report.mismatched:
        log.error("chain head of %s for %s no longer matches (%s): trace data was changed", slug, when, reason)
    return {"day": target.isoformat(), "published": len(report.published), "mismatched": len(report.mismatched)}
