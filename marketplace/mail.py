"""E-mail: written to the outbox in the caller's transaction, delivered by a Celery task after commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from functools import partial
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .database import after_commit_once
from .extensions import db
from .jobs.debounce import DebouncedTask
from .models import OutboxMail, OutboxStatus
from .ops.metrics import count
from .text import utcnow

log = logging.getLogger(__name__)
SEND_TASK = "marketplace.send_outbox_mail"
DRAIN_TASK = "marketplace.drain_outbox"


# every mail of a burst of transactions goes out with one drain per worker per OUTBOX_DRAIN_DELAY_SECONDS
outbox_drains = DebouncedTask(DRAIN_TASK, "OUTBOX_DRAIN_DELAY_SECONDS")


def queue_mail(to_address: str | None, subject: str, body: str) -> OutboxMail | None:
    """Write a mail to the outbox in the caller's transaction; a drain of the outbox is queued after commit.
    An account without an e-mail (signed up by phone) gets none: None."""
    if not to_address:
        return None
    message = OutboxMail(to_address=to_address, subject=subject, body=body)
    db.session.add(message)
    app = current_app._get_current_object()
    after_commit_once(DRAIN_TASK, lambda: partial(outbox_drains.request, app))
    return message


def pending_mail_ids(limit: int) -> list[int]:
    """Outbox mail never tried yet, oldest first."""
    query = select(OutboxMail.id).where(OutboxMail.status == OutboxStatus.PENDING).order_by(OutboxMail.id)
    return list(db.session.scalars(query.limit(limit)))


def _build_message(row: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain="ocop.local")
    message.set_content(row.body)
    return message


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("SMTP_HOST"):
        folder = Path(config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{message['To'].replace('@', '_at_')}.eml"
        (folder / name).write_bytes(bytes(message))
        log.info("mail to %s written to %s: %s", message["To"], folder / name, message["Subject"])
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def deliver_outbox_mail(mail_id: int) -> bool:
    """Send one outbox row once; a sent row is never sent again (safe to retry)."""
    row = db.session.get(OutboxMail, mail_id, with_for_update=True)
    if row is None or row.status == OutboxStatus.SENT:
        return False
    row.attempts += 1
    try:
        _deliver(_build_message(row))
    except (OSError, smtplib.SMTPException) as error:
        row.status, row.last_error = OutboxStatus.FAILED, str(error)[:2000]
        db.session.commit()
        raise
    row.status, row.sent_at, row.last_error = OutboxStatus.SENT, utcnow(), None
    db.session.commit()
    count("notifications", channel="email")
    return True
