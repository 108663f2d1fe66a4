"""Delivery of notices after commit (retried with backoff, idempotent), the sweep of lost ones, the staff digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task

from ..extensions import db
from ..text import to_local, utcnow
from ..urls import public_url
from .channels import DeliveryFailed
from .services import DELIVER_TASK, MAX_ATTEMPTS, daily_digest, deliver, waiting_deliveries

SWEEP_TASK = "marketplace.notify.sweep"
DIGEST_TASK = "marketplace.notify.daily_digest"


@shared_task(
    name=DELIVER_TASK,
    bind=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=MAX_ATTEMPTS,
)
def deliver_notice(self, delivery_id: int) -> bool:
    """Send one delivery; a retry (or a second message for the same id) finds it sent and sends nothing."""
    return deliver(delivery_id)


@shared_task(name=SWEEP_TASK)
def sweep_deliveries() -> int:
    """Deliveries still queued after five minutes (their task was lost): send them now, each once."""
    sent = 0
    for delivery_id in waiting_deliveries(utcnow() - timedelta(minutes=5)):
        try:
            sent += deliver(delivery_id)
        except DeliveryFailed:
            deliver_notice.apply_async(args=(delivery_id,), countdown=60)
    return sent


def start_of_local_day(moment: datetime) -> datetime:
    local = to_local(moment)
    return moment - (local - local.replace(hour=0, minute=0, second=0, microsecond=0))


@shared_task(name=DIGEST_TASK)
def staff_digest() -> int:
    """Each morning: commune staff hear what waits for them (seller applications, products to review)."""
    told = daily_digest(public_url("workspace.dashboard"), start_of_local_day(utcnow()))
    db.session.commit()
    return told
