"""Bulk onboarding for communes that keep lists: an Excel template with drop-down lists, and an import that makes
each good row a seller verified by the importing staff member, with an owner invitation; a row-by-row report.

Each row is all or nothing (its own SAVEPOINT): a wrong row leaves nothing behind and is reported with its number
and the reason in Vietnamese. Importing the same file again adds nothing: a row whose seller already exists (same
registration number, or same name in the same commune) is reported as already there.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..jobs.models import Job
from ..jobs.services import progress_reporter, report_progress, run_job, write_phase
from ..models import Bank, Commune, Cooperative, CooperativeKind, CoopRole, Invitation, Province, Role, User
from ..permissions import communes_visible_to, ensure_staff_of_commune
from ..services import (
    create_cooperative,
    find_user_by_email,
    invite_owner,
    normalise_email,
    normalise_registration_no,
    record_audit,
    verify_cooperative,
)
from ..spreadsheets import list_validation, read_sheet, workbook_bytes, write_header
from ..storage import storage
from ..text import fold, spreadsheet_safe, utcnow
from ..urls import public_url
from .labels import kind_labels

MAX_ROWS = 2_000
IMPORT_TASK = "marketplace.import_sellers"
# (field key, Vietnamese header, example value, column width)
COLUMNS = (
    ("name", "Tên người bán", "Ví dụ: Hợp tác xã Nấm mèo Vạn Sơn (dòng này không được nhập)", 40),
    ("kind", "Loại hình", "Hợp tác xã", 16),
    ("registration_no", "Mã số đăng ký/mã số thuế", "2801234567", 22),
    ("province", "Tỉnh/thành phố", "Thanh Hóa", 20),
    ("commune", "Xã/phường", "Xã Triệu Sơn, Thanh Hóa", 34),
    ("address", "Địa chỉ", "Thôn 3", 26),
    ("phone", "Điện thoại", "0912345678", 14),
    ("representative", "Người đại diện", "Lò Văn Páo", 22),
    ("bank", "Ngân hàng", "Agribank — Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", 34),
    ("account_no", "Số tài khoản", "3500205100001", 18),
    ("account_holder", "Chủ tài khoản", "HTX NAM MEO VAN SON", 24),
    ("owner_email", "E-mail chủ gian hàng", "chu.htx@example.vn", 26),
)
HEADERS = {key: header for key, header, _example, _width in COLUMNS}
HEADER_TO_KEY = {fold(header): key for key, header, _example, _width in COLUMNS}
COLUMN_OF = {key: index + 1 for index, (key, *_rest) in enumerate(COLUMNS)}
TEXT_COLUMNS = ("registration_no", "phone", "account_no")  # digits with leading zeros: typed as text
FIELD_TO_COLUMN = {"bank_bin": "bank", "email": "owner_email"}  # service field names → template columns


def accept_url(token: str) -> str:
    """The owner invitation's link, on PUBLIC_BASE_URL (it goes out by mail)."""
    return public_url("main.accept_invitation", token=token)


def bank_label(bank: Bank) -> str:
    return f"{bank.short_name} — {bank.name}"


@dataclass
class RowResult:
    row: int
    column: str
    header: str
    message: str


@dataclass
class OnboardingReport:
    created: list[str] = field(default_factory=list)  # slugs of the new sellers
    existing: list[RowResult] = field(default_factory=list)  # rows whose seller is already there
    errors: list[RowResult] = field(default_factory=list)

    def as_dict(self, limit: int = 500) -> dict:
        return {
            "created": len(self.created),
            "slugs": self.created[:limit],
            "skipped": len(self.errors),
            "existing": [r.__dict__ for r in self.existing[:limit]],
            "errors": [r.__dict__ for r in self.errors[:limit]],
            "error_count": len(self.errors),
        }


# --- the template -------------------------------------------------------------------------------------------


def template_workbook(actor: User) -> bytes:
    """Headers, an example row, and drop-down lists (kind, province, commune as "Xã Triệu Sơn, Thanh Hóa", bank)
    kept on a hidden sheet; commune staff get their own commune only, admin every commune."""
    query = communes_visible_to(actor).join(Province).options(contains_eager(Commune.province))
    communes = list(db.session.scalars(query.order_by(Province.name, Commune.name)))
    provinces = sorted({c.province.name for c in communes})
    banks = [bank_label(b) for b in db.session.scalars(select(Bank).where(Bank.active).order_by(Bank.short_name))]
    lists = {
        "kind": list(kind_labels().values()),
        "province": provinces,
        "commune": [c.full_name for c in communes],
        "bank": banks,
    }
    book = Workbook()
    sheet = book.active
    sheet.title = "Người bán"
    hidden = book.create_sheet("Danh sách")
    hidden.sheet_state = "hidden"
    write_header(sheet, [(header, example, width) for _key, header, example, width in COLUMNS])
    for list_column, (key, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(list_column)
        for row, value in enumerate(values, 1):
            hidden.cell(row, list_column, spreadsheet_safe(value))
        formula = f"'Danh sách'!${letter}$1:${letter}${max(len(values), 1)}"
        list_validation(sheet, COLUMN_OF[key], formula, MAX_ROWS)
    for key in TEXT_COLUMNS:  # Excel would otherwise drop a tax code's or an account's leading zero
        letter = get_column_letter(COLUMN_OF[key])
        for row in range(2, MAX_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "@"
    return workbook_bytes(book)


# --- reading and importing ----------------------------------------------------------------------------------


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(row number, {field: text}) for every filled row; headers matched without accents."""
    missing = _("Không thấy cột “Tên người bán” và “Xã/phường”. Hãy dùng tệp mẫu.")
    rows = read_sheet(data, HEADER_TO_KEY, ("name", "commune"), missing, MAX_ROWS)
    return [(number, {k: _text(v) for k, v in row.items()}) for number, row in rows]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Lookups:
    """Communes, kinds and banks by what a person types or picks, loaded once per import."""

    def __init__(self) -> None:
        communes = db.session.scalars(select(Commune).join(Province).options(contains_eager(Commune.province))).all()
        self.communes = {fold(c.full_name): c for c in communes}
        self.communes.update({str(c.code): c for c in communes})
        self.by_name: dict[str, list[Commune]] = {}
        for c in communes:
            self.by_name.setdefault(fold(c.name), []).append(c)
        self.kinds = {fold(label): kind for kind, label in kind_labels().items()}
        self.kinds.update({kind.value: kind for kind in CooperativeKind})
        self.banks: dict[str, str] = {}
        for bank in db.session.scalars(select(Bank)):
            for key in (bank_label(bank), bank.short_name, bank.name, bank.bin):
                self.banks[fold(key)] = bank.bin

    def commune(self, text: str, province: str) -> Commune:
        found = self.communes.get(fold(text))
        if found is None:  # a bare commune name, told apart by the province column
            matches = [
                c for c in self.by_name.get(fold(text), []) if not province or fold(c.province.name) == fold(province)
            ]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise _row_error("commune", _("Không tìm thấy xã “%(v)s”: hãy chọn trong danh sách.", v=text))
        if province and fold(found.province.name) != fold(province):
            raise _row_error("province", _("Xã %(c)s không thuộc %(p)s.", c=found.name, p=province))
        return found

    def kind(self, text: str) -> CooperativeKind:
        if not text:
            return CooperativeKind.HTX
        if fold(text) not in self.kinds:
            raise _row_error("kind", _("Loại hình “%(v)s” không có trong danh sách.", v=text))
        return self.kinds[fold(text)]

    def bank_bin(self, text: str) -> str | None:
        if not text:
            return None
        if fold(text) not in self.banks:
            raise _row_error("bank", _("Ngân hàng “%(v)s” không có trong danh sách NAPAS.", v=text))
        return self.banks[fold(text)]


def _row_error(column: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={column: [message]})


def _registration_no(text: str) -> str | None:
    digits = text.replace(" ", "").replace(".", "")
    if digits.isdigit() and len(digits) in (9, 12):  # a number cell lost its leading zero
        digits = "0" + digits
    return normalise_registration_no(digits)


def _existing(name: str, commune_code: int, registration_no: str | None) -> Cooperative | None:
    """The seller this row describes, if already on the marketplace (by registration number, or name + commune)."""
    if registration_no:
        found = db.session.scalar(select(Cooperative).where(Cooperative.registration_no == registration_no))
        if found is not None:
            return found
    same_commune = db.session.scalars(select(Cooperative).where(Cooperative.commune_code == commune_code))
    return next((c for c in same_commune if fold(c.name) == fold(name)), None)


def _check_owner_email(text: str) -> str:
    if not text:
        raise _row_error("owner_email", _("Cần e-mail của chủ gian hàng để gửi lời mời."))
    email = normalise_email(text)
    user = find_user_by_email(email)
    if user is not None and (user.role not in (Role.BUYER, Role.COOPERATIVE) or user.cooperative_id is not None):
        raise _row_error("owner_email", _("E-mail %(e)s đã thuộc một người bán khác hoặc cán bộ.", e=email))
    invited = db.session.scalar(  # one account owns one seller: an open owner invitation (this file's too) counts
        select(Cooperative.name)
        .join(Invitation, Invitation.cooperative_id == Cooperative.id)
        .where(
            Invitation.email == email,
            Invitation.role == CoopRole.OWNER,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .limit(1)
    )
    if invited is not None:
        raise _row_error("owner_email", _("E-mail %(e)s đã được mời làm chủ %(c)s.", e=email, c=invited))
    return email


def _onboard_row(actor: User, row: dict, lookups: _Lookups, accept_url_for) -> tuple[Cooperative, bool]:
    """One row: (the seller, True) when made now, (the seller, False) when it was already there."""
    name = row.get("name", "")
    if not name:
        raise _row_error("name", _("Thiếu tên người bán."))
    commune = lookups.commune(row.get("commune", ""), row.get("province", ""))
    try:
        ensure_staff_of_commune(actor, commune.code)
    except DomainError:
        raise _row_error(
            "commune", _("%(c)s không phải xã của bạn: cán bộ xã chỉ nhập người bán của xã mình.", c=commune.full_name)
        ) from None
    registration_no = _registration_no(row.get("registration_no", ""))
    found = _existing(name, commune.code, registration_no)
    if found is not None:
        return found, False
    kind, bank_bin = lookups.kind(row.get("kind", "")), lookups.bank_bin(row.get("bank", ""))
    email = _check_owner_email(row.get("owner_email", ""))
    cooperative = create_cooperative(
        name,
        commune.code,
        kind=kind,
        registration_no=registration_no,
        representative=row.get("representative", ""),
        address=row.get("address", ""),
        phone=row.get("phone", ""),
        bank_bin=bank_bin,
        account_no=row.get("account_no") or None,
        account_holder=row.get("account_holder") or None,
    )
    verify_cooperative(actor, cooperative)
    invite_owner(actor, cooperative, email, accept_url_for)
    return cooperative, True


def _result(number: int, error: DomainError) -> RowResult:
    fields = error.extra.get("fields") or {}
    key = next(iter(fields), "name")
    column = FIELD_TO_COLUMN.get(key, key)
    return RowResult(number, get_column_letter(COLUMN_OF.get(column, 1)), HEADERS.get(column, ""), error.message)


def _import_row(actor: User, number: int, row: dict, lookups: _Lookups, accept_url_for, report) -> None:
    try:
        with db.session.begin_nested():
            cooperative, created = _onboard_row(actor, row, lookups, accept_url_for)
    except DomainError as error:
        report.errors.append(_result(number, error))
        return
    if created:
        report.created.append(cooperative.slug)
        return
    message = _(
        "Đã có trên Chợ OCOP: %(name)s (%(slug)s), không tạo thêm.", name=cooperative.name, slug=cooperative.slug
    )
    report.existing.append(RowResult(number, "A", HEADERS["name"], message))


def import_sellers(
    actor: User,
    rows: list[tuple[int, dict]],
    accept_url_for: Callable[[str], str],
    progress: Callable[[int], None] | None = None,
) -> OnboardingReport:
    """Each good row becomes a seller verified by `actor` with an owner invitation; each row in its own savepoint.
    With `progress` (the background job) each row is committed before its progress is written, on SQLite too."""
    if actor.role not in (Role.COMMUNE_STAFF, Role.ADMIN):
        raise DomainError(_("Chỉ cán bộ xã hoặc quản trị viên được nhập danh sách người bán."), status=403)
    report, lookups = OnboardingReport(), _Lookups()
    for number, row in rows:
        with write_phase() if progress else nullcontext():
            _import_row(actor, number, row, lookups, accept_url_for, report)
            if progress:
                db.session.commit()
        if progress:
            progress(1)
    record_audit(
        actor,
        "cooperative.imported",
        "user",
        actor.id,
        commune_code=actor.commune_code,
        created=len(report.created),
        existing=len(report.existing),
        skipped=len(report.errors),
    )
    db.session.flush()
    return report


def run_import_job(job_id: str, accept_url_for: Callable[[str], str]) -> bool:
    """Celery side of a long list started from the import page (progress and report on /jobs/<id>)."""

    def work(job: Job) -> tuple[dict, str]:
        # the upload kept in storage by keep_upload (older jobs: a file path on the host that took the upload)
        key, legacy_path = job.params.get("key"), job.params.get("path")
        rows = read_rows(storage().read(key) if key else Path(legacy_path).read_bytes())
        report_progress(job_id, 0, len(rows))
        actor = db.session.get(User, job.owner_id)
        report = import_sellers(actor, rows, accept_url_for, progress_reporter(job_id, len(rows), every=20))
        if key:
            storage().delete(key)
        else:
            Path(legacy_path).unlink(missing_ok=True)
        return report.as_dict(), summary(report)

    return run_job(job_id, work)


def summary(report: OnboardingReport) -> str:
    return _(
        "Đã tạo và xác minh %(c)d người bán; %(e)d đã có sẵn; %(s)d dòng lỗi không được nhập.",
        c=len(report.created),
        e=len(report.existing),
        s=len(report.errors),
    )
