"""Parse and check product input (forms, API, Excel rows): one place for every field rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import Commune
from marketplace.text import clean_text, nfc, today_vn

from .models import Category, CertificationLevel, OcopCertificate

UNITS = ("kg", "g", "hộp", "chai", "gói", "bó", "túi", "lọ", "hũ", "cái", "chiếc", "bộ", "quả", "con", "lít", "vé")
MAX_PRICE = 1_000_000_000
MAX_STOCK = 10_000_000


def field_labels() -> dict[str, str]:
    return {
        "name": _("Tên sản phẩm"),
        "description": _("Mô tả"),
        "category": _("Danh mục"),
        "unit": _("Đơn vị"),
        "price_vnd": _("Giá (đồng)"),
        "stock": _("Tồn kho"),
        "weight_g": _("Khối lượng (g)"),
        "shelf_life_days": _("Hạn dùng (ngày)"),
        "gtin": _("Mã GTIN"),
        "origin_commune_code": _("Mã xã xuất xứ"),
        "ocop_stars": _("Số sao OCOP"),
        "certificate_no": _("Số quyết định OCOP"),
        "certificate_level": _("Cấp công nhận"),
        "certificate_issued_on": _("Ngày công nhận"),
        "certificate_expires_on": _("Ngày hết hạn"),
    }


def gtin_is_valid(value: str) -> bool:
    """GTIN-8/12/13/14 with a correct GS1 check digit."""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in value]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def parse_int(raw, field: str, errors: dict, *, low: int = 0, high: int = MAX_PRICE, required: bool = True):
    """Accepts `125000`, `125.000`, `125 000`; records a message in `errors` when it is not a whole number."""
    if raw is None or str(raw).strip() == "":
        if required:
            errors[field] = _("Bắt buộc.")
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    cleaned = str(raw).strip().replace(".", "").replace(" ", "").replace("\u00a0", "").replace("₫", "")
    if cleaned.lower().endswith("d"):
        cleaned = cleaned[:-1]
    if not cleaned.isdigit():
        errors[field] = _("Phải là số nguyên (ví dụ 125000).")
        return None
    value = int(cleaned)
    if not low <= value <= high:
        errors[field] = _(
            "Phải từ %(low)s đến %(high)s.", low=f"{low:,}".replace(",", "."), high=f"{high:,}".replace(",", ".")
        )
        return None
    return value


def find_category(raw) -> Category | None:
    """A category by id, slug or exact name."""
    if raw in (None, ""):
        return None
    value = str(raw).strip()
    conditions = [Category.slug == value, Category.name == nfc(value)]
    if value.isdigit():
        conditions.append(Category.id == int(value))
    return db.session.scalar(select(Category).where(or_(*conditions)).limit(1))


def parse_date(raw, field: str, errors: dict) -> date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar day: no zone to read
        except ValueError:
            continue
    errors[field] = _("Ngày không hợp lệ (dd/mm/yyyy).")
    return None


def clean_description(raw: str | None) -> str:
    """Plain text or Markdown with line breaks; entities decoded and every HTML tag stripped (rendering cleans again)."""
    return (clean_text(raw) or "")[:5000]


def parse_certificate(data: dict, errors: dict) -> dict | None:
    """OCOP certificate: 3–5 stars, number, level, issue date; expiry 36 months later unless given."""
    stars_raw = data.get("ocop_stars")
    if stars_raw in (None, "", "0", 0):
        return None
    stars = parse_int(stars_raw, "ocop_stars", errors, low=3, high=5)
    number = clean_text(str(data.get("certificate_no") or "")) or ""
    if not number:
        errors["certificate_no"] = _("Cần số quyết định công nhận OCOP.")
    level = str(data.get("certificate_level") or CertificationLevel.PROVINCE.value)
    if level not in {lv.value for lv in CertificationLevel}:
        errors["certificate_level"] = _("Cấp công nhận là tỉnh hoặc trung ương.")
    issued = parse_date(data.get("certificate_issued_on"), "certificate_issued_on", errors)
    if issued is None and "certificate_issued_on" not in errors:
        errors["certificate_issued_on"] = _("Cần ngày công nhận.")
    expires = parse_date(data.get("certificate_expires_on"), "certificate_expires_on", errors)
    if issued and expires and expires <= issued:
        errors["certificate_expires_on"] = _("Ngày hết hạn phải sau ngày công nhận.")
    if issued and issued > today_vn() + timedelta(days=1):
        errors["certificate_issued_on"] = _("Ngày công nhận không thể ở tương lai.")
    if stars is None or not number or issued is None:
        return None
    return {
        "stars": stars,
        "certificate_no": number[:80],
        "level": level,
        "issued_on": issued.isoformat(),
        "expires_on": (expires or OcopCertificate.standard_expiry(issued)).isoformat(),
    }


def parse_product(data: dict, *, partial: bool = False, category_ids: dict[str, int] | None = None) -> dict:
    """Cleaned product fields, or ValidationFailed whose `fields` says what is wrong where."""
    errors: dict[str, str] = {}
    out: dict = {}

    def present(key: str) -> bool:
        return not partial or key in data

    if present("name"):
        name = clean_text(str(data.get("name") or "")) or ""
        if not 3 <= len(name) <= 200:
            errors["name"] = _("Tên sản phẩm cần từ 3 đến 200 ký tự.")
        out["name"] = name
    if present("description"):
        out["description"] = clean_description(data.get("description"))
    if present("category"):
        raw = data.get("category")
        if category_ids is not None:
            category_id = category_ids.get(str(raw).strip()) if raw not in (None, "") else None
        else:
            category = find_category(raw)
            category_id = category.id if category else None
        if raw not in (None, "") and category_id is None:
            errors["category"] = _("Không có danh mục này.")
        out["category_id"] = category_id
    if present("unit"):
        unit = (clean_text(str(data.get("unit") or "kg")) or "").lower()
        if unit not in UNITS:
            errors["unit"] = _("Đơn vị chưa hỗ trợ. Chọn một trong: %(units)s.", units=", ".join(UNITS))
        out["unit"] = unit
    if present("price_vnd"):
        out["price_vnd"] = parse_int(data.get("price_vnd"), "price_vnd", errors, low=1000, high=MAX_PRICE)
    if present("stock"):
        out["stock"] = parse_int(data.get("stock") or 0, "stock", errors, high=MAX_STOCK)
    if present("weight_g"):
        out["weight_g"] = parse_int(data.get("weight_g") or 0, "weight_g", errors, high=1_000_000)
    if present("shelf_life_days"):
        out["shelf_life_days"] = parse_int(
            data.get("shelf_life_days"), "shelf_life_days", errors, high=3650, required=False
        )
    if present("gtin"):
        gtin = str(data.get("gtin") or "").strip().replace(" ", "")
        if gtin and not gtin_is_valid(gtin):
            errors["gtin"] = _("Mã GTIN không đúng (8, 12, 13 hoặc 14 chữ số, chữ số kiểm tra sai).")
        out["gtin"] = gtin.zfill(14) if gtin else None
    if present("origin_commune_code"):
        code = data.get("origin_commune_code")
        if code not in (None, ""):
            commune_code = parse_int(code, "origin_commune_code", errors, high=10**6)
            if commune_code and db.session.get(Commune, commune_code) is None:
                errors["origin_commune_code"] = _("Không tìm thấy xã.")
            out["origin_commune_code"] = commune_code
        else:
            out["origin_commune_code"] = None
    if present("ocop_stars"):
        out["certificate"] = parse_certificate(data, errors)
    if errors:
        labels = field_labels()
        raise ValidationFailed(
            _("Thông tin sản phẩm chưa đúng: %(fields)s.", fields=", ".join(labels.get(k, k) for k in errors)),
            fields=errors,
        )
    return out
