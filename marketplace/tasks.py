"""Background work for the marketplace core."""

from __future__ import annotations

import smtplib

from celery import shared_task

from .mail import DRAIN_TASK, SEND_TASK, deliver_outbox_mail, pending_mail_ids
from .sellers.excel import IMPORT_TASK as IMPORT_SELLERS_TASK
from .sellers.excel import accept_url, run_import_job


@shared_task(
    name=SEND_TASK,
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_outbox_mail(self, mail_id: int) -> bool:
    return deliver_outbox_mail(mail_id)


DRAIN_BATCH = 500


@shared_task(name=DRAIN_TASK)
def drain_outbox() -> int:
    """Send the mail waiting in the outbox, oldest first; a message that fails gets its own retrying task,
    and a full batch queues the next drain at once. Returns how many were sent."""
    ids = pending_mail_ids(DRAIN_BATCH)
    sent = 0
    for mail_id in ids:
        try:
            sent += deliver_outbox_mail(mail_id)
        except (OSError, smtplib.SMTPException):
            send_outbox_mail.apply_async(args=(mail_id,), countdown=30)
    if len(ids) == DRAIN_BATCH:
        drain_outbox.delay()
    return sent


@shared_task(name=IMPORT_SELLERS_TASK)
def import_sellers_task(job_id: str) -> None:
    """A commune's long list of sellers (bulk onboarding), started from /commune/sellers/import."""
    run_import_job(job_id, accept_url)
