"""The bank account a seller is paid into: changes wait for the commune, and each seller may hold its own key for
the bank's transfer notifications.

Rules (docs/security.md, "Bank accounts that cannot be hijacked"):
- a verified seller's live account (`cooperatives.bank_bin`, `account_no`, `account_holder`) changes only when
  commune staff of its commune (or admin) verify a requested change; until then VietQR keeps the verified account;
- one pending change at a time: a new request replaces the pending one (audited);
- an account verified for another seller is refused when asked for and again when verified;
- a seller still waiting for verification edits its application directly: the account is verified with the seller;
- a notification key is 32 random bytes shown once; only its sha256 is stored; a new one replaces the old.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BindParameter, Select, func, select

from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Bank, Cooperative, Role, User
from marketplace.permissions import ensure_staff_of_commune
from marketplace.services import (
    account_holder_name,
    ensure_account_not_taken,
    notify,
    notify_cooperative,
    record_audit,
    set_bank_account,
    update_cooperative_profile,
)
from marketplace.text import clean_text, utcnow

from .models import BankAccountChange, BankChangeStatus

BANK_FIELDS = ("bank_bin", "account_no", "account_holder")
WEBHOOK_PATH = "/webhooks/bank-transfer"


# --- the requested account ----------------------------------------------------------------------------------------


def clean_account(cooperative: Cooperative, bank_bin: str | None, account_no: str | None, holder: str | None):
    """(BIN, digits, holder as the bank prints it), or a 422 naming the wrong field."""
    bank_bin = (bank_bin or "").strip()
    if not bank_bin or db.session.get(Bank, bank_bin) is None:
        raise ValidationFailed(
            _("Ngân hàng không có trong danh sách NAPAS."), fields={"bin": [_("Không hợp lệ.")]}, code="invalid_bank"
        )
    digits = "".join((account_no or "").split())
    if not digits.isdigit() or not 6 <= len(digits) <= 19:
        raise ValidationFailed(
            _("Số tài khoản gồm 6–19 chữ số."), fields={"account_no": [_("Không hợp lệ.")]}, code="invalid_account"
        )
    return bank_bin, digits, account_holder_name(holder, cooperative.name)


def _is_owner(actor: User, cooperative: Cooperative) -> bool:
    return actor.is_cooperative_owner and actor.cooperative_id == cooperative.id


def _ensure_owner(actor: User, cooperative: Cooperative) -> None:
    if not _is_owner(actor, cooperative):
        raise Forbidden(_("Chỉ chủ hợp tác xã được đổi tài khoản nhận tiền."))


def live_account(cooperative: Cooperative) -> dict[str, Any]:
    return {
        "bin": cooperative.bank_bin,
        "account_no": cooperative.account_no,
        "account_name": cooperative.account_holder,
    }


def pending_change(cooperative: Cooperative, *, lock: bool = False) -> BankAccountChange | None:
    query = select(BankAccountChange).where(
        BankAccountChange.cooperative_id == cooperative.id, BankAccountChange.status == BankChangeStatus.PENDING
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query.order_by(BankAccountChange.id.desc()).limit(1))


def pending_change_json(cooperative: Cooperative) -> dict[str, Any] | None:
    """The `pending_change` of the cooperative's `bank` object in the API, or None."""
    change = pending_change(cooperative)
    if change is None:
        return None
    return {
        "bin": change.after_bin,
        "account_no": change.after_account_no,
        "account_name": change.after_holder,
        "requested_at": change.requested_at,
    }


def change_json(change: BankAccountChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "status": str(change.status),
        "bin": change.after_bin,
        "account_no": change.after_account_no,
        "account_name": change.after_holder,
        "before": {
            "bin": change.before_bin,
            "account_no": change.before_account_no,
            "account_name": change.before_holder,
        },
        "requested_at": change.requested_at,
        "decided_at": change.decided_at,
        "reason": change.reason,
    }


def _commune_staff(commune_code: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.COMMUNE_STAFF, User.commune_code == commune_code, User.active)
        )
    )


def _notify_staff(cooperative: Cooperative, kind: str, message: str) -> None:
    for user in _commune_staff(cooperative.commune_code):
        notify(user, kind, message, "/commune/bank-changes")


def request_bank_change(
    actor: User, cooperative: Cooperative, bank_bin: str | None, account_no: str | None, holder: str | None
) -> BankAccountChange | None:
    """The owner asks to be paid into another account. A verified seller's request waits for the commune (the
    change is returned); a seller not yet verified edits its application directly (None is returned)."""
    _ensure_owner(actor, cooperative)
    bank_bin, digits, holder = clean_account(cooperative, bank_bin, account_no, holder)
    ensure_account_not_taken(cooperative, bank_bin, digits)
    if not cooperative.verified:
        set_bank_account(cooperative, bank_bin, digits, holder)
        db.session.flush()
        return None
    if (bank_bin, digits, holder) == (cooperative.bank_bin, cooperative.account_no, cooperative.account_holder):
        raise ValidationFailed(
            _("Đây đã là tài khoản nhận tiền hiện tại."),
            fields={"account_no": [_("Không thay đổi.")]},
            code="bank_account_unchanged",
        )
    now = utcnow()
    earlier = pending_change(cooperative, lock=True)
    if earlier is not None:
        earlier.status = BankChangeStatus.REJECTED
        earlier.decided_by_id, earlier.decided_at = actor.id, now
        earlier.reason = "replaced"
        record_audit(
            actor,
            "bank_account.change_replaced",
            "cooperative",
            cooperative.id,
            commune_code=cooperative.commune_code,
            change=earlier.id,
            after={"bin": earlier.after_bin, "account_no": earlier.after_account_no},
        )
    change = BankAccountChange(
        cooperative_id=cooperative.id,
        before_bin=cooperative.bank_bin,
        before_account_no=cooperative.account_no,
        before_holder=cooperative.account_holder,
        after_bin=bank_bin,
        after_account_no=digits,
        after_holder=holder,
        status=BankChangeStatus.PENDING,
        requested_by_id=actor.id,
        requested_at=now,
    )
    db.session.add(change)
    db.session.flush()
    record_audit(
        actor,
        "bank_account.change_requested",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        change=change.id,
        before={"bin": change.before_bin, "account_no": change.before_account_no, "holder": change.before_holder},
        after={"bin": bank_bin, "account_no": digits, "holder": holder},
    )
    _notify_staff(
        cooperative,
        "bank_change_requested",
        _("%(coop)s xin đổi tài khoản nhận tiền; hãy đối chiếu và xác nhận.", coop=cooperative.name),
    )
    return change


def decide_bank_change(actor: User, cooperative: Cooperative, verified: bool, reason: str = "") -> BankAccountChange:
    """Commune staff of the cooperative's commune (or admin) confirm the pending change (it becomes the live
    account) or reject it with a reason. Both the owner's members and the commune staff get a notice."""
    ensure_staff_of_commune(actor, cooperative.commune_code)
    change = pending_change(cooperative, lock=True)
    if change is None:
        raise NotFound(_("Không có yêu cầu đổi tài khoản nào đang chờ."), code="no_pending_change")
    reason = (clean_text(reason) or "")[:1000]
    if verified:
        ensure_account_not_taken(cooperative, change.after_bin, change.after_account_no)
        cooperative.bank_bin = change.after_bin
        cooperative.account_no = change.after_account_no
        cooperative.account_holder = change.after_holder
    elif not reason:
        raise ValidationFailed(_("Hãy ghi lý do từ chối."), fields={"reason": [_("Bắt buộc.")]})
    change.status = BankChangeStatus.VERIFIED if verified else BankChangeStatus.REJECTED
    change.decided_by_id, change.decided_at = actor.id, utcnow()
    change.reason = reason or None
    record_audit(
        actor,
        "bank_account.change_verified" if verified else "bank_account.change_rejected",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        change=change.id,
        before={"bin": change.before_bin, "account_no": change.before_account_no, "holder": change.before_holder},
        after={"bin": change.after_bin, "account_no": change.after_account_no, "holder": change.after_holder},
        reason=reason,
    )
    if verified:
        message = _(
            "Xã đã xác nhận tài khoản nhận tiền mới của %(coop)s: %(account)s.",
            coop=cooperative.name,
            account=change.after_account_no,
        )
    else:
        message = _("Xã từ chối đổi tài khoản nhận tiền của %(coop)s: %(reason)s", coop=cooperative.name, reason=reason)
    notify_cooperative(cooperative.id, "bank_change_decided", message, "/cooperative/settings")
    _notify_staff(cooperative, "bank_change_decided", message)
    db.session.flush()
    return change


def pending_changes_for(user: User) -> Select[tuple[BankAccountChange]]:
    """Pending changes a commune's staff decide (admin: all), oldest first."""
    return pending_changes_as(user.role, user.commune_code)


def pending_changes_as(role: Role, commune_code: int | BindParameter | None) -> Select[tuple[BankAccountChange]]:
    """`pending_changes_for` someone of this role and commune (a bind parameter in a statement built once)."""
    query = (
        select(BankAccountChange)
        .join(Cooperative, Cooperative.id == BankAccountChange.cooperative_id)
        .where(BankAccountChange.status == BankChangeStatus.PENDING)
        .order_by(BankAccountChange.requested_at)
    )
    if role == Role.ADMIN:
        return query
    if role == Role.COMMUNE_STAFF:
        return query.where(Cooperative.commune_code == commune_code)
    return query.where(False)


def pending_changes_count(user: User, commune_code: int | None = None) -> int:
    query = pending_changes_for(user)
    if commune_code is not None:
        query = query.where(Cooperative.commune_code == commune_code)
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def update_settings(actor: User, cooperative: Cooperative, data: dict) -> BankAccountChange | None:
    """The settings form: profile and fees as before; the bank fields of a verified seller become a change request
    (nothing when they are unchanged), those of a seller not yet verified edit its application."""
    if cooperative.verified:
        asked = {name: data.get(name) or None for name in BANK_FIELDS}
        update_cooperative_profile(actor, cooperative, {**data, "bank_bin": None, "account_no": None})
        if not (asked["bank_bin"] or asked["account_no"]):
            return None
        bank_bin, digits, holder = clean_account(
            cooperative, asked["bank_bin"], asked["account_no"], asked["account_holder"]
        )
        if (bank_bin, digits, holder) == (cooperative.bank_bin, cooperative.account_no, cooperative.account_holder):
            return None
        return request_bank_change(actor, cooperative, bank_bin, digits, holder)
    update_cooperative_profile(actor, cooperative, data)
    return None


# --- the seller's notification key --------------------------------------------------------------------------------


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_webhook_key(actor: User, cooperative: Cooperative) -> str:
    """A new key for the seller's bank notifications; the old one stops working. Only its hash is stored."""
    _ensure_owner(actor, cooperative)
    key = secrets.token_urlsafe(32)
    rotated = cooperative.bank_webhook_key_hash is not None
    cooperative.bank_webhook_key_hash = key_digest(key)
    cooperative.bank_webhook_key_at = utcnow()
    record_audit(
        actor,
        "bank_account.webhook_key_rotated" if rotated else "bank_account.webhook_key_issued",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
    )
    db.session.flush()
    return key


def webhook_url() -> str:
    """Where a seller's bank-notification service (SePay, Casso) posts: the VietQR gateway's webhook."""
    return current_app.config["PUBLIC_BASE_URL"] + WEBHOOK_PATH


def cooperative_for_webhook_key(key: str) -> Cooperative | None:
    """The seller that holds this notification key, or None."""
    key = (key or "").strip()
    if not key:
        return None
    return db.session.scalar(select(Cooperative).where(Cooperative.bank_webhook_key_hash == key_digest(key)))


def verified_owner_of_account(account_no: str | None) -> Cooperative | None:
    """The one verified seller whose live account has this number (None when none or ambiguous)."""
    if not account_no:
        return None
    owners = db.session.scalars(
        select(Cooperative).where(Cooperative.account_no == account_no, Cooperative.verified).limit(2)
    ).all()
    return owners[0] if len(owners) == 1 else None


def find_cooperative(slug: str) -> Cooperative:
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None:
        raise NotFound(_("Không tìm thấy hợp tác xã."))
    return cooperative
