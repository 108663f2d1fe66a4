"""Scratch PIN check: a buyer types the PIN under the scratch-off; the first right check is recorded.

A 6-digit PIN is only safe while guessing is slow: wrong PINs are limited per label (`PIN_WRONG_PER_LABEL` an
hour) and per client address (`PIN_WRONG_PER_CLIENT` an hour); past either, every check is refused for a while,
right or wrong, so a guesser learns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from limits import RateLimitItemPerHour
from sqlalchemy import select, update

from marketplace.extensions import db, limiter
from marketplace.text import utcnow

from .labels import pin_matches
from .models import Label

PIN_WRONG_PER_LABEL = RateLimitItemPerHour(5)
PIN_WRONG_PER_CLIENT = RateLimitItemPerHour(20)


@dataclass(frozen=True)
class PinResult:
    right: bool
    first_checked_at: datetime | None  # when it was first checked right (now, on a first check)
    first_time: bool


def label_with_pin(serial: str) -> Label | None:
    label = db.session.scalar(select(Label).where(Label.serial == serial))
    return label if label is not None and label.pin_hash else None


def may_try(serial: str, client: str | None) -> bool:
    """False while this label or this client has used up its wrong guesses (always True with rate limits off)."""
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    return strategy.test(PIN_WRONG_PER_LABEL, "pin-label", serial) and strategy.test(
        PIN_WRONG_PER_CLIENT, "pin-client", client or ""
    )


def check_pin(label: Label, pin: str, client: str | None) -> PinResult:
    """Check a PIN; a wrong one uses up a guess, the first right one is recorded (flushes)."""
    if not pin_matches(label, pin):
        if limiter.enabled:
            limiter.limiter.hit(PIN_WRONG_PER_LABEL, "pin-label", label.serial)
            limiter.limiter.hit(PIN_WRONG_PER_CLIENT, "pin-client", client or "")
        return PinResult(False, None, False)
    now = utcnow()
    table = Label.__table__
    first = db.session.execute(
        update(table).where(table.c.id == label.id, table.c.pin_checked_at.is_(None)).values(pin_checked_at=now)
    )
    if first.rowcount == 1:
        return PinResult(True, now, True)
    checked = db.session.scalar(select(table.c.pin_checked_at).where(table.c.id == label.id))
    return PinResult(True, checked, False)
