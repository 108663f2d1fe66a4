"""A signed-in account adds or changes its phone (proven by a code) and its e-mail (proven by a mailed link), and
sets a first password (a phone-only account needs one to sign in by e-mail). Either verified identifier signs in."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import otp
from .errors import Conflict, DomainError, ValidationFailed
from .extensions import db
from .mail import queue_mail
from .models import OtpPurpose, User
from .services import (
    check_password_strength,
    end_all_sessions,
    ensure_phone_free,
    flush_account_phone,
    hash_password,
    normalise_email,
    record_audit,
    require_mobile,
)
from .text import utcnow

EMAIL_LINK_SECONDS = 24 * 3600


def send_phone_code(user: User, raw_phone: str, client: str) -> otp.SentCode:
    """A code to a number the account wants (refused at once when another account holds it); within the limits."""
    phone = require_mobile(raw_phone)
    ensure_phone_free(phone, user)
    return otp.send_code(phone, OtpPurpose.VERIFY_PHONE, client)


def confirm_phone(user: User, phone: str, code: str) -> None:
    """Set the account's phone once the code sent to it is right; a wrong code raises `otp.OtpRejected`."""
    phone = otp.check_code(phone, OtpPurpose.VERIFY_PHONE, code)
    ensure_phone_free(phone, user)
    before = user.phone
    user.phone = phone
    user.phone_verified_at = utcnow()
    flush_account_phone(user)
    record_audit(user, "account.phone_changed", "user", user.id, before=before, after=phone)


def _email_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _ensure_email_free(email: str, user: User) -> None:
    owner = db.session.scalar(select(User.id).where(User.email == email))
    if owner is not None and owner != user.id:
        message = _("E-mail này đã được dùng cho một tài khoản khác.")
        raise Conflict(message, code="email_taken", fields={"email": [message]})


def request_email(user: User, raw_email: str, confirm_url_for) -> str:
    """Mail a confirmation link (24 hours) to the address the account wants; the address is set only when the
    link is opened by this account. Look-alike spellings are one address; a taken address is refused."""
    email = normalise_email(raw_email)
    if email == user.email:
        raise ValidationFailed(_("Đây đã là e-mail của tài khoản."), fields={"email": [_("Không đổi.")]})
    _ensure_email_free(email, user)
    token = _email_serializer().dumps({"uid": user.id, "email": email})
    queue_mail(
        email,
        _("Xác nhận e-mail cho tài khoản Chợ OCOP"),
        _(
            "Chào %(name)s,\n\nBấm vào liên kết sau (khi đang đăng nhập) để dùng e-mail này cho tài khoản "
            "(hiệu lực 24 giờ):\n%(url)s\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này.",
            name=user.label,
            url=confirm_url_for(token),
        ),
    )
    return email


def confirm_email(user: User, token: str) -> bool:
    """Set the address from a confirmation link opened by its account; True when an earlier address was replaced
    (then every other session of the account ends, as after a password change)."""
    invalid = DomainError(_("Liên kết xác nhận e-mail không hợp lệ hoặc đã hết hạn."), code="invalid_token")
    try:
        data = _email_serializer().loads(token, max_age=EMAIL_LINK_SECONDS)
    except (BadSignature, SignatureExpired):
        raise invalid from None
    if data.get("uid") != user.id:
        raise invalid
    email = data.get("email") or ""
    if email == user.email:
        return False
    _ensure_email_free(email, user)
    before = user.email
    user.email = email
    user.email_verified_at = utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        message = _("E-mail này đã được dùng cho một tài khoản khác.")
        raise Conflict(message, code="email_taken") from None
    record_audit(user, "account.email_changed", "user", user.id, before=before, after=email)
    if before:
        end_all_sessions(user)
    return before is not None


def set_first_password(user: User, password: str) -> None:
    """An account without a password (made by a phone code) sets one, to sign in by e-mail too."""
    if user.password_hash:
        raise Conflict(_("Tài khoản đã có mật khẩu."), code="password_exists")
    check_password_strength(password)
    user.password_hash = hash_password(password)
    db.session.flush()
    record_audit(user, "account.password_set", "user", user.id)
