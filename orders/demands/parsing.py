"""Checking what a buyer or seller typed (form or JSON) into clean values; every problem is reported at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from catalog.models import Category
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import Commune, Province
from marketplace.text import VN_TZ, clean_text

Errors = dict[str, list[str]]
MAX_QUANTITY = 1_000_000
MAX_PRICE_VND = 10**10
MAX_DELIVERIES = 60


def end_of_day(day: date) -> datetime:
    """The UTC moment a day ends in Việt Nam (a deadline on that day holds until midnight)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ).astimezone(UTC)


def text(values: Mapping[str, object], name: str, limit: int, errors: Errors, *, required: bool = False) -> str:
    value = clean_text(str(values.get(name) or "")) or ""
    if required and not value:
        errors[name] = [_("Bắt buộc.")]
    elif len(value) > limit:
        errors[name] = [_("Tối đa %(n)d ký tự.", n=limit)]
    return value[:limit]


def number(
    values: Mapping[str, object], name: str, errors: Errors, *, low: int, high: int, required: bool = True
) -> int | None:
    raw = values.get(name)
    if raw is None or str(raw).strip() == "":
        if required:
            errors[name] = [_("Bắt buộc.")]
        return None
    try:
        value = int(str(raw).replace(".", "").replace(" ", "")) if not isinstance(raw, int) else raw
    except ValueError:
        value = None
    if value is None or isinstance(raw, bool) or not low <= value <= high:
        errors[name] = [_("Nhập số nguyên từ %(low)s đến %(high)s.", low=f"{low:,}", high=f"{high:,}")]
        return None
    return value


def day(values: Mapping[str, object], name: str, errors: Errors, *, required: bool = True) -> date | None:
    raw = str(values.get(name) or "").strip()
    if not raw:
        if required:
            errors[name] = [_("Chọn ngày.")]
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        errors[name] = [_("Ngày không hợp lệ (năm-tháng-ngày).")]
        return None


def id_or_none(raw: str) -> int | None:
    """A database id typed as text, or None when it is not one (a too-big number is not an id either)."""
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def category(values: Mapping[str, object], errors: Errors) -> Category | None:
    raw = str(values.get("category") or "").strip()
    if not raw:
        return None
    query = select(Category).where(or_(Category.slug == raw[:120], Category.id == id_or_none(raw)))
    found = db.session.scalar(query)
    if found is None:
        errors["category"] = [_("Không có danh mục này.")]
    return found


def place(values: Mapping[str, object], errors: Errors) -> tuple[int | None, int | None]:
    """(province code, commune code or None); the commune, when given, must be in the province."""
    province = number(values, "province", errors, low=1, high=10**6)
    commune = number(values, "commune", errors, low=1, high=10**7, required=False)
    if province is not None and db.session.get(Province, province) is None:
        errors["province"] = [_("Chọn tỉnh/thành phố nhận hàng.")]
        return None, None
    if commune is not None:
        row = db.session.get(Commune, commune)
        if row is None or (province is not None and row.province_code != province):
            errors["commune"] = [_("Xã/phường không thuộc tỉnh đã chọn.")]
            commune = None
    return province, commune


def raise_if(errors: Errors, message: str) -> None:
    if errors:
        raise ValidationFailed(message, fields=errors)
