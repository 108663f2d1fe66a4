"""Background work for integrations: channel exports, feed rebuilds, webhook delivery, and the sweepers
that re-send what a lost message or a down broker left behind. Every task takes ids and is safe to repeat."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from flask import current_app
from sqlalchemy import or_, select

from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jobs.services import progress_reporter, report_progress, run_job, save_job_file, write_phase
from marketplace.mail import SEND_TASK
from marketplace.models import OutboxMail, OutboxStatus
from marketplace.text import utcnow

from . import feeds, listings, webhooks
from .channels import Capability, channels_with, get_channel

OUTBOX_GRACE = timedelta(minutes=2)  # a mail younger than this is still on its first trip
OUTBOX_MAX_ATTEMPTS = 8


def _sync_work(job: Job) -> tuple[dict, str]:
    params = dict(job.params or {})
    job_id = job.id
    channel = get_channel(params["channel"])
    if Capability.FEED in channel.capabilities:
        feed = feeds.build_feed(channel.id)
        return {"rows": feed.count, "files": [f"/feeds/{channel.filename}"]}, f"{feed.count} sản phẩm"
    products = listings.products_to_export(
        channel.id,
        params.get("cooperative_ids"),
        include_all=params.get("all", False),
        product_ids=params.get("product_ids"),
    )
    report_progress(job_id, 0, len(products))
    with tempfile.TemporaryDirectory(prefix="ocop-export-") as folder:
        result = listings.prepare_export(
            channel.id,
            Path(folder) / f"{channel.id}.xlsx",
            cooperative_ids=params.get("cooperative_ids"),
            include_all=params.get("all", False),
            product_ids=params.get("product_ids"),
            advance=progress_reporter(job_id, max(len(products), 1), every=20),
        )
        save_job_file(job_id, result.workbook)  # in storage, so the download works from any host
        save_job_file(job_id, result.photos_zip)
    with write_phase():
        listings.record_export(channel.id, result)
    files = [f"/jobs/{job_id}/files/{result.workbook.name}", f"/jobs/{job_id}/files/{result.photos_zip.name}"]
    summary = {"rows": result.rows, "photos": result.photos, "files": files, "download_url": files[0]}
    return summary, f"{result.rows} dòng, {result.photos} ảnh"


@shared_task(
    name="integrations.sync_channel",
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def sync_channel(self, job_id: str) -> bool:
    """Export a spreadsheet channel's rows (or rebuild a feed) for the job's cooperatives."""
    return run_job(job_id, _sync_work)


@shared_task(name="integrations.rebuild_feeds", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def rebuild_feeds(force: bool = False) -> dict[str, int]:
    return feeds.rebuild_all(force=force)


@shared_task(name="integrations.reconcile_channels")
def reconcile_channels() -> dict[str, int]:
    """Hourly: listings whose content hash no longer matches the product go out of sync."""
    counts = {c.id: listings.reconcile(c.id) for c in channels_with(Capability.BULK_SHEET)}
    db.session.commit()
    return counts


@shared_task(name=webhooks.DELIVER_TASK, bind=True, max_retries=webhooks.MAX_ATTEMPTS)
def deliver_webhook(self, delivery_id: int) -> bool:
    outcome = webhooks.deliver(delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.sent


@shared_task(name="integrations.sweep_webhooks")
def sweep_webhooks() -> int:
    """Re-send due deliveries whose task was lost (broker down at commit, message dropped)."""
    due = webhooks.due_deliveries()
    celery = current_app.extensions["celery"]
    for delivery_id in due:
        celery.send_task(webhooks.DELIVER_TASK, args=(delivery_id,))
    return len(due)


@shared_task(name="integrations.sweep_outbox")
def sweep_outbox() -> int:
    """Re-send outbox mail still pending after the grace period, or failed with attempts left."""
    query = (
        select(OutboxMail.id)
        .where(
            or_(
                (OutboxMail.status == OutboxStatus.PENDING) & (OutboxMail.created_at < utcnow() - OUTBOX_GRACE),
                (OutboxMail.status == OutboxStatus.FAILED) & (OutboxMail.attempts < OUTBOX_MAX_ATTEMPTS),
            )
        )
        .order_by(OutboxMail.id)
        .limit(500)
    )
    ids = list(db.session.scalars(query))
    celery = current_app.extensions["celery"]
    for mail_id in ids:
        celery.send_task(SEND_TASK, args=(mail_id,))
    return len(ids)
