"""Periodic work for demands: close those past their deadline for offers (beat, hourly; safe to run twice)."""

from __future__ import annotations

import click
from celery import shared_task

from marketplace.extensions import db

from . import services

CLOSE_TASK = "orders.close_past_deadline_demands"
BEAT_SCHEDULE = {"demands-close-past-deadline": {"task": CLOSE_TASK, "schedule": 3600.0}}


def close_past_deadline() -> int:
    """Close demands past their deadline and expire stale offers; commits."""
    closed = services.close_past_deadline()
    db.session.commit()
    return closed


@shared_task(name=CLOSE_TASK)
def close_past_deadline_task() -> int:
    return close_past_deadline()


@click.command("close-demands")
def close_demands_command() -> None:
    """Close demands past their deadline for offers."""
    click.echo(f"Đã đóng {close_past_deadline()} nhu cầu quá hạn.")
