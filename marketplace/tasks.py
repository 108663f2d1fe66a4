"""Background work for the marketplace core."""

from __future__ import annotations

import smtplib

from celery import shared_task

from .mail import BATCH_TASK, SEND_TASK, deliver_outbox_mail


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


@shared_task(name=BATCH_TASK)
def send_outbox_batch(mail_ids: list[int]) -> int:
    """Send one transaction's mail; a message that fails gets its own retrying task. Returns how many went."""
    sent = 0
    for mail_id in mail_ids:
        try:
            sent += deliver_outbox_mail(mail_id)
        except (OSError, smtplib.SMTPException):
            send_outbox_mail.apply_async(args=(mail_id,), countdown=30)
    return sent
