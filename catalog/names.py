"""Built-in category names and units in the reader's language.

The categories seeded by migration 0100 and the units of `validation.UNITS` are stored in Vietnamese; these tables
mark the same words for translation (`N_` only marks them, pybabel extracts them) so the English UI shows
"Food" and "box". A category an admin renamed or added shows as it is stored."""

from __future__ import annotations

from marketplace.i18n import gettext_once


def N_(text: str) -> str:
    """Marks a string for extraction; it is translated when shown."""
    return text


BUILTIN_CATEGORIES = {
    "thuc-pham": N_("Thực phẩm"),
    "nong-san-tuoi": N_("Nông sản tươi: rau, củ, quả"),
    "nong-san-so-che": N_("Nông sản sơ chế: nấm, hạt, đồ khô"),
    "thuc-pham-che-bien": N_("Thực phẩm chế biến"),
    "mat-ong": N_("Mật ong và sản phẩm từ mật ong"),
    "gia-vi": N_("Gia vị, nước chấm"),
    "che-ca-phe": N_("Chè, cà phê, ca cao"),
    "do-uong": N_("Đồ uống"),
    "do-uong-co-con": N_("Đồ uống có cồn"),
    "do-uong-khong-con": N_("Đồ uống không cồn, nước ép"),
    "duoc-lieu": N_("Dược liệu và sản phẩm từ dược liệu"),
    "duoc-lieu-tuoi-kho": N_("Dược liệu tươi, khô"),
    "thuc-pham-chuc-nang": N_("Thực phẩm chức năng, trà thảo dược"),
    "my-pham-thao-duoc": N_("Mỹ phẩm, tinh dầu từ thảo dược"),
    "thu-cong-my-nghe": N_("Thủ công mỹ nghệ"),
    "may-tre-dan-go": N_("Mây tre đan, đồ gỗ"),
    "det-may-theu": N_("Dệt may, thổ cẩm, thêu"),
    "gom-su": N_("Gốm sứ"),
    "luu-niem-trang-tri": N_("Lưu niệm, trang trí"),
    "sinh-vat-canh": N_("Sinh vật cảnh"),
    "hoa-cay-canh": N_("Hoa, cây cảnh"),
    "dong-vat-canh": N_("Động vật cảnh"),
    "du-lich": N_("Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch"),
    "du-lich-cong-dong": N_("Du lịch cộng đồng, homestay"),
    "du-lich-sinh-thai": N_("Du lịch sinh thái, điểm du lịch"),
}

BUILTIN_UNITS = {
    unit: unit
    for unit in (
        N_("kg"),
        N_("g"),
        N_("hộp"),
        N_("chai"),
        N_("gói"),
        N_("bó"),
        N_("túi"),
        N_("lọ"),
        N_("hũ"),
        N_("cái"),
        N_("chiếc"),
        N_("bộ"),
        N_("quả"),
        N_("con"),
        N_("lít"),
        N_("vé"),
    )
}


def category_name(category) -> str:
    """A category's name in the reader's language: translated while it is the built-in name, else as stored."""
    if category is None:
        return ""
    if BUILTIN_CATEGORIES.get(category.slug) == category.name:
        return gettext_once(category.name)
    return category.name


def unit_label(unit: str | None) -> str:
    """A unit in the reader's language ("hộp" → "box"); a unit we do not know shows as stored."""
    if unit in BUILTIN_UNITS:
        return gettext_once(unit)
    return unit or ""
