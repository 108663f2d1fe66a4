"""Excel template, import (with a per-row, per-column report) and export of a cooperative's products.

One row per variant: rows naming the same product and a "Loại hàng" (pack or grade) become one product with those
variants (the product's other columns are taken from its first row); a row without one is a product with a single
default variant. The export writes a product with several variants as one row per active variant."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jobs.services import fail_job, finish_job, mark_running, progress_reporter
from marketplace.models import Cooperative, User
from marketplace.services import record_audit
from marketplace.spreadsheets import list_validation, read_sheet, workbook_bytes, write_header
from marketplace.storage import storage
from marketplace.text import clean_text, fold, slugify, spreadsheet_row, spreadsheet_safe, utcnow

from . import variants
from .models import (
    DEFAULT_VARIANT_NAME,
    Category,
    CertificationLevel,
    OcopCertificate,
    Product,
    ProductStatus,
    ProductVariant,
)
from .validation import UNITS, parse_product

MAX_ROWS = 20_000
# (field key, Vietnamese header, example value, column width)
COLUMNS = (
    ("name", "Tên sản phẩm", "Ví dụ: Nấm mèo khô túi 500 g (dòng này không được nhập)", 36),
    ("category", "Danh mục", "Nông sản sơ chế: nấm, hạt, đồ khô", 34),
    ("unit", "Đơn vị", "gói", 10),
    ("price_vnd", "Giá (đồng)", 125000, 14),
    ("stock", "Tồn kho", 50, 10),
    ("weight_g", "Khối lượng (g)", 500, 14),
    ("shelf_life_days", "Hạn dùng (ngày)", 365, 14),
    ("gtin", "Mã GTIN", "", 16),
    ("description", "Mô tả", "Nấm mèo trồng trên mùn cưa, sấy lạnh.", 40),
    ("ocop_stars", "Số sao OCOP", 4, 12),
    ("certificate_no", "Số quyết định OCOP", "1234/QĐ-UBND", 20),
    ("certificate_level", "Cấp công nhận", "tinh", 14),
    ("certificate_issued_on", "Ngày công nhận", "15/03/2024", 16),
    ("certificate_expires_on", "Ngày hết hạn", "", 14),
    ("variant", "Loại hàng", "Túi 500 g", 16),
)
HEADER_TO_KEY = {fold(header): key for key, header, _example, _width in COLUMNS}
FIELD_COLUMN = {key: index + 1 for index, (key, *_rest) in enumerate(COLUMNS)}
FIELD_COLUMN["category_id"] = FIELD_COLUMN["category"]


@dataclass
class RowError:
    row: int
    column: str
    header: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self, limit: int = 200) -> dict:
        return {
            "created": self.created,
            "skipped": self.skipped,
            "errors": [e.__dict__ for e in self.errors[:limit]],
            "error_count": len(self.errors),
        }


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.parent_id.nulls_first(), Category.position)))


def template_workbook() -> bytes:
    """Headers in Vietnamese, one example row, drop-down lists for category, unit, stars and level."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sản phẩm"
    lists = book.create_sheet("Danh sách")
    categories = [c.name for c in _categories()]
    for i, name in enumerate(categories, 1):
        lists.cell(i, 1, spreadsheet_safe(name))
    for i, unit in enumerate(UNITS, 1):
        lists.cell(i, 2, unit)
    for i, level in enumerate(CertificationLevel, 1):
        lists.cell(i, 3, level.value)
    lists.sheet_state = "hidden"
    write_header(sheet, [(header, example, width) for _key, header, example, width in COLUMNS])
    _validation(sheet, FIELD_COLUMN["category"], f"'Danh sách'!$A$1:$A${max(len(categories), 1)}")
    _validation(sheet, FIELD_COLUMN["unit"], f"'Danh sách'!$B$1:$B${len(UNITS)}")
    _validation(sheet, FIELD_COLUMN["ocop_stars"], '"3,4,5"')
    _validation(sheet, FIELD_COLUMN["certificate_level"], f"'Danh sách'!$C$1:$C${len(CertificationLevel)}")
    return workbook_bytes(book)


def _validation(sheet, column: int, formula: str) -> None:
    list_validation(sheet, column, formula, MAX_ROWS)


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {field: value}) for every non-empty row; headers matched without accents."""
    missing = _("Không thấy cột “Tên sản phẩm” và “Giá (đồng)”. Hãy dùng tệp mẫu.")
    return read_sheet(data, HEADER_TO_KEY, ("name", "price_vnd"), missing, MAX_ROWS)


def _loose(text: str) -> str:
    """Folded words only: `Chè, cà phê` and `che ca phe` are the same key."""
    return " ".join(re.findall(r"\w+", fold(text)))


class _Categories:
    """Category lookup by id, slug or name (accents and punctuation optional), cached for the whole import."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        for c in _categories():
            for key in (str(c.id), c.slug, _loose(c.name)):
                self.by_key[key] = c.id

    def resolve(self, value) -> str | None:
        if value in (None, ""):
            return None
        text = str(value).strip()
        found = self.by_key.get(text) or self.by_key.get(_loose(text))
        return str(found) if found else text


def _unique_slugs(names: list[str]) -> list[str]:
    bases = [slugify(n)[:120] or "san-pham" for n in names]
    taken: set[str] = set()
    unique = sorted(set(bases))
    for start in range(0, len(unique), 500):
        taken |= set(db.session.scalars(select(Product.slug).where(Product.slug.in_(unique[start : start + 500]))))
    out = []
    for base in bases:
        slug = base
        while slug in taken:
            slug = f"{base}-{secrets.token_hex(2)}"
        taken.add(slug)
        out.append(slug)
    return out


VARIANT_FIELDS = ("price_vnd", "stock", "weight_g", "gtin")


@dataclass
class _Draft:
    """One product to insert: its fields, and its named variants (name, that row's price, stock, weight, GTIN)."""

    fields: dict
    packs: list[tuple[str, dict]] = field(default_factory=list)


def _variant_name(values: dict) -> str:
    return (clean_text(str(values.get("variant") or "")) or "")[:80]


def _add_row(drafts: list[_Draft], by_name: dict[str, _Draft], fields: dict, pack: str) -> str | None:
    """Add a parsed row: a new product, or a further variant of the product named above (error text if a repeat)."""
    if not pack:
        drafts.append(_Draft(fields))
        return None
    draft = by_name.get(fold(fields["name"]))
    if draft is None:
        draft = by_name[fold(fields["name"])] = _Draft(fields)
        drafts.append(draft)
    elif any(fold(name) == fold(pack) for name, _pack in draft.packs):
        return _("“%(name)s” đã có loại hàng “%(pack)s” ở dòng trên.", name=fields["name"], pack=pack)
    elif len(draft.packs) == variants.MAX_VARIANTS:
        return _("Tối đa %(n)d loại hàng.", n=variants.MAX_VARIANTS)
    draft.packs.append((pack, {key: fields[key] for key in VARIANT_FIELDS}))
    return None


def import_workbook(
    actor: User | None,
    cooperative: Cooperative,
    rows: list[tuple[int, dict]],
    *,
    valid_only: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row; add them all as drafts, or none when any row is wrong (unless valid_only)."""
    report, good, by_name = ImportReport(), [], {}
    categories = _Categories()
    headers = {key: header for key, header, _e, _w in COLUMNS}
    for number, values in rows:
        values = dict(values)
        values["category"] = categories.resolve(values.get("category"))
        try:
            fields = parse_product(values, category_ids=categories.by_key)
        except ValidationFailed as error:
            report.skipped += 1
            for key, message in error.extra.get("fields", {}).items():
                column = "category" if key == "category_id" else key
                report.errors.append(
                    RowError(number, get_column_letter(FIELD_COLUMN.get(column, 1)), headers.get(column, key), message)
                )
        else:
            repeated = _add_row(good, by_name, fields, _variant_name(values))
            if repeated:
                report.skipped += 1
                column = get_column_letter(FIELD_COLUMN["variant"])
                report.errors.append(RowError(number, column, headers["variant"], repeated))
        if progress and number % 100 == 0:
            progress(100)
    if progress:
        progress(len(rows) % 100)
    if report.errors and not valid_only:
        report.created = 0
        return report
    _insert(cooperative, good)
    report.created = len(good)
    record_audit(
        actor,
        "product.imported",
        "cooperative",
        cooperative.id,
        commune_code=cooperative.commune_code,
        created=len(good),
        skipped=report.skipped,
    )
    db.session.flush()
    return report


def _product_fields(draft: _Draft) -> dict:
    """The product row: with several variants its price is the lowest ("from"), its stock their total."""
    fields = dict(draft.fields)
    if len(draft.packs) > 1:
        fields["price_vnd"] = min(pack["price_vnd"] for _name, pack in draft.packs)
        fields["stock"] = sum(pack["stock"] for _name, pack in draft.packs)
        fields["gtin"] = None  # each variant has its own
    return fields


def _insert_variants(ids: list[int], drafts: list[_Draft]) -> None:
    """The named variants in one INSERT; products without any get their default variant."""
    rows = [
        {"product_id": product_id, "name": name, "position": position, "active": True, **pack}
        for product_id, draft in zip(ids, drafts, strict=True)
        for position, (name, pack) in enumerate(draft.packs)
    ]
    if rows:
        db.session.execute(insert(ProductVariant), rows)
    variants.add_default_variants([pid for pid, draft in zip(ids, drafts, strict=True) if not draft.packs])


def _insert(cooperative: Cooperative, drafts: list[_Draft]) -> None:
    """Bulk INSERTs (no per-object unit of work): thousands of rows in a few seconds."""
    if not drafts:
        return
    slugs = _unique_slugs([draft.fields["name"] for draft in drafts])
    now = utcnow()
    rows, certificates = [], []
    for draft, slug in zip(drafts, slugs, strict=True):
        fields = _product_fields(draft)
        certificates.append(fields.pop("certificate", None))
        rows.append(
            {
                **fields,
                "cooperative_id": cooperative.id,
                "slug": slug,
                "name_folded": fold(fields["name"]),
                "status": ProductStatus.DRAFT,
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = db.session.scalars(insert(Product).returning(Product.id, sort_by_parameter_order=True), rows).all()
    _insert_variants(list(ids), drafts)
    certified = [
        {
            "product_id": product_id,
            "stars": c["stars"],
            "certificate_no": c["certificate_no"],
            "level": CertificationLevel(c["level"]),
            "issued_on": date.fromisoformat(c["issued_on"]),
            "expires_on": date.fromisoformat(c["expires_on"]),
        }
        for product_id, c in zip(ids, certificates, strict=True)
        if c
    ]
    if certified:
        db.session.execute(insert(OcopCertificate), certified)


def _export_rows(product: Product) -> list[list]:
    """One row per active variant of a product that has several (or one named), else one row."""
    c = product.certificate
    packs = [v for v in product.active_variants if len(product.variants) > 1 or v.name != DEFAULT_VARIANT_NAME]
    shown = packs or [None]
    return [
        spreadsheet_row(
            [
                product.name,
                product.category.name if product.category else "",
                product.unit,
                pack.price_vnd if pack else product.price_vnd,
                pack.stock if pack else product.stock,
                pack.weight_g if pack else product.weight_g,
                product.shelf_life_days,
                (pack.gtin if pack else product.gtin) or "",
                product.description,
                c.stars if c else None,
                c.certificate_no if c else "",
                str(c.level) if c else "",
                c.issued_on.strftime("%d/%m/%Y") if c else "",
                c.expires_on.strftime("%d/%m/%Y") if c else "",
                pack.name if pack else "",
                str(product.status),
                f"/p/{product.slug}",
            ]
        )
        for pack in shown
    ]


def export_workbook(cooperative: Cooperative) -> bytes:
    """The cooperative's products in the template's columns (one row per variant), plus status and link."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sản phẩm"
    sheet.append([header for _k, header, _e, _w in COLUMNS] + ["Trạng thái", "Đường dẫn"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    products = db.session.scalars(
        select(Product)
        .where(Product.cooperative_id == cooperative.id)
        .options(selectinload(Product.variants))
        .order_by(Product.id)
    ).all()
    for product in products:
        for row in _export_rows(product):
            sheet.append(row)
    for col, (_k, _h, _e, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    return workbook_bytes(book)


def run_import_job(job_id: str) -> None:
    """Celery side of a big import started from the web page."""
    job = db.session.get(Job, job_id)
    if job is None or job.done:
        return
    key, legacy_path = job.params.get("key"), job.params.get("path")
    try:
        # the upload kept in storage by keep_upload (older jobs: a file path on the host that took the upload)
        data = storage().read(key) if key else Path(legacy_path).read_bytes()
        rows = read_rows(data)
        mark_running(job_id, total=len(rows))
        cooperative = db.session.get(Cooperative, job.cooperative_id)
        actor = db.session.get(User, job.owner_id) if job.owner_id else None
        report = import_workbook(
            actor,
            cooperative,
            rows,
            valid_only=job.params.get("valid_only", False),
            progress=progress_reporter(job_id, len(rows), every=500),
        )
    except ValidationFailed as error:
        db.session.rollback()
        fail_job(job_id, error.message)
        return
    if report.errors and not job.params.get("valid_only"):
        db.session.rollback()
        finish_job(job_id, report.as_dict(), _("Có %(n)d lỗi, chưa nhập sản phẩm nào.", n=len(report.errors)))
    else:
        db.session.commit()
        finish_job(job_id, report.as_dict(), _("Đã nhập %(n)d sản phẩm.", n=report.created))
    if key:
        storage().delete(key)
    else:
        Path(legacy_path).unlink(missing_ok=True)
