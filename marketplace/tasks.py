"""Background work for the marketplace core."""

from __future__ import annotations

import smtplib

from celery import shared_task

from .mail import SEND_TASK, deliver_outbox_mail


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
