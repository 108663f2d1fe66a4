"""Outbound webhooks: `emit(event, payload)` writes deliveries in the caller's transaction; a task sends each
after commit, signed `X-Ocop-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, and retries
with exponential backoff (5 retries, 6 attempts in all). Every attempt is logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from marketplace.database import after_commit
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Role, User
from marketplace.text import utcnow

from . import outbound
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

EVENTS = ("product.published", "product.updated", "stock.changed", "order.created", "order.paid", "order.shipped")
MAX_ATTEMPTS = 6  # the first try and 5 retries
TIMEOUT_SECONDS = 10
# a claimed attempt is not picked up again (by the sweeper or a redelivered task) for this long: more than one
# attempt can take (TIMEOUT_SECONDS to connect plus TIMEOUT_SECONDS between bytes), short enough that an attempt
# whose worker died is taken up again soon
CLAIM_SECONDS = 30
DELIVER_TASK = "integrations.deliver_webhook"
SIGNATURE_HEADER = "X-Ocop-Signature"
_PENDING_KEY = "ocop_pending_webhooks"
_SUBSCRIPTIONS_KEY = "ocop_webhook_subscriptions"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does: recompute the HMAC and refuse old timestamps (replays)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or int(time.time())) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


def backoff_seconds(attempt: int) -> float:
    """Delay after the n-th failed attempt: base · 2^(n-1), capped."""
    config = current_app.config
    return min(config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** (attempt - 1), config["WEBHOOK_RETRY_MAX_SECONDS"])


# --- emitting ---------------------------------------------------------------------------------------------


def _subscriptions(session: Session, cooperative_id: int | None) -> list[WebhookSubscription]:
    """Active subscriptions for platform-wide events and this cooperative's; read once per transaction
    (a checkout emits `stock.changed` and `order.created` for the same cooperative)."""
    cache = session.info.setdefault(_SUBSCRIPTIONS_KEY, {})
    if any(isinstance(obj, WebhookSubscription) for obj in (*session.new, *session.dirty)):
        cache.clear()  # subscriptions changing in this very transaction: read them as they will be
    if cooperative_id not in cache:
        scope = WebhookSubscription.cooperative_id.is_(None)
        if cooperative_id is not None:
            scope = or_(scope, WebhookSubscription.cooperative_id == cooperative_id)
        cache[cooperative_id] = session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active, scope)
        ).all()
    return cache[cooperative_id]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_subscriptions(session: Session, *_args) -> None:
    session.info.pop(_SUBSCRIPTIONS_KEY, None)


def emit(event_name: str, payload: dict[str, Any], cooperative_id: int | None = None) -> list[WebhookDelivery]:
    """Queue `event_name` for every active subscription that wants it (platform-wide ones, and the
    cooperative's own when `cooperative_id` or payload["cooperative_id"] is given). Sent after commit."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown webhook event {event_name}")
    session = db.session()
    cooperative_id = cooperative_id if cooperative_id is not None else payload.get("cooperative_id")
    deliveries = []
    for subscription in _subscriptions(session, cooperative_id):
        if event_name not in (subscription.events or []):
            continue
        delivery = WebhookDelivery(
            subscription_id=subscription.id, event=event_name, payload=payload, next_attempt_at=utcnow()
        )
        session.add(delivery)
        deliveries.append(delivery)
    if deliveries:
        session.info.setdefault(_PENDING_KEY, []).extend(deliveries)
    return deliveries


@event.listens_for(Session, "after_flush_postexec")
def _enqueue_after_commit(session: Session, _context) -> None:
    """Deliveries have ids once flushed: send their tasks when (and only if) the transaction commits."""
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    ids = [delivery.id for delivery in pending]
    app = current_app._get_current_object()

    def _send() -> None:
        celery = app.extensions["celery"]
        for delivery_id in ids:
            try:
                celery.send_task(DELIVER_TASK, args=(delivery_id,))
            except Exception:  # the broker being down must not break the caller; the sweeper re-sends
                app.logger.exception("could not enqueue webhook delivery %s", delivery_id)

    after_commit(_send, session)


# --- delivering -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: bool
    retry_in: float | None = None


def envelope(delivery: WebhookDelivery) -> bytes:
    body = {
        "id": delivery.event_id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int) -> tuple[str, str, bytes, str, int] | None:
    """In a short transaction: take the next attempt if it is due (so two workers never send the same attempt)."""
    row = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    now = utcnow()
    due = row is not None and row.status == DeliveryStatus.PENDING and row.attempts < MAX_ATTEMPTS
    if not due or (row.next_attempt_at and row.next_attempt_at > now + timedelta(seconds=1)):
        db.session.rollback()
        return None
    row.attempts += 1
    row.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
    claim = (row.subscription.url, row.subscription.secret, envelope(row), row.event, row.attempts)
    db.session.commit()
    return claim


def _not_yet_due(delivery_id: int) -> float | None:
    """Seconds until a still-pending delivery's next attempt is due, when it is not due now: another task holds
    its claim, or that task's worker died mid-attempt (SIGKILL, lost machine) and the broker gave its message to
    this worker — then this task must wait the claim out and try, not drop the delivery. None when it is done."""
    row = db.session.get(WebhookDelivery, delivery_id)
    now = utcnow()
    waiting = (
        row is not None
        and row.status == DeliveryStatus.PENDING
        and row.attempts < MAX_ATTEMPTS
        and row.next_attempt_at is not None
        and row.next_attempt_at > now
    )
    seconds = (row.next_attempt_at - now).total_seconds() + 1 if waiting else None
    db.session.rollback()
    return seconds


def _failure(error: Exception) -> str:
    """A short reason for the delivery log; never the receiver's body or the exception's text."""
    if isinstance(error, outbound.UnsafeTarget):
        return f"refused: {error.reason}"[:200]
    if isinstance(error, requests.Timeout):
        return "timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    return "request failed"


def _status_reason(status_code: int) -> str:
    """`HTTP 503 Service Unavailable`: our own wording of the status, not what the receiver sent."""
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = ""
    note = " (redirect not followed)" if 300 <= status_code < 400 else ""
    return f"HTTP {status_code} {phrase}".strip() + note


def _post(url: str, secret: str, body: bytes, event_name: str, event_id: str) -> tuple[int | None, int, str | None]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ChoOCOP-Webhooks/1",
        "X-Ocop-Event": event_name,
        "X-Ocop-Delivery": event_id,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    started = time.monotonic()
    try:
        response = outbound.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except (outbound.UnsafeTarget, requests.RequestException) as error:
        return None, int((time.monotonic() - started) * 1000), _failure(error)
    elapsed = int((time.monotonic() - started) * 1000)
    response.close()  # the body is never read: a failure's body is not logged nor shown
    error = None if 200 <= response.status_code < 300 else _status_reason(response.status_code)
    return response.status_code, elapsed, error


def deliver(delivery_id: int) -> Outcome:
    """One attempt, safe to call twice: a sent delivery is left alone, a not-yet-due one says when it is due."""
    claim = _claim(delivery_id)
    if claim is None:
        return Outcome(sent=False, retry_in=_not_yet_due(delivery_id))
    url, secret, body, event_name, attempt = claim
    event_id = json.loads(body)["id"]
    status_code, elapsed, error = _post(url, secret, body, event_name, event_id)
    row = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    row.log.append(WebhookAttempt(status_code=status_code, response_ms=elapsed, error=error))
    row.last_status_code, row.last_response_ms, row.last_error = status_code, elapsed, error
    outcome = Outcome(sent=error is None)
    if error is None:
        row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.SENT, utcnow(), None
    elif attempt >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        outcome.retry_in = backoff_seconds(attempt)
        row.next_attempt_at = utcnow() + timedelta(seconds=outcome.retry_in)
    db.session.commit()
    return outcome


def due_deliveries(limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (their task was lost, or the broker was down)."""
    query = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- managing subscriptions -------------------------------------------------------------------------------


def subscriptions_visible_to(user: User):
    query = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if user.role == Role.ADMIN:
        return query
    if user.is_cooperative_owner:
        return query.where(WebhookSubscription.cooperative_id == user.cooperative_id)
    return query.where(False)


def ensure_can_manage_webhooks(user: User) -> None:
    if not (user.role == Role.ADMIN or user.is_cooperative_owner):
        raise Forbidden(_("Chỉ quản trị hoặc chủ hợp tác xã được quản lý webhook."))


def get_subscription(user: User, subscription_id: int) -> WebhookSubscription:
    subscription = db.session.scalar(subscriptions_visible_to(user).where(WebhookSubscription.id == subscription_id))
    if subscription is None:
        raise NotFound(_("Không tìm thấy webhook này."))
    return subscription


def _check_url(url: str) -> str:
    """An https URL (http:// only when WEBHOOK_ALLOW_HTTP) whose name resolves to public addresses only."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(url) > 500:
        raise ValidationFailed(
            _("Địa chỉ nhận phải là một URL http(s) đầy đủ."), fields={"url": [_("URL không hợp lệ.")]}
        )
    if parts.scheme == "http" and not current_app.config.get("WEBHOOK_ALLOW_HTTP"):
        raise ValidationFailed(_("Địa chỉ nhận phải dùng https://."), fields={"url": [_("Cần https://.")]})
    try:
        outbound.check_target(url)
    except outbound.UnsafeTarget:
        raise ValidationFailed(
            _("Địa chỉ nhận phải là một máy chủ công khai trên Internet (không phải địa chỉ nội bộ)."),
            fields={"url": [_("Địa chỉ không công khai hoặc không phân giải được.")]},
        ) from None
    return url


def create_subscription(user: User, url: str, events: list[str], secret: str | None = None) -> WebhookSubscription:
    ensure_can_manage_webhooks(user)
    chosen = [e for e in EVENTS if e in set(events or [])]
    if not chosen or len(chosen) != len(set(events)):
        raise ValidationFailed(_("Chọn ít nhất một sự kiện hợp lệ."), fields={"events": [_("Sự kiện không hợp lệ.")]})
    subscription = WebhookSubscription(
        url=_check_url(url),
        secret=(secret or "").strip() or "whsec_" + secrets.token_urlsafe(32),
        events=chosen,
        cooperative_id=None if user.role == Role.ADMIN else user.cooperative_id,
        created_by_id=user.id,
    )
    if len(subscription.secret) > 100:
        raise ValidationFailed(_("Khóa bí mật tối đa 100 ký tự."))
    db.session.add(subscription)
    db.session.flush()
    return subscription


def delete_subscription(user: User, subscription_id: int) -> None:
    ensure_can_manage_webhooks(user)
    db.session.delete(get_subscription(user, subscription_id))
    db.session.flush()


def redeliver(user: User, delivery_id: int) -> WebhookDelivery:
    """The "deliver again" button: a fresh round of attempts for a delivery, sent after commit."""
    ensure_can_manage_webhooks(user)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_("Không tìm thấy lần gửi này."))
    get_subscription(user, delivery.subscription_id)
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, utcnow()
    db.session.info.setdefault(_PENDING_KEY, []).append(delivery)
    db.session.flush()
    return delivery
