"""One-time codes to phones: sign-in and sign-up by code, a guest's cash-on-delivery confirmation, invitations.

A code is 6 digits, valid 5 minutes, 5 tries, used once; only its HMAC (keyed with SECRET_KEY, bound to the phone and
the purpose) is stored. Sends are limited per number, per client address and in all per hour, and a number waits
`OTP_RESEND_SECONDS` between two codes; the counts are the rows of `one_time_codes`, so they hold across workers.
Every code goes out through `marketplace.notify.send_text` (the outbox folder, SMS or Zalo).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .errors import DomainError
from .extensions import db
from .models import OneTimeCode, OtpPurpose, Role, User
from .notify import send_text
from .services import flush_account_phone, require_mobile
from .text import as_utc, utcnow

CODE_MINUTES = 5
MAX_TRIES = 5
WINDOW = timedelta(hours=1)


class OtpLimited(DomainError):
    """429: too many codes asked for (this number, this client or the whole site); `retry_after` in seconds."""

    status = 429
    code = "otp_limited"


class OtpRejected(DomainError):
    """401: a wrong, expired, used-up or unknown code. The tries it cost are already written: commit before
    answering (the caller's rollback must not give the try back)."""

    status = 401
    code = "otp_invalid"


@dataclass(frozen=True)
class SentCode:
    phone: str  # E.164
    retry_after: int  # seconds before another code may be sent to this number


def _digest(phone: str, purpose: OtpPurpose, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"otp:{purpose.value}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _resend_gap() -> timedelta:
    return timedelta(seconds=current_app.config.get("OTP_RESEND_SECONDS", 60))


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def resend_wait(phone: str | None, purpose: OtpPurpose, now: datetime | None = None) -> int:
    """Seconds before this number may be sent another code for `purpose` (0: now). The wait follows a code still
    unused: once one is entered, the next sign-in or order may ask for a new one at once."""
    if not phone:
        return 0
    now = now or utcnow()
    last = db.session.scalar(
        select(func.max(OneTimeCode.sent_at)).where(
            OneTimeCode.phone == phone, OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None)
        )
    )
    if last is None:
        return 0
    left = as_utc(last) + _resend_gap() - now
    return _seconds(left) if left.total_seconds() > 0 else 0


def _window_full(condition, limit: int, now: datetime) -> int | None:
    """Seconds until a send frees up in the last hour's window when `limit` sends match `condition`, else None."""
    since = now - WINDOW
    sent = db.session.scalar(
        select(func.count()).select_from(OneTimeCode).where(condition, OneTimeCode.sent_at > since)
    )
    if sent < limit:
        return None
    # the oldest send that has to leave the window before one more fits
    times = db.session.scalars(
        select(OneTimeCode.sent_at)
        .where(condition, OneTimeCode.sent_at > since)
        .order_by(OneTimeCode.sent_at.desc())
        .offset(limit - 1)
        .limit(1)
    ).all()
    oldest = as_utc(times[0]) if times else now
    return _seconds(oldest + WINDOW - now)


def _check_limits(phone: str, purpose: OtpPurpose, client: str, now: datetime) -> None:
    config = current_app.config
    wait = resend_wait(phone, purpose, now)
    if wait:
        raise OtpLimited(_("Mã vừa được gửi. Gửi lại mã sau %(n)d giây.", n=wait), retry_after=wait)
    checks = [
        (OneTimeCode.phone == phone, config.get("OTP_SENDS_PER_NUMBER_HOUR", 5)),
        (OneTimeCode.client == client, config.get("OTP_SENDS_PER_CLIENT_HOUR", 10)),
        (OneTimeCode.id.isnot(None), config.get("OTP_SENDS_GLOBAL_HOUR", 500)),
    ]
    for condition, limit in checks:
        retry_after = _window_full(condition, limit, now)
        if retry_after is not None:
            minutes = math.ceil(retry_after / 60)
            raise OtpLimited(
                _("Đã gửi quá nhiều mã. Vui lòng thử lại sau %(n)d phút.", n=minutes), retry_after=retry_after
            )


def _message(purpose: OtpPurpose, code: str) -> str:
    if purpose == OtpPurpose.COD_CONFIRM:
        return _("Ma xac nhan don hang Cho OCOP: %(code)s (hieu luc 5 phut). Khong dua ma nay cho ai.", code=code)
    if purpose == OtpPurpose.VERIFY_PHONE:
        return _("Ma xac nhan so di dong Cho OCOP: %(code)s (hieu luc 5 phut). Khong dua ma nay cho ai.", code=code)
    return _("Ma dang nhap Cho OCOP: %(code)s (hieu luc 5 phut). Khong dua ma nay cho ai.", code=code)


def send_code(raw_phone: str, purpose: OtpPurpose, client: str) -> SentCode:
    """Send a new code to a Vietnamese mobile number (any usual spelling), within the limits."""
    phone = require_mobile(raw_phone)
    now = utcnow()
    client = (client or "")[:64]
    _check_limits(phone, purpose, client, now)
    code = f"{secrets.randbelow(10**6):06d}"
    row = OneTimeCode(
        phone=phone,
        purpose=purpose,
        code_hash=_digest(phone, purpose, code),
        client=client,
        sent_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
        tries=0,
    )
    db.session.add(row)
    db.session.flush()
    send_text(phone, _message(purpose, code), key=f"otp:{row.id}")
    return SentCode(phone, _seconds(_resend_gap()))


def check_code(raw_phone: str, purpose: OtpPurpose, code: str) -> str:
    """The phone (E.164) when `code` is the latest live code sent to it for `purpose`; each call costs a try."""
    phone = require_mobile(raw_phone)
    now = utcnow()
    row = db.session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.phone == phone, OneTimeCode.purpose == purpose)
        .order_by(OneTimeCode.sent_at.desc(), OneTimeCode.id.desc())
        .limit(1)
    )
    dead = _("Mã đã hết hạn hoặc đã dùng hết số lần thử: hãy gửi mã mới.")
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= now or row.tries >= MAX_TRIES:
        raise OtpRejected(dead, code="otp_expired", tries_left=0)
    # one try, counted atomically: two workers cannot both spend the last one
    counted = db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.tries < MAX_TRIES, OneTimeCode.used_at.is_(None))
        .values(tries=OneTimeCode.tries + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not counted:
        raise OtpRejected(dead, code="otp_expired", tries_left=0)
    db.session.refresh(row)
    typed = "".join(ch for ch in (code or "") if ch.isdigit())[:6]
    if not hmac.compare_digest(_digest(phone, purpose, typed), row.code_hash):
        left = max(0, MAX_TRIES - row.tries)
        if left == 0:
            raise OtpRejected(dead, code="otp_expired", tries_left=0)
        raise OtpRejected(_("Mã không đúng. Bạn còn %(n)d lần thử.", n=left), tries_left=left)
    used = db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:  # the same code entered twice at once: the other request had it
        raise OtpRejected(dead, code="otp_expired", tries_left=0)
    return phone


def phone_has_account(phone: str) -> bool:
    """Whether a number (E.164) already belongs to an account: a guest's order to it waits for a code."""
    return db.session.scalar(select(User.id).where(User.phone == phone).limit(1)) is not None


def new_phone_account(phone: str) -> User:
    """A new phone-only buyer account (no e-mail, no password) for a number (E.164) that has none; Conflict
    `phone_taken` when another account holds the number (the unique index decides a race)."""
    user = User(email=None, password_hash="", full_name="", phone=phone, role=Role.BUYER)
    flush_account_phone(user)
    return user


def account_for_phone(phone: str, *, verified: bool) -> User:
    """The account holding this number (E.164), or a new phone-only buyer account (no e-mail, no password; the
    person adds a name later). `verified` marks the number as proven by a code just entered."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = new_phone_account(phone)
    if verified:
        user.phone_verified_at = utcnow()
    return user


def sign_in_with_code(raw_phone: str, code: str) -> User:
    """The account of a phone whose sign-in code is right; a number without an account gets a buyer account."""
    phone = check_code(raw_phone, OtpPurpose.SIGN_IN, code)
    user = account_for_phone(phone, verified=True)
    if not user.active:
        raise DomainError(_("Tài khoản này đã bị khoá."), code="account_locked", status=403)
    user.last_login_at = utcnow()
    db.session.flush()
    return user
