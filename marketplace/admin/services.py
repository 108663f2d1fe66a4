"""Administration rules: the NAPAS bank list used for VietQR (add, edit, deactivate)."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Bank, User
from marketplace.services import record_audit
from marketplace.text import clean_text

BIN_PATTERN = re.compile(r"^\d{6}$")


def _ensure_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Chỉ quản trị viên được sửa danh sách ngân hàng."))


def _clean_names(short_name: str, name: str) -> tuple[str, str]:
    short_name, name = clean_text(short_name) or "", clean_text(name) or ""
    errors = {}
    if not short_name or len(short_name) > 40:
        errors["short_name"] = [_("Tên viết tắt có 1–40 ký tự.")]
    if not name or len(name) > 160:
        errors["name"] = [_("Tên đầy đủ có 1–160 ký tự.")]
    if errors:
        raise ValidationFailed(_("Thông tin ngân hàng chưa hợp lệ."), fields=errors)
    return short_name, name


def add_bank(actor: User, bin_: str, short_name: str, name: str) -> Bank:
    """A new NAPAS member: a 6-digit BIN not yet in the list."""
    _ensure_admin(actor)
    bin_ = (bin_ or "").strip()
    if not BIN_PATTERN.match(bin_):
        raise ValidationFailed(_("Mã BIN gồm đúng 6 chữ số."), fields={"bin": [_("Không hợp lệ.")]})
    short_name, name = _clean_names(short_name, name)
    if db.session.get(Bank, bin_) is not None:
        raise Conflict(_("Mã BIN %(bin)s đã có trong danh sách.", bin=bin_), code="bank_exists")
    bank = Bank(bin=bin_, short_name=short_name, name=name, active=True)
    db.session.add(bank)
    db.session.flush()
    record_audit(actor, "bank.created", "bank", bin_, short_name=short_name)
    return bank


def find_bank(bin_: str) -> Bank:
    bank = db.session.get(Bank, bin_)
    if bank is None:
        raise NotFound(_("Không tìm thấy ngân hàng có mã BIN %(bin)s.", bin=bin_))
    return bank


def update_bank(actor: User, bank: Bank, short_name: str, name: str, active: bool) -> None:
    """Rename a bank or (de)activate it; a deactivated bank leaves the cooperatives' picker."""
    _ensure_admin(actor)
    short_name, name = _clean_names(short_name, name)
    before = {"short_name": bank.short_name, "name": bank.name, "active": bank.active}
    bank.short_name, bank.name, bank.active = short_name, name, active
    after = {"short_name": short_name, "name": name, "active": active}
    if before == after:
        return
    db.session.flush()
    action = "bank.updated"
    if before["active"] != active:
        action = "bank.activated" if active else "bank.deactivated"
    record_audit(actor, action, "bank", bank.bin, before=before, after=after)
