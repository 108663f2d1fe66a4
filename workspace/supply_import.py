"""Import from the province's supply–demand software: the seasonal-supply and open-demand tables in the export's
layout (docs/features.md), as the workbook the export makes or one CSV per table.

Each row is all or nothing (its own SAVEPOINT) and gets a line in the report: added, already here, or the reason it
was refused, naming the column. Importing the same file again adds nothing: a seasonal row is already here when the
seller has the same product (name) for the same harvest window, a demand row when its `ma_nhu_cau` is that demand
on Chợ OCOP or the same buyer has an open demand for the same thing, quantity and dates.
A new demand names its buyer by `ma_so_thue_nguoi_mua`, the tax number of a verified business buyer of the staff's
commune; it is posted as that buyer's, so matching sellers hear of it as of any other.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.buyers.models import BusinessBuyer
from marketplace.errors import DomainError, Forbidden, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Cooperative, Role, User
from marketplace.permissions import ensure_staff_of_commune
from marketplace.services import record_audit
from marketplace.spreadsheets import read_tables
from marketplace.text import fold
from orders.demands.models import Demand, DemandStatus, SeasonalSupply
from orders.demands.services import clean_demand, post_demand
from orders.demands.supply import clean_supply

MAX_ROWS = 2_000
# the export's column → the service's field
SEASONAL_COLUMNS = {
    "ma_htx": "seller",
    "san_pham": "title",
    "danh_muc": "category",
    "san_luong": "quantity",
    "don_vi": "unit",
    "thu_hoach_tu": "harvest_from",
    "thu_hoach_den": "harvest_to",
    "ghi_chu": "note",
}
DEMAND_COLUMNS = {
    "ma_nhu_cau": "id",
    "ten": "title",
    "danh_muc": "category",
    "so_luong": "quantity",
    "don_vi": "unit",
    "can_truoc": "needed_by",
    "thu_trong_tuan": "weekday",
    "lich_tu": "schedule_from",
    "lich_den": "schedule_to",
    "ma_tinh": "province",
    "ma_xa": "commune",
    "gia_toi_da_vnd": "max_price_vnd",
    "han_chao_hang": "offers_deadline",
    "ma_so_thue_nguoi_mua": "tax_number",
}


class Outcome(enum.StrEnum):
    ADDED = "added"
    EXISTING = "existing"
    REFUSED = "refused"


@dataclass(frozen=True)
class RowResult:
    table: str  # "seasonal" | "demands"
    row: int
    outcome: Outcome
    message: str
    column: str = ""  # the export's column the refusal is about


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.rows if result.outcome == outcome)

    def summary(self) -> str:
        return _(
            "Đã thêm %(a)d dòng; %(e)d dòng đã có sẵn; %(r)d dòng lỗi không được nhập.",
            a=self.count(Outcome.ADDED),
            e=self.count(Outcome.EXISTING),
            r=self.count(Outcome.REFUSED),
        )


def _text(value: object) -> str:
    """A cell as text: dates ISO, whole numbers without ".0", a fraction with a decimal comma (which no whole-number
    field takes, where "1.500" would read as a thousand separator)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value).replace(".", ",")
    return "" if value is None else str(value).strip()


def _values(row: Mapping[str, object], columns: Mapping[str, str]) -> dict[str, str]:
    return {name: _text(row.get(column)) for column, name in columns.items()}


def _row_error(column: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={column: [message]})


def _in_commune(actor: User, commune_code: int, column: str, message: str) -> None:
    try:
        ensure_staff_of_commune(actor, commune_code)
    except DomainError:
        raise _row_error(column, message) from None


# --- seasonal supply --------------------------------------------------------------------------------------


def _seller(actor: User, slug: str) -> Cooperative:
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug[:200]))
    if cooperative is None or not cooperative.verified:
        raise _row_error("ma_htx", _("Không có người bán đã xác minh mã “%(v)s”.", v=slug))
    _in_commune(actor, cooperative.commune_code, "ma_htx", _("%(name)s không thuộc xã của bạn.", name=cooperative.name))
    return cooperative


def _seasonal_row(actor: User, row: Mapping[str, object]) -> tuple[Outcome, str]:
    values = _values(row, SEASONAL_COLUMNS)
    cooperative = _seller(actor, values["seller"])
    cleaned = clean_supply(values)
    same_window = select(SeasonalSupply.title).where(
        SeasonalSupply.cooperative_id == cooperative.id,
        SeasonalSupply.harvest_from == cleaned["harvest_from"],
        SeasonalSupply.harvest_to == cleaned["harvest_to"],
    )
    if any(fold(title) == fold(str(cleaned["title"])) for title in db.session.scalars(same_window)):
        return Outcome.EXISTING, _("Đã có: %(title)s của %(name)s.", title=cleaned["title"], name=cooperative.name)
    db.session.add(SeasonalSupply(cooperative_id=cooperative.id, **cleaned))
    return Outcome.ADDED, _("Đã thêm: %(title)s của %(name)s.", title=cleaned["title"], name=cooperative.name)


# --- demands ------------------------------------------------------------------------------------------------


def _known_demand(values: Mapping[str, str]) -> Demand | None:
    """The demand of Chợ OCOP this row came from (the province's own numbers may collide: the title must match)."""
    ref = values["id"]
    found = db.session.get(Demand, int(ref)) if ref.isdigit() and len(ref) <= 9 else None
    return found if found is not None and fold(found.title) == fold(values["title"]) else None


def _buyer(actor: User, tax_number: str) -> BusinessBuyer:
    digits = tax_number.replace(" ", "").replace("-", "")
    business = db.session.scalar(select(BusinessBuyer).where(BusinessBuyer.tax_number == digits[:20]))
    if business is None or not business.verified:
        raise _row_error(
            "ma_so_thue_nguoi_mua", _("Cần mã số thuế của một người mua doanh nghiệp đã xác minh trên Chợ OCOP.")
        )
    message = _("%(name)s không thuộc xã của bạn.", name=business.organisation_name)
    _in_commune(actor, business.commune_code, "ma_so_thue_nguoi_mua", message)
    return business


def _same_open_demand(business: BusinessBuyer, cleaned: Mapping[str, object]) -> Demand | None:
    query = select(Demand).where(
        Demand.business_id == business.id,
        Demand.status == DemandStatus.OPEN,
        Demand.quantity == cleaned["quantity"],
        Demand.needed_by.is_(None) if cleaned["needed_by"] is None else Demand.needed_by == cleaned["needed_by"],
        Demand.schedule_from.is_(None)
        if cleaned["schedule_from"] is None
        else Demand.schedule_from == cleaned["schedule_from"],
    )
    return next((d for d in db.session.scalars(query) if fold(d.title) == fold(str(cleaned["title"]))), None)


def _demand_row(actor: User, row: Mapping[str, object]) -> tuple[Outcome, str]:
    values = _values(row, DEMAND_COLUMNS)
    known = _known_demand(values)
    if known is not None:
        return Outcome.EXISTING, _("Đã có trên Chợ OCOP: nhu cầu #%(id)d.", id=known.id)
    business = _buyer(actor, values["tax_number"])
    same = _same_open_demand(business, clean_demand(values))
    if same is not None:
        return Outcome.EXISTING, _("Đã có trên Chợ OCOP: nhu cầu #%(id)d.", id=same.id)
    demand = post_demand(business.user, values)
    return Outcome.ADDED, _("Đã đăng nhu cầu #%(id)d cho %(name)s.", id=demand.id, name=business.organisation_name)


# --- the file -----------------------------------------------------------------------------------------------

TABLES = {"seasonal": (SEASONAL_COLUMNS, _seasonal_row), "demands": (DEMAND_COLUMNS, _demand_row)}
COLUMN_OF_FIELD = {
    table: {name: column for column, name in columns.items()} for table, (columns, _row) in TABLES.items()
}


def _table_kind(rows: list[tuple[int, dict[str, object]]]) -> str | None:
    """Which table these rows are, by their headers: seasonal supply, open demands, or one not imported."""
    headers = set(rows[0][1]) if rows else set()
    if {"ma_htx", "thu_hoach_tu"} <= headers:
        return "seasonal"
    if {"ma_nhu_cau", "so_luong", "ma_tinh"} <= headers:
        return "demands"
    return None


def _import_row(actor: User, table: str, number: int, row: dict[str, object]) -> RowResult:
    _columns, handler = TABLES[table]
    try:
        with db.session.begin_nested():
            outcome, message = handler(actor, row)
    except DomainError as error:
        fields = error.extra.get("fields") or {}
        key = next(iter(fields), "")
        column = COLUMN_OF_FIELD[table].get(key, key)
        detail = fields[key][0] if key else error.message
        return RowResult(table, number, Outcome.REFUSED, str(detail), column)
    return RowResult(table, number, outcome, message)


def import_supply_and_demand(actor: User, data: bytes) -> ImportReport:
    """Import the seasonal-supply and open-demand rows of a workbook or CSV file; the other tables (sellers,
    products) are read by the province, not imported back."""
    if actor.role not in (Role.COMMUNE_STAFF, Role.ADMIN):
        raise Forbidden(_("Chỉ cán bộ xã hoặc quản trị viên được nhập dữ liệu cung cầu."))
    tables = [(kind, rows) for rows in read_tables(data, MAX_ROWS).values() if (kind := _table_kind(rows))]
    if not tables:
        raise ValidationFailed(
            _("Không thấy bảng nguồn hàng theo mùa hay nhu cầu (cột ma_htx, thu_hoach_tu hoặc ma_nhu_cau, so_luong)."),
            code="bad_header",
        )
    report = ImportReport()
    for kind, rows in tables:
        report.rows.extend(_import_row(actor, kind, number, row) for number, row in rows)
    record_audit(
        actor,
        "supply.imported",
        "user",
        actor.id,
        added=report.count(Outcome.ADDED),
        existing=report.count(Outcome.EXISTING),
        refused=report.count(Outcome.REFUSED),
    )
    db.session.flush()
    return report
