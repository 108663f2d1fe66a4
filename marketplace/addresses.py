"""Saved delivery addresses: several per account, at most one default; checkout offers them and saves new ones."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from .errors import NotFound, ValidationFailed
from .extensions import db
from .models import Address, User
from .services import province_of_commune
from .text import clean_text, normalise_phone

MAX_ADDRESSES = 20


def addresses_of(user: User) -> list[Address]:
    """The account's addresses, the default first, then the newest."""
    return list(
        db.session.scalars(
            select(Address)
            .where(Address.user_id == user.id)
            .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())
        )
    )


def default_address(user: User) -> Address | None:
    found = addresses_of(user)
    return found[0] if found else None


def address_of(user: User, address_id: int) -> Address:
    """One of the account's own addresses (another account's is not found)."""
    address = db.session.get(Address, address_id)
    if address is None or address.user_id != user.id:
        raise NotFound(_("Không tìm thấy địa chỉ này."))
    return address


def _clean(name: str, phone: str, address: str, commune_code: object) -> tuple[str, str, str, int]:
    errors: dict[str, list[str]] = {}
    name, address = clean_text(name) or "", clean_text(address) or ""
    if not name or len(name) > 120:
        errors["name"] = [_("Nhập họ tên người nhận (tối đa 120 ký tự).")]
    mobile = normalise_phone(phone or "")
    if mobile is None:
        errors["phone"] = [_("Số di động Việt Nam gồm 10 số, bắt đầu bằng 0 hoặc +84.")]
    if not address or len(address) > 300:
        errors["address"] = [_("Nhập số nhà, thôn/xóm, đường (tối đa 300 ký tự).")]
    code = int(commune_code) if str(commune_code or "").isdigit() else None
    if code is None or province_of_commune(code) is None:
        errors["commune"] = [_("Chọn xã/phường nhận hàng.")]
    if errors:
        raise ValidationFailed(_("Vui lòng kiểm tra lại địa chỉ."), fields=errors)
    return name, mobile, address, code


def _make_default(user: User, address: Address) -> None:
    db.session.execute(
        update(Address)
        .where(Address.user_id == user.id, Address.id != address.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    address.is_default = True


def save_address(
    user: User, name: str, phone: str, address: str, commune_code: object, *, make_default: bool = False
) -> Address:
    """Add an address (the same one typed again is not duplicated); the first one becomes the default."""
    name, phone, address, code = _clean(name, phone, address, commune_code)
    existing = addresses_of(user)
    same = next(
        (a for a in existing if (a.name, a.phone, a.address, a.commune_code) == (name, phone, address, code)), None
    )
    if same is None:
        if len(existing) >= MAX_ADDRESSES:
            raise ValidationFailed(_("Mỗi tài khoản lưu tối đa %(n)d địa chỉ.", n=MAX_ADDRESSES))
        same = Address(user_id=user.id, name=name, phone=phone, address=address, commune_code=code)
        db.session.add(same)
        db.session.flush()
    if make_default or not existing:
        _make_default(user, same)
    db.session.flush()
    return same


def update_address(
    user: User, address_id: int, name: str, phone: str, address: str, commune_code: object, *, make_default: bool
) -> Address:
    row = address_of(user, address_id)
    row.name, row.phone, row.address, row.commune_code = _clean(name, phone, address, commune_code)
    if make_default:
        _make_default(user, row)
    db.session.flush()
    return row


def set_default_address(user: User, address_id: int) -> Address:
    row = address_of(user, address_id)
    _make_default(user, row)
    db.session.flush()
    return row


def delete_address(user: User, address_id: int) -> None:
    """Remove an address; when it was the default, the newest remaining one becomes the default."""
    row = address_of(user, address_id)
    was_default = row.is_default
    db.session.delete(row)
    db.session.flush()
    if was_default:
        remaining = addresses_of(user)
        if remaining:
            _make_default(user, remaining[0])
            db.session.flush()
