"""Site settings: known keys with defaults and validation; other packages read them with `get_setting`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import normalise_email, record_audit
from marketplace.text import clean_text, normalise_phone

from .models import SiteSetting


def _text(limit: int) -> Callable[[str], str]:
    def clean(raw: str) -> str:
        value = clean_text(raw) or ""
        if len(value) > limit:
            raise ValueError(_("Tối đa %(n)d ký tự.", n=limit))
        return value

    return clean


def _phone(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    mobile = normalise_phone(raw)
    if mobile:
        return mobile
    digits = re.sub(r"[\s.\-()]", "", raw)
    if not re.fullmatch(r"\+?\d{8,12}", digits):
        raise ValueError(_("Số điện thoại chỉ gồm 8–12 chữ số (di động hoặc máy bàn)."))
    return digits


def _email(raw: str) -> str:
    raw = (raw or "").strip()
    return normalise_email(raw) if raw else ""


def _int_between(low: int, high: int) -> Callable[[str], str]:
    def clean(raw: str) -> str:
        raw = (raw or "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ValueError(_("Nhập một số nguyên từ %(low)d đến %(high)d.", low=low, high=high))
        return str(int(raw))

    return clean


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: object
    fallback: str | Callable[[], str]
    clean: Callable[[str], str]
    hint: object = ""

    @property
    def default(self) -> str:
        return self.fallback() if callable(self.fallback) else self.fallback


def _trace_threshold() -> str:
    """Until admin sets one, the threshold the scan pages are configured with (`TRACE_SCAN_WARNING_AFTER`)."""
    return str(current_app.config.get("TRACE_SCAN_WARNING_AFTER", 5))


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("site_name", _l("Tên trang"), "Chợ OCOP", _text(80)),
    SettingSpec("support_phone", _l("Số điện thoại hỗ trợ"), "", _phone, _l("Hiện ở chân trang và trang quét mã.")),
    SettingSpec("support_email", _l("E-mail hỗ trợ"), "", _email),
    SettingSpec(
        "scan_warning_threshold",
        _l("Ngưỡng cảnh báo hàng giả (số lần quét)"),
        _trace_threshold,
        _int_between(2, 1000),
        _l("Một mã được quét nhiều hơn số lần này sẽ hiện cảnh báo mạnh hơn trên trang quét."),
    ),
)
SPECS = {spec.key: spec for spec in SETTINGS}


def get_setting(key: str) -> str:
    """The stored value, or the default of a known key."""
    stored = db.session.get(SiteSetting, key)
    if stored is not None:
        return stored.value
    return SPECS[key].default if key in SPECS else ""


def get_int_setting(key: str) -> int:
    value = get_setting(key)
    return int(value) if value.isdigit() else int(SPECS[key].default)


def all_settings() -> dict[str, str]:
    stored = {row.key: row.value for row in db.session.scalars(select(SiteSetting))}
    return {spec.key: stored.get(spec.key, spec.default) for spec in SETTINGS}


def update_settings(actor: User, values: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Validate every known key first (nothing is saved if one is wrong), then store the changed ones."""
    cleaned, errors = {}, {}
    for spec in SETTINGS:
        if spec.key not in values:
            continue
        try:
            cleaned[spec.key] = spec.clean(values[spec.key])
        except (ValueError, ValidationFailed) as error:
            errors[spec.key] = [getattr(error, "message", None) or str(error)]
    if errors:
        raise ValidationFailed(_("Có giá trị không hợp lệ, chưa lưu gì."), fields=errors)
    current = all_settings()
    changed = {key: (current[key], value) for key, value in cleaned.items() if current[key] != value}
    for key, (before, value) in changed.items():
        row = db.session.get(SiteSetting, key) or SiteSetting(key=key)
        row.value, row.updated_by_id = value, actor.id
        db.session.add(row)
        record_audit(actor, "settings.changed", "site_setting", key, before=before, after=value)
    db.session.flush()
    return changed
