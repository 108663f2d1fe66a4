"""Accounts, roles, cooperatives and API tokens: every rule and state change for the marketplace core."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError

from .errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from .extensions import db
from .mail import queue_mail
from .models import (
    ApiToken,
    AuditLog,
    Bank,
    Commune,
    Cooperative,
    CooperativeKind,
    CooperativeStatus,
    CoopRole,
    Invitation,
    Notice,
    RememberToken,
    Role,
    User,
)
from .notify import send_text
from .ops.metrics import count
from .permissions import ensure_staff_of_commune
from .signals import announce_seller_status
from .text import (
    PhoneProblem,
    as_utc,
    ascii_upper,
    classify_phone,
    clean_text,
    normalise_phone,
    slugify,
    utcnow,
)
from .ttlcache import TtlCache
from .urls import public_url

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
RESET_MAX_AGE_SECONDS = 2 * 3600
INVITATION_DAYS = 7
REMEMBER_DAYS = 30
# Verified against when the e-mail is unknown, so a login costs the same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("ocop-dummy-password")
COMMUNE_CACHE_SECONDS = 600
_commune_provinces = TtlCache(size=8192)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(raw: str) -> str:
    """One spelling per address: NFKC (full-width and other look-alike forms become plain letters),
    casefolded, then validated; `ｋｈａｃｈ@Demo.vn` and `khach@demo.vn` are the same account."""
    folded = unicodedata.normalize("NFKC", raw or "").strip().casefold()
    try:
        return validate_email(folded, check_deliverability=False).normalized.casefold()
    except EmailNotValidError as error:
        raise ValidationFailed(_("Địa chỉ e-mail không hợp lệ."), fields={"email": [str(error)]}) from error


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH),
            fields={"password": [_("Mật khẩu quá ngắn.")]},
        )


def find_user_by_email(email: str) -> User | None:
    """The account of this address, whichever spelling of it is given."""
    try:
        email = normalise_email(email)
    except ValidationFailed:
        return None
    return db.session.scalar(select(User).where(User.email == email))


def record_audit(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    commune_code: int | None = None,
    **details: object,
) -> AuditLog:
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        commune_code=commune_code,
        details=details,
    )
    db.session.add(entry)
    return entry


def notify(user: User, kind: str, message: str, link: str | None = None) -> Notice:
    notice = Notice(user_id=user.id, kind=kind, message=message, link=link)
    db.session.add(notice)
    count("notifications", on_commit=True, channel="in_app")
    return notice


def active_members(cooperative_id: int) -> list[User]:
    """A cooperative's active members: the collection already loaded with it in this session (checkout loads
    it with the products, so placing an order does not stop to query), else one query."""
    cooperative = db.session.identity_map.get(db.session.identity_key(Cooperative, cooperative_id))
    if cooperative is not None and "members" in inspect(cooperative).dict:
        return [member for member in cooperative.members if member.active]
    return list(db.session.scalars(select(User).where(User.cooperative_id == cooperative_id, User.active)))


def notify_cooperative(
    cooperative_id: int, kind: str, message: str, link: str | None = None, mail_subject: str | None = None
) -> None:
    """An in-app notice to every member of a cooperative, plus an e-mail when a subject is given."""
    for member in active_members(cooperative_id):
        notify(member, kind, message, link)
        if mail_subject:
            queue_mail(member.email, mail_subject, message + (f"\n\n{link}" if link else ""))


def normalise_account_phone(raw: str | None) -> str | None:
    """An account's phone in E.164 (`+84912345678`); None when left empty; any other text is refused."""
    if not (raw or "").strip():
        return None
    return require_mobile(raw)


def require_mobile(raw: str | None) -> str:
    """A Vietnamese mobile number in E.164, or a message saying why the typed text is not one (a landline or a
    foreign number cannot receive our codes and texts)."""
    phone, problem = classify_phone(raw)
    if phone is not None:
        return phone
    if problem == PhoneProblem.LANDLINE:
        message = _("Đây là số máy bàn: hãy nhập số di động (10 chữ số, ví dụ 0912 345 678) để nhận mã.")
    elif problem == PhoneProblem.FOREIGN:
        message = _("Chỉ nhận số di động Việt Nam (ví dụ 0912 345 678 hoặc +84 912 345 678).")
    else:
        message = _("Số điện thoại di động gồm 10 chữ số, ví dụ 0912 345 678.")
    raise ValidationFailed(message, fields={"phone": message}, code="invalid_phone")


def ensure_phone_free(phone: str | None, user: User | None = None) -> None:
    """A phone (E.164) belongs to at most one account: every spelling of a taken number is refused."""
    if phone is None:
        return
    owner = db.session.scalar(select(User.id).where(User.phone == phone))
    if owner is not None and (user is None or owner != user.id):
        message = _("Số điện thoại này đã được dùng cho một tài khoản khác.")
        raise Conflict(message, code="phone_taken", fields={"phone": message})


def set_account_phone(user: User, raw: str | None) -> None:
    """Change (or clear) an account's phone: stored in E.164, refused when another account has the number."""
    phone = normalise_account_phone(raw)
    ensure_phone_free(phone, user)
    user.phone = phone
    flush_account_phone(user)


def flush_account_phone(user: User) -> None:
    """Flush an account whose phone was just set; the unique index decides a race between two accounts."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        if user.phone is None:
            raise
        message = _("Số điện thoại này đã được dùng cho một tài khoản khác.")
        raise Conflict(message, code="phone_taken", fields={"phone": message}) from None


def register_buyer(email: str, password: str, full_name: str, phone: str | None = None) -> User | None:
    """A new buyer account; None when the address is taken, after mailing its owner instead (the caller
    answers both the same way, so registration tells nobody which addresses have accounts)."""
    email = normalise_email(email)
    check_password_strength(password)
    account_phone = normalise_account_phone(phone)
    password_hash = hash_password(password)  # also for a taken address, so both answers take as long
    existing = find_user_by_email(email)
    if existing is not None:
        _mail_taken_address(existing)
        return None
    ensure_phone_free(account_phone)
    user = User(
        email=email,
        password_hash=password_hash,
        full_name=clean_text(full_name) or "",
        phone=account_phone,
        role=Role.BUYER,
    )
    flush_account_phone(user)
    return user


def set_full_name(user: User, full_name: str) -> None:
    name = clean_text(full_name) or ""
    if not name or len(name) > 120:
        raise ValidationFailed(_("Nhập họ tên (tối đa 120 ký tự)."), fields={"full_name": [_("Bắt buộc.")]})
    user.full_name = name
    db.session.flush()


def _mail_taken_address(user: User) -> None:
    """Tell an account's owner that someone tried to register their address again."""
    queue_mail(
        user.email,
        _("Có người đăng ký lại e-mail của bạn trên Chợ OCOP"),
        _(
            "Chào %(name)s,\n\nAi đó vừa đăng ký tài khoản mới bằng e-mail này, nhưng e-mail đã có tài khoản. "
            "Nếu là bạn, hãy đăng nhập, hoặc đặt lại mật khẩu tại:\n%(url)s\n\n"
            "Nếu không phải bạn, hãy bỏ qua thư này; tài khoản của bạn không thay đổi.",
            name=user.label,
            url=public_url("main.forgot_password"),
        ),
    )


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password; one message for every failure."""
    user = find_user_by_email(email or "")
    failure = DomainError(_("E-mail hoặc mật khẩu không đúng."), code="invalid_credentials", status=401)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        raise failure from None
    if user is None or not user.active:
        raise failure
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def create_user(
    email: str,
    password: str,
    role: Role,
    full_name: str = "",
    *,
    cooperative: Cooperative | None = None,
    coop_role: CoopRole | None = None,
    commune_code: int | None = None,
    actor: User | None = None,
) -> User:
    """Any role, as admin or the CLI does it; the role's link (cooperative or commune) must be given."""
    email = normalise_email(email)
    check_password_strength(password)
    if find_user_by_email(email):
        raise Conflict(_("E-mail này đã được đăng ký."), code="email_taken")
    if role == Role.COOPERATIVE and cooperative is None:
        raise ValidationFailed(_("Thành viên hợp tác xã cần thuộc một hợp tác xã."))
    if role == Role.COMMUNE_STAFF and (commune_code is None or db.session.get(Commune, commune_code) is None):
        raise ValidationFailed(_("Cán bộ xã cần được gán một xã có thật."))
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=clean_text(full_name) or "",
        role=role,
        cooperative_id=cooperative.id if role == Role.COOPERATIVE and cooperative else None,
        cooperative_role=(coop_role or CoopRole.STAFF) if role == Role.COOPERATIVE else None,
        commune_code=commune_code if role == Role.COMMUNE_STAFF else None,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.created", "user", user.id, commune_code=commune_code, role=str(role), email=email)
    return user


def change_role(actor: User, user: User, role: Role, *, commune_code: int | None = None) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Chỉ quản trị viên được đổi vai trò."))
    before = str(user.role)
    user.role = role
    user.commune_code = commune_code if role == Role.COMMUNE_STAFF else None
    if role != Role.COOPERATIVE:
        user.cooperative_id, user.cooperative_role = None, None
    db.session.flush()
    end_all_sessions(user)
    record_audit(actor, "user.role_changed", "user", user.id, commune_code=commune_code, before=before, after=str(role))


def end_all_sessions(user: User) -> None:
    """Every browser signed in as this user is signed out, every remember-me cookie stops working."""
    user.session_version = (user.session_version or 1) + 1
    for row in db.session.scalars(select(RememberToken).where(RememberToken.user_id == user.id)):
        db.session.delete(row)
    db.session.flush()


def issue_remember_token(user: User) -> str:
    """A new remember-me token for this browser; only its hash is stored (the user's expired ones go)."""
    db.session.execute(
        delete(RememberToken).where(RememberToken.user_id == user.id, RememberToken.expires_at < utcnow())
    )
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=REMEMBER_DAYS)
    db.session.add(RememberToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires_at))
    db.session.flush()
    return token


def use_remember_token(token: str) -> tuple[User, str] | None:
    """The user behind an unexpired remember-me token and the token replacing it (each is used once)."""
    row = db.session.scalar(select(RememberToken).where(RememberToken.token_hash == _token_digest(token)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    db.session.delete(row)
    db.session.flush()
    if user is None or not user.active or as_utc(row.expires_at) < utcnow():
        return None
    return user, issue_remember_token(user)


# --- password reset -------------------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a used reset link stops working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str, reset_url_for) -> None:
    """Mail a reset link when the account exists; say nothing either way (no account enumeration)."""
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return
    token = _reset_serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})
    queue_mail(
        user.email,
        _("Đặt lại mật khẩu Chợ OCOP"),
        _(
            "Chào %(name)s,\n\nBấm vào liên kết sau để đặt lại mật khẩu (hiệu lực 2 giờ):\n%(url)s\n\n"
            "Nếu bạn không yêu cầu, hãy bỏ qua thư này.",
            name=user.label,
            url=reset_url_for(token),
        ),
    )


def reset_password(token: str, new_password: str) -> User:
    invalid = DomainError(_("Liên kết đặt lại mật khẩu không hợp lệ hoặc đã hết hạn."), code="invalid_token")
    try:
        data = _reset_serializer().loads(token, max_age=RESET_MAX_AGE_SECONDS)
    except (BadSignature, SignatureExpired):
        raise invalid from None
    user = db.session.get(User, data.get("uid"))
    if user is None or _password_fingerprint(user) != data.get("fp"):
        raise invalid
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    revoke_all_tokens(user)
    end_all_sessions(user)
    return user


# --- API tokens -----------------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, name: str = "api") -> str:
    """A new bearer token; only its hash is stored."""
    token = "ocop_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), name=name[:80]))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token (one query)."""
    return db.session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None), User.active)
    )


def province_of_commune(code: int) -> int | None:
    """The province code of a commune, None when no such commune; administrative units are reference
    data, so each worker remembers the answers for a while."""
    key = (str(db.engine.url), code)
    found = _commune_provinces.get(key, COMMUNE_CACHE_SECONDS)
    if found is None:
        found = db.session.scalar(select(Commune.province_code).where(Commune.code == code))
        if found is not None:
            _commune_provinces.put(key, found)
    return found


def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def revoke_all_tokens(user: User) -> None:
    for row in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        row.revoked_at = utcnow()


# --- cooperatives ---------------------------------------------------------------------------------


def unique_slug(model, base: str, column_name: str = "slug") -> str:
    """`base`, or `base-2`, `base-3`… — the first free one for this model."""
    base = slugify(base)[:120] or "muc"
    column = getattr(model, column_name)
    taken = set(db.session.scalars(select(column).where(column.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


REGISTRATION_NO = re.compile(r"^(\d{10}|\d{13}|\d{10}-\d{3})$")


def normalise_registration_no(value: str | None) -> str | None:
    """A business registration or tax number: 10 or 13 digits, or 10 digits with a `-NNN` branch suffix."""
    text = re.sub(r"[\s.]", "", clean_text(value) or "")
    if not text:
        return None
    if not REGISTRATION_NO.match(text):
        raise ValidationFailed(
            _("Mã số đăng ký/mã số thuế gồm 10 hoặc 13 chữ số (chi nhánh: 10 số, dấu gạch, 3 số)."),
            fields={"registration_no": [_("Không hợp lệ.")]},
        )
    return text


def parse_cooperative_kind(value: str | CooperativeKind | None) -> CooperativeKind:
    try:
        return CooperativeKind(value or CooperativeKind.HTX)
    except ValueError:
        raise ValidationFailed(
            _("Loại hình phải là hợp tác xã, tổ hợp tác, hộ kinh doanh hoặc doanh nghiệp."),
            fields={"kind": [_("Không hợp lệ.")]},
        ) from None


def create_cooperative(
    name: str,
    commune_code: int,
    *,
    kind: str | CooperativeKind | None = None,
    registration_no: str | None = None,
    representative: str = "",
    address: str = "",
    phone: str = "",
    description: str = "",
    bank_bin: str | None = None,
    account_no: str | None = None,
    account_holder: str | None = None,
    slug: str | None = None,
    owner: User | None = None,
) -> Cooperative:
    """A new seller, `pending` until its commune verifies it; the owner (if given) becomes its owner member."""
    name = clean_text(name) or ""
    if not name:
        raise ValidationFailed(_("Tên hợp tác xã không được để trống."), fields={"name": [_("Bắt buộc.")]})
    if db.session.get(Commune, commune_code) is None:
        raise ValidationFailed(_("Xã không tồn tại."), fields={"commune": [_("Không tìm thấy xã.")]})
    cooperative = Cooperative(
        name=name,
        slug=slug or unique_slug(Cooperative, name),
        kind=parse_cooperative_kind(kind),
        status=CooperativeStatus.PENDING,
        registration_no=normalise_registration_no(registration_no),
        representative=clean_text(representative) or "",
        commune_code=commune_code,
        address=clean_text(address) or "",
        phone=normalise_phone(phone) or (phone or ""),
        description=clean_text(description) or "",
    )
    db.session.add(cooperative)
    set_bank_account(cooperative, bank_bin, account_no, account_holder)
    db.session.flush()
    if owner is not None:
        owner.role, owner.cooperative_id, owner.cooperative_role = Role.COOPERATIVE, cooperative.id, CoopRole.OWNER
    return cooperative


def account_holder_name(value: str | None, fallback: str) -> str:
    """The holder's name as the bank prints it: upper case, no diacritics (`HTX NAM MEO VAN SON`)."""
    return ascii_upper(clean_text(value) or fallback)[:120].strip()


def ensure_account_not_taken(cooperative: Cooperative, bank_bin: str, account_no: str) -> None:
    """An account already verified for another seller cannot be claimed by a second one."""
    taken = db.session.scalar(
        select(Cooperative.id).where(
            Cooperative.bank_bin == bank_bin,
            Cooperative.account_no == account_no,
            Cooperative.verified,
            Cooperative.id != cooperative.id,
        )
    )
    if taken is not None:
        raise ValidationFailed(
            _("Tài khoản ngân hàng này đã thuộc về một người bán khác trên Chợ OCOP."),
            fields={"account_no": [_("Đã được dùng.")]},
            code="bank_account_taken",
        )


def set_bank_account(
    cooperative: Cooperative, bank_bin: str | None, account_no: str | None, account_holder: str | None
) -> None:
    """Bank for VietQR: a NAPAS BIN from our list, a 6–19 digit account number, the holder's name."""
    if not bank_bin and not account_no:
        return
    if not bank_bin or db.session.get(Bank, bank_bin) is None:
        raise ValidationFailed(
            _("Ngân hàng không có trong danh sách NAPAS."), fields={"bank_bin": [_("Không hợp lệ.")]}
        )
    digits = (account_no or "").replace(" ", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 19:
        raise ValidationFailed(_("Số tài khoản gồm 6–19 chữ số."), fields={"account_no": [_("Không hợp lệ.")]})
    ensure_account_not_taken(cooperative, bank_bin, digits)
    cooperative.bank_bin, cooperative.account_no = bank_bin, digits
    cooperative.account_holder = account_holder_name(account_holder, cooperative.name)


def unverified_message() -> str:
    return _(
        "Hợp tác xã chưa được xã xác minh: bạn vẫn soạn được bản nháp, nhưng chưa thể gửi duyệt, "
        "hiển thị công khai hay nhận đơn hàng."
    )


def ensure_cooperative_verified(cooperative: Cooperative, message: str | None = None, **extra: object) -> None:
    """409 `cooperative_unverified` unless the commune has verified this seller (submit, approve, cart, checkout)."""
    if not cooperative.verified:
        raise Conflict(message or unverified_message(), code="cooperative_unverified", **extra)


def verify_cooperative(actor: User, cooperative: Cooperative, verified: bool = True) -> None:
    """Verify a seller (or take its verification back): its published products appear in public (or leave it)."""
    ensure_staff_of_commune(actor, cooperative.commune_code)
    was_verified = cooperative.verified
    cooperative.status = CooperativeStatus.VERIFIED if verified else CooperativeStatus.PENDING
    cooperative.verified_at = utcnow() if verified else None
    cooperative.verified_by_id = actor.id if verified else None
    if was_verified != verified and cooperative.id is not None:
        db.session.flush()
        announce_seller_status(cooperative.id, verified)
    record_audit(
        actor,
        "cooperative.verified" if verified else "cooperative.unverified",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
    )


def _invite(inviter: User, cooperative: Cooperative, contact: str, role: CoopRole, accept_url_for) -> Invitation:
    """An invitation row (only the token's hash is kept) and its message with the acceptance link: an e-mail, or
    a text message when `contact` is a mobile number (accepting then needs signing in with that phone by code)."""
    by_phone = "@" not in (contact or "")
    email = None if by_phone else normalise_email(contact)
    phone = require_mobile(contact) if by_phone else None
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        cooperative_id=cooperative.id,
        email=email,
        phone=phone,
        role=role,
        token_hash=_token_digest(token),
        invited_by_id=inviter.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    if role == CoopRole.OWNER:
        body = _(
            "%(inviter)s đã đưa %(coop)s lên Chợ OCOP và mời bạn làm chủ gian hàng. "
            "Nhận lời mời (hiệu lực 7 ngày):\n%(url)s",
            inviter=inviter.label,
            coop=cooperative.name,
            url=accept_url_for(token),
        )
    else:
        body = _(
            "%(owner)s mời bạn quản lý gian hàng %(coop)s. Nhận lời mời (hiệu lực 7 ngày):\n%(url)s",
            owner=inviter.label,
            coop=cooperative.name,
            url=accept_url_for(token),
        )
    if phone is not None:
        send_text(phone, body, key=f"invite:{invitation.id}")
    else:
        queue_mail(email, _("Lời mời tham gia %(coop)s trên Chợ OCOP", coop=cooperative.name), body)
    return invitation


def invite_member(owner: User, email: str, accept_url_for) -> Invitation:
    """The owner invites a member (staff) of their cooperative."""
    if not owner.is_cooperative_owner:
        raise Forbidden(_("Chỉ chủ hợp tác xã được mời thành viên."))
    return _invite(owner, owner.cooperative, email, CoopRole.STAFF, accept_url_for)


def invite_owner(actor: User, cooperative: Cooperative, email: str, accept_url_for) -> Invitation:
    """Commune staff (of its commune) or admin invite the owner of a seller they onboarded: accepting makes the
    invitee its owner."""
    ensure_staff_of_commune(actor, cooperative.commune_code)
    invitation = _invite(actor, cooperative, email, CoopRole.OWNER, accept_url_for)
    record_audit(
        actor,
        "cooperative.owner_invited",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        email=invitation.email,
        phone=invitation.phone,
    )
    return invitation


def find_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_digest(token)))
    if invitation is None or invitation.accepted_at or as_utc(invitation.expires_at) < utcnow():
        raise NotFound(_("Lời mời không hợp lệ hoặc đã hết hạn."), code="invalid_invitation")
    return invitation


def _proves_ownership(user: User, password: str, actor: User | None) -> bool:
    """True when the browser is signed in as `user` or gives its password (a link alone proves nothing)."""
    if actor is not None and actor.id == user.id:
        return True
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def accept_invitation(token: str, password: str, full_name: str, actor: User | None = None) -> User:
    """Create the member's account, or attach an existing account to the inviting cooperative when its
    owner is signed in or gives its password."""
    invitation = find_invitation(token)
    if invitation.phone is not None:  # a text message with a link proves nothing: the phone's code does
        if actor is None or actor.phone != invitation.phone or actor.phone_verified_at is None:
            raise DomainError(
                _("Lời mời này gửi tới một số điện thoại: hãy đăng nhập bằng số đó (nhận mã) rồi nhận lời mời."),
                code="phone_sign_in_required",
                status=401,
            )
        user = actor
        if not user.full_name:
            user.full_name = clean_text(full_name) or ""
    else:
        user = find_user_by_email(invitation.email)
    if user is None:
        check_password_strength(password)
        user = User(
            email=invitation.email, password_hash=hash_password(password), full_name=clean_text(full_name) or ""
        )
        db.session.add(user)
    elif not user.active or (invitation.phone is None and not _proves_ownership(user, password, actor)):
        raise DomainError(
            _("E-mail này đã có tài khoản: hãy đăng nhập bằng tài khoản đó hoặc nhập đúng mật khẩu của nó."),
            code="invalid_credentials",
            status=401,
        )
    elif user.role not in (Role.BUYER, Role.COOPERATIVE) or (
        user.cooperative_id not in (None, invitation.cooperative_id)
    ):
        raise Conflict(
            _(
                "Tài khoản này đã là thành viên của một người bán khác hoặc của chính quyền: "
                "mỗi tài khoản chỉ thuộc một nơi. Hãy dùng một e-mail khác."
            ),
            code="already_member",
        )
    # an existing member keeps the role they have (an owner never becomes staff by accepting); an owner
    # invitation from the commune makes its invitee an owner
    already = user.cooperative_id == invitation.cooperative_id and user.role == Role.COOPERATIVE
    role = CoopRole.OWNER if invitation.role == CoopRole.OWNER else CoopRole.STAFF
    if already and user.cooperative_role == CoopRole.OWNER:
        role = CoopRole.OWNER
    user.role, user.cooperative_id, user.cooperative_role = Role.COOPERATIVE, invitation.cooperative_id, role
    invitation.accepted_at = utcnow()
    db.session.flush()
    record_audit(user, "cooperative.member_joined", "cooperative", invitation.cooperative_id, role=str(role))
    return user


def transfer_ownership(owner: User, member: User) -> None:
    """The owner hands the seller to another active member of it; the old owner stays on as a plain member."""
    if not owner.is_cooperative_owner:
        raise Forbidden(_("Chỉ chủ hợp tác xã được chuyển quyền chủ."))
    if member.id == owner.id or member.cooperative_id != owner.cooperative_id or member.role != Role.COOPERATIVE:
        raise NotFound(_("Không tìm thấy thành viên này trong hợp tác xã của bạn."))
    if not member.active:
        raise Conflict(_("Tài khoản này đã bị khoá, không nhận quyền chủ được."), code="member_inactive")
    member.cooperative_role, owner.cooperative_role = CoopRole.OWNER, CoopRole.STAFF
    db.session.flush()
    record_audit(
        owner,
        "cooperative.ownership_transferred",
        "cooperative",
        owner.cooperative_id,
        commune_code=owner.cooperative.commune_code,
        from_user_id=owner.id,
        to_user_id=member.id,
    )
    notify(
        member,
        "cooperative_owner",
        _("Bạn đã trở thành chủ của %(coop)s.", coop=owner.cooperative.name),
        link=public_url("main.cooperative_members"),
    )


def _parse_fee(raw: object) -> int | None:
    """A shipping fee typed as `30.000` or `30000`; None when left empty."""
    fee = str(raw or "").replace(".", "").replace(" ", "")
    if not fee:
        return None
    if not fee.isdigit() or int(fee) > 10_000_000:
        raise ValidationFailed(_("Phí giao hàng phải là số đồng từ 0 đến 10.000.000."))
    return int(fee)


def update_cooperative_profile(actor: User, cooperative: Cooperative, data: dict) -> None:
    """Owner edits name, contact, description, bank account and shipping fees (flat plus per started kg)."""
    if not (actor.is_admin or (actor.is_cooperative_owner and actor.cooperative_id == cooperative.id)):
        raise Forbidden(_("Chỉ chủ hợp tác xã được sửa thông tin này."))
    name = clean_text(data.get("name")) or ""
    if not name:
        raise ValidationFailed(_("Tên hợp tác xã không được để trống."))
    cooperative.name = name
    cooperative.address = clean_text(data.get("address")) or ""
    phone = data.get("phone") or ""
    cooperative.phone = normalise_phone(phone) or phone
    cooperative.description = clean_text(data.get("description")) or ""
    for name in ("shipping_flat_vnd", "shipping_per_kg_vnd"):
        fee = _parse_fee(data.get(name))
        if fee is not None:
            setattr(cooperative, name, fee)
    set_bank_account(
        cooperative, data.get("bank_bin") or None, data.get("account_no") or None, data.get("account_holder")
    )
    db.session.flush()
