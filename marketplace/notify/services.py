"""Who hears what, and how: `tell(user, event, text, link)` writes the in-app notice and queues the message on the
person's chosen channel, in the caller's transaction; a Celery task delivers it after commit (marketplace.notify.tasks),
once per key, recorded in the `deliveries` table.

Each person picks a channel on /account/notices: `zalo`, `sms`, `email` or `in_app` (only the list in the app). Without
a choice: Zalo when the phone is known to be on Zalo (`users.zalo_ok`), else SMS when there is a phone, else e-mail.
A phone choice goes out on the best configured phone channel: Zalo ZNS, else eSMS, else the embedded outbox folder.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..database import after_commit
from ..extensions import db
from ..models import Cooperative, CooperativeStatus, Notice, Role, User
from ..services import notify
from ..text import utcnow
from .channels import CHANNELS, DeliveryFailed, DeliveryResult, Message, NotificationChannel
from .models import Delivery, DeliveryStatus

log = logging.getLogger(__name__)
DELIVER_TASK = "marketplace.notify.deliver"
MAX_ATTEMPTS = 6

# what a person can pick, in the order shown on their account page
CHOICES = {
    "zalo": _l("Zalo"),
    "sms": _l("Tin nhắn SMS"),
    "email": _l("E-mail"),
    "in_app": _l("Chỉ trong ứng dụng"),
}
PHONE_CHANNELS = ("zalo_zns", "sms", "outbox")  # best first


def default_choice(user: User) -> str:
    """Zalo when the phone is on Zalo (or not known yet and Zalo is configured: a "not on Zalo" answer is
    remembered), else SMS when there is a phone, else e-mail."""
    if user.phone and (user.zalo_ok or (user.zalo_ok is None and _available("zalo_zns"))):
        return "zalo"
    if user.phone:
        return "sms"
    return "email" if user.email else "in_app"


def choice_of(user: User) -> str:
    return user.notify_channel if user.notify_channel in CHOICES else default_choice(user)


def set_choice(user: User, choice: str | None) -> None:
    """The person's pick (None or empty: back to the default by what they have)."""
    user.notify_channel = choice if choice in CHOICES else None


def _available(channel_id: str) -> NotificationChannel | None:
    if channel_id not in CHANNELS:
        return None
    channel = CHANNELS.get(channel_id)
    return channel if channel.available(current_app.config) else None


def phone_channel(after: str | None = None) -> NotificationChannel | None:
    """The best configured phone channel (or the best one after `after`, for a fallback)."""
    order = PHONE_CHANNELS[PHONE_CHANNELS.index(after) + 1 :] if after in PHONE_CHANNELS else PHONE_CHANNELS
    return next((channel for channel_id in order if (channel := _available(channel_id))), None)


def route(user: User) -> tuple[NotificationChannel, str] | None:
    """The channel and address a notice to `user` goes to; None: only in the app."""
    choice = choice_of(user)
    if choice == "in_app":
        return None
    if choice == "email" or not user.phone:
        email = _available("email")
        return (email, user.email) if email and user.email else None
    skip_zalo = choice == "sms" or user.zalo_ok is False
    channel = phone_channel(after="zalo_zns") if skip_zalo else phone_channel()
    return (channel, user.phone) if channel else None


def delivery_key(user: User, event: str, text: str, link: str | None, key: str | None) -> str:
    if key is None:
        key = hashlib.sha256(f"{text}\n{link}".encode()).hexdigest()[:24]
    return f"{event}:{user.id}:{key}"[:120]


def tell(
    user: User, event: str, text: str, link: str | None = None, *, key: str | None = None, subject: str | None = None
) -> Delivery | None:
    """The in-app notice, and the same text queued on the person's channel (once per key)."""
    notify(user, event, text, link)
    return queue_delivery(user, event, text, link, key=key, subject=subject)


def queue_delivery(
    user: User, event: str, text: str, link: str | None = None, *, key: str | None = None, subject: str | None = None
) -> Delivery | None:
    target = route(user)
    if target is None:
        return None
    channel, recipient = target
    full_key = delivery_key(user, event, text, link, key)
    if db.session.scalar(select(Delivery.id).where(Delivery.key == full_key)) is not None:
        return None
    delivery = Delivery(
        key=full_key, user_id=user.id, channel=channel.id, recipient=recipient, event=event, message=text, link=link
    )
    db.session.add(delivery)
    db.session.flush()
    if channel.inline:
        _record(delivery, channel.send(recipient, _message(delivery, subject)))
    else:
        _enqueue_after_commit(delivery.id)
    return delivery


def _message(delivery: Delivery, subject: str | None = None) -> Message:
    return Message(key=delivery.key, event=delivery.event, text=delivery.message, link=delivery.link, subject=subject)


def _enqueue_after_commit(delivery_id: int) -> None:
    app = current_app._get_current_object()

    def send() -> None:
        try:
            app.extensions["celery"].send_task(DELIVER_TASK, args=(delivery_id,))
        except Exception:  # the broker being down must not fail the caller; the sweep catches up
            log.exception("could not enqueue delivery %s", delivery_id)

    after_commit(send)


def _record(delivery: Delivery, result: DeliveryResult) -> None:
    delivery.attempts += 1
    if result.ok:
        delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, utcnow(), None
        delivery.provider_id, delivery.cost_vnd = result.provider_id, result.cost_vnd
    else:
        delivery.status, delivery.error = DeliveryStatus.FAILED, (result.error or "")[:500]


def deliver(delivery_id: int) -> bool:
    """Send one queued delivery once: a sent or failed one is never sent again (safe under a retried task).
    Raises DeliveryFailed for a passing failure while attempts remain. True when it went out now."""
    delivery = db.session.get(Delivery, delivery_id, with_for_update=True, populate_existing=True)
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        db.session.rollback()
        return False
    channel = CHANNELS.get(delivery.channel) if delivery.channel in CHANNELS else None
    if channel is None:
        _record(delivery, DeliveryResult(ok=False, error=f"no channel {delivery.channel}"))
        db.session.commit()
        return False
    try:
        result = channel.send(delivery.recipient, _message(delivery))
    except DeliveryFailed as error:
        delivery.attempts += 1
        delivery.error = str(error)[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        db.session.commit()
        if delivery.status == DeliveryStatus.FAILED:
            return False
        raise
    _record(delivery, result)
    if not result.ok and result.fallback:
        _fall_back(delivery, channel)
    db.session.commit()
    return result.ok


def _fall_back(delivery: Delivery, channel: NotificationChannel) -> None:
    """Zalo could not reach the person (not on Zalo, no template, quota): the same message on the next phone
    channel; a number that is not on Zalo is remembered."""
    user = db.session.get(User, delivery.user_id) if delivery.user_id else None
    if user is not None and channel.id == "zalo_zns" and "-118" in (delivery.error or ""):
        user.zalo_ok = False
    following = phone_channel(after=channel.id) if channel.address == "phone" else None
    if following is None:
        return
    retry = Delivery(
        key=f"{delivery.key}>{following.id}"[:120],
        user_id=delivery.user_id,
        channel=following.id,
        recipient=delivery.recipient,
        event=delivery.event,
        message=delivery.message,
        link=delivery.link,
    )
    db.session.add(retry)
    db.session.flush()
    _enqueue_after_commit(retry.id)


def waiting_deliveries(older_than: datetime, limit: int = 500) -> list[int]:
    """Queued deliveries whose task was lost (broker down at commit): the sweep sends them."""
    query = select(Delivery.id).where(Delivery.status == DeliveryStatus.QUEUED, Delivery.created_at < older_than)
    return list(db.session.scalars(query.order_by(Delivery.id).limit(limit)))


# --- the admin's log -------------------------------------------------------------------------------------------


def delivery_log(
    *, channel: str | None = None, status: str | None = None, q: str | None = None, limit: int = 200
) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc())
    if channel:
        query = query.where(Delivery.channel == channel)
    if status in {s.value for s in DeliveryStatus}:
        query = query.where(Delivery.status == DeliveryStatus(status))
    if q:
        like = f"%{q}%"
        query = query.where(Delivery.recipient.ilike(like) | Delivery.event.ilike(like))
    return list(db.session.scalars(query.limit(limit)))


def monthly_counts(months: int = 6) -> list[tuple[str, str, int]]:
    """(month `YYYY-MM` in UTC, channel, messages sent) for the last `months` months with any, oldest first."""
    if db.session.get_bind().dialect.name == "postgresql":
        month = func.to_char(Delivery.created_at, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Delivery.created_at)
    rows = db.session.execute(
        select(month.label("month"), Delivery.channel, func.count())
        .where(Delivery.status == DeliveryStatus.SENT)
        .group_by(month, Delivery.channel)
    ).all()
    recent = sorted({row[0] for row in rows})[-months:]
    return sorted((row[0], row[1], row[2]) for row in rows if row[0] in recent)


def sent_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Delivery)) or 0


# --- commune staff: what waits for them ------------------------------------------------------------------------

# Packages above this one add what waits for a commune's staff (catalog: products to review); each source answers
# (label, how many) for one commune. The seller applications are counted here.
WaitingSource = Callable[[int], tuple[str, int]]
_waiting_sources: list[WaitingSource] = []


def add_waiting_source(source: WaitingSource) -> None:
    if source not in _waiting_sources:
        _waiting_sources.append(source)


def waiting_sources() -> Iterable[WaitingSource]:
    return list(_waiting_sources)


def staff_of(commune_code: int) -> list[User]:
    query = select(User).where(User.role == Role.COMMUNE_STAFF, User.commune_code == commune_code, User.active)
    return list(db.session.scalars(query.order_by(User.id)))


def pending_applications(commune_code: int) -> int:
    query = select(func.count()).where(
        Cooperative.commune_code == commune_code,
        Cooperative.status == CooperativeStatus.PENDING,
        Cooperative.submitted_at.is_not(None),
    )
    return db.session.scalar(query) or 0


def tell_staff_waiting(commune_code: int, event: str, text: str, link: str | None, *, key: str, first: bool) -> None:
    """Something entered a commune's queue: each of its staff gets an in-app notice; the first item of an empty
    queue also goes to their channel (Zalo, SMS, e-mail), the rest are summed up by the daily digest."""
    for member in staff_of(commune_code):
        if first:
            tell(member, event, text, link, key=key)
        else:
            notify(member, event, text, link)


def daily_digest(link: str | None, since: datetime) -> int:
    """One message per commune staff member with something waiting (seller applications, products to review);
    returns how many were told. A second run after `since` (the day's start) tells nobody twice."""
    staff = db.session.scalars(
        select(User).where(User.role == Role.COMMUNE_STAFF, User.active, User.commune_code.is_not(None))
    ).all()
    told = 0
    by_commune: dict[int, list[tuple[str, int]]] = {}
    for member in staff:
        code = member.commune_code
        if code not in by_commune:
            parts = [(str(_("hồ sơ người bán")), pending_applications(code))]
            parts += [source(code) for source in waiting_sources()]
            by_commune[code] = [(label, n) for label, n in parts if n]
        parts = by_commune[code]
        if not parts:
            continue
        text = _("Chợ OCOP: đang chờ xã xử lý %(what)s.", what=", ".join(f"{n} {label}" for label, n in parts))
        already = select(Notice.id).where(
            Notice.user_id == member.id, Notice.kind == "staff.digest", Notice.created_at >= since
        )
        if db.session.scalar(already.limit(1)) is None:
            tell(member, "staff.digest", text, link, key=since.strftime("%Y-%m-%d"))
            told += 1
    return told
