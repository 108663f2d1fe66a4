"""E-mail: written to the outbox in the caller's transaction, delivered by a Celery task after commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect

from .database import after_commit, after_commit_once
from .extensions import db
from .models import OutboxMail, OutboxStatus
from .text import utcnow

log = logging.getLogger(__name__)
SEND_TASK = "marketplace.send_outbox_mail"
BATCH_TASK = "marketplace.send_outbox_batch"


def enqueue_task(name: str, *args, **kwargs) -> None:
    """Send a Celery task by name after the current transaction commits (tasks get ids, not objects)."""
    celery = current_app.extensions["celery"]

    def _send() -> None:
        try:
            celery.send_task(name, args=args, kwargs=kwargs)
        except Exception:  # the broker being down must not fail the user's request; the sweeper retries
            log.exception("could not enqueue %s", name)

    after_commit(_send)


class _OutboxBatch:
    """The mail a transaction wrote to the outbox, handed to one Celery task once it commits."""

    def __init__(self) -> None:
        self.app = current_app._get_current_object()
        self.messages: list[OutboxMail] = []

    def __call__(self) -> None:
        ids = [inspect(message).identity[0] for message in self.messages]  # no reload of expired rows
        try:
            self.app.extensions["celery"].send_task(BATCH_TASK, args=(ids,))
        except Exception:  # the broker being down must not fail the user's request; the sweeper re-sends
            log.exception("could not enqueue outbox mail %s", ids)


def queue_mail(to_address: str, subject: str, body: str) -> OutboxMail:
    """Write a mail to the outbox in the caller's transaction (flushed with the rest of its rows)."""
    message = OutboxMail(to_address=to_address, subject=subject, body=body)
    db.session.add(message)
    after_commit_once(BATCH_TASK, _OutboxBatch).messages.append(message)
    return message


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
    return True
