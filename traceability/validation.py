"""Parsing and checking what people send for batches and events: forgiving input, clear Vietnamese messages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from catalog.validation import parse_date, parse_int
from marketplace.errors import ValidationFailed
from marketplace.text import VN_TZ, clean_text, nfc, today_vn, utcnow

from .models import Stage

# GS1 AI (10) uses the 82-character set; "/", "%" and "?" are left out so a lot travels in a URL path unescaped.
LOT_PATTERN = re.compile(r"^[!\"&'()*+,\-.0-9:;<=>A-Z_a-z]{1,20}$")
MAX_QUANTITY = 1_000_000_000
MAX_CERTIFICATIONS = 10
KNOWN_CERTIFICATIONS = ("VietGAP", "GlobalGAP", "Hữu cơ", "OCOP", "HACCP", "ISO 22000")
FUTURE_SLACK = timedelta(minutes=10)


def _fail(errors: dict[str, str]) -> None:
    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(first, fields=errors)


def _text(data: dict, key: str, limit: int, errors: dict, *, label: str) -> str:
    raw = data.get(key)
    if raw is None:
        return ""
    if not isinstance(raw, str | int | float):
        errors[key] = _("%(field)s không hợp lệ.", field=label)
        return ""
    value = clean_text(str(raw)) or ""
    if len(value) > limit:
        errors[key] = _("%(field)s dài quá %(n)d ký tự.", field=label, n=limit)
    return value


def clean_lot(raw: Any, errors: dict) -> str:
    value = (nfc(str(raw)) if isinstance(raw, str | int) and not isinstance(raw, bool) else "") or ""
    if not value:
        errors["lot"] = _("Cần nhập số lô.")
    elif not LOT_PATTERN.match(value):
        errors["lot"] = _(
            "Số lô tối đa 20 ký tự, chỉ gồm chữ không dấu, số và các dấu - . _ (theo chuẩn GS1), ví dụ NM-2025-03."
        )
    return value


def _certifications(raw: Any, errors: dict) -> list[str]:
    if raw in (None, ""):
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors["certifications"] = _("Chứng nhận phải là danh sách tên, ví dụ VietGAP, Hữu cơ.")
        return []
    cleaned = [clean_text(i) for i in items if i and i.strip()]
    if len(cleaned) > MAX_CERTIFICATIONS or any(len(i) > 60 for i in cleaned):
        errors["certifications"] = _("Tối đa %(n)d chứng nhận, mỗi tên tối đa 60 ký tự.", n=MAX_CERTIFICATIONS)
        return []
    return list(dict.fromkeys(cleaned))


def _scalar(data: dict, key: str) -> Any:
    value = data.get(key)
    return value if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)) else "?"


def parse_batch(data: dict, default_unit: str, shelf_life_days: int | None) -> dict[str, Any]:
    """Fields of a new batch; raises ValidationFailed naming every wrong field."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {"lot": clean_lot(data.get("lot"), errors)}
    fields["harvested_on"] = parse_date(_scalar(data, "harvested_on"), "harvested_on", errors)
    if fields["harvested_on"] is None and "harvested_on" not in errors:
        errors["harvested_on"] = _("Cần ngày sản xuất hoặc thu hoạch.")
    elif fields["harvested_on"] and fields["harvested_on"] > today_vn() + timedelta(days=1):
        errors["harvested_on"] = _("Ngày thu hoạch không thể ở tương lai.")
    fields["expires_on"] = parse_date(_scalar(data, "expires_on"), "expires_on", errors)
    if fields["expires_on"] is None and fields["harvested_on"] and shelf_life_days:
        fields["expires_on"] = fields["harvested_on"] + timedelta(days=shelf_life_days)
    if fields["expires_on"] and fields["harvested_on"] and fields["expires_on"] < fields["harvested_on"]:
        errors["expires_on"] = _("Hạn sử dụng phải sau ngày thu hoạch.")
    fields["quantity"] = parse_int(_scalar(data, "quantity"), "quantity", errors, high=MAX_QUANTITY)
    fields["unit"] = _text(data, "unit", 20, errors, label=_("Đơn vị")) or default_unit
    fields["inputs"] = _text(data, "inputs", 1000, errors, label=_("Nguồn giống, vật tư"))
    fields["standards"] = _text(data, "standards", 300, errors, label=_("Tiêu chuẩn áp dụng"))
    fields["certifications"] = _certifications(data.get("certifications"), errors)
    _fail(errors)
    return fields


def parse_moment(raw: Any, errors: dict) -> datetime | None:
    """ISO 8601 (with or without offset; without means Vietnam time) or `HH:MM dd/mm/yyyy`; not in the future."""
    if raw in (None, ""):
        return utcnow().replace(microsecond=0)
    moment = None
    if isinstance(raw, str):
        text = raw.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for fmt in ("%H:%M %d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
                try:
                    moment = datetime.strptime(text, fmt)  # noqa: DTZ007 — typed in Việt Nam time: zoned below
                    break
                except ValueError:
                    continue
    if moment is None or not 2000 <= moment.year <= 2100:
        errors["occurred_at"] = _("Thời gian không hợp lệ (ví dụ 2025-03-01T08:30 hoặc 08:30 01/03/2025).")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment > utcnow() + FUTURE_SLACK:
        errors["occurred_at"] = _("Thời gian không thể ở tương lai.")
    return moment


def _coordinate(data: dict, key: str, limit: float, errors: dict) -> float | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str | int | float) else None
    except ValueError:
        value = None
    if value is None or value != value or not -limit <= value <= limit:
        errors[key] = _("Toạ độ không hợp lệ.")
        return None
    return round(value, 6)


def parse_stage(raw: Any, errors: dict) -> Stage | None:
    try:
        return Stage(str(raw).strip().lower()) if isinstance(raw, str) else Stage(raw)
    except ValueError:
        errors["stage"] = _("Hãy chọn một công đoạn.")
        return None


def parse_event(data: dict) -> dict[str, Any]:
    """Fields of a new event (commune and `corrects` are checked against the database by the service)."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {"stage": parse_stage(data.get("stage"), errors)}
    fields["occurred_at"] = parse_moment(_scalar(data, "occurred_at"), errors)
    fields["place"] = _text(data, "place", 200, errors, label=_("Địa điểm"))
    fields["note"] = _text(data, "note", 2000, errors, label=_("Ghi chú"))
    fields["input_name"] = _text(data, "input_name", 200, errors, label=_("Vật tư"))
    fields["withholding_days"] = parse_int(
        _scalar(data, "withholding_days"), "withholding_days", errors, high=365, required=False
    )
    fields["latitude"] = _coordinate(data, "latitude", 90, errors)
    fields["longitude"] = _coordinate(data, "longitude", 180, errors)
    if (fields["latitude"] is None) != (fields["longitude"] is None) and not errors:
        errors["latitude"] = _("Cần cả vĩ độ và kinh độ.")
    fields["commune_code"] = parse_int(_scalar(data, "commune"), "commune", errors, high=10**6, required=False)
    fields["corrects"] = parse_int(_scalar(data, "corrects"), "corrects", errors, high=2**31 - 1, required=False)
    _fail(errors)
    return fields
